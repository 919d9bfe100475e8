"""Deadline arithmetic: from a policy and a case's events to dated, explained deadlines.

Pure functions of their input. Every deadline is a day counted in the policy's time zone, then
that day's `timers.deadline_time` in UTC. The disclosure deadline is built in steps that can
only move it later (extensions, grace, paused clock) except the in-the-wild rule, which can only
move it earlier; publication after a fix never comes later than the deadline plus the window
after a fix (see `compute_deadlines`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from disclosure.policies.calendar import ONE_DAY, PolicyCalendar, add_days
from disclosure.policies.events import Event, Timeline, read_timeline
from disclosure.policies.presets import DayKind, DeadlineAction, DisclosurePolicy, DisclosureStart


@dataclass(frozen=True)
class Deadline:
    """An instant (UTC), why it is that instant, and when its timer started."""

    at: datetime
    explanation: str
    counted_from: datetime
    met_at: datetime | None = None  # when the vendor did what the timer asks, if it has


@dataclass(frozen=True)
class Deadlines:
    """Every deadline of a case under one policy; None where the policy sets none."""

    acknowledge_by: Deadline | None
    triage_by: Deadline | None
    disclose_by: Deadline | None
    publish_at: Deadline | None  # only once a fix is released
    public_notice_by: Deadline | None
    in_the_wild: bool  # the in-the-wild deadline is the one in force
    paused_since: datetime | None  # the clock stands still since then
    action: DeadlineAction  # what happens at disclose_by


@dataclass(frozen=True)
class _Context:
    policy: DisclosurePolicy
    timeline: Timeline
    calendar: PolicyCalendar
    label: str
    now: datetime | None

    @property
    def received_day(self) -> date:
        return self.calendar.day_of(self.timeline.received_at)


@dataclass(frozen=True)
class _Track:
    """A deadline day under construction, with the reasons that shaped it."""

    day: date
    start: datetime
    parts: tuple[str, ...]

    def plus(self, days: int, kind: DayKind, *notes: str) -> _Track:
        return replace(self, day=add_days(self.day, days, kind), parts=self.parts + notes)


@dataclass(frozen=True)
class _Disclosure:
    deadline: Deadline
    in_the_wild: bool
    grace_days: int


def compute_deadlines(
    policy: DisclosurePolicy,
    events: Iterable[Event],
    *,
    policy_label: str | None = None,
    now: datetime | None = None,
) -> Deadlines:
    """All deadlines of a case; `now` only measures a pause that has not ended yet.

    Invariants (checked by property tests): extensions never make a deadline earlier; the
    in-the-wild flag never makes one later; once fixed, publish_at is no later than disclose_by
    plus the window after a fix, and not before both the fix and disclose_by.
    """
    timeline = read_timeline(events)
    ctx = _Context(policy, timeline, PolicyCalendar.of(policy), policy_label or policy.label, now)
    timers = policy.timers
    disclosure = _disclosure(ctx, with_grace=True)
    paused = [p.start for p in timeline.pauses if p.end is None]
    return Deadlines(
        acknowledge_by=_response(ctx, timers.acknowledge_days, timeline.acknowledged_at),
        triage_by=_response(ctx, timers.triage_days, timeline.triaged_at),
        disclose_by=disclosure.deadline if disclosure else None,
        publish_at=_publication(ctx, disclosure),
        public_notice_by=_public_notice(ctx),
        in_the_wild=bool(disclosure and disclosure.in_the_wild),
        paused_since=paused[0] if paused and policy.clock.pause_while_needs_info else None,
        action=policy.deadline.action,
    )


def _response(ctx: _Context, days: int | None, met_at: datetime | None) -> Deadline | None:
    if days is None:
        return None
    kind = ctx.policy.timers.response_day_kind
    text = f"{_count(days, kind)} after receipt on {ctx.received_day} under {ctx.label}"
    track = _Track(ctx.received_day, ctx.timeline.received_at, (text,)).plus(days, kind)
    return _finish(ctx, track, met_at)


def _public_notice(ctx: _Context) -> Deadline | None:
    days = ctx.policy.timers.public_notice_days
    if days is None:
        return None
    kind = ctx.policy.timers.deadline_day_kind
    text = f"public notice {_count(days, kind)} after receipt on {ctx.received_day}"
    track = _Track(ctx.received_day, ctx.timeline.received_at, (f"{text} under {ctx.label}",))
    return _finish(ctx, track.plus(days, kind))


def _finish(ctx: _Context, track: _Track, met_at: datetime | None = None) -> Deadline:
    """The track's deadline instant, with the weekend move (if any) in its explanation."""
    moved = ctx.calendar.moved_note(track.day)
    parts = track.parts + ((moved,) if moved else ())
    return Deadline(ctx.calendar.deadline(track.day), "; ".join(parts), track.start, met_at)


