"""Imports every table model so that SQLModel.metadata is complete (Alembic, tests)."""

from disclosure.accounts.models import ApiToken, LoginSession, User
from disclosure.audit.models import AuditEvent
from disclosure.programs.models import Program, ProgramKey, ProgramMember

__all__ = [
    "ApiToken",
    "AuditEvent",
    "LoginSession",
    "Program",
    "ProgramKey",
    "ProgramMember",
    "User",
]
