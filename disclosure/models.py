"""Imports every table model so that SQLModel.metadata is complete (Alembic, tests)."""

from disclosure.accounts.calendar.models import CalendarFeed
from disclosure.accounts.models import ApiToken, LoginSession, PasswordReset, User
from disclosure.accounts.twofactor.models import RecoveryCode, TotpCredential
from disclosure.audit.models import AuditEvent
from disclosure.cases.clock.models import CaseTimer
from disclosure.cases.coordination.models import CveId, Participant, VexStatement
from disclosure.cases.models import (
    AffectedProduct,
    Case,
    CaseBlob,
    CaseEvent,
    ExtensionRequest,
    TitleKey,
)
from disclosure.notify.models import OutboxMessage
from disclosure.policies.models import PolicyVersion
from disclosure.programs.models import Program, ProgramKey, ProgramMember
from disclosure.publication.models import (
    Advisory,
    AdvisoryListing,
    AdvisoryRevision,
    FeedState,
    PublishedFile,
)
from disclosure.reports.models import PlatformKey, Receipt

__all__ = [
    "Advisory",
    "AdvisoryListing",
    "AdvisoryRevision",
    "AffectedProduct",
    "ApiToken",
    "AuditEvent",
    "CalendarFeed",
    "Case",
    "CaseBlob",
    "CaseEvent",
    "CaseTimer",
    "CveId",
    "ExtensionRequest",
    "FeedState",
    "LoginSession",
    "OutboxMessage",
    "Participant",
    "PasswordReset",
    "PlatformKey",
    "PolicyVersion",
    "Program",
    "ProgramKey",
    "ProgramMember",
    "PublishedFile",
    "Receipt",
    "RecoveryCode",
    "TitleKey",
    "TotpCredential",
    "User",
    "VexStatement",
]
