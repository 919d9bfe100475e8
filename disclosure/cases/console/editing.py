"""Triage edits: CVSS severity, CWE, assignee and affected products, for one case or many.

`edit_case` checks the version, validates every field before it changes any, records a
timeline event and an audit event for each aspect that changed, and bumps the version once.
Bulk actions run the same verbs case by case, each inside its own savepoint: a case is changed
completely or not at all, and every failure is reported beside its case.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from sqlmodel import Session, col, select

from disclosure.accounts.models import User
from disclosure.accounts.service import find_user_by_email
from disclosure.audit.service import Actor
from disclosure.cases import lifecycle, triage
from disclosure.cases.access import CaseAccess, open_case
from disclosure.cases.cwe import check_cwe
from disclosure.cases.models import AffectedProduct, Case, CaseState
from disclosure.cases.severity import Severity, score_vector
from disclosure.cases.timeline import (
    EventKind,
    events_of,
    log_event,
    state_before_needs_info,
)
from disclosure.errors import Forbidden, NotFound, ValidationError
from disclosure.inputs import non_blank, padded, trimmed
from disclosure.limits import parse_row_id
from disclosure.policy import CaseRole, Permission, Principal
from disclosure.programs.models import ProgramMember


class Keep(Enum):
    """Leave this field as it is (None, by contrast, clears it)."""

    KEEP = "keep"


KEEP = Keep.KEEP


_GIVEN = {"type": "string", "pattern": non_blank()}


class AffectedIn(BaseModel):
    """One affected product and version range, shaped for OSV and CSAF."""

    model_config = ConfigDict(
        extra="forbid",
        # `fixed` and `last_affected` end a range in two ways: one of them, never both.
        json_schema_extra={
            "not": {
                "required": ["fixed", "last_affected"],
                "properties": {"fixed": _GIVEN, "last_affected": _GIVEN},
            }
        },
    )

    vendor: trimmed(200, min_length=1)
    product: trimmed(200, min_length=1)
    ecosystem: trimmed(64) = Field(default="", description='OSV ecosystem, e.g. "PyPI"')
    package_name: trimmed(200) = ""
    purl: trimmed(500) = Field(
        default="",
        description="pkg:type/namespace/name",
        json_schema_extra={"pattern": padded("pkg:", optional=True)},
    )
    introduced: trimmed(100) = Field(default="0", description='"0" or empty: from the start')
    fixed: trimmed(100) = Field(default="", description="Not with last_affected")
    last_affected: trimmed(100) = Field(default="", description="Not with fixed")

    @field_validator("purl")
    @classmethod
    def _is_purl(cls, value: str) -> str:
        if value and not value.startswith("pkg:"):
            raise ValueError("A package URL starts with pkg:, e.g. pkg:pypi/django")
        return value

    @field_validator("introduced")
    @classmethod
    def _from_start(cls, value: str) -> str:
        return value or "0"

    @field_validator("last_affected")
    @classmethod
    def _one_end(cls, value: str, info: ValidationInfo) -> str:
        if value and info.data.get("fixed"):
            raise ValueError("Give fixed or last_affected, not both")
        return value


@dataclass(frozen=True)
class TriageEdit:
    """The triage fields to change; KEEP leaves one alone, None (or "") clears it."""

    cvss_vector: str | Keep | None = KEEP
    cwe: str | Keep | None = KEEP
    assignee: str | int | Keep | None = KEEP  # an email or a user id
    affected: Sequence[AffectedIn] | Keep = KEEP


def open_for_edit(session: Session, principal: Principal, case_id: int) -> CaseAccess:
    """The case if the principal may change it; 403 if it may only read it, else 404."""
    try:
        return open_case(session, principal, case_id, Permission.CASES_WRITE)
    except NotFound:
        open_case(session, principal, case_id, Permission.CASES_READ)  # 404 if unseen
        raise Forbidden("You may see this case but not change it (viewer).") from None


def moves_for(session: Session, access: CaseAccess) -> list[CaseState]:
    """The lifecycle moves to offer: the vendor's, or the reporter's (withdraw, or answer)."""
    case = access.case
    if access.role is not CaseRole.REPORTER:
        return sorted(lifecycle.legal_moves(case.state, lifecycle.Side.VENDOR))
    moves = lifecycle.legal_moves(case.state, lifecycle.Side.REPORTER)
    if case.state is CaseState.NEEDS_INFO:  # answering returns the case where it was
        back = state_before_needs_info(events_of(session, case.id or 0)) or "acknowledged"
        moves = moves & {CaseState.WITHDRAWN, CaseState(back)}
    return sorted(moves)


def members_of(session: Session, program_ids: Sequence[int]) -> list[User]:
    """The active members of any of the programs: who their cases can be assigned to."""
    return list(
        session.exec(
            select(User)
            .where(
                User.is_active,
                col(User.id).in_(
                    select(ProgramMember.user_id).where(
                        col(ProgramMember.program_id).in_(program_ids)
                    )
                ),
            )
            .order_by(col(User.email))
        )
    )


def affected_of(session: Session, case: Case) -> list[AffectedProduct]:
    """The case's affected products in the order they were recorded."""
    return list(
        session.exec(
            select(AffectedProduct)
            .where(AffectedProduct.case_id == case.id)
            .order_by(col(AffectedProduct.id))
        )
    )


