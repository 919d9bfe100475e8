"""The advisory lifecycle: the one place that assigns an advisory's state.

draft -> in_review (the reporter reads, comments, approves) -> scheduled (embargo) -> published
published -> revised (each revision adds a changelog entry) ; published|revised -> withdrawn
A draft may be scheduled or published without a review only where the release rules allow it
(publication.release decides; this table says which moves exist at all).
"""

from __future__ import annotations

from enum import StrEnum

from disclosure.errors import Conflict
from disclosure.publication.models import Advisory, AdvisoryState

A = AdvisoryState


class Move(StrEnum):
    EDIT = "edit"  # save the draft; a draft in review goes back to draft
    REQUEST_REVIEW = "request_review"
    SCHEDULE = "schedule"
    UNSCHEDULE = "unschedule"
    PUBLISH = "publish"
    REVISE = "revise"
    WITHDRAW = "withdraw"


# (state, move) -> the state it leads to. Everything else is refused.
MOVES: dict[tuple[AdvisoryState, Move], AdvisoryState] = {
    (A.DRAFT, Move.EDIT): A.DRAFT,
    (A.IN_REVIEW, Move.EDIT): A.DRAFT,
    (A.SCHEDULED, Move.EDIT): A.DRAFT,  # editing a scheduled draft cancels the schedule
    (A.DRAFT, Move.REQUEST_REVIEW): A.IN_REVIEW,
    (A.DRAFT, Move.SCHEDULE): A.SCHEDULED,
    (A.IN_REVIEW, Move.SCHEDULE): A.SCHEDULED,
    (A.SCHEDULED, Move.SCHEDULE): A.SCHEDULED,  # a new embargo time
    (A.SCHEDULED, Move.UNSCHEDULE): A.DRAFT,
    (A.DRAFT, Move.PUBLISH): A.PUBLISHED,
    (A.IN_REVIEW, Move.PUBLISH): A.PUBLISHED,
    (A.SCHEDULED, Move.PUBLISH): A.PUBLISHED,
    (A.PUBLISHED, Move.REVISE): A.REVISED,
    (A.REVISED, Move.REVISE): A.REVISED,
    (A.PUBLISHED, Move.WITHDRAW): A.WITHDRAWN,
    (A.REVISED, Move.WITHDRAW): A.WITHDRAWN,
}


class InvalidMove(Conflict):
    code = "invalid_transition"


def legal_moves(state: AdvisoryState) -> frozenset[Move]:
    """The moves an advisory in `state` may make."""
    return frozenset(move for (source, move) in MOVES if source is state)


def target(state: AdvisoryState, move: Move) -> AdvisoryState:
    """Where `move` leads from `state`; InvalidMove (409) naming the legal moves otherwise."""
    found = MOVES.get((state, move))
    if found is None:
        legal = ", ".join(sorted(m.value for m in legal_moves(state))) or "none"
        raise InvalidMove(
            f"An advisory that is {state.value.replace('_', ' ')} cannot {_verb(move)}; "
            f"possible now: {legal}."
        )
    return found


def apply(advisory: Advisory, move: Move) -> AdvisoryState:
    """Move the advisory; returns the state it left."""
    before = advisory.state
    advisory.state = target(before, move)
    return before


def _verb(move: Move) -> str:
    return {
        Move.EDIT: "be edited",
        Move.REQUEST_REVIEW: "be sent for review",
        Move.SCHEDULE: "be scheduled",
        Move.UNSCHEDULE: "be unscheduled",
        Move.PUBLISH: "be published",
        Move.REVISE: "be revised",
        Move.WITHDRAW: "be withdrawn",
    }[move]
