"""Imports every table model so that SQLModel.metadata is complete (Alembic, tests)."""

from disclosure.accounts.models import ApiToken, LoginSession, User
from disclosure.audit.models import AuditEvent
from disclosure.cases.models import Case, CaseBlob
from disclosure.programs.models import Program, ProgramKey, ProgramMember
from disclosure.reports.models import PlatformKey, Receipt

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Case",
    "CaseBlob",
    "LoginSession",
    "PlatformKey",
    "Program",
    "ProgramKey",
    "ProgramMember",
    "Receipt",
    "User",
]
