"""Program members in the console: owners add, change and remove members."""

from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template, request, url_for
from sqlmodel import col, select

from disclosure.accounts.models import User
from disclosure.accounts.service import find_user_by_email
from disclosure.errors import DomainError, NotFound, ValidationError
from disclosure.http.context import actor, db, now, principal
from disclosure.policy import Permission, can_manage_members, requires
from disclosure.programs import service
from disclosure.programs.models import MemberRole, Program, ProgramMember

blueprint = Blueprint("program_members", __name__)


def _managed(slug: str) -> Program:
    """The program if the principal may manage its members; 404 otherwise (never 403)."""
    program = service.get_program(db(), slug)
    role = (
        db()
        .exec(
            select(ProgramMember.role).where(
                ProgramMember.program_id == program.id, ProgramMember.user_id == principal().user_id
            )
        )
        .first()
    )
    if not can_manage_members(principal(), role.value if role else None):
        raise NotFound(f"No program {slug!r}.")
    return program


def _page(
    program: Program, errors: dict[str, str] | None = None, email: str = "", status: int = 200
) -> tuple[str, int]:
    members = (
        db()
        .exec(
            select(ProgramMember, User)
            .join(User, col(User.id) == ProgramMember.user_id)
            .where(ProgramMember.program_id == program.id)
            .order_by(col(User.email))
        )
        .all()
    )
    return render_template(
        "programs/members.html",
        program=program,
        members=members,
        roles=[r.value for r in MemberRole],
        errors=errors or {},
        email=email,
    ), status


@blueprint.get("/programs/<slug>/members")
@requires(Permission.CASES_WRITE)
def members(slug: str) -> tuple[str, int]:
    return _page(_managed(slug))


@blueprint.post("/programs/<slug>/members")
@requires(Permission.CASES_WRITE)
def set_member(slug: str) -> Response | tuple[str, int]:
    program = _managed(slug)
    email = request.form.get("email", "").strip()
    try:
        user = find_user_by_email(db(), email)
        if user is None:
            raise ValidationError(
                "No account with this email.",
                fields={"email": "Ask them to create an account first."},
            )
        role = request.form.get("role", "")
        if role not in {r.value for r in MemberRole}:
            raise ValidationError("Choose a role.", fields={"role": "owner, triager or viewer"})
        service.add_member(db(), actor(), program, user, role=MemberRole(role), now=now())
    except DomainError as exc:
        return _page(program, exc.fields or {"form": exc.message}, email, exc.status)
    return redirect(url_for("program_members.members", slug=slug))


@blueprint.post("/programs/<slug>/members/<int:user_id>/remove")
@requires(Permission.CASES_WRITE)
def remove_member(slug: str, user_id: int) -> Response | tuple[str, int]:
    program = _managed(slug)
    user = db().get(User, user_id)
    if user is None:
        raise NotFound("No such member.")
    if user.id == principal().user_id:
        return _page(
            program, {"form": "You cannot remove yourself; ask another owner."}, status=409
        )
    service.remove_member(db(), actor(), program, user, now=now())
    return redirect(url_for("program_members.members", slug=slug))