def edit_case(
    session: Session,
    access: CaseAccess,
    edit: TriageEdit,
    *,
    actor: Actor,
    now: datetime,
    expected_version: int | None = None,
) -> list[str]:
    """Apply the edit (all of it or, on a 409/422, none of it); the aspects that changed."""
    case = access.case
    triage.check_version(case, expected_version)
    severity, cwe, assignee = _validated(session, case, edit)
    changed = []
    if severity is not KEEP and _set_severity(session, case, severity, actor=actor, now=now):
        changed.append("cvss")
    if cwe is not KEEP and cwe != case.cwe:
        log_event(
            session,
            case,
            EventKind.CWE_SET,
            "case.cwe_set",
            actor=actor,
            now=now,
            details={"cwe": cwe},
        )
        case.cwe = cwe
        changed.append("cwe")
    if assignee is not KEEP and (assignee.id if assignee else None) != case.assignee_id:
        details = {"assignee": assignee.email if assignee else None}
        log_event(
            session,
            case,
            EventKind.ASSIGNED,
            "case.assign",
            actor=actor,
            now=now,
            details=details,
            internal=True,
        )
        case.assignee_id = assignee.id if assignee else None
        changed.append("assignee")
    if edit.affected is not KEEP and _set_affected(
        session, case, edit.affected, actor=actor, now=now
    ):
        changed.append("affected")
    if changed:
        triage.bump(case, now)
        session.add(case)
    return changed


def _validated(
    session: Session, case: Case, edit: TriageEdit
) -> tuple[Severity | Keep | None, str | Keep | None, User | Keep | None]:
    """The edit's values checked and resolved; one ValidationError naming every bad field."""
    errors: dict[str, str] = {}

    def checked(value: Any, check: Callable[[Any], Any]) -> Any:
        if value is KEEP:
            return KEEP
        try:
            return check(value) if value not in (None, "") else None
        except ValidationError as exc:
            errors.update(exc.fields)
            return KEEP

    severity = checked(edit.cvss_vector, score_vector)
    cwe = checked(edit.cwe, check_cwe)
    assignee = checked(edit.assignee, lambda value: _member(session, case.program_id, value))
    if errors:
        raise ValidationError("Some fields are invalid.", fields=errors)
    return severity, cwe, assignee


def _member(session: Session, program_id: int, value: str | int) -> User:
    """The active program member named by email or user id."""
    text = str(value).strip()
    if text.isascii() and text.isdigit():
        user_id = parse_row_id(text)
        user = session.get(User, user_id) if user_id is not None else None
    else:
        user = find_user_by_email(session, text)
    is_member = (
        user is not None
        and session.exec(
            select(ProgramMember.id).where(
                ProgramMember.program_id == program_id, ProgramMember.user_id == user.id
            )
        ).first()
        is not None
    )
    if user is None or not user.is_active or not is_member:
        raise ValidationError(
            "Not a member.", fields={"assignee": "Choose a member of this case's program."}
        )
    return user


def _set_severity(
    session: Session, case: Case, severity: Severity | None, *, actor: Actor, now: datetime
) -> bool:
    if (severity.vector if severity else None) == case.cvss_vector:
        return False
    case.cvss_vector = severity.vector if severity else None
    case.cvss_version = severity.version if severity else None
    case.cvss_score = severity.score if severity else None
    case.cvss_rating = severity.rating if severity else None
    details = {"vector": case.cvss_vector, "score": case.cvss_score, "rating": case.cvss_rating}
    log_event(
        session,
        case,
        EventKind.SEVERITY_SET,
        "case.severity_set",
        actor=actor,
        now=now,
        details=details,
    )
    return True


def _set_affected(
    session: Session, case: Case, rows: Sequence[AffectedIn], *, actor: Actor, now: datetime
) -> bool:
    """Replace the case's affected products with `rows` (a full list)."""
    current = affected_of(session, case)
    fields = list(AffectedIn.model_fields)
    if [{f: getattr(a, f) for f in fields} for a in current] == [r.model_dump() for r in rows]:
        return False
    for old in current:
        session.delete(old)
    for row in rows:
        session.add(AffectedProduct(case_id=case.id or 0, **row.model_dump()))
    details = {"count": len(rows), "products": [row.product for row in rows]}
    log_event(
        session,
        case,
        EventKind.AFFECTED_SET,
        "case.affected_set",
        actor=actor,
        now=now,
        details=details,
    )
    return True


def change_affected(
    session: Session,
    access: CaseAccess,
    *,
    add: AffectedIn | None = None,
    remove: int | None = None,
    actor: Actor,
    now: datetime,
    expected_version: int | None = None,
) -> list[str]:
    """Add one affected product to the case's list, or remove one by its id."""
    current = affected_of(session, access.case)
    if remove is not None and remove not in {a.id for a in current}:
        raise NotFound("No such affected product on this case.")
    rows = _as_input([a for a in current if a.id != remove]) + ([add] if add else [])
    return edit_case(
        session,
        access,
        TriageEdit(affected=rows),
        actor=actor,
        now=now,
        expected_version=expected_version,
    )


def _as_input(rows: Sequence[AffectedProduct]) -> list[AffectedIn]:
    # Stored rows were validated when written: no need (and no reason to fail) to do it again.
    return [
        AffectedIn.model_construct(**{f: getattr(a, f) for f in AffectedIn.model_fields})
        for a in rows
    ]
