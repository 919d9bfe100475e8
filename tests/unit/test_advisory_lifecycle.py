"""The advisory lifecycle, every (state, move) pair against the table on paper."""

from __future__ import annotations

import pytest

from disclosure.publication import lifecycle
from disclosure.publication.lifecycle import InvalidMove, Move
from disclosure.publication.models import Advisory, AdvisoryState

A = AdvisoryState
ALLOWED = {
    (A.DRAFT, Move.EDIT): A.DRAFT,
    (A.IN_REVIEW, Move.EDIT): A.DRAFT,
    (A.SCHEDULED, Move.EDIT): A.DRAFT,
    (A.DRAFT, Move.REQUEST_REVIEW): A.IN_REVIEW,
    (A.DRAFT, Move.SCHEDULE): A.SCHEDULED,
    (A.IN_REVIEW, Move.SCHEDULE): A.SCHEDULED,
    (A.SCHEDULED, Move.SCHEDULE): A.SCHEDULED,
    (A.SCHEDULED, Move.UNSCHEDULE): A.DRAFT,
    (A.DRAFT, Move.PUBLISH): A.PUBLISHED,
    (A.IN_REVIEW, Move.PUBLISH): A.PUBLISHED,
    (A.SCHEDULED, Move.PUBLISH): A.PUBLISHED,
    (A.PUBLISHED, Move.REVISE): A.REVISED,
    (A.REVISED, Move.REVISE): A.REVISED,
    (A.PUBLISHED, Move.WITHDRAW): A.WITHDRAWN,
    (A.REVISED, Move.WITHDRAW): A.WITHDRAWN,
}
PAIRS = [(state, move) for state in AdvisoryState for move in Move]


@pytest.mark.parametrize(("state", "move"), PAIRS, ids=lambda v: v.value)
def test_every_pair(state: AdvisoryState, move: Move) -> None:
    advisory = Advisory(case_id=1, program_id=1, state=state)
    expected = ALLOWED.get((state, move))
    if expected is None:
        with pytest.raises(InvalidMove) as refused:
            lifecycle.apply(advisory, move)
        assert advisory.state is state  # nothing changed
        assert refused.value.status == 409
    else:
        assert lifecycle.apply(advisory, move) is state
        assert advisory.state is expected


def test_a_withdrawn_advisory_can_do_nothing() -> None:
    assert lifecycle.legal_moves(A.WITHDRAWN) == frozenset()
    with pytest.raises(InvalidMove, match="possible now: none"):
        lifecycle.target(A.WITHDRAWN, Move.REVISE)


def test_the_refusal_names_the_legal_moves() -> None:
    with pytest.raises(InvalidMove, match="possible now: revise, withdraw"):
        lifecycle.target(A.PUBLISHED, Move.SCHEDULE)
