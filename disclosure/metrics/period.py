"""The date range a metrics page covers, read from a form or a query string."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from disclosure.errors import ValidationError

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
EARLIEST = date(2000, 1, 1)
LATEST = date(2099, 12, 31)
MAX_DAYS = 3660  # ten years of months is as much as a chart can show legibly
_EXAMPLE = "for example 2026-03-01"


@dataclass(frozen=True)
class Period:
    """Whole UTC days from `start` to `end`, both included."""

    start: date
    end: date

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.start, time(), tzinfo=UTC)

    @property
    def ends_before(self) -> datetime:
        """The first instant after the period (midnight after `end`)."""
        return datetime.combine(self.end + timedelta(days=1), time(), tzinfo=UTC)

    def months(self) -> list[str]:
        """Every month the period touches, as YYYY-MM, oldest first."""
        found, year, month = [], self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            found.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return found

    def query_args(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


def default_period(today: date) -> Period:
    """The last twelve months: from the first day of the month eleven months ago to today."""
    months = today.year * 12 + today.month - 1 - 11
    return Period(date(months // 12, months % 12 + 1, 1), today)


def parse_period(args: Mapping[str, str], *, today: date) -> Period:
    """`start` and `end` (YYYY-MM-DD; empty: the default); 422 naming each bad one."""
    fallback = default_period(today)
    errors: dict[str, str] = {}
    start = _parse_day(args.get("start", ""), "start", fallback.start, errors)
    end = _parse_day(args.get("end", ""), "end", fallback.end, errors)
    if not errors and end < start:
        errors["end"] = "The end date must be on or after the start date."
    elif not errors and (end - start).days >= MAX_DAYS:
        errors["start"] = "Choose a range of at most ten years."
    if errors:
        raise ValidationError("The date range is invalid.", fields=errors)
    return Period(start, end)


def _parse_day(raw: str, name: str, default: date, errors: dict[str, str]) -> date:
    text = raw.strip()
    if not text:
        return default
    label = "start" if name == "start" else "end"
    if not _DATE.match(text):
        errors[name] = f"Write the {label} date as YYYY-MM-DD, {_EXAMPLE}."
        return default
    try:
        day = date.fromisoformat(text)
    except ValueError:
        errors[name] = f"The {label} date {text} does not exist; {_EXAMPLE}."
        return default
    if not EARLIEST <= day <= LATEST:
        errors[name] = f"Choose a {label} date between {EARLIEST} and {LATEST}."
    return day