def _disclosure(ctx: _Context, *, with_grace: bool) -> _Disclosure | None:
    """The disclosure deadline in force: regular, or in the wild when that comes sooner."""
    if not ctx.policy.has_deadline:
        return None
    grace = ctx.policy.grace
    regular_cap = grace.days if with_grace else None
    wild_cap = grace.in_the_wild_days if with_grace else None
    regular = _with_pauses(ctx, _with_grace(ctx, _regular(ctx), regular_cap))
    regular_at = ctx.calendar.deadline(regular.day)
    wild = _in_the_wild(ctx, regular_at)
    if wild is not None:
        wild = _with_pauses(ctx, _with_grace(ctx, wild, wild_cap))
        if ctx.calendar.deadline(wild.day) < regular_at:
            return _Disclosure(_finish(ctx, wild), True, _grace_days(ctx, wild_cap))
    return _Disclosure(_finish(ctx, regular), False, _grace_days(ctx, regular_cap))


def _regular(ctx: _Context) -> _Track:
    """The regular deadline: N days after receipt (or the vendor's answer), plus extensions."""
    timers, timeline = ctx.policy.timers, ctx.timeline
    days, kind = timers.disclose_days or 0, timers.deadline_day_kind
    received = _Track(ctx.received_day, timeline.received_at, ())
    base = f"{_day(days, kind)} after receipt on {ctx.received_day} under {ctx.label}"
    track = received.plus(days, kind, base)
    if timers.disclose_from is DisclosureStart.ACKNOWLEDGED:
        track = _from_answer(ctx, track)
    return _with_extensions(ctx, track)


def _from_answer(ctx: _Context, provisional: _Track) -> _Track:
    """ZDI style: counted from the vendor's answer; no answer in time shortens it."""
    timers, answered_at = ctx.policy.timers, ctx.timeline.acknowledged_at
    days, kind = timers.disclose_days or 0, timers.deadline_day_kind
    if (unanswered := timers.unanswered_disclose_days) is not None:
        response_kind = timers.response_day_kind
        unanswered_day = add_days(ctx.received_day, unanswered, response_kind)
        if answered_at is None or answered_at > ctx.calendar.deadline(unanswered_day):
            text = (
                f"{_count(unanswered, response_kind)} after the first contact on "
                f"{ctx.received_day} without an answer, under {ctx.label}"
            )
            return _Track(unanswered_day, ctx.timeline.received_at, (text,))
    if answered_at is None:
        note = "counted from receipt until the vendor answers, then from the answer"
        return replace(provisional, parts=(*provisional.parts, note))
    answered_day = ctx.calendar.day_of(answered_at)
    text = f"{_day(days, kind)} after the vendor's answer on {answered_day} under {ctx.label}"
    return _Track(add_days(answered_day, days, kind), answered_at, (text,))


def _with_extensions(ctx: _Context, track: _Track) -> _Track:
    """Add granted extensions, counting at most max_count of them and max_total_days."""
    limits, kind = ctx.policy.extensions, ctx.policy.timers.deadline_day_kind
    total, notes = 0, []
    for number, grant in enumerate(ctx.timeline.extensions, start=1):
        days = min(grant.days, limits.max_total_days - total)
        if number > limits.max_count or days <= 0:
            notes.append(
                f"extension of {_count(grant.days, kind)} on {ctx.calendar.day_of(grant.at)} "
                f"not counted: the policy allows {limits.max_count} extension(s), "
                f"{limits.max_total_days} days in total"
            )
            continue
        total += days
        capped = f" (capped at {limits.max_total_days} days in total)" if days < grant.days else ""
        notes.append(
            f"extended by {_count(days, kind)} on {ctx.calendar.day_of(grant.at)} "
            f"by {grant.granted_by}: {grant.reason}{capped}"
        )
    return track.plus(total, kind, *notes)


def _grace_days(ctx: _Context, cap: int | None) -> int:
    return min(sum(grant.days for grant in ctx.timeline.graces), cap or 0)


def _with_grace(ctx: _Context, track: _Track, cap: int | None) -> _Track:
    """Add the grace granted, at most `cap` days in all; None leaves grace out entirely."""
    if not ctx.timeline.graces or cap is None:
        return track
    kind, notes = ctx.policy.timers.deadline_day_kind, []
    for grant in ctx.timeline.graces:
        patch = f": patch scheduled for {grant.patch_date}" if grant.patch_date else ""
        notes.append(
            f"{grant.days}-day grace granted on {ctx.calendar.day_of(grant.at)} "
            f"by {grant.granted_by}{patch}"
        )
    days = _grace_days(ctx, cap)
    if days < sum(grant.days for grant in ctx.timeline.graces):
        notes.append(f"grace capped at {_count(days, kind)} by the policy")
    return track.plus(days, kind, *notes)


