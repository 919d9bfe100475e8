"""Disclosure policies: presets from config/policies/*.toml and pure deadline arithmetic."""

from disclosure.policies.deadlines import Deadline, Deadlines, compute_deadlines
from disclosure.policies.description import describe
from disclosure.policies.events import (
    Acknowledged,
    ClockPaused,
    ClockResumed,
    Event,
    ExtensionGranted,
    FixReleased,
    GraceGranted,
    InTheWildCleared,
    InTheWildSet,
    Received,
    Triaged,
)
from disclosure.policies.grants import PolicyViolation, check_extension, check_grace
from disclosure.policies.presets import (
    DEFAULT_POLICY_DIR,
    DisclosurePolicy,
    PolicyError,
    load_policies,
    load_policy,
)
from disclosure.policies.urgency import (
    TimerStatus,
    Urgency,
    describe_time_left,
    time_left,
    timer_status,
    warning_level,
)

__all__ = [
    "DEFAULT_POLICY_DIR",
    "Acknowledged",
    "ClockPaused",
    "ClockResumed",
    "Deadline",
    "Deadlines",
    "DisclosurePolicy",
    "Event",
    "ExtensionGranted",
    "FixReleased",
    "GraceGranted",
    "InTheWildCleared",
    "InTheWildSet",
    "PolicyError",
    "PolicyViolation",
    "Received",
    "TimerStatus",
    "Triaged",
    "Urgency",
    "check_extension",
    "check_grace",
    "compute_deadlines",
    "describe",
    "describe_time_left",
    "load_policies",
    "load_policy",
    "time_left",
    "timer_status",
    "warning_level",
]
