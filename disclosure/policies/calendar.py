"""Day counting in a policy's time zone: calendar and business days, deadline instants, DST.

A deadline is a day first (receipt day + N days, counted in the policy's zone) and an instant
second: that day at `timers.deadline_time`, local, converted to UTC. Working on days keeps every
step monotonic: a later start never gives an earlier deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from disclosure.policies.presets import DayKind, DisclosurePolicy

SATURDAY = 5
ONE_DAY = timedelta(days=1)


def add_days(start: date, days: int, kind: DayKind) -> date:
    """The day `days` calendar or business days after `start` (business days skip Sat/Sun)."""
    if kind is DayKind.CALENDAR or days == 0:
        return start + timedelta(days=days)
    day = start
    # Business days after a Saturday or Sunday are the business days after the Friday before.
    while day.weekday() >= SATURDAY:
        day -= ONE_DAY
    # Whole weeks first, so long business-day timers do not loop day by day.
    weeks, rest = divmod(days, 5)
    day += timedelta(weeks=weeks)
    while rest:
        day += ONE_DAY
        if day.weekday() < SATURDAY:
            rest -= 1
    return day


def next_working_day(day: date) -> date:
    """The day itself on Monday to Friday, else the Monday after."""
    while day.weekday() >= SATURDAY:
        day += ONE_DAY
    return day


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """`day` at local time `at` in `zone`, as UTC; in DST gaps and overlaps the later instant."""
    naive = datetime.combine(day, at)
    readings = (naive.replace(tzinfo=zone, fold=fold).astimezone(UTC) for fold in (0, 1))
    return max(readings)


def local_date(at: datetime, zone: ZoneInfo) -> date:
    """The calendar day `at` falls on in `zone`."""
    return at.astimezone(zone).date()


@dataclass(frozen=True)
class PolicyCalendar:
    """A policy's way of turning days into deadline instants."""

    zone: ZoneInfo
    deadline_time: time
    move_weekend_to_monday: bool

    @classmethod
    def of(cls, policy: DisclosurePolicy) -> PolicyCalendar:
        """The calendar a policy's timers describe."""
        timers = policy.timers
        return cls(timers.zone, timers.deadline_time, timers.move_weekend_to_monday)

    def day_of(self, at: datetime) -> date:
        """The local day of an instant."""
        return local_date(at, self.zone)

    def due_day(self, day: date) -> date:
        """The day a deadline on `day` actually falls on, after the weekend rule."""
        return next_working_day(day) if self.move_weekend_to_monday else day

    def deadline(self, day: date) -> datetime:
        """The UTC instant of a deadline on `day`."""
        return local_instant(self.due_day(day), self.deadline_time, self.zone)

    def moved_note(self, day: date) -> str | None:
        """Why the deadline day differs from `day`, or None when it does not."""
        due = self.due_day(day)
        if due == day:
            return None
        return f"moved from {day:%A} {day} to {due:%A} {due} (weekend)"
