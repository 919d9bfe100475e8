"""When an advisory may be released, and when the policy releases it without asking.

Computed from the case's policy version and clock, never stored: the vendor may publish once
the case is fixed (or from the disclosure deadline on) and the reporter's review is over;
the scheduler publishes at the embargo the vendor chose, at fix + patch window for policies
that have one (Project Zero's +30), and at the disclosure deadline where the policy's action
is to publish (the vendor's draft, or a minimal advisory from the triage metadata).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from disclosure.cases.lifecycle import CLOSING
from disclosure.cases.models import Case, CaseState
from disclosure.policies.presets import DeadlineAction, DisclosurePolicy
from disclosure.publication.models import RELEASED, Advisory, AdvisoryState


class Trigger(StrEnum):
    """Why the scheduler releases an advisory now."""

    EMBARGO = "embargo"  # the time the vendor scheduled
    PATCH_WINDOW = "patch_window"  # fix + the policy's adoption window
    DEADLINE = "deadline"  # the disclosure deadline passed unfixed


@dataclass(frozen=True)
class Due:
    trigger: Trigger
    at: datetime
    is_limited: bool = False  # the policy publishes a limited advisory (ZDI)


def _when(at: datetime) -> str:
    return f"{at:%Y-%m-%d %H:%M} UTC"


def is_open(case: Case) -> bool:
    """Whether the case can still get an advisory (not closed, withdrawn or disclosed)."""
    return case.state not in CLOSING and case.state is not CaseState.DISCLOSED


def deadline_passed(case: Case, now: datetime) -> bool:
    return case.disclose_by is not None and case.disclose_by <= now


def refusal(case: Case, advisory: Advisory, now: datetime) -> str | None:
    """The rule that forbids the vendor to release the advisory now, in words; None if none."""
    if advisory.state in RELEASED:
        return "The advisory is already published."
    if not is_open(case):
        return f"The case is {case.state.value.replace('_', ' ')}: it gets no advisory."
    if case.state is not CaseState.FIXED and not deadline_passed(case, now):
        deadline = f" or from the disclosure deadline on ({_when(case.disclose_by)})"
        return (
            "The case is not fixed yet: publish once the fix is out"
            + (deadline if case.disclose_by else "")
            + "."
        )
    return review_refusal(advisory, now)


def review_refusal(advisory: Advisory, now: datetime) -> str | None:
    """The reporter must have read the draft: approved it, or let the review window pass."""
    if advisory.review_requested_at is None:
        return "Send the draft to the reporter for review first."
    if advisory.approved_at is None and advisory.review_ends_at and now < advisory.review_ends_at:
        return (
            "The reporter's review runs until "
            f"{_when(advisory.review_ends_at)}, unless they approve earlier."
        )
    return None


def schedule_refusal(case: Case, advisory: Advisory, at: datetime, now: datetime) -> str | None:
    """Why the advisory cannot be scheduled for `at`; None if it can."""
    if advisory.state in RELEASED:
        return "The advisory is already published."
    if not is_open(case):
        return f"The case is {case.state.value.replace('_', ' ')}: it gets no advisory."
    if at <= now:
        return "The embargo must be in the future; to release now, publish."
    if advisory.review_ends_at and advisory.approved_at is None and at < advisory.review_ends_at:
        return f"The reporter's review runs until {_when(advisory.review_ends_at)}."
    return None


def due(
    case: Case, advisory: Advisory | None, policy: DisclosurePolicy, now: datetime
) -> Due | None:
    """What makes the scheduler release the case's advisory now, if anything (the earliest)."""
    if not is_open(case) or (advisory is not None and advisory.state in RELEASED):
        return None
    found: list[Due] = []
    is_fixed = case.state is CaseState.FIXED
    window = _has_patch_window(policy)
    if (
        advisory is not None
        and advisory.state is AdvisoryState.SCHEDULED
        and advisory.embargo_at is not None
        and advisory.embargo_at <= now
        and (is_fixed or deadline_passed(case, now))
    ):
        found.append(Due(Trigger.EMBARGO, advisory.embargo_at))
    if is_fixed and window and case.publish_at and case.publish_at <= now:
        found.append(Due(Trigger.PATCH_WINDOW, case.publish_at))
    # After a fix, a patch window replaces the deadline (Project Zero); without one the
    # deadline holds whether or not a fix is out (CERT/CC's 45 days).
    action = policy.deadline.action
    if (
        deadline_passed(case, now)
        and action is not DeadlineAction.NOTIFY
        and not (is_fixed and window)
    ):
        limited = action is DeadlineAction.PUBLISH_LIMITED and not is_fixed
        found.append(Due(Trigger.DEADLINE, case.disclose_by, is_limited=limited))  # type: ignore[arg-type]
    return min(found, key=lambda d: d.at) if found else None


def _has_patch_window(policy: DisclosurePolicy) -> bool:
    return policy.fix.patch_window_days > 0 or policy.fix.in_the_wild_window_days > 0
