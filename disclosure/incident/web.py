"""The incident page for administrators: each granular verb, for one account or everyone."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from disclosure.errors import DomainError
from disclosure.http.context import actor, db, now, services, settings
from disclosure.http.forms import parse_form, rerender
from disclosure.incident import service
from disclosure.policy import Permission, requires

blueprint = Blueprint("incident", __name__)

_TITLES = {
    "revoke-sessions": "End sessions",
    "revoke-tokens": "Revoke API tokens",
    "force-password-reset": "Force a password reset",
    "revoke-integrations": "Revoke calendar feeds",
    "rotate-secret-key": "Rotate the secret key",
}


@blueprint.get("/admin/incident")
@requires(Permission.USERS_ADMIN, session_only=True)
def page() -> str:
    return _page({})


@blueprint.post("/admin/incident")
@requires(Permission.USERS_ADMIN, session_only=True)
def act() -> str | tuple[str, int]:
    try:
        form = parse_form(service.IncidentRequest, request.form)
        outcome = service.respond(db(), _context(), form)
    except DomainError as exc:
        return rerender(exc, _page)
    return _page({}, outcome=outcome)


def _context() -> service.Context:
    cfg = settings()
    return service.Context(
        actor=actor(),
        now=now(),
        keyring=services().keyring(),
        base_url=cfg.base_url,
        instance_path=cfg.instance_path,
    )


def _page(errors: dict[str, str], outcome: service.Outcome | None = None) -> str:
    return render_template(
        "incident/incident.html",
        actions=service.ACTIONS,
        titles=_TITLES,
        errors=errors,
        form=request.form if request.method == "POST" and outcome is None else {},
        outcome=outcome,
    )
