"""A disclosure policy in plain sentences, for the program page and the report form."""

from __future__ import annotations

from disclosure.policies.presets import (
    DayKind,
    DeadlineAction,
    DisclosurePolicy,
    DisclosureStart,
)

_AT_DEADLINE = {
    DeadlineAction.PUBLISH: "details are published",
    DeadlineAction.PUBLISH_LIMITED: "a limited advisory with mitigations is published",
    DeadlineAction.NOTIFY: "both sides are told that the reporter may disclose",
}


def describe(policy: DisclosurePolicy) -> list[str]:
    """The policy as a list of sentences, numbers included."""
    return [
        *_responses(policy),
        *_deadline(policy),
        *_in_the_wild(policy),
        *_grace(policy),
        *_extensions(policy),
        *_clock(policy),
    ]


def _days(days: int, kind: DayKind) -> str:
    business = "business " if kind is DayKind.BUSINESS else ""
    return f"{days} {business}day{'' if days == 1 else 's'}"


def _responses(policy: DisclosurePolicy) -> list[str]:
    timers, kind = policy.timers, policy.timers.response_day_kind
    sentences = []
    if timers.acknowledge_days is not None:
        sentences.append(
            f"The vendor acknowledges a report within {_days(timers.acknowledge_days, kind)}."
        )
    if timers.triage_days is not None:
        sentences.append(
            f"The vendor triages a report within {_days(timers.triage_days, kind)} of receipt."
        )
    return sentences


def _deadline(policy: DisclosurePolicy) -> list[str]:
    timers, window = policy.timers, policy.fix.patch_window_days
    kind = timers.deadline_day_kind
    if timers.disclose_days is None:
        after = f"{_days(window, kind)} after the fix" if window else "when the fix is released"
        return [
            f"There is no fixed publication deadline: the advisory is published {after}, "
            "coordinated with the reporter."
        ]
    start = "receipt"
    if timers.disclose_from is DisclosureStart.ACKNOWLEDGED:
        start = "the vendor's answer to the first contact"
    at_deadline = _AT_DEADLINE[policy.deadline.action]
    sentences = [
        f"The disclosure deadline is {_days(timers.disclose_days, kind)} after {start}: "
        f"if no fix is out by then, {at_deadline}."
    ]
    if window:
        sentences.append(
            "When a fix is released before the deadline, details are published "
            f"{_days(window, kind)} after the fix."
        )
    else:
        sentences.append(
            "When a fix is released before the deadline, details are published with it."
        )
    if timers.unanswered_disclose_days is not None:
        unanswered = _days(timers.unanswered_disclose_days, timers.response_day_kind)
        sentences.append(
            f"If the vendor does not answer within {unanswered} of the first contact, "
            f"{at_deadline} at that point."
        )
    if timers.public_notice_days is not None:
        sentences.append(
            f"Within {_days(timers.public_notice_days, kind)} of receipt, a public notice names "
            "the vendor, the product, the report date and the deadline, without technical details."
        )
    time_of_day = timers.deadline_time.strftime("%H:%M:%S")
    where = f"Deadlines fall at {time_of_day} ({timers.timezone}) on their last day"
    if timers.move_weekend_to_monday:
        where += "; one that falls on a Saturday or Sunday moves to the Monday after"
    return [*sentences, where + "."]


def _in_the_wild(policy: DisclosurePolicy) -> list[str]:
    days, kind = policy.timers.in_the_wild_days, policy.timers.deadline_day_kind
    if days is None:
        return []
    window = policy.fix.in_the_wild_window_days
    after = f"{_days(window, kind)} after the fix" if window else "with the fix"
    return [
        f"If the vulnerability is exploited in the wild, the deadline shortens to "
        f"{_days(days, kind)} after that becomes known; a fix within it is followed by details "
        f"{after}."
    ]


def _grace(policy: DisclosurePolicy) -> list[str]:
    grace, timers = policy.grace, policy.timers
    if grace.days == 0:
        return []
    conditions = []
    if grace.must_request_before_deadline:
        conditions.append("before the deadline")
    if grace.requires_patch_date:
        conditions.append("with a named patch date within it")
    asked = f", asked for {' and '.join(conditions)}" if conditions else ""
    sentences = [
        f"The vendor may have a grace period of up to {_days(grace.days, timers.deadline_day_kind)}"
        f"{asked}."
    ]
    window = policy.fix.patch_window_days
    if grace.eats_into_patch_window and timers.disclose_days is not None:
        window_days = _days(window, timers.deadline_day_kind)
        sentence = f"The grace period is taken out of the {window_days} after the fix"
        if timers.disclose_from is DisclosureStart.RECEIVED and not policy.extensions.max_count:
            sentence += (
                f", so details are public by day {timers.disclose_days + window} at the latest"
            )
        sentences.append(sentence + ".")
    if grace.in_the_wild_days:
        sentences.append(
            f"For a vulnerability exploited in the wild the grace period is up to "
            f"{_days(grace.in_the_wild_days, timers.deadline_day_kind)}."
        )
    return sentences


def _extensions(policy: DisclosurePolicy) -> list[str]:
    limits = policy.extensions
    if policy.timers.disclose_days is None:
        return []
    if limits.max_count == 0:
        return ["The deadline is not extended beyond what this policy states."]
    count = "one extension" if limits.max_count == 1 else f"up to {limits.max_count} extensions"
    return [
        f"By agreement the deadline may be extended: {count}, "
        f"{_days(limits.max_total_days, policy.timers.deadline_day_kind)} in total."
    ]


def _clock(policy: DisclosurePolicy) -> list[str]:
    if not policy.clock.pause_while_needs_info:
        return []
    return ["The clock stops while the vendor waits for information from the reporter."]
