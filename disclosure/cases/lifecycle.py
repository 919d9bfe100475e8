"""The case lifecycle: the one place that assigns a case's state.

new -> acknowledged -> accepted -> fixed -> disclosed
needs_info: waiting on the researcher, then back where the case was
closing states: duplicate (linked to the original), informative, not_applicable, spam,
withdrawn (by the researcher); a closed or disclosed case can be reopened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from disclosure.cases.models import Case, CaseState
from disclosure.errors import Conflict, ValidationError

S = CaseState
CLOSING = frozenset({S.DUPLICATE, S.INFORMATIVE, S.NOT_APPLICABLE, S.SPAM, S.WITHDRAWN})
OPEN = frozenset({S.NEW, S.ACKNOWLEDGED, S.ACCEPTED, S.NEEDS_INFO, S.FIXED})
_REJECT = frozenset({S.DUPLICATE, S.INFORMATIVE, S.NOT_APPLICABLE, S.SPAM})


class Side(StrEnum):
    """Who asks for the transition."""

    VENDOR = "vendor"
    REPORTER = "reporter"
    PUBLICATION = "publication"  # the advisory's release discloses the case


# The vendor's moves. Reopening is a move out of a closing state or out of `disclosed`.
VENDOR_MOVES: dict[CaseState, frozenset[CaseState]] = {
    S.NEW: frozenset({S.ACKNOWLEDGED, S.NEEDS_INFO} | _REJECT),
    S.ACKNOWLEDGED: frozenset({S.ACCEPTED, S.NEEDS_INFO} | _REJECT),
    S.NEEDS_INFO: frozenset({S.ACKNOWLEDGED, S.ACCEPTED} | _REJECT),
    S.ACCEPTED: frozenset({S.FIXED, S.NEEDS_INFO} | _REJECT),
    S.FIXED: frozenset({S.DISCLOSED, S.ACCEPTED}),
    S.DISCLOSED: frozenset({S.ACCEPTED}),
    **{closed: frozenset({S.ACKNOWLEDGED}) for closed in _REJECT},
    S.WITHDRAWN: frozenset({S.ACKNOWLEDGED}),
}

# The reporter may withdraw an open report, or answer a request for information.
REPORTER_MOVES: dict[CaseState, frozenset[CaseState]] = {
    S.NEW: frozenset({S.WITHDRAWN}),
    S.ACKNOWLEDGED: frozenset({S.WITHDRAWN}),
    S.NEEDS_INFO: frozenset({S.WITHDRAWN, S.ACKNOWLEDGED, S.ACCEPTED}),
    S.ACCEPTED: frozenset({S.WITHDRAWN}),
}

# Releasing the case's advisory discloses it, from any open state (at the deadline, unfixed).
PUBLICATION_MOVES: dict[CaseState, frozenset[CaseState]] = {
    state: frozenset({S.DISCLOSED}) for state in OPEN
}

# The timestamp each state sets the first time the case reaches it.
_STAMPS = {
    S.ACKNOWLEDGED: "acknowledged_at",
    S.ACCEPTED: "triaged_at",
    S.FIXED: "fixed_at",
    S.DISCLOSED: "disclosed_at",
}


class InvalidTransition(Conflict):
    """409 with the moves that are legal from here."""

    code = "invalid_transition"


@dataclass(frozen=True)
class Transition:
    before: CaseState
    after: CaseState
    is_reopen: bool


def legal_moves(state: CaseState, side: Side) -> frozenset[CaseState]:
    """Where `side` may take a case that is in `state`."""
    tables = {
        Side.VENDOR: VENDOR_MOVES,
        Side.REPORTER: REPORTER_MOVES,
        Side.PUBLICATION: PUBLICATION_MOVES,
    }
    return tables[side].get(state, frozenset())


def transition(
    case: Case,
    to: CaseState,
    *,
    side: Side,
    now: datetime,
    duplicate_of: int | None = None,
    resume_to: CaseState | None = None,
) -> Transition:
    """Move the case to `to` or raise InvalidTransition naming the legal moves.

    `resume_to` is the state before needs_info: leaving needs_info goes back there.
    """
    before = case.state
    allowed = legal_moves(before, side)
    if before is S.NEEDS_INFO and resume_to is not None and side is Side.REPORTER:
        allowed = allowed & {S.WITHDRAWN, resume_to}
    if to not in allowed:
        legal = ", ".join(sorted(allowed)) or "none"
        raise InvalidTransition(
            f"A case cannot go from {before} to {to}. Legal moves: {legal}.",
            fields={"to": f"Choose one of: {legal}."},
        )
    if to is S.DUPLICATE:
        if duplicate_of is None or duplicate_of == case.id:
            raise ValidationError(
                "Name the original case.",
                fields={"duplicate_of": "Required: the id of the original."},
            )
        case.duplicate_of_id = duplicate_of
    elif before is S.DUPLICATE:
        case.duplicate_of_id = None
    case.state = to
    if (stamp := _STAMPS.get(to)) and getattr(case, stamp) is None:
        setattr(case, stamp, now)
    case.closed_at = now if to in CLOSING else None
    return Transition(before, to, is_reopen=before in CLOSING or before is S.DISCLOSED)
