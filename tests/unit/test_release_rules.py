"""When the vendor may publish and when the policy publishes without asking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from disclosure.cases.models import Case, CaseState
from disclosure.policies.presets import DEFAULT_POLICY_DIR, load_policies
from disclosure.publication import release
from disclosure.publication.models import Advisory, AdvisoryState
from disclosure.publication.release import Trigger

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
POLICIES = load_policies([DEFAULT_POLICY_DIR])


def case(
    state: CaseState, *, disclose_in: float | None = 10, publish_in: float | None = None
) -> Case:
    return Case(
        id=1,
        program_id=1,
        policy_name="x",
        tracking_code_hash="0" * 64,
        state=state,
        disclose_by=NOW + timedelta(days=disclose_in) if disclose_in is not None else None,
        publish_at=NOW + timedelta(days=publish_in) if publish_in is not None else None,
    )


def advisory(state: AdvisoryState = AdvisoryState.DRAFT, **fields: object) -> Advisory:
    return Advisory(case_id=1, program_id=1, state=state, **fields)


def reviewed() -> Advisory:
    return advisory(
        review_requested_at=NOW - timedelta(days=6), review_ends_at=NOW - timedelta(days=1)
    )


def test_not_fixed_and_before_the_deadline_names_the_deadline() -> None:
    refusal = release.refusal(case(CaseState.ACCEPTED), reviewed(), NOW)
    assert refusal is not None
    assert "not fixed yet" in refusal
    assert "2026-06-11" in refusal


def test_the_review_must_be_over_or_approved() -> None:
    fixed = case(CaseState.FIXED)
    assert "for review first" in (release.refusal(fixed, advisory(), NOW) or "")
    running = advisory(review_requested_at=NOW, review_ends_at=NOW + timedelta(days=5))
    assert "review runs until" in (release.refusal(fixed, running, NOW) or "")
    approved = advisory(
        review_requested_at=NOW, review_ends_at=NOW + timedelta(days=5), approved_at=NOW
    )
    assert release.refusal(fixed, approved, NOW) is None
    assert release.refusal(fixed, reviewed(), NOW) is None


@pytest.mark.parametrize("state", [CaseState.INFORMATIVE, CaseState.WITHDRAWN, CaseState.DISCLOSED])
def test_a_closed_case_gets_no_advisory(state: CaseState) -> None:
    assert "gets no advisory" in (release.refusal(case(state), reviewed(), NOW) or "")
    assert release.due(case(state, disclose_in=-1), reviewed(), POLICIES["cert-cc"], NOW) is None


def test_the_deadline_publishes_unfixed_cases_where_the_policy_says_so() -> None:
    late = case(CaseState.ACCEPTED, disclose_in=-1)
    assert release.due(late, None, POLICIES["cert-cc"], NOW).trigger is Trigger.DEADLINE
    limited = release.due(late, None, POLICIES["zdi"], NOW)
    assert limited.trigger is Trigger.DEADLINE
    assert limited.is_limited
    assert release.due(late, None, POLICIES["custom"], NOW) is None  # notify
    assert (
        release.due(case(CaseState.ACCEPTED, disclose_in=1), None, POLICIES["cert-cc"], NOW) is None
    )


def test_a_patch_window_replaces_the_deadline_after_a_fix() -> None:
    p0 = POLICIES["project-zero"]
    fixed = case(CaseState.FIXED, disclose_in=-1, publish_in=5)
    assert release.due(fixed, reviewed(), p0, NOW) is None  # fix + 30 not reached
    fixed.publish_at = NOW - timedelta(seconds=1)
    assert release.due(fixed, reviewed(), p0, NOW).trigger is Trigger.PATCH_WINDOW
    # CERT/CC has no window: its 45 days hold whether or not a fix is out
    cert = case(CaseState.FIXED, disclose_in=-1, publish_in=-5)
    assert release.due(cert, reviewed(), POLICIES["cert-cc"], NOW).trigger is Trigger.DEADLINE


def test_the_embargo_waits_for_the_fix_or_the_deadline() -> None:
    scheduled = advisory(AdvisoryState.SCHEDULED, embargo_at=NOW - timedelta(minutes=1))
    iso = POLICIES["iso-29147"]
    assert release.due(case(CaseState.ACCEPTED), scheduled, iso, NOW) is None
    assert release.due(case(CaseState.FIXED), scheduled, iso, NOW).trigger is Trigger.EMBARGO
    later = advisory(AdvisoryState.SCHEDULED, embargo_at=NOW + timedelta(minutes=1))
    assert release.due(case(CaseState.FIXED), later, iso, NOW) is None


def test_scheduling_refuses_the_past_and_the_review() -> None:
    fixed = case(CaseState.FIXED)
    assert "future" in (release.schedule_refusal(fixed, reviewed(), NOW, NOW) or "")
    running = advisory(review_requested_at=NOW, review_ends_at=NOW + timedelta(days=5))
    assert "review runs" in (
        release.schedule_refusal(fixed, running, NOW + timedelta(days=1), NOW) or ""
    )
    assert release.schedule_refusal(fixed, running, NOW + timedelta(days=6), NOW) is None
