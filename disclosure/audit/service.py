"""Record audit events into the hash chain, and verify the chain."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from disclosure.audit.models import AuditEvent
from disclosure.db import is_postgresql

GENESIS = "0" * 64
# Serialises appends across processes on PostgreSQL (an arbitrary, fixed 64-bit key).
_CHAIN_LOCK_KEY = 0x6469_7363_6C6F_7375


@dataclass(frozen=True)
class Actor:
    """Who did something: a user, or the system itself (CLI, scheduler)."""

    user_id: int | None
    label: str
    ip_address: str = ""

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(user_id=None, label=label)


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    now: datetime,
    subject_type: str = "",
    subject_id: object = "",
    details: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain. Never put report plaintext in `details`."""
    if is_postgresql(session):
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK_KEY})
    tail = session.exec(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).first()
    event = AuditEvent(
        at=now.astimezone(UTC),
        actor_id=actor.user_id,
        actor=actor.label,
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        ip_address=actor.ip_address,
        details=json.dumps(dict(details or {}), sort_keys=True, separators=(",", ":")),
        prev_hash=tail or GENESIS,
        hash="",
    )
    event.hash = event_hash(event)
    session.add(event)
    session.flush()
    return event


def event_hash(event: AuditEvent) -> str:
    """SHA-256 over the event's content and its predecessor's hash."""
    content = [
        event.prev_hash,
        event.at.astimezone(UTC).isoformat(timespec="microseconds"),
        event.actor_id,
        event.actor,
        event.action,
        event.subject_type,
        event.subject_id,
        event.ip_address,
        event.details,
    ]
    return hashlib.sha256(json.dumps(content, separators=(",", ":")).encode()).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    reason: str


@dataclass(frozen=True)
class Checkpoint:
    """The chain's head at some moment (an event id and its hash), kept outside the database:
    a chain that is intact in itself but was truncated or rewritten since then disagrees."""

    event_id: int
    hash: str

    def to_json(self) -> str:
        return json.dumps({"event_id": self.event_id, "hash": self.hash}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Checkpoint:
        """A checkpoint from its JSON; ValueError naming what is wrong."""
        try:
            data = json.loads(text)
            event_id, digest = data["event_id"], data["hash"]
        except (ValueError, TypeError, KeyError):
            raise ValueError('a checkpoint is JSON: {"event_id": N, "hash": "<64 hex>"}') from None
        if not isinstance(event_id, int) or not isinstance(digest, str) or len(digest) != 64:
            raise ValueError('a checkpoint is JSON: {"event_id": N, "hash": "<64 hex>"}')
        return cls(event_id, digest)


def chain_head(session: Session) -> Checkpoint | None:
    """The last event's id and hash; None while the log is empty."""
    last = session.exec(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).first()
    return Checkpoint(last.id or 0, last.hash) if last else None


def verify_chain(
    session: Session, batch: int = 1000, *, checkpoint: Checkpoint | None = None
) -> list[ChainBreak]:
    """Every place where the stored chain disagrees with a recomputation (and with the
    checkpoint, when one is given); empty when intact."""
    breaks: list[ChainBreak] = []
    expected_prev = GENESIS
    last_id = 0
    for event in _events_in_order(session, batch):
        if event.prev_hash != expected_prev:
            breaks.append(ChainBreak(event.id or 0, "link to the previous event is broken"))
        if event_hash(event) != event.hash:
            breaks.append(ChainBreak(event.id or 0, "content does not match its hash"))
        if checkpoint and event.id == checkpoint.event_id and event.hash != checkpoint.hash:
            breaks.append(
                ChainBreak(event.id, "differs from the checkpoint: the chain was rewritten")
            )
        expected_prev = event.hash
        last_id = event.id or last_id
    if checkpoint and last_id < checkpoint.event_id:
        reason = f"the chain ends before the checkpoint's event {checkpoint.event_id}"
        breaks.append(ChainBreak(last_id, reason + ": events were removed from its end"))
    return breaks


def _events_in_order(session: Session, batch: int) -> Iterator[AuditEvent]:
    last_id = 0
    while True:
        rows = session.exec(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id or last_id
