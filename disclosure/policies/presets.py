"""Disclosure policies: the typed, frozen model and loading presets from config/policies/*.toml.

Every key is explained in config/policies/custom.toml. A policy file is refused with one line
that names the file, the dotted key and the reason.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from datetime import time
from enum import StrEnum
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from disclosure.settings import PROJECT_ROOT

DEFAULT_POLICY_DIR = PROJECT_ROOT / "config" / "policies"

# Ten years: far beyond any real policy, small enough that date arithmetic cannot overflow.
Days = Annotated[int, Field(ge=0, le=3650)]


class DayKind(StrEnum):
    CALENDAR = "calendar"
    BUSINESS = "business"  # Monday to Friday; holidays are not skipped


class DisclosureStart(StrEnum):
    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"  # ZDI: 120 days from the vendor's answer


class DeadlineAction(StrEnum):
    PUBLISH = "publish"
    PUBLISH_LIMITED = "publish-limited"  # a limited advisory with mitigations (ZDI)
    NOTIFY = "notify"  # tell both sides the reporter may disclose; publish nothing


class PolicyError(Exception):
    """A policy file that cannot be used; the message is one line: file, key, reason."""

    def __init__(self, path: str, key: str, reason: str) -> None:
        super().__init__(f"{path}: {key}: {reason}" if key else f"{path}: {reason}")
        self.path = path
        self.key = key
        self.reason = reason


class _Incoherent(ValueError):
    """Two keys that contradict each other; carries the dotted key to blame."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(reason)
        self.key = key
        self.reason = reason


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class Timers(_Section):
    acknowledge_days: Days | None = None
    triage_days: Days | None = None
    response_day_kind: Annotated[DayKind, Field(strict=False)] = DayKind.CALENDAR
    disclose_days: Days | None = None
    disclose_from: Annotated[DisclosureStart, Field(strict=False)] = DisclosureStart.RECEIVED
    unanswered_disclose_days: Days | None = None
    in_the_wild_days: Days | None = None
    public_notice_days: Days | None = None
    deadline_day_kind: Annotated[DayKind, Field(strict=False)] = DayKind.CALENDAR
    timezone: str = "UTC"
    deadline_time: time = time(23, 59, 59)
    move_weekend_to_monday: bool = False

    @field_validator("timezone")
    @classmethod
    def _timezone_is_known(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as UTC") from None
        return value

    @field_validator("deadline_time")
    @classmethod
    def _deadline_time_is_local(cls, value: time) -> time:
        if value.tzinfo is not None:
            raise ValueError("must be a local time without offset; the zone is timers.timezone")
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class Grace(_Section):
    days: Days = 0
    in_the_wild_days: Days = 0
    must_request_before_deadline: bool = True
    requires_patch_date: bool = True
    eats_into_patch_window: bool = False


class Extensions(_Section):
    max_count: Days = 0
    max_total_days: Days = 0


class Fix(_Section):
    patch_window_days: Days = 0
    in_the_wild_patch_window_days: Days | None = None  # absent: the same as patch_window_days

    @property
    def in_the_wild_window_days(self) -> int:
        if self.in_the_wild_patch_window_days is None:
            return self.patch_window_days
        return self.in_the_wild_patch_window_days


class Clock(_Section):
    pause_while_needs_info: bool = False


class OnDeadline(_Section):
    action: Annotated[DeadlineAction, Field(strict=False)] = DeadlineAction.NOTIFY


class Publication(_Section):
    # Days the reporter has to read the vendor's advisory draft, comment and approve it.
    review_days: int = Field(5, ge=0, le=60)


class Warnings(_Section):
    fractions: tuple[float, ...] = (0.5, 0.75, 0.9)

    @field_validator("fractions", mode="before")
    @classmethod
    def _list_to_tuple(cls, value: Any) -> Any:
        return tuple(value) if isinstance(value, list) else value

    @field_validator("fractions")
    @classmethod
    def _fractions_are_increasing_percentages(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if any(not 0 < fraction < 1 for fraction in value):
            raise ValueError("each fraction must be between 0 and 1, exclusive")
        if any(later <= earlier for earlier, later in pairwise(value)):
            raise ValueError("must be strictly increasing")
        # Warning levels are named by percent ("warn-75"), so each must be a whole percent.
        if any(abs(fraction * 100 - round(fraction * 100)) > 1e-9 for fraction in value):
            raise ValueError("each fraction must be a whole percentage such as 0.75")
        return value


class DisclosurePolicy(_Section):
    """A disclosure policy: timers, grace, extensions, the window after a fix, the action."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)
    version: int = Field(ge=1)
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1)
    source: str = Field(min_length=1)
    timers: Timers = Timers()
    grace: Grace = Grace()
    extensions: Extensions = Extensions()
    fix: Fix = Fix()
    clock: Clock = Clock()
    deadline: OnDeadline = OnDeadline()
    publication: Publication = Publication()
    warnings: Warnings = Warnings()

    @property
    def label(self) -> str:
        return f"{self.name} v{self.version}"

    @property
    def has_deadline(self) -> bool:
        return self.timers.disclose_days is not None

    @model_validator(mode="after")
    def _is_coherent(self) -> DisclosurePolicy:
        for key, reason in _incoherences(self):
            raise _Incoherent(key, reason)
        return self


_Check = tuple[str, str, bool]  # dotted key, reason, whether the policy breaks the rule
_NO_DEADLINE = "needs timers.disclose_days (there is no deadline)"


def _incoherences(p: DisclosurePolicy) -> list[tuple[str, str]]:
    """Every pair of keys that contradict each other, as (dotted key, reason)."""
    checks = [*_timer_checks(p), *_grace_checks(p), *_limit_checks(p)]
    return [(key, reason) for key, reason, is_broken in checks if is_broken]


def _timer_checks(p: DisclosurePolicy) -> list[_Check]:
    t, no_deadline = p.timers, _NO_DEADLINE
    return [
        (
            "timers.triage_days",
            "must be >= timers.acknowledge_days",
            None not in (t.triage_days, t.acknowledge_days)
            and (t.triage_days or 0) < (t.acknowledge_days or 0),
        ),
        (
            "timers.in_the_wild_days",
            no_deadline,
            t.in_the_wild_days is not None and not p.has_deadline,
        ),
        (
            "timers.in_the_wild_days",
            "must be <= timers.disclose_days",
            t.in_the_wild_days is not None and t.in_the_wild_days > (t.disclose_days or 0),
        ),
        (
            "timers.disclose_from",
            no_deadline,
            t.disclose_from is DisclosureStart.ACKNOWLEDGED and not p.has_deadline,
        ),
        (
            "timers.unanswered_disclose_days",
            'needs timers.disclose_from = "acknowledged"',
            t.unanswered_disclose_days is not None
            and t.disclose_from is not DisclosureStart.ACKNOWLEDGED,
        ),
        (
            "timers.unanswered_disclose_days",
            "must be >= timers.acknowledge_days",
            t.unanswered_disclose_days is not None
            and t.unanswered_disclose_days < (t.acknowledge_days or 0),
        ),
    ]


def _grace_checks(p: DisclosurePolicy) -> list[_Check]:
    t, g, fix, no_deadline = p.timers, p.grace, p.fix, _NO_DEADLINE
    return [
        ("grace.days", no_deadline, g.days > 0 and not p.has_deadline),
        (
            "grace.in_the_wild_days",
            "needs timers.in_the_wild_days",
            g.in_the_wild_days > 0 and t.in_the_wild_days is None,
        ),
        ("grace.in_the_wild_days", "must be <= grace.days", g.in_the_wild_days > g.days),
        (
            "grace.days",
            "must be <= fix.patch_window_days when grace.eats_into_patch_window",
            g.eats_into_patch_window and g.days > fix.patch_window_days,
        ),
        (
            "grace.in_the_wild_days",
            "must be <= fix.in_the_wild_patch_window_days when grace.eats_into_patch_window",
            g.eats_into_patch_window and g.in_the_wild_days > fix.in_the_wild_window_days,
        ),
    ]


def _limit_checks(p: DisclosurePolicy) -> list[_Check]:
    fix, no_deadline = p.fix, _NO_DEADLINE
    return [
        (
            "fix.in_the_wild_patch_window_days",
            "must be <= fix.patch_window_days",
            fix.in_the_wild_window_days > fix.patch_window_days,
        ),
        ("extensions.max_count", no_deadline, p.extensions.max_count > 0 and not p.has_deadline),
        (
            "extensions.max_total_days",
            "must be > 0 when extensions.max_count allows extensions, and 0 when it does not",
            (p.extensions.max_count > 0) != (p.extensions.max_total_days > 0),
        ),
        (
            "deadline.action",
            'must be "notify" when there is no deadline (timers.disclose_days is absent)',
            p.deadline.action is not DeadlineAction.NOTIFY and not p.has_deadline,
        ),
    ]


def load_policy(path: Path) -> DisclosurePolicy:
    """Read and validate one policy file; its `name` must match the file name."""
    shown = _shown(path)
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise PolicyError(shown, "", "file does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(shown, "", f"not valid TOML: {exc}") from None
    try:
        policy = DisclosurePolicy.model_validate(data)
    except ValidationError as exc:
        key, reason = _first_problem(exc)
        raise PolicyError(shown, key, reason) from None
    if policy.name != path.stem:
        raise PolicyError(shown, "name", f"must match the file name ({path.stem!r})")
    return policy


def load_policies(
    directories: Sequence[Path] = (DEFAULT_POLICY_DIR,),
) -> dict[str, DisclosurePolicy]:
    """Every *.toml policy in the directories, by name; later directories override earlier ones."""
    policies: dict[str, DisclosurePolicy] = {}
    for directory in directories:
        if not directory.is_dir():
            raise PolicyError(_shown(directory), "", "is not a directory")
        for path in sorted(directory.glob("*.toml")):
            policy = load_policy(path)
            policies[policy.name] = policy
    return policies


def _shown(path: Path) -> str:
    """The path as people see it: relative to the project when it lies inside it."""
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


_REASONS = {
    "missing": "is required",
    "extra_forbidden": "unknown key",
    "int_type": "must be an integer",
    "bool_type": "must be true or false",
    "string_type": "must be a string",
    "float_type": "must be a number",
    "tuple_type": "must be a list",
    "time_type": "must be a TOML local time such as 23:59:59 (without quotes)",
    "model_type": "must be a table",
}


def _first_problem(exc: ValidationError) -> tuple[str, str]:
    """The dotted key and a plain reason for the first problem pydantic found."""
    error = exc.errors(include_url=False)[0]
    location = [str(part) for part in error["loc"]]
    context = error.get("ctx") or {}
    cause = context.get("error")
    if isinstance(cause, _Incoherent):
        return cause.key, cause.reason
    key = ".".join(location) or "policy"
    kind = error["type"]
    if kind == "greater_than_equal":
        return key, f"must be >= {context['ge']}"
    if kind == "less_than_equal":
        return key, f"must be <= {context['le']}"
    if kind == "enum":
        return key, f"must be one of {context['expected']}"
    if kind == "string_pattern_mismatch":
        return key, "must be lower-case letters, digits and hyphens"
    if kind in _REASONS:
        return key, _REASONS[kind]
    return key, str(error["msg"]).removeprefix("Value error, ")
