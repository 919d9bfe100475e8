"""Outbox delivery: send what is due over SMTP, retry with backoff, never drop a message.

A flush claims a batch in a short transaction (FOR UPDATE SKIP LOCKED on PostgreSQL, then a
conditional UPDATE that pushes `next_attempt_at` out by a lease, so a second scheduler, or a
second SQLite process, does not take the same rows). It then talks SMTP outside any
transaction and records each result as soon as it has it, so a crash resends at most the
message in flight. A message the server refuses, or that waits for a server that is down,
gets `attempts + 1`, a short `last_error` and its next attempt 1, 2, 4 ... minutes later, at
most 6 hours; it is never deleted.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from disclosure.db import is_postgresql, unit_of_work
from disclosure.notify import smtp
from disclosure.notify.models import OutboxMessage

if TYPE_CHECKING:
    from disclosure.services import Services

log = logging.getLogger(__name__)

FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=6)
# How long a claimed message stays invisible to other flushes; only a crash lets it expire.
LEASE = timedelta(minutes=15)


def retry_delay(attempts: int) -> timedelta:
    """The wait after the n-th failed attempt: 1 minute, 2, 4, ... at most 6 hours."""
    return min(FIRST_RETRY * 2 ** min(max(attempts, 1) - 1, 20), LONGEST_RETRY)


def flush_outbox(services: Services, now: datetime, *, batch: int = 50) -> int:
    """Send due, unsent mail over settings.smtp_url; returns how many were sent."""
    settings = services.settings
    if not settings.smtp_url:
        waiting = count_unsent(services.engine)
        if waiting:
            log.info("outbox: %d message(s) wait; smtp_url is not set", waiting)
        return 0
    target = smtp.parse_smtp_url(settings.smtp_url)
    sent = 0
    while True:
        claimed = _claim(services.engine, now, batch)
        if not claimed:
            return sent
        delivered, is_down = _deliver(services.engine, target, claimed, settings.mail_from, now)
        sent += delivered
        if is_down or len(claimed) < batch:
            return sent


def count_unsent(engine: Engine) -> int:
    """How many messages have not been sent yet."""
    with Session(engine) as session:
        query = select(func.count()).select_from(OutboxMessage)
        return session.exec(query.where(col(OutboxMessage.sent_at).is_(None))).one()


def _claim(engine: Engine, now: datetime, batch: int) -> list[int]:
    """Take up to `batch` due messages for this flush (ids, oldest first)."""
    with unit_of_work(engine) as session:
        query = (
            select(OutboxMessage.id)
            .where(col(OutboxMessage.sent_at).is_(None), col(OutboxMessage.next_attempt_at) <= now)
            .order_by(col(OutboxMessage.next_attempt_at), col(OutboxMessage.id))
            .limit(batch)
        )
        if is_postgresql(session):
            query = query.with_for_update(skip_locked=True)
        claimed = []
        for message_id in session.exec(query):
            result = session.execute(
                sa.update(OutboxMessage)
                .where(
                    col(OutboxMessage.id) == message_id,
                    col(OutboxMessage.sent_at).is_(None),
                    col(OutboxMessage.next_attempt_at) <= now,
                )
                .values(next_attempt_at=now + LEASE)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount == 1:
                claimed.append(message_id or 0)
        return claimed


def _deliver(
    engine: Engine, target: smtp.SmtpTarget, ids: list[int], mail_from: str, now: datetime
) -> tuple[int, bool]:
    """Send the claimed messages over one connection; (sent, whether the server was down)."""
    with Session(engine, expire_on_commit=False) as session:
        query = select(OutboxMessage).where(col(OutboxMessage.id).in_(ids))
        messages = list(session.exec(query.order_by(col(OutboxMessage.id))))
    sent, done = 0, 0
    try:
        with smtp.connection(target) as connection:
            for message in messages:
                error = _send_one(connection, message, mail_from, now)
                _record(engine, message.id or 0, now, error)
                sent, done = sent + (error is None), done + 1
    except smtp.SmtpUnavailable as exc:
        for message in messages[done:]:
            _record(engine, message.id or 0, now, exc.error)
        waiting = len(messages) - done
        log.warning(
            "outbox: SMTP unavailable (%s); %d message(s) retried later", exc.error, waiting
        )
        return sent, True
    return sent, False


def _send_one(
    connection: smtplib.SMTP, message: OutboxMessage, mail_from: str, now: datetime
) -> str | None:
    try:
        mail = smtp.build_mail(message, mail_from=mail_from, now=now)
    except (ValueError, TypeError) as exc:  # e.g. a line break in an address
        return smtp.short_error(exc)
    return smtp.send(connection, mail, mail_from=mail_from, to=message.recipient)


def _record(engine: Engine, message_id: int, now: datetime, error: str | None) -> None:
    """Store one message's outcome: sent, or failed with its next attempt."""
    with unit_of_work(engine) as session:
        message = session.get(OutboxMessage, message_id)
        if message is None:
            return
        if error is None:
            message.sent_at, message.last_error = now, ""
            log.info("outbox: message %s sent (attempt %d)", message_id, message.attempts + 1)
        else:
            message.attempts += 1
            message.last_error = error[:500]
            message.next_attempt_at = now + retry_delay(message.attempts)
            log.warning(
                "outbox: message %s not sent (attempt %d), next at %s: %s",
                message_id,
                message.attempts,
                message.next_attempt_at.isoformat(timespec="seconds"),
                error,
            )
        session.add(message)
