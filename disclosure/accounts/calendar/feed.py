"""Calendar feeds: a secret URL per user, and its iCalendar document (RFC 5545, by hand).

The token in the URL is the only credential, so only its SHA-256 is stored; regenerating
replaces it and revoking deletes it. Which events a feed holds is the cases' business
(cases.clock.calendar: metadata only, never report text).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from disclosure.accounts.calendar.models import CalendarFeed
from disclosure.accounts.models import User
from disclosure.audit.service import Actor, record
from disclosure.errors import NotFound

TOKEN_PREFIX = "cal_"  # noqa: S105  (a public marker that makes leaked feed URLs greppable)
CRLF = "\r\n"
LINE_OCTETS = 75
# RFC 5545 wants DTEND after DTSTART; a deadline is an instant, shown as half an hour.
EVENT_LENGTH = timedelta(minutes=30)


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def feed_of(session: Session, user_id: int) -> CalendarFeed | None:
    """The user's feed, if they made one."""
    return session.exec(select(CalendarFeed).where(CalendarFeed.user_id == user_id)).first()


def create_feed(session: Session, actor: Actor, user: User, *, now: datetime) -> str:
    """A new secret token for the user's feed, replacing any earlier one; shown only once."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    feed = feed_of(session, user.id or 0)
    action = "calendar_feed.regenerate" if feed else "calendar_feed.create"
    if feed is None:
        feed = CalendarFeed(user_id=user.id or 0, token_hash="")
    feed.token_hash, feed.created_at = _hash(raw), now
    session.add(feed)
    session.flush()
    record(session, actor, action, now=now, subject_type="user", subject_id=user.id)
    return raw


def revoke_feed(session: Session, actor: Actor, user_id: int, *, now: datetime) -> bool:
    """Delete the user's feed; False when there was none."""
    feed = feed_of(session, user_id)
    if feed is None:
        return False
    session.delete(feed)
    session.flush()
    record(session, actor, "calendar_feed.revoke", now=now, subject_type="user", subject_id=user_id)
    return True


def user_of_token(session: Session, raw: str) -> User:
    """The active user a feed token belongs to; NotFound for any other token."""
    feed = session.exec(select(CalendarFeed).where(CalendarFeed.token_hash == _hash(raw))).first()
    user = session.get(User, feed.user_id) if feed is not None else None
    # After an incident lock-down every account must choose a new password: feeds stop too.
    if user is None or not user.is_active or user.must_change_password:
        raise NotFound("No such calendar.")
    return user


# --- iCalendar ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarEvent:
    """One event of a feed: a deadline, named by what it is and where to act on it."""

    uid: str  # stable, so a moved deadline updates in place
    start: datetime
    summary: str
    description: str
    url: str


def render_calendar(events: Iterable[CalendarEvent], *, now: datetime) -> bytes:
    """The feed: one VEVENT per event, folded at 75 octets, lines ending in CRLF."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//disclosure//deadlines//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Disclosure deadlines",
    ]
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event.uid}",
            f"DTSTAMP:{utc_stamp(now)}",
            f"DTSTART:{utc_stamp(event.start)}",
            f"DTEND:{utc_stamp(event.start + EVENT_LENGTH)}",
            f"SUMMARY:{escape_text(event.summary)}",
            f"DESCRIPTION:{escape_text(event.description)}",
            f"URL:{event.url}",
            "STATUS:CONFIRMED",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines).encode()


def utc_stamp(at: datetime) -> str:
    """A DATE-TIME in UTC form: 20260530T235959Z."""
    return at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and newlines escaped."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return "".join(char for char in value if (" " <= char != "\x7f") or char == "\t")


def fold(line: str) -> str:
    """Split a content line into lines of at most 75 octets, never inside a UTF-8 character."""
    parts: list[str] = []
    current: list[str] = []
    size, limit = 0, LINE_OCTETS
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            parts.append("".join(current))
            # A continuation line starts with one space, which counts towards its 75 octets.
            current, size, limit = [], 0, LINE_OCTETS - 1
        current.append(char)
        size += width
    parts.append("".join(current))
    return (CRLF + " ").join(parts)
