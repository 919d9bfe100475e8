"""The lifecycle, table-driven over every pair of states for both sides."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from disclosure.cases import lifecycle
from disclosure.cases.lifecycle import InvalidTransition, Side
from disclosure.cases.models import Case, CaseState
from disclosure.errors import ValidationError

S = CaseState
NOW = datetime(2026, 3, 1, tzinfo=UTC)

# The expected legal moves, written out independently of the module's tables.
VENDOR = {
    S.NEW: {S.ACKNOWLEDGED, S.NEEDS_INFO, S.DUPLICATE, S.INFORMATIVE, S.NOT_APPLICABLE, S.SPAM},
    S.ACKNOWLEDGED: {
        S.ACCEPTED,
        S.NEEDS_INFO,
        S.DUPLICATE,
        S.INFORMATIVE,
        S.NOT_APPLICABLE,
        S.SPAM,
    },
    S.NEEDS_INFO: {
        S.ACKNOWLEDGED,
        S.ACCEPTED,
        S.DUPLICATE,
        S.INFORMATIVE,
        S.NOT_APPLICABLE,
        S.SPAM,
    },
    S.ACCEPTED: {S.FIXED, S.NEEDS_INFO, S.DUPLICATE, S.INFORMATIVE, S.NOT_APPLICABLE, S.SPAM},
    S.FIXED: {S.DISCLOSED, S.ACCEPTED},
    S.DISCLOSED: {S.ACCEPTED},
    S.DUPLICATE: {S.ACKNOWLEDGED},
    S.INFORMATIVE: {S.ACKNOWLEDGED},
    S.NOT_APPLICABLE: {S.ACKNOWLEDGED},
    S.SPAM: {S.ACKNOWLEDGED},
    S.WITHDRAWN: {S.ACKNOWLEDGED},
}
REPORTER = {
    S.NEW: {S.WITHDRAWN},
    S.ACKNOWLEDGED: {S.WITHDRAWN},
    S.NEEDS_INFO: {S.WITHDRAWN, S.ACKNOWLEDGED, S.ACCEPTED},
    S.ACCEPTED: {S.WITHDRAWN},
}
# Releasing the advisory discloses the case from any open state (at the deadline, unfixed).
PUBLICATION = {
    state: {S.DISCLOSED} for state in (S.NEW, S.ACKNOWLEDGED, S.ACCEPTED, S.NEEDS_INFO, S.FIXED)
}
TABLES = {Side.VENDOR: VENDOR, Side.REPORTER: REPORTER, Side.PUBLICATION: PUBLICATION}
PAIRS = [(side, before, after) for side in Side for before in S for after in S]


def _case(state: CaseState) -> Case:
    return Case(id=7, program_id=1, state=state, policy_name="p", received_at=NOW)


@pytest.mark.parametrize(("side", "before", "after"), PAIRS)
def test_every_pair(side: Side, before: CaseState, after: CaseState) -> None:
    table = TABLES[side]
    legal = after in table.get(before, set())
    case = _case(before)
    extra = {"duplicate_of": 3} if after is S.DUPLICATE else {}
    if legal:
        move = lifecycle.transition(case, after, side=side, now=NOW, **extra)
        assert case.state is after
        assert move.before is before
        assert move.is_reopen == (before in lifecycle.CLOSING or before is S.DISCLOSED)
    else:
        with pytest.raises(InvalidTransition) as refused:
            lifecycle.transition(case, after, side=side, now=NOW, **extra)
        assert case.state is before
        for state in table.get(before, set()):
            assert state.value in refused.value.message


def test_timestamps_are_set_once_and_closing_is_recorded() -> None:
    case = _case(S.NEW)
    lifecycle.transition(case, S.ACKNOWLEDGED, side=Side.VENDOR, now=NOW)
    later = NOW.replace(day=2)
    lifecycle.transition(case, S.NEEDS_INFO, side=Side.VENDOR, now=later)
    lifecycle.transition(case, S.ACKNOWLEDGED, side=Side.VENDOR, now=later)
    assert case.acknowledged_at == NOW
    lifecycle.transition(case, S.SPAM, side=Side.VENDOR, now=later)
    assert case.closed_at == later
    lifecycle.transition(case, S.ACKNOWLEDGED, side=Side.VENDOR, now=later)
    assert case.closed_at is None


def test_duplicate_needs_the_original_and_reopening_unlinks_it() -> None:
    case = _case(S.ACKNOWLEDGED)
    with pytest.raises(ValidationError):
        lifecycle.transition(case, S.DUPLICATE, side=Side.VENDOR, now=NOW)
    with pytest.raises(ValidationError):
        lifecycle.transition(case, S.DUPLICATE, side=Side.VENDOR, now=NOW, duplicate_of=7)
    lifecycle.transition(case, S.DUPLICATE, side=Side.VENDOR, now=NOW, duplicate_of=3)
    assert case.duplicate_of_id == 3
    lifecycle.transition(case, S.ACKNOWLEDGED, side=Side.VENDOR, now=NOW)
    assert case.duplicate_of_id is None


def test_answering_needs_info_returns_where_the_case_was() -> None:
    case = _case(S.NEEDS_INFO)
    with pytest.raises(InvalidTransition):
        lifecycle.transition(
            case, S.ACCEPTED, side=Side.REPORTER, now=NOW, resume_to=S.ACKNOWLEDGED
        )
    lifecycle.transition(
        case, S.ACKNOWLEDGED, side=Side.REPORTER, now=NOW, resume_to=S.ACKNOWLEDGED
    )
    assert case.state is S.ACKNOWLEDGED
