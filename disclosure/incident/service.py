"""Granular incident verbs: end sessions, revoke tokens, force password resets, rotate the
secret key, revoke calendar feeds; for one user or for everyone. Each is audited and mails
every affected user (encrypted to their key when they have one, like every notification).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlmodel import Session, col, select

from disclosure.accounts import resets, service, sessions, tokens
from disclosure.accounts.calendar.models import CalendarFeed
from disclosure.accounts.models import User
from disclosure.audit.service import Actor, record
from disclosure.crypto import Keyring
from disclosure.errors import NotFound
from disclosure.incident.messages import incident_mail
from disclosure.notify.service import Recipient, enqueue
from disclosure.settings import write_rotated_secret

Action = Literal[
    "revoke-sessions",
    "revoke-tokens",
    "force-password-reset",
    "rotate-secret-key",
    "revoke-integrations",
]
ACTIONS: tuple[Action, ...] = (
    "revoke-sessions",
    "revoke-tokens",
    "force-password-reset",
    "rotate-secret-key",
    "revoke-integrations",
)


class IncidentRequest(BaseModel):
    """One incident verb, for everyone (`email` empty) or one account."""

    model_config = ConfigDict(str_strip_whitespace=True)

    action: Action
    scope: Literal["all", "user"]
    email: str = Field(default="", max_length=254)
    reason: str = Field(min_length=3, max_length=500)

    @model_validator(mode="after")
    def _user_needs_an_email(self) -> IncidentRequest:
        if self.scope == "user" and not self.email:
            raise ValueError("Name the account (its email) or choose everyone.")
        if self.action == "rotate-secret-key" and self.scope != "all":
            raise ValueError("The secret key is the platform's: rotating it affects everyone.")
        return self


# What a verb did to one user: how many things it revoked and the token to mail (a reset
# link's), or None when the user had nothing of the kind (then they are not mailed).
Done = tuple[int, str] | None


@dataclass(frozen=True)
class Context:
    """What the verbs need besides the session: who acts, when, and the instance's parts."""

    actor: Actor
    now: datetime
    keyring: Keyring | None
    base_url: str
    instance_path: Path


@dataclass
class Outcome:
    action: Action
    counts: dict[str, int] = field(default_factory=dict)
    notified: int = 0

    def lines(self) -> list[str]:
        """The outcome as the CLI prints it and the admin page shows it."""
        return [f"{what.replace('_', ' ')}: {n}" for what, n in self.counts.items()] + [
            f"users notified: {self.notified}"
        ]


def respond(session: Session, ctx: Context, request: IncidentRequest) -> Outcome:
    """Carry out one incident verb; audited, affected users mailed."""
    users = _targets(session, request.email if request.scope == "user" else "")
    outcome = Outcome(request.action)
    verb: Callable[[Session, Context, User, str], Done] = _VERBS[request.action]
    if request.action == "rotate-secret-key":
        write_rotated_secret(ctx.instance_path)
        outcome.counts["secret_keys_rotated"] = 1
    count_name = _COUNTS[request.action]
    outcome.counts[count_name] = 0
    for user in users:
        done = verb(session, ctx, user, request.reason)
        if done is None:
            continue  # nothing of this kind to revoke: the user is not affected
        outcome.counts[count_name] += done[0]
        _notify(session, ctx, user, request, token=done[1])
        outcome.notified += 1
    record(
        session,
        ctx.actor,
        f"incident.{request.action.replace('-', '_')}",
        now=ctx.now,
        subject_type="user" if request.scope == "user" else "",
        subject_id=users[0].id if request.scope == "user" else "",
        details={
            "scope": request.email if request.scope == "user" else "all",
            "reason": request.reason,
            **outcome.counts,
            "notified": outcome.notified,
        },
    )
    return outcome


def _targets(session: Session, email: str) -> list[User]:
    if email:
        user = service.find_user_by_email(session, email)
        if user is None:
            raise NotFound(f"No account {email}.", fields={"email": "No such account."})
        return [user]
    return list(session.exec(select(User).where(User.is_active).order_by(col(User.id))).all())


def _notify(
    session: Session, ctx: Context, user: User, request: IncidentRequest, *, token: str
) -> None:
    mail = incident_mail(request.action, reason=request.reason, base_url=ctx.base_url, token=token)
    enqueue(
        session,
        ctx.keyring,
        Recipient.of(user),
        subject=mail.subject,
        body=mail.body,
        now=ctx.now,
    )


def _end_sessions(session: Session, ctx: Context, user: User, reason: str) -> Done:
    ended = sessions.revoke_user_sessions(
        session, user.id or 0, now=ctx.now, reason=f"incident: {reason}"[:120]
    )
    return (ended, "") if ended else None


def _revoke_tokens(session: Session, ctx: Context, user: User, _reason: str) -> Done:
    revoked = tokens.revoke_user_tokens(session, user.id or 0, now=ctx.now)
    return (revoked, "") if revoked else None


def _force_reset(session: Session, ctx: Context, user: User, reason: str) -> Done:
    return 1, resets.force_reset(session, user, now=ctx.now, reason=f"incident: {reason}")


def _revoke_feeds(session: Session, _ctx: Context, user: User, _reason: str) -> Done:
    deleted = session.execute(
        sa.delete(CalendarFeed).where(col(CalendarFeed.user_id) == user.id)
    ).rowcount
    return (deleted, "") if deleted else None


_VERBS = {
    "revoke-sessions": _end_sessions,
    "revoke-tokens": _revoke_tokens,
    "force-password-reset": _force_reset,
    "rotate-secret-key": _end_sessions,  # the new key signs nothing an old session had
    "revoke-integrations": _revoke_feeds,
}
_COUNTS = {
    "revoke-sessions": "sessions_revoked",
    "revoke-tokens": "tokens_revoked",
    "force-password-reset": "password_resets_forced",
    "rotate-secret-key": "sessions_revoked",
    "revoke-integrations": "calendar_feeds_revoked",
}