def _with_pauses(ctx: _Context, track: _Track) -> _Track:
    """Move the day later by each pause that began before it, rounded up to whole days."""
    if not ctx.policy.clock.pause_while_needs_info:
        return track
    day, total, notes = track.day, 0, []
    for pause in ctx.timeline.pauses:
        if pause.start >= ctx.calendar.deadline(day):
            continue
        end = pause.end or max(ctx.now or pause.start, pause.start)
        days = -(-(end - pause.start) // ONE_DAY)
        day, total = day + timedelta(days=days), total + days
        if pause.end is None:
            notes.append(f"clock paused since {ctx.calendar.day_of(pause.start)}: not yet resumed")
    if total:
        notes.insert(0, f"clock paused for {_count(total, DayKind.CALENDAR)} in all (rounded up)")
    return replace(track, day=day, parts=track.parts + tuple(notes))


def _in_the_wild(ctx: _Context, regular_at: datetime) -> _Track | None:
    """The in-the-wild deadline, if the flag was set before the regular deadline."""
    since, days = ctx.timeline.in_the_wild_since, ctx.policy.timers.in_the_wild_days
    if since is None or days is None or since >= regular_at:
        return None
    kind = ctx.policy.timers.deadline_day_kind
    since_day = ctx.calendar.day_of(since)
    text = (
        f"{_count(days, kind)} after exploitation in the wild was reported on {since_day} "
        f"under {ctx.label}, sooner than the regular deadline"
    )
    return _Track(since_day, since, ()).plus(days, kind, text)


def _publication(ctx: _Context, disclosure: _Disclosure | None) -> Deadline | None:
    """When details go public once a fix is out: after the window, capped by the policy."""
    fixed_at, since = ctx.timeline.fixed_at, ctx.timeline.in_the_wild_since
    if fixed_at is None:
        return None
    fix = ctx.policy.fix
    is_wild_fix = bool(disclosure and disclosure.in_the_wild and since and fixed_at >= since)
    window = fix.in_the_wild_window_days if is_wild_fix else fix.patch_window_days
    after_fix = _after_fix(ctx, fixed_at, window)
    if disclosure is None:
        return replace(after_fix, explanation=f"{after_fix.explanation}; no fixed deadline")
    deadline = disclosure.deadline
    if fixed_at > deadline.at:
        text = (
            f"the fix came after the deadline, so publication was due then: {deadline.explanation}"
        )
        return replace(deadline, explanation=text)
    if ctx.policy.grace.eats_into_patch_window and disclosure.grace_days:
        ceiling = _ceiling(ctx, window)
        if ceiling is not None and ceiling.at < fixed_at:
            text = f"at the fix: the window after the fix was used up; {ceiling.explanation}"
            return Deadline(fixed_at, text, fixed_at)
        if ceiling is not None and ceiling.at < after_fix.at:
            return ceiling
    return after_fix


def _after_fix(ctx: _Context, fixed_at: datetime, window: int) -> Deadline:
    fix_day = ctx.calendar.day_of(fixed_at)
    fix_number = (fix_day - ctx.received_day).days
    if window == 0:
        text = f"at the fix released on {fix_day} (day {fix_number}) under {ctx.label}"
        return Deadline(fixed_at, text, fixed_at)
    kind = ctx.policy.timers.deadline_day_kind
    track = _Track(fix_day, fixed_at, ()).plus(window, kind)
    text = (
        f"{_count(window, kind)} after the fix released on {fix_day} (day {fix_number}), "
        f"that is day {(track.day - ctx.received_day).days} after receipt, under {ctx.label}"
    )
    return _finish(ctx, replace(track, parts=(text,)))


def _ceiling(ctx: _Context, window: int) -> Deadline | None:
    """The latest publication when the grace is taken out of the window after the fix."""
    plain = _disclosure(ctx, with_grace=False)
    if plain is None:
        return None
    kind = ctx.policy.timers.deadline_day_kind
    day = add_days(ctx.calendar.day_of(plain.deadline.at), window, kind)
    text = (
        f"day {(day - ctx.received_day).days} after receipt at the latest: the grace is taken "
        f"out of the {_count(window, kind)} after the fix; deadline without grace: "
        f"{plain.deadline.explanation}"
    )
    if window == 0:
        return replace(plain.deadline, explanation=text)
    return _finish(ctx, _Track(day, plain.deadline.counted_from, (text,)))


def _count(days: int, kind: DayKind) -> str:
    business = "business " if kind is DayKind.BUSINESS else ""
    return f"{days} {business}day{'' if days == 1 else 's'}"


def _day(number: int, kind: DayKind) -> str:
    return f"{'business ' if kind is DayKind.BUSINESS else ''}day {number}"
