"""The case events deadline arithmetic reads, and the timeline they fold into.

Events are plain frozen values; the cases package builds them from its records. Every `at` is
timezone-aware and normalised to UTC.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime


@dataclass(frozen=True)
class _Event:
    at: datetime

    def __post_init__(self) -> None:
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise ValueError(f"{type(self).__name__}.at must be timezone-aware, got {self.at}")
        object.__setattr__(self, "at", self.at.astimezone(UTC))


@dataclass(frozen=True)
class Received(_Event):
    """The vendor was notified: every timer counts from here."""


@dataclass(frozen=True)
class Acknowledged(_Event):
    """The vendor answered the first contact."""


@dataclass(frozen=True)
class Triaged(_Event):
    """The vendor finished triage."""


@dataclass(frozen=True)
class InTheWildSet(_Event):
    """Exploitation in the wild became known."""


@dataclass(frozen=True)
class InTheWildCleared(_Event):
    """The in-the-wild flag was withdrawn (for example, set by mistake)."""


@dataclass(frozen=True)
class FixReleased(_Event):
    """The vendor released a fix."""


@dataclass(frozen=True)
class ExtensionGranted(_Event):
    """The deadline was extended by agreement."""

    days: int
    reason: str
    granted_by: str

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.days < 1:
            raise ValueError(f"ExtensionGranted.days must be >= 1, got {self.days}")


@dataclass(frozen=True)
class GraceGranted(_Event):
    """A grace period was granted, usually against a named patch date."""

    days: int
    patch_date: date | None
    granted_by: str

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.days < 1:
            raise ValueError(f"GraceGranted.days must be >= 1, got {self.days}")


@dataclass(frozen=True)
class ClockPaused(_Event):
    """The clock stopped while the vendor waits for information from the reporter."""


@dataclass(frozen=True)
class ClockResumed(_Event):
    """The clock runs again."""


Event = (
    Received
    | Acknowledged
    | Triaged
    | InTheWildSet
    | InTheWildCleared
    | FixReleased
    | ExtensionGranted
    | GraceGranted
    | ClockPaused
    | ClockResumed
)


@dataclass(frozen=True)
class Pause:
    """A stretch while the clock stood still; `end` is None while it still stands."""

    start: datetime
    end: datetime | None


@dataclass(frozen=True)
class Timeline:
    """What the events say, folded in time order: first answers, the current flag, grants."""

    received_at: datetime
    acknowledged_at: datetime | None
    triaged_at: datetime | None
    fixed_at: datetime | None
    in_the_wild_since: datetime | None
    extensions: tuple[ExtensionGranted, ...]
    graces: tuple[GraceGranted, ...]
    pauses: tuple[Pause, ...]


def read_timeline(events: Iterable[Event]) -> Timeline:
    """Fold events in time order; the first Received, Acknowledged, Triaged and fix count."""
    ordered = sorted(events, key=lambda event: event.at)
    received = [event.at for event in ordered if isinstance(event, Received)]
    if not received:
        raise ValueError("the events have no Received: deadlines count from receipt")
    in_the_wild_since: datetime | None = None
    pauses: list[Pause] = []
    paused_at: datetime | None = None
    for event in ordered:
        if isinstance(event, InTheWildSet) and in_the_wild_since is None:
            in_the_wild_since = event.at
        elif isinstance(event, InTheWildCleared):
            in_the_wild_since = None
        elif isinstance(event, ClockPaused) and paused_at is None:
            paused_at = event.at
        elif isinstance(event, ClockResumed) and paused_at is not None:
            pauses.append(Pause(paused_at, event.at))
            paused_at = None
    if paused_at is not None:
        pauses.append(Pause(paused_at, None))
    return Timeline(
        received_at=received[0],
        acknowledged_at=_first(ordered, Acknowledged),
        triaged_at=_first(ordered, Triaged),
        fixed_at=_first(ordered, FixReleased),
        in_the_wild_since=in_the_wild_since,
        extensions=tuple(event for event in ordered if isinstance(event, ExtensionGranted)),
        graces=tuple(event for event in ordered if isinstance(event, GraceGranted)),
        pauses=tuple(pauses),
    )


def _first(ordered: list[Event], kind: type[_Event]) -> datetime | None:
    return next((event.at for event in ordered if isinstance(event, kind)), None)
