"""Accounts: users, server-side browser sessions and API tokens."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from disclosure.db import enum_field, timestamp_field, utcnow
from disclosure.policy import TokenScope, UserRole

__all__ = ["ApiToken", "LoginSession", "PasswordReset", "TokenScope", "User", "UserRole"]


class User(SQLModel, table=True):
    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True)
    password_hash: str = Field(max_length=255)
    role: UserRole = enum_field(UserRole)
    display_name: str = Field(default="", max_length=120)
    # The user's OpenPGP key: mail to them is encrypted to it when present.
    pgp_fingerprint: str | None = Field(default=None, max_length=64)
    pgp_public_key: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    is_active: bool = True
    must_change_password: bool = False
    failed_login_count: int = 0
    locked_until: datetime | None = timestamp_field(nullable=True)
    last_login_at: datetime | None = timestamp_field(nullable=True)
    password_changed_at: datetime = timestamp_field(default_factory=utcnow)
    created_at: datetime = timestamp_field(default_factory=utcnow)


class LoginSession(SQLModel, table=True):
    """A browser session. The id is the SHA-256 of the cookie value, never the value itself."""

    __tablename__ = "login_session"

    id: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    created_at: datetime = timestamp_field(default_factory=utcnow)
    last_seen_at: datetime = timestamp_field(default_factory=utcnow)
    expires_at: datetime = timestamp_field()
    revoked_at: datetime | None = timestamp_field(nullable=True)
    revoked_reason: str = Field(default="", max_length=120)
    ip_address: str = Field(default="", max_length=45)
    user_agent: str = Field(default="", max_length=255)


class ApiToken(SQLModel, table=True):
    """A bearer token. Only its SHA-256 is stored; the prefix lets a user recognise it."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    name: str = Field(default="", max_length=120)
    prefix: str = Field(max_length=16)
    token_hash: str = Field(max_length=64, unique=True)
    scopes: str = Field(max_length=255)
    created_at: datetime = timestamp_field(default_factory=utcnow)
    expires_at: datetime = timestamp_field()
    revoked_at: datetime | None = timestamp_field(nullable=True)
    last_used_at: datetime | None = timestamp_field(nullable=True)

    @property
    def scope_set(self) -> frozenset[TokenScope]:
        return frozenset(TokenScope(scope) for scope in self.scopes.split())


class PasswordReset(SQLModel, table=True):
    """A one-time link to choose a new password, mailed when a reset is forced. Only the
    SHA-256 of the token in the link is stored."""

    __tablename__ = "password_reset"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = timestamp_field(default_factory=utcnow)
    expires_at: datetime = timestamp_field()
    used_at: datetime | None = timestamp_field(nullable=True)
