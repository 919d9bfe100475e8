"""Bulk actions from the inbox: each selected case goes through the same verb as a single
edit, in its own savepoint and audited on its own; the outcome lists what failed and why."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from disclosure.audit.service import Actor
from disclosure.cases import triage
from disclosure.cases.access import CaseAccess
from disclosure.cases.console.editing import TriageEdit, edit_case, open_for_edit
from disclosure.cases.models import CaseState
from disclosure.errors import DomainError, ValidationError
from disclosure.policies.presets import DisclosurePolicy
from disclosure.policy import Principal

MAX_BULK = 200


@dataclass(frozen=True)
class BulkOutcome:
    case_id: int
    is_done: bool
    message: str


def bulk_assign(
    session: Session,
    principal: Principal,
    case_ids: Sequence[int],
    assignee: str | int | None,
    *,
    actor: Actor,
    now: datetime,
) -> list[BulkOutcome]:
    """Assign each case (or unassign with None) through edit_case, case by case."""

    def assign(access: CaseAccess) -> str:
        changed = edit_case(session, access, TriageEdit(assignee=assignee), actor=actor, now=now)
        return "assigned" if changed else "unchanged: already so"

    return _each(session, principal, case_ids, assign)


def bulk_change_state(
    session: Session,
    principal: Principal,
    policies: Mapping[str, DisclosurePolicy],
    case_ids: Sequence[int],
    to: CaseState,
    *,
    actor: Actor,
    now: datetime,
    reason: str = "",
    duplicate_of: int | None = None,
) -> list[BulkOutcome]:
    """Move each case through the lifecycle; illegal moves fail for their case only."""

    def move(access: CaseAccess) -> str:
        done = triage.change_state(
            session,
            access,
            policies,
            to=to,
            actor=actor,
            now=now,
            reason=reason,
            duplicate_of=duplicate_of,
        )
        return f"{done.before.value} → {done.after.value}"

    return _each(session, principal, case_ids, move)


def _each(
    session: Session,
    principal: Principal,
    case_ids: Sequence[int],
    apply: Callable[[CaseAccess], str],
) -> list[BulkOutcome]:
    if not case_ids:
        raise ValidationError("Select at least one case.", fields={"cases": "None selected."})
    if len(case_ids) > MAX_BULK:
        raise ValidationError(
            f"Select at most {MAX_BULK} cases at once.", fields={"cases": "Too many."}
        )
    outcomes = []
    for case_id in dict.fromkeys(case_ids):
        try:
            with session.begin_nested():
                message = apply(open_for_edit(session, principal, case_id))
        except DomainError as exc:
            detail = "; ".join(exc.fields.values()) if isinstance(exc, ValidationError) else ""
            outcomes.append(BulkOutcome(case_id, False, f"{exc.message} {detail}".strip()))
        else:
            outcomes.append(BulkOutcome(case_id, True, message))
    return outcomes
