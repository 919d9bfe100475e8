"""Member management verbs behind the members page (the membership rows live in programs)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from disclosure.accounts.models import User
from disclosure.accounts.service import find_user_by_email
from disclosure.audit.service import Actor
from disclosure.errors import Conflict, NotFound, ValidationError
from disclosure.limits import is_row_id
from disclosure.policy import Principal, can_manage_members
from disclosure.programs import service
from disclosure.programs.models import MemberRole, Program, ProgramMember


def open_managed(session: Session, principal: Principal, slug: str) -> Program:
    """The program if the principal may manage its members; NotFound otherwise (never 403)."""
    program = service.get_program(session, slug)
    role = session.exec(
        select(ProgramMember.role).where(
            ProgramMember.program_id == program.id, ProgramMember.user_id == principal.user_id
        )
    ).first()
    if not can_manage_members(principal, role.value if role else None):
        raise NotFound(f"No program {slug!r}.")
    return program


def members_of(session: Session, program: Program) -> list[tuple[ProgramMember, User]]:
    """The program's members with their accounts, by email."""
    return list(
        session.exec(
            select(ProgramMember, User)
            .join(User, col(User.id) == ProgramMember.user_id)
            .where(ProgramMember.program_id == program.id)
            .order_by(col(User.email))
        ).all()
    )


def set_member(
    session: Session, actor: Actor, program: Program, *, email: str, role: str, now: datetime
) -> ProgramMember:
    """Add the account with `email` in `role`, or change its role; every problem at once."""
    errors: dict[str, str] = {}
    user = find_user_by_email(session, email.strip())
    if user is None:
        errors["email"] = "Ask them to create an account first."
    if role not in {r.value for r in MemberRole}:
        errors["role"] = "owner, triager or viewer"
    if errors or user is None:
        raise ValidationError("No account with this email, or no role.", fields=errors)
    return service.add_member(session, actor, program, user, role=MemberRole(role), now=now)


def remove(
    session: Session,
    actor: Actor,
    principal: Principal,
    program: Program,
    user_id: int,
    *,
    now: datetime,
) -> None:
    """Remove a member; an owner cannot remove themselves (another owner must)."""
    user = session.get(User, user_id) if is_row_id(user_id) else None
    if user is None:
        raise NotFound("No such member.")
    if user.id == principal.user_id:
        raise Conflict("You cannot remove yourself; ask another owner.")
    service.remove_member(session, actor, program, user, now=now)
