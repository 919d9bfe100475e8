"""The texts of notifications: what is due, when, and a link. Never report text.

Subjects travel in clear even when the body is encrypted, so they name only the program, the
case number and the deadline. Both sides read the same clock: the researcher's mail names the
same instant the vendor's does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from disclosure.policies.presets import DeadlineAction
from disclosure.policies.urgency import describe_time_left

ONE_DAY = timedelta(days=1)
ONE_HOUR = timedelta(hours=1)

_DUTY = {"acknowledge_by": "acknowledged", "triage_by": "triaged (accepted or closed)"}
_DUTY_NOUN = {"acknowledge_by": "acknowledgement", "triage_by": "triage"}
_MILESTONE = {"disclose_by": "the disclosure deadline", "publish_at": "the publication date"}
_ACTION = {
    DeadlineAction.PUBLISH: "the advisory is due to be published now.",
    DeadlineAction.PUBLISH_LIMITED: (
        "a limited advisory (mitigations, no technical details) is due to be published now."
    ),
    DeadlineAction.NOTIFY: (
        "nothing is published automatically; the reporter is free to disclose from now on."
    ),
}


@dataclass(frozen=True)
class CaseRef:
    """What a notification may say about a case: metadata only."""

    case_id: int
    program: str  # the program's name
    policy: str  # "project-zero v1"
    url: str  # the case page


@dataclass(frozen=True)
class Mail:
    subject: str
    body: str


def when(at: datetime) -> str:
    """An instant as mails show it: "2026-03-04 23:59 UTC"."""
    return at.strftime("%Y-%m-%d %H:%M UTC")


def within(left: timedelta) -> str:
    """ "in 3 days", "in 5 hours": rounded down, as `describe_time_left` counts."""
    if left >= ONE_DAY:
        days = left // ONE_DAY
        return f"in {days} day{'' if days == 1 else 's'}"
    hours = max(1, left // ONE_HOUR)
    return f"in {hours} hour{'' if hours == 1 else 's'}"


def response_warning(ref: CaseRef, deadline: str, at: datetime, now: datetime) -> Mail:
    """To owners and triagers: the case must be acknowledged or triaged soon."""
    subject = f"[{ref.program}] Case #{ref.case_id}: {_DUTY_NOUN[deadline]} due {within(at - now)}"
    body = (
        f"Case #{ref.case_id} of {ref.program} must be {_DUTY[deadline]} by {when(at)}: "
        f"{describe_time_left(at - now)}.\n\n{ref.url}\n\n"
        f"{_footer(ref, 'an owner or triager of ' + ref.program)}"
    )
    return Mail(subject, body)


def response_overdue(ref: CaseRef, deadline: str, at: datetime, now: datetime) -> Mail:
    """To owners: the deadline passed without the vendor doing what it asks (an escalation)."""
    subject = (
        f"[{ref.program}] Overdue: case #{ref.case_id} was not {_DUTY[deadline].split()[0]} "
        f"by {at:%Y-%m-%d}"
    )
    body = (
        f"Case #{ref.case_id} of {ref.program} had to be {_DUTY[deadline]} by {when(at)}; it is "
        f"{describe_time_left(at - now)}. Please make sure someone takes it on now.\n\n"
        f"{ref.url}\n\n{_footer(ref, 'an owner of ' + ref.program)}"
    )
    return Mail(subject, body)


def milestone_warning(
    ref: CaseRef, deadline: str, at: datetime, now: datetime, *, is_reporter: bool
) -> Mail:
    """To both sides: the disclosure deadline (or the publication date) is approaching."""
    milestone = _MILESTONE[deadline]
    subject = f"{_prefix(ref, is_reporter)}: {milestone} is {within(at - now)}"
    other = "vendor" if is_reporter else "reporter"
    body = (
        f"{_case(ref, is_reporter)}: {milestone} is {when(at)}, "
        f"{describe_time_left(at - now)}. The {other} sees the same date.\n\n{ref.url}\n\n"
        f"{_footer(ref, _role(ref, is_reporter))}"
    )
    return Mail(subject, body)


def publication_due(
    ref: CaseRef, deadline: str, at: datetime, action: DeadlineAction, *, is_reporter: bool
) -> Mail:
    """To owners and the reporter: the deadline has come; what the policy does now."""
    if deadline == "disclose_by":
        what, passed = "the disclosure deadline has passed", f"The disclosure deadline, {when(at)}"
    else:
        what, passed = "publication is due", f"The publication date, {when(at)}"
    body = (
        f"{_case(ref, is_reporter)}: {passed}, has come. Under {ref.policy}, "
        f"{_ACTION[action]}\n\n{ref.url}\n\n{_footer(ref, _role(ref, is_reporter, owners=True))}"
    )
    return Mail(f"{_prefix(ref, is_reporter)}: {what}", body)


def _prefix(ref: CaseRef, is_reporter: bool) -> str:
    if is_reporter:
        return f"Your report #{ref.case_id} to {ref.program}"
    return f"[{ref.program}] Case #{ref.case_id}"


def _case(ref: CaseRef, is_reporter: bool) -> str:
    if is_reporter:
        return f"Your report to {ref.program} (case #{ref.case_id})"
    return f"Case #{ref.case_id} of {ref.program}"


def _role(ref: CaseRef, is_reporter: bool, *, owners: bool = False) -> str:
    if is_reporter:
        return f"the reporter of case #{ref.case_id}"
    return f"{'an owner' if owners else 'an owner or triager'} of {ref.program}"


def _footer(ref: CaseRef, role: str) -> str:
    return (
        f"Deadlines follow the program's disclosure policy ({ref.policy}). You receive this mail "
        f"as {role}."
    )
