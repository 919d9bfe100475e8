"""Timer plans: the moments a case's deadlines need attention (stored by cases.clock)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from disclosure.policies.deadlines import Deadline, Deadlines

DUE = "due"


@dataclass(frozen=True)
class PlannedTimer:
    deadline: str
    level: str
    due_at: datetime


def live_deadlines(deadlines: Deadlines, *, is_fixed: bool, is_done: bool) -> dict[str, Deadline]:
    """The deadlines that still ask something of the vendor, by name."""
    if is_done:
        return {}
    live: dict[str, Deadline] = {}
    for name in ("acknowledge_by", "triage_by"):
        deadline = getattr(deadlines, name)
        if deadline is not None and deadline.met_at is None:
            live[name] = deadline
    if is_fixed:
        if deadlines.publish_at is not None:
            live["publish_at"] = deadlines.publish_at
    elif deadlines.disclose_by is not None:
        live["disclose_by"] = deadlines.disclose_by
    return live


def plan(live: dict[str, Deadline], fractions: Iterable[float]) -> list[PlannedTimer]:
    """A warning at each fraction of every live deadline's span, and one when it is due."""
    planned = []
    for name, deadline in live.items():
        span = deadline.at - deadline.counted_from
        for fraction in fractions:
            planned.append(
                PlannedTimer(
                    name, f"warn-{round(fraction * 100)}", deadline.counted_from + span * fraction
                )
            )
        planned.append(PlannedTimer(name, DUE, deadline.at))
    return planned
