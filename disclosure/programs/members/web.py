"""Program members in the console: owners add, change and remove members."""

from __future__ import annotations

from functools import partial

from flask import Blueprint, Response, redirect, render_template, request, url_for

from disclosure.errors import DomainError
from disclosure.http.context import actor, db, now, principal
from disclosure.http.forms import rerender
from disclosure.policy import Permission, requires
from disclosure.programs.members import service
from disclosure.programs.models import MemberRole, Program

blueprint = Blueprint("program_members", __name__)


def _page(program: Program, errors: dict[str, str], email: str = "") -> str:
    return render_template(
        "programs/members.html",
        program=program,
        members=service.members_of(db(), program),
        roles=[r.value for r in MemberRole],
        errors=errors,
        email=email,
    )


@blueprint.get("/programs/<slug>/members")
@requires(Permission.CASES_WRITE)
def members(slug: str) -> tuple[str, int]:
    return _page(service.open_managed(db(), principal(), slug), {}), 200


@blueprint.post("/programs/<slug>/members")
@requires(Permission.CASES_WRITE)
def set_member(slug: str) -> Response | tuple[str, int]:
    program = service.open_managed(db(), principal(), slug)
    email, role = request.form.get("email", ""), request.form.get("role", "")
    try:
        service.set_member(db(), actor(), program, email=email, role=role, now=now())
    except DomainError as exc:
        return rerender(exc, partial(_page, program, email=email.strip()))
    return redirect(url_for("program_members.members", slug=slug))


@blueprint.post("/programs/<slug>/members/<int:user_id>/remove")
@requires(Permission.CASES_WRITE)
def remove_member(slug: str, user_id: int) -> Response | tuple[str, int]:
    program = service.open_managed(db(), principal(), slug)
    try:
        service.remove(db(), actor(), principal(), program, user_id, now=now())
    except DomainError as exc:
        return rerender(exc, partial(_page, program))
    return redirect(url_for("program_members.members", slug=slug))
