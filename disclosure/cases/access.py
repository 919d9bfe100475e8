"""Who may see what of a case: a member's or reporter's role, or an anonymous tracking code.

Every case is opened through here, and `policy` decides what the role allows; a case the
principal may not see is NotFound, never Forbidden, so its existence is not revealed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlmodel import Session, select

from disclosure.cases.models import Case
from disclosure.errors import Forbidden, NotFound
from disclosure.limits import is_row_id
from disclosure.policy import CaseRole, Permission, Principal, authorize_case, case_role
from disclosure.programs.models import Program, ProgramMember


@dataclass(frozen=True)
class CaseAccess:
    case: Case
    program: Program
    role: CaseRole


def open_case(
    session: Session, principal: Principal, case_id: int, permission: Permission
) -> CaseAccess:
    """The case if the principal may do `permission` on it; NotFound otherwise."""
    case = session.get(Case, case_id) if is_row_id(case_id) else None
    if case is None:
        raise NotFound("No such case.")
    member_role = None
    if principal.user_id is not None:
        member_role = session.exec(
            select(ProgramMember.role).where(
                ProgramMember.program_id == case.program_id,
                ProgramMember.user_id == principal.user_id,
            )
        ).first()
    role = case_role(
        principal,
        reporter_id=case.reporter_id,
        member_role=member_role.value if member_role else None,
    )
    authorize_case(principal, role, permission)
    return CaseAccess(case, program_of(session, case), role)


def open_for_change(session: Session, principal: Principal, case_id: int) -> CaseAccess:
    """The case for a write: members who may write it, else its reporter, else 404."""
    for permission in (Permission.CASES_WRITE, Permission.REPORTS_READ_OWN):
        try:
            return open_case(session, principal, case_id, permission)
        except NotFound:
            continue
    open_case(session, principal, case_id, Permission.CASES_READ)  # 404 if unseen
    raise Forbidden("You may see this case but not change it (viewer).")


def open_for_reading(session: Session, principal: Principal, case_id: int) -> CaseAccess:
    """The case for a vendor member or admin, else for its reporter; NotFound for anyone else."""
    try:
        return open_case(session, principal, case_id, Permission.CASES_READ)
    except NotFound:
        return open_case(session, principal, case_id, Permission.REPORTS_READ_OWN)


def program_of(session: Session, case: Case) -> Program:
    """The case's program (the foreign key guarantees one)."""
    program = session.get(Program, case.program_id)
    if program is None:
        raise NotFound(f"Case #{case.id} belongs to no program.")
    return program


def hash_code(code: str) -> str:
    """The stored form of a tracking code (normalised: case and dashes do not matter)."""
    normalised = code.strip().upper().replace("-", "").replace(" ", "")
    return hashlib.sha256(normalised.encode()).hexdigest()


def find_by_tracking_code(session: Session, code: str) -> Case:
    """The case for a tracking code; NotFound (saying nothing more) for any wrong code."""
    case = session.exec(select(Case).where(Case.tracking_code_hash == hash_code(code))).first()
    if case is None or not code.strip():
        raise NotFound("No case matches this tracking code.")
    return case


def tracked_case(session: Session, code: str) -> CaseAccess:
    """The case a tracking code opens, with the anonymous reporter's access to it."""
    case = find_by_tracking_code(session, code)
    return CaseAccess(case, program_of(session, case), CaseRole.REPORTER)
