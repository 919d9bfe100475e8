"""Enqueue mail in the outbox, in the same transaction as the change it reports.

A body never carries report text: notifications say what happened and link to the case.
When the recipient has an OpenPGP key the body is encrypted to it before it is stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from disclosure.accounts.models import User
from disclosure.crypto import Keyring
from disclosure.notify.models import OutboxMessage
from disclosure.programs.models import MemberRole, ProgramMember


@dataclass(frozen=True)
class Recipient:
    email: str
    pgp_fingerprint: str | None = None

    @classmethod
    def of(cls, user: User) -> Recipient:
        return cls(user.email, user.pgp_fingerprint)


def enqueue(
    session: Session,
    keyring: Keyring | None,
    recipient: Recipient,
    *,
    subject: str,
    body: str,
    now: datetime,
    dedupe_key: str | None = None,
) -> OutboxMessage | None:
    """Put one mail in the outbox; None when `dedupe_key` was already used (sent once only)."""
    if (
        dedupe_key is not None
        and session.exec(
            select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
        ).first()
        is not None
    ):
        return None
    encrypted = False
    if recipient.pgp_fingerprint and keyring is not None:
        body = keyring.encrypt(body.encode(), [recipient.pgp_fingerprint]).decode()
        encrypted = True
    message = OutboxMessage(
        recipient=recipient.email,
        subject=subject[:300],
        body=body,
        is_encrypted=encrypted,
        dedupe_key=dedupe_key,
        created_at=now,
        next_attempt_at=now,
    )
    try:
        with session.begin_nested():
            session.add(message)
            session.flush()
    except sa.exc.IntegrityError:
        return None  # a concurrent writer enqueued the same dedupe key first
    return message


def program_members(
    session: Session, program_id: int, roles: Iterable[MemberRole] = tuple(MemberRole)
) -> list[Recipient]:
    """The active members of a program with one of `roles`, as mail recipients."""
    users = session.exec(
        select(User)
        .join(ProgramMember, col(ProgramMember.user_id) == User.id)
        .where(
            ProgramMember.program_id == program_id,
            col(ProgramMember.role).in_(list(roles)),
            User.is_active,
        )
        .order_by(col(User.id))
    )
    return [Recipient.of(user) for user in users]


def reporter(session: Session, reporter_id: int | None) -> Recipient | None:
    """The case's reporter as a recipient; None for anonymous reports (no address known)."""
    user = session.get(User, reporter_id) if reporter_id is not None else None
    return Recipient.of(user) if user is not None and user.is_active else None
