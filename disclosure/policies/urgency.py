"""How close a deadline is: time left, and the warning level the policy's fractions give.

A level is a stable string ("ok", "warn-50", "warn-75", "overdue") so that a timer job can
record "warned at this level" under a unique constraint and never warn twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Urgency(StrEnum):
    OK = "ok"  # no warning fraction of the time has elapsed
    WARNING = "warning"  # at least one has
    OVERDUE = "overdue"


@dataclass(frozen=True)
class TimerStatus:
    """Where a timer stands at a given moment."""

    urgency: Urgency
    threshold: float | None  # the largest warning fraction reached, if any
    left: timedelta  # negative once overdue

    @property
    def level(self) -> str:
        """ "ok", "warn-<percent>" or "overdue"."""
        if self.urgency is Urgency.OVERDUE:
            return "overdue"
        if self.threshold is None:
            return "ok"
        return f"warn-{round(self.threshold * 100)}"


def time_left(deadline: datetime, now: datetime) -> timedelta:
    """Time until the deadline; negative once it has passed."""
    return deadline - now


def timer_status(
    start: datetime, deadline: datetime, now: datetime, fractions: Sequence[float]
) -> TimerStatus:
    """The status of a timer that runs from `start` to `deadline` (overdue only after it)."""
    left = time_left(deadline, now)
    if left < timedelta(0):
        return TimerStatus(Urgency.OVERDUE, fractions[-1] if fractions else None, left)
    total = deadline - start
    elapsed = 1.0 if total <= timedelta(0) else (now - start) / total
    reached = [fraction for fraction in fractions if elapsed >= fraction]
    if not reached:
        return TimerStatus(Urgency.OK, None, left)
    return TimerStatus(Urgency.WARNING, reached[-1], left)


def warning_level(
    start: datetime, deadline: datetime, now: datetime, fractions: Sequence[float]
) -> str:
    """The level name of `timer_status`: "ok", "warn-50", ..., "overdue"."""
    return timer_status(start, deadline, now, fractions).level


def describe_time_left(left: timedelta) -> str:
    """Time left in words, to the hour: "3 days 4 hours left", "overdue by 2 hours"."""
    hours = int(abs(left) // timedelta(hours=1))
    days, hours = divmod(hours, 24)
    words = [f"{days} day{'' if days == 1 else 's'}"] if days else []
    if hours or not days:
        words.append(f"{hours} hour{'' if hours == 1 else 's'}")
    amount = " ".join(words)
    return f"overdue by {amount}" if left < timedelta(0) else f"{amount} left"
