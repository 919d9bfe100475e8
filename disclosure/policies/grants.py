"""Checks the service runs before it records an extension or a grace period.

`compute_deadlines` applies whatever was granted (capped by the policy); these verbs refuse a
grant the policy does not allow, with a reason a person can act on.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from disclosure.errors import Conflict
from disclosure.policies.calendar import PolicyCalendar
from disclosure.policies.deadlines import compute_deadlines
from disclosure.policies.events import Event, ExtensionGranted, GraceGranted, read_timeline
from disclosure.policies.presets import DisclosurePolicy


class PolicyViolation(Conflict):
    """A grant the case's disclosure policy does not allow."""

    code = "policy_violation"


def check_extension(
    policy: DisclosurePolicy, events: Sequence[Event], days: int, now: datetime
) -> None:
    """Refuse an extension of `days` the policy does not allow at `now`."""
    if days < 1:
        raise PolicyViolation("an extension adds at least one day", fields={"days": "must be >= 1"})
    deadline = compute_deadlines(policy, events, now=now).disclose_by
    if deadline is None:
        raise PolicyViolation(f"{policy.label} has no disclosure deadline to extend")
    limits = policy.extensions
    granted = [event.days for event in events if isinstance(event, ExtensionGranted)]
    if limits.max_count == 0:
        raise PolicyViolation(f"{policy.label} allows no extensions")
    if len(granted) >= limits.max_count:
        raise PolicyViolation(
            f"{policy.label} allows {limits.max_count} extension(s); {len(granted)} granted"
        )
    used = min(sum(granted), limits.max_total_days)
    if used + days > limits.max_total_days:
        left = limits.max_total_days - used
        raise PolicyViolation(
            f"{policy.label} allows {limits.max_total_days} days of extensions in total; "
            f"{left} left",
            fields={"days": f"must be <= {left}"},
        )
    if now >= deadline.at:
        raise PolicyViolation(f"the deadline passed at {deadline.at:%Y-%m-%d %H:%M} UTC")


def check_grace(
    policy: DisclosurePolicy,
    events: Sequence[Event],
    days: int,
    patch_date: date | None,
    now: datetime,
) -> None:
    """Refuse a grace period the policy does not allow: too long, too late, or no patch date."""
    if days < 1:
        raise PolicyViolation(
            "a grace period adds at least one day", fields={"days": "must be >= 1"}
        )
    if read_timeline(events).fixed_at is not None:
        raise PolicyViolation("a fix is already released; a grace period waits for one")
    deadlines = compute_deadlines(policy, events, now=now)
    if deadlines.disclose_by is None:
        raise PolicyViolation(f"{policy.label} has no disclosure deadline")
    grace = policy.grace
    cap = grace.in_the_wild_days if deadlines.in_the_wild else grace.days
    used = sum(event.days for event in events if isinstance(event, GraceGranted))
    if used + days > cap:
        raise PolicyViolation(
            f"{policy.label} allows a grace period of {cap} days here; {used} already granted",
            fields={"days": f"must be <= {max(cap - used, 0)}"},
        )
    without_grace = [event for event in events if not isinstance(event, GraceGranted)]
    plain = compute_deadlines(policy, without_grace, now=now).disclose_by
    if grace.must_request_before_deadline and plain is not None and now >= plain.at:
        raise PolicyViolation(
            f"a grace period must be requested before the deadline ({plain.at:%Y-%m-%d})"
        )
    _check_patch_date(policy, events, days, patch_date, now)


def _check_patch_date(
    policy: DisclosurePolicy,
    events: Sequence[Event],
    days: int,
    patch_date: date | None,
    now: datetime,
) -> None:
    if patch_date is None:
        if policy.grace.requires_patch_date:
            raise PolicyViolation(
                f"{policy.label} grants a grace period only against a named patch date",
                fields={"patch_date": "is required"},
            )
        return
    calendar = PolicyCalendar.of(policy)
    if patch_date < calendar.day_of(now):
        raise PolicyViolation("the patch date is in the past", fields={"patch_date": "is past"})
    granted = GraceGranted(now, days, patch_date, "check")
    after = compute_deadlines(policy, [*events, granted], now=now).disclose_by
    last_day = calendar.day_of(after.at) if after else patch_date
    if patch_date > last_day:
        raise PolicyViolation(
            f"the patch date must fall within the grace period (by {last_day})",
            fields={"patch_date": f"must be on or before {last_day}"},
        )
