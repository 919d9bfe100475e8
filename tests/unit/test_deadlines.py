"""Deadline arithmetic: every preset from receipt to publication, calendars, DST, properties."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from disclosure.policies import (
    Acknowledged,
    ClockPaused,
    ClockResumed,
    Deadline,
    Deadlines,
    DisclosurePolicy,
    Event,
    ExtensionGranted,
    FixReleased,
    GraceGranted,
    InTheWildCleared,
    InTheWildSet,
    PolicyViolation,
    Received,
    Triaged,
    Urgency,
    check_extension,
    check_grace,
    compute_deadlines,
    describe_time_left,
    load_policies,
    time_left,
    timer_status,
    warning_level,
)
from disclosure.policies.calendar import PolicyCalendar, add_days, local_instant
from disclosure.policies.presets import DayKind

POLICIES = load_policies()
BERLIN = ZoneInfo("Europe/Berlin")
RECEIVED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)  # a Monday
END_OF_DAY = time(23, 59, 59)
FIX = "at the fix"  # expected publication: the instant of the fix itself


def day(number: int, hour: int = 12) -> datetime:
    """Noon (UTC) on day `number` after RECEIVED."""
    return datetime.combine(RECEIVED.date() + timedelta(days=number), time(hour), UTC)


def end_of(number: int) -> datetime:
    """The end of day `number` after RECEIVED, in UTC."""
    return datetime.combine(RECEIVED.date() + timedelta(days=number), END_OF_DAY, UTC)


def variant(name: str, **sections: dict[str, Any]) -> DisclosurePolicy:
    """A preset with some keys changed, validated like a file."""
    data = POLICIES[name].model_dump()
    for section, values in sections.items():
        data[section] = {**data[section], **values}
    return DisclosurePolicy.model_validate(data)


def compute(
    policy: str | DisclosurePolicy, *events: Event, now: datetime | None = None
) -> Deadlines:
    chosen = POLICIES[policy] if isinstance(policy, str) else policy
    return compute_deadlines(chosen, [Received(RECEIVED), *events], now=now)


def grace(at: datetime, days: int = 14, patch: int = 100) -> GraceGranted:
    return GraceGranted(at, days, RECEIVED.date() + timedelta(days=patch), "owner@acme.example")


def extension(at: datetime, days: int) -> ExtensionGranted:
    return ExtensionGranted(at, days, "multi-vendor coordination", "owner@acme.example")


# --- every preset from receipt to publication ------------------------------------------------

JOURNEYS = [
    # (id, policy, events, disclose_by day, publish_at day | FIX | None)
    ("p0-unfixed", "project-zero", [], 90, None),
    ("p0-fixed-day-47", "project-zero", [FixReleased(day(47))], 90, 77),
    ("p0-fixed-day-83", "project-zero", [FixReleased(day(83))], 90, 113),
    ("p0-fixed-day-90", "project-zero", [FixReleased(day(90))], 90, 120),
    ("p0-fixed-after-deadline", "project-zero", [FixReleased(day(95))], 90, 90),
    ("p0-grace-fixed-day-100", "project-zero", [grace(day(85)), FixReleased(day(100))], 104, 120),
    ("p0-grace-fixed-day-104", "project-zero", [grace(day(85)), FixReleased(day(104))], 104, 120),
    ("p0-grace-fixed-day-88", "project-zero", [grace(day(85)), FixReleased(day(88))], 104, 118),
    ("p0-grace-unfixed", "project-zero", [grace(day(85))], 104, None),
    ("p0-grace-fixed-late", "project-zero", [grace(day(85)), FixReleased(day(110))], 104, 104),
    ("p0-grace-capped", "project-zero", [grace(day(80), days=20, patch=95)], 104, None),
    ("p0-wild-at-receipt", "project-zero", [InTheWildSet(day(0))], 7, None),
    ("p0-wild-fixed-day-5", "project-zero", [InTheWildSet(day(0)), FixReleased(day(5))], 7, 35),
    (
        "p0-wild-unfixed-grace",
        "project-zero",
        [InTheWildSet(day(0)), grace(day(6), 3, 9)],
        10,
        None,
    ),
    (
        "p0-wild-grace-capped",
        "project-zero",
        [InTheWildSet(day(0)), grace(day(6), 14, 9)],
        10,
        None,
    ),
    ("p0-wild-day-20", "project-zero", [InTheWildSet(day(20))], 27, None),
    ("p0-wild-after-deadline", "project-zero", [InTheWildSet(day(95))], 90, None),
    (
        "p0-wild-cleared",
        "project-zero",
        [InTheWildSet(day(3)), InTheWildCleared(day(4))],
        90,
        None,
    ),
    ("p0-wild-after-fix", "project-zero", [FixReleased(day(10)), InTheWildSet(day(20))], 27, 40),
    ("cert-unfixed", "cert-cc", [], 45, None),
    ("cert-fixed-day-10", "cert-cc", [FixReleased(day(10))], 45, FIX),
    ("cert-fixed-after-deadline", "cert-cc", [FixReleased(day(50))], 45, 45),
    ("cert-extended", "cert-cc", [extension(day(30), 20)], 65, None),
    (
        "cert-extensions-capped",
        "cert-cc",
        [extension(day(30), 30), extension(day(60), 30)],
        90,
        None,
    ),
    (
        "cert-third-extension-ignored",
        "cert-cc",
        [extension(day(10), 5), extension(day(20), 5), extension(day(30), 5)],
        55,
        None,
    ),
    ("cert-wild-ignored", "cert-cc", [InTheWildSet(day(1))], 45, None),
    ("zdi-no-answer", "zdi", [], 21, None),
    ("zdi-answered-day-2", "zdi", [Acknowledged(day(2))], 122, None),
    ("zdi-answered-late", "zdi", [Acknowledged(day(25))], 21, None),
    ("zdi-fixed-day-60", "zdi", [Acknowledged(day(2)), FixReleased(day(60))], 122, FIX),
    ("zdi-extended", "zdi", [Acknowledged(day(2)), extension(day(100), 30)], 152, None),
    ("iso-unfixed", "iso-29147", [], None, None),
    ("iso-fixed-day-30", "iso-29147", [FixReleased(day(30))], None, FIX),
]


@pytest.mark.parametrize(
    ("policy", "events", "disclose_day", "publish_day"),
    [pytest.param(*row[1:], id=row[0]) for row in JOURNEYS],
)
def test_journey(
    policy: str, events: list[Event], disclose_day: int | None, publish_day: int | str | None
) -> None:
    deadlines = compute(policy, *events)

    if disclose_day is None:
        assert deadlines.disclose_by is None
    else:
        assert deadlines.disclose_by is not None
        assert deadlines.disclose_by.at == end_of(disclose_day)
    fixes = [event.at for event in events if isinstance(event, FixReleased)]
    if publish_day is None:
        assert deadlines.publish_at is None
    elif publish_day == FIX:
        assert deadlines.publish_at is not None
        assert deadlines.publish_at.at == fixes[0]
    else:
        assert deadlines.publish_at is not None
        assert deadlines.publish_at.at == end_of(int(publish_day))


def test_project_zero_explanation_names_receipt_policy_and_grace() -> None:
    received = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    granted = GraceGranted(
        datetime(2026, 5, 20, 14, 0, tzinfo=UTC), 14, date(2026, 6, 10), "owner@acme.example"
    )

    deadlines = compute_deadlines(POLICIES["project-zero"], [Received(received), granted])

    assert deadlines.disclose_by == Deadline(
        at=datetime(2026, 6, 13, 23, 59, 59, tzinfo=UTC),
        explanation=(
            "day 90 after receipt on 2026-03-01 under project-zero v1; 14-day grace granted on "
            "2026-05-20 by owner@acme.example: patch scheduled for 2026-06-10"
        ),
        counted_from=received,
    )


def test_explanations_say_why() -> None:
    wild = compute("project-zero", InTheWildSet(day(20)), FixReleased(day(22)))
    late = compute("project-zero", grace(day(85)), FixReleased(day(100)))
    capped = compute("cert-cc", extension(day(10), 40), extension(day(20), 40))

    assert wild.disclose_by is not None
    assert wild.publish_at is not None
    assert "exploitation in the wild was reported on 2026-03-22" in wild.disclose_by.explanation
    assert "30 days after the fix released on 2026-03-24 (day 22)" in wild.publish_at.explanation
    assert late.publish_at is not None
    assert late.publish_at.explanation.startswith("day 120 after receipt at the latest")
    assert capped.disclose_by is not None
    assert "extended by 5 days on 2026-03-22" in capped.disclose_by.explanation
    assert "capped at 45 days in total" in capped.disclose_by.explanation


def test_policy_label_is_used_in_explanations() -> None:
    deadlines = compute_deadlines(
        POLICIES["cert-cc"], [Received(RECEIVED)], policy_label="CERT/CC (2024 terms)"
    )

    assert deadlines.disclose_by is not None
    assert deadlines.disclose_by.explanation.endswith("under CERT/CC (2024 terms)")


def test_response_timers_count_business_days_and_record_when_met() -> None:
    deadlines = compute("project-zero", Acknowledged(day(1)), Acknowledged(day(2)))

    assert deadlines.acknowledge_by is not None
    assert deadlines.triage_by is not None
    assert deadlines.acknowledge_by.at == end_of(3)  # Monday + 3 business days = Thursday
    assert deadlines.acknowledge_by.met_at == day(1)
    assert deadlines.triage_by.at == end_of(14)  # two weeks later, a Monday
    assert deadlines.triage_by.met_at is None
    assert deadlines.acknowledge_by.counted_from == RECEIVED


def test_triage_met_and_public_notice() -> None:
    deadlines = compute("project-zero", Triaged(day(4)))

    assert deadlines.triage_by is not None
    assert deadlines.triage_by.met_at == day(4)
    assert deadlines.public_notice_by is not None
    assert deadlines.public_notice_by.at == end_of(7)
    assert compute("cert-cc").public_notice_by is None


# --- calendars, weekends, time zones -----------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (date(2026, 3, 6), 1, date(2026, 3, 9)),  # Friday + 1 = Monday
        (date(2026, 3, 6), 3, date(2026, 3, 11)),  # Friday + 3 = Wednesday
        (date(2026, 3, 7), 1, date(2026, 3, 9)),  # Saturday + 1 = Monday
        (date(2026, 3, 8), 5, date(2026, 3, 13)),  # Sunday + 5 = Friday
        (date(2026, 3, 2), 5, date(2026, 3, 9)),  # Monday + 5 = next Monday
        (date(2026, 3, 2), 10, date(2026, 3, 16)),
        (date(2026, 3, 4), 7, date(2026, 3, 13)),  # Wednesday + 7 = next Friday
        (date(2026, 3, 7), 0, date(2026, 3, 7)),  # day 0 is the day itself
    ],
)
def test_business_days_skip_weekends(start: date, days: int, expected: date) -> None:
    assert add_days(start, days, DayKind.BUSINESS) == expected


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)), st.integers(0, 400))
def test_business_days_match_counting_one_by_one(start: date, days: int) -> None:
    current, left = start, days
    while left:
        current += timedelta(days=1)
        if current.weekday() < 5:
            left -= 1
    assert add_days(start, days, DayKind.BUSINESS) == current


def test_weekend_deadline_moves_to_monday_when_configured() -> None:
    moving = variant("project-zero", timers={"move_weekend_to_monday": True})
    # 2026-03-02 + 90 days = Sunday 2026-05-31.
    deadlines = compute(moving)
    staying = compute("project-zero")

    assert staying.disclose_by is not None
    assert staying.disclose_by.at == end_of(90)
    assert deadlines.disclose_by is not None
    assert deadlines.disclose_by.at == end_of(91)
    assert "moved from Sunday 2026-05-31 to Monday 2026-06-01" in deadlines.disclose_by.explanation


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        # Friday before the last Sunday of March: 2 business days = Tuesday, now in CEST (+2).
        (datetime(2026, 3, 27, 10, 0, tzinfo=UTC), datetime(2026, 3, 31, 21, 59, 59, tzinfo=UTC)),
        # A week earlier, still CET (+1).
        (datetime(2026, 3, 20, 10, 0, tzinfo=UTC), datetime(2026, 3, 24, 22, 59, 59, tzinfo=UTC)),
        # Friday before the last Sunday of October: back to CET (+1).
        (datetime(2026, 10, 23, 10, 0, tzinfo=UTC), datetime(2026, 10, 27, 22, 59, 59, tzinfo=UTC)),
        # 23:30 UTC on Sunday is already Monday 00:30 in Berlin: Monday is day 0.
        (datetime(2026, 3, 1, 23, 30, tzinfo=UTC), datetime(2026, 3, 4, 22, 59, 59, tzinfo=UTC)),
    ],
)
def test_berlin_deadlines_fall_at_local_end_of_day_across_dst(
    received: datetime, expected: datetime
) -> None:
    deadlines = compute_deadlines(POLICIES["custom"], [Received(received)])

    assert deadlines.acknowledge_by is not None
    assert deadlines.acknowledge_by.at == expected
    assert deadlines.acknowledge_by.at.astimezone(BERLIN).time() == END_OF_DAY


def test_calendar_day_deadline_across_the_march_dst_change() -> None:
    berlin = variant("cert-cc", timers={"timezone": "Europe/Berlin"})
    received = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)  # 45 days later is in CEST

    deadlines = compute_deadlines(berlin, [Received(received)])

    assert deadlines.disclose_by is not None
    assert deadlines.disclose_by.at == datetime(2026, 5, 4, 21, 59, 59, tzinfo=UTC)


def test_deadline_hour_in_a_dst_gap_or_overlap_takes_the_later_instant() -> None:
    at = time(2, 30)

    # 02:30 does not exist on 2026-03-29 in Berlin: it reads as 03:30 CEST.
    assert local_instant(date(2026, 3, 29), at, BERLIN) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    # 02:30 exists twice on 2026-10-25: the second (CET) is the later one.
    assert local_instant(date(2026, 10, 25), at, BERLIN) == datetime(
        2026, 10, 25, 1, 30, tzinfo=UTC
    )


def test_a_configured_deadline_time_is_used() -> None:
    five_pm = variant("cert-cc", timers={"timezone": "America/New_York", "deadline_time": time(17)})

    deadlines = compute(five_pm)

    assert deadlines.disclose_by is not None
    assert deadlines.disclose_by.at == datetime(2026, 4, 16, 21, 0, tzinfo=UTC)  # 17:00 EDT


# --- the paused clock ----------------------------------------------------------------------------

PAUSING = variant("cert-cc", clock={"pause_while_needs_info": True})


def test_a_pause_moves_the_deadline_by_its_length_rounded_up() -> None:
    deadlines = compute(PAUSING, ClockPaused(day(10, 9)), ClockResumed(day(12, 10)))

    assert deadlines.disclose_by is not None
    assert deadlines.disclose_by.at == end_of(48)  # 2 days 1 hour count as 3 days
    assert "clock paused for 3 days" in deadlines.disclose_by.explanation
    assert deadlines.paused_since is None


def test_an_open_pause_counts_until_now() -> None:
    deadlines = compute(PAUSING, ClockPaused(day(10)), now=day(15))

    assert deadlines.disclose_by is not None
    assert deadlines.disclose_by.at == end_of(50)
    assert deadlines.paused_since == day(10)
    unmeasured = compute(PAUSING, ClockPaused(day(10))).disclose_by
    assert unmeasured is not None
    assert unmeasured.at == end_of(45)
    assert "clock paused since 2026-03-12: not yet resumed" in unmeasured.explanation


def test_pauses_after_the_deadline_or_under_a_policy_without_pauses_do_not_count() -> None:
    late = compute(PAUSING, ClockPaused(day(50)), ClockResumed(day(60)))
    ignored = compute("cert-cc", ClockPaused(day(10)), ClockResumed(day(20)))

    assert late.disclose_by is not None
    assert late.disclose_by.at == end_of(45)
    assert ignored.disclose_by is not None
    assert ignored.disclose_by.at == end_of(45)
    assert ignored.paused_since is None


# --- checks before a grant ----------------------------------------------------------------------


def test_check_extension_allows_what_the_policy_allows() -> None:
    events: list[Event] = [Received(RECEIVED), extension(day(5), 20)]

    check_extension(POLICIES["cert-cc"], events, 25, day(10))


@pytest.mark.parametrize(
    ("policy", "granted", "days", "now", "reason"),
    [
        ("project-zero", [], 5, day(10), "allows no extensions"),
        ("iso-29147", [], 5, day(10), "no disclosure deadline"),
        ("cert-cc", [], 0, day(10), "at least one day"),
        ("cert-cc", [], 46, day(10), "45 days of extensions in total; 45 left"),
        ("cert-cc", [extension(day(5), 40)], 10, day(10), "5 left"),
        ("cert-cc", [extension(day(5), 5), extension(day(6), 5)], 5, day(10), "allows 2"),
        ("cert-cc", [], 5, day(46), "the deadline passed"),
    ],
)
def test_check_extension_refuses(
    policy: str, granted: list[Event], days: int, now: datetime, reason: str
) -> None:
    with pytest.raises(PolicyViolation, match=reason) as caught:
        check_extension(POLICIES[policy], [Received(RECEIVED), *granted], days, now)
    assert caught.value.code == "policy_violation"
    assert caught.value.status == 409


def test_check_grace_allows_a_named_patch_date_before_the_deadline() -> None:
    check_grace(POLICIES["project-zero"], [Received(RECEIVED)], 14, date(2026, 6, 10), day(85))


@pytest.mark.parametrize(
    ("granted", "days", "patch", "now", "reason"),
    [
        ([], 14, 100, day(91), "before the deadline"),
        ([], 14, None, day(85), "named patch date"),
        ([], 14, 110, day(85), "within the grace period"),
        ([], 15, 100, day(85), "14 days"),
        ([], 14, 80, day(85), "in the past"),
        ([grace(day(80), 10)], 5, 100, day(85), "10 already granted"),
        ([InTheWildSet(day(0))], 4, 9, day(5), "3 days"),
        ([FixReleased(day(50))], 14, 100, day(85), "already released"),
    ],
)
def test_check_grace_refuses(
    granted: list[Event], days: int, patch: int | None, now: datetime, reason: str
) -> None:
    patch_date = None if patch is None else RECEIVED.date() + timedelta(days=patch)

    with pytest.raises(PolicyViolation, match=reason):
        check_grace(POLICIES["project-zero"], [Received(RECEIVED), *granted], days, patch_date, now)


def test_check_grace_in_the_wild_allows_three_days() -> None:
    events: list[Event] = [Received(RECEIVED), InTheWildSet(day(0))]

    check_grace(POLICIES["project-zero"], events, 3, RECEIVED.date() + timedelta(days=9), day(5))
    with pytest.raises(PolicyViolation, match="no disclosure deadline"):
        check_grace(POLICIES["iso-29147"], [Received(RECEIVED)], 3, None, day(5))


# --- events ---------------------------------------------------------------------------------------


def test_events_need_aware_times_and_are_kept_in_utc() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Received(datetime(2026, 3, 2, 9, 30))
    assert Received(datetime(2026, 3, 2, 10, 30, tzinfo=BERLIN)).at == RECEIVED
    with pytest.raises(ValueError, match="days must be >= 1"):
        ExtensionGranted(RECEIVED, 0, "no", "owner@acme.example")


def test_a_case_without_receipt_has_no_deadlines() -> None:
    with pytest.raises(ValueError, match="no Received"):
        compute_deadlines(POLICIES["cert-cc"], [FixReleased(RECEIVED)])


def test_event_order_does_not_matter() -> None:
    events: list[Event] = [FixReleased(day(47)), grace(day(40)), Received(RECEIVED)]

    assert compute_deadlines(POLICIES["project-zero"], events) == compute_deadlines(
        POLICIES["project-zero"], list(reversed(events))
    )


# --- warnings and time left ---------------------------------------------------------------------

START = datetime(2026, 1, 1, tzinfo=UTC)
DUE = START + timedelta(hours=100)


@pytest.mark.parametrize(
    ("hours", "level", "urgency"),
    [
        (0, "ok", Urgency.OK),
        (49, "ok", Urgency.OK),
        (50, "warn-50", Urgency.WARNING),
        (80, "warn-75", Urgency.WARNING),
        (95, "warn-90", Urgency.WARNING),
        (100, "warn-90", Urgency.WARNING),
        (101, "overdue", Urgency.OVERDUE),
    ],
)
def test_warning_levels_follow_the_fractions(hours: int, level: str, urgency: Urgency) -> None:
    now = START + timedelta(hours=hours)

    assert warning_level(START, DUE, now, (0.5, 0.75, 0.9)) == level
    assert timer_status(START, DUE, now, (0.5, 0.75, 0.9)).urgency is urgency
    assert time_left(DUE, now) == timedelta(hours=100 - hours)


def test_time_left_in_words() -> None:
    assert describe_time_left(timedelta(days=3, hours=4, minutes=59)) == "3 days 4 hours left"
    assert describe_time_left(timedelta(hours=1)) == "1 hour left"
    assert describe_time_left(timedelta(days=1)) == "1 day left"
    assert describe_time_left(timedelta(hours=-2)) == "overdue by 2 hours"


# --- properties -----------------------------------------------------------------------------------

PROPERTY_POLICIES = [
    *POLICIES.values(),
    variant("project-zero", clock={"pause_while_needs_info": True}),
    variant("cert-cc", timers={"timezone": "Europe/Berlin", "move_weekend_to_monday": True}),
]
MAX_OFFSET = 200 * 24 * 60  # minutes: events within 200 days of receipt


@st.composite
def cases(draw: st.DrawFn) -> tuple[DisclosurePolicy, list[Event], datetime]:
    """A policy, a receipt and up to ten other events at random later minutes, and a now."""
    policy = draw(st.sampled_from(PROPERTY_POLICIES))
    received = draw(
        st.datetimes(datetime(2020, 1, 1), datetime(2030, 12, 31), timezones=st.just(UTC))
    )

    def later() -> datetime:
        return received + timedelta(minutes=draw(st.integers(0, MAX_OFFSET)))

    makers = {
        "ack": lambda: Acknowledged(later()),
        "triage": lambda: Triaged(later()),
        "wild": lambda: InTheWildSet(later()),
        "clear": lambda: InTheWildCleared(later()),
        "fix": lambda: FixReleased(later()),
        "pause": lambda: ClockPaused(later()),
        "resume": lambda: ClockResumed(later()),
        "extension": lambda: ExtensionGranted(later(), draw(st.integers(1, 60)), "r", "x@y"),
        "grace": lambda: GraceGranted(
            later(), draw(st.integers(1, 20)), draw(st.none() | st.dates()), "x@y"
        ),
    }
    names = draw(st.lists(st.sampled_from(sorted(makers)), max_size=10))
    events: list[Event] = [Received(received), *(makers[name]() for name in names)]
    return policy, events, later()


def instants(deadlines: Deadlines) -> dict[str, datetime | None]:
    fields = ["acknowledge_by", "triage_by", "disclose_by", "publish_at", "public_notice_by"]
    chosen = {name: getattr(deadlines, name) for name in fields}
    return {name: deadline.at if deadline else None for name, deadline in chosen.items()}


def assert_not_earlier(after: Deadlines, before: Deadlines) -> None:
    old = instants(before)
    for name, new in instants(after).items():
        assert (new is None) == (old[name] is None), name
        assert new is None or old[name] is None or new >= old[name], name


def window_end(policy: DisclosurePolicy, deadline: datetime, days: int) -> datetime:
    """The latest publication `days` policy days after a deadline."""
    if days == 0:
        return deadline
    calendar = PolicyCalendar.of(policy)
    kind = policy.timers.deadline_day_kind
    return calendar.deadline(add_days(calendar.day_of(deadline), days, kind))


@settings(max_examples=200, deadline=None)
@given(cases(), st.integers(1, 90), st.integers(0, MAX_OFFSET))
def test_an_extension_never_makes_a_deadline_earlier(
    case: tuple[DisclosurePolicy, list[Event], datetime], days: int, offset: int
) -> None:
    """Granted after everything recorded so far, as the service records it."""
    policy, events, now = case
    latest = max(event.at for event in events)
    granted = extension(latest + timedelta(minutes=offset), days)

    before = compute_deadlines(policy, events, now=now)
    after = compute_deadlines(policy, [*events, granted], now=now)

    assert_not_earlier(after, before)


@settings(max_examples=200, deadline=None)
@given(cases(), st.integers(1, 20), st.integers(0, MAX_OFFSET))
def test_a_grace_never_makes_a_deadline_earlier(
    case: tuple[DisclosurePolicy, list[Event], datetime], days: int, offset: int
) -> None:
    policy, events, now = case
    granted = grace(events[0].at + timedelta(minutes=offset), days)

    before = compute_deadlines(policy, events, now=now)
    after = compute_deadlines(policy, [*events, granted], now=now)

    assert_not_earlier(after, before)


@settings(max_examples=200, deadline=None)
@given(cases(), st.integers(0, MAX_OFFSET))
def test_the_in_the_wild_flag_never_makes_a_deadline_later(
    case: tuple[DisclosurePolicy, list[Event], datetime], offset: int
) -> None:
    policy, events, now = case
    calm = [e for e in events if not isinstance(e, InTheWildSet | InTheWildCleared)]
    flagged = [*calm, InTheWildSet(events[0].at + timedelta(minutes=offset))]

    before = instants(compute_deadlines(policy, calm, now=now))
    after = instants(compute_deadlines(policy, flagged, now=now))

    for name in before:
        new, old = after[name], before[name]
        assert (new is None) == (old is None), name
        assert new is None or old is None or new <= old, name


@settings(max_examples=300, deadline=None)
@given(cases())
def test_publication_after_a_fix_stays_within_what_the_policy_allows(
    case: tuple[DisclosurePolicy, list[Event], datetime],
) -> None:
    """publish_at <= disclose_by + patch window (the grace not counted when it eats into the
    window), and publish_at >= the fix or the deadline, whichever came first."""
    policy, events, now = case
    deadlines = compute_deadlines(policy, events, now=now)
    fixes = sorted(event.at for event in events if isinstance(event, FixReleased))
    if not fixes:
        assert deadlines.publish_at is None
        return
    publish = deadlines.publish_at
    assert publish is not None
    window = policy.fix.patch_window_days
    if deadlines.disclose_by is None:
        assert publish.at == (window_end(policy, fixes[0], window) if window else fixes[0])
        return
    assert min(fixes[0], deadlines.disclose_by.at) <= publish.at
    assert publish.at <= window_end(policy, deadlines.disclose_by.at, window)
    if policy.grace.eats_into_patch_window:
        graceless = [event for event in events if not isinstance(event, GraceGranted)]
        plain = compute_deadlines(policy, graceless, now=now).disclose_by
        assert plain is not None
        assert publish.at <= max(window_end(policy, plain.at, window), fixes[0])


@settings(max_examples=300, deadline=None)
@given(cases())
def test_deadlines_are_always_utc(case: tuple[DisclosurePolicy, list[Event], datetime]) -> None:
    policy, events, now = case
    deadlines = compute_deadlines(policy, events, now=now)

    for at in instants(deadlines).values():
        assert at is None or (at.tzinfo is UTC and at.utcoffset() == timedelta(0))
    assert deadlines.paused_since is None or deadlines.paused_since.tzinfo is UTC


def test_property_policies_cover_every_preset() -> None:
    names: Sequence[str] = [policy.name for policy in PROPERTY_POLICIES]

    assert set(POLICIES) <= set(names)
