"""Messages and internal notes posted from the case page."""

from __future__ import annotations

from flask import Blueprint

from disclosure.cases.access import open_for_change
from disclosure.cases.console import editing
from disclosure.cases.conversation import service as conversation
from disclosure.cases.view import Page, back_to_case, failed, form_text
from disclosure.errors import DomainError
from disclosure.http.context import actor, db, now, principal, services, settings
from disclosure.policy import Permission, requires

blueprint = Blueprint("conversation", __name__)


@blueprint.post("/cases/<int:case_id>/messages")
@requires(Permission.CASES_WRITE, Permission.REPORTS_READ_OWN)  # vendors and the reporter
def post_message(case_id: int) -> Page:
    access = open_for_change(db(), principal(), case_id)
    try:
        body = form_text("message")
        conversation.post_message(
            db(),
            services().keyring(),
            access,
            body,
            actor=actor(),
            now=now(),
            base_url=settings().base_url,
        )
    except DomainError as exc:
        return failed(access, exc)
    return back_to_case(case_id, "messages")


@blueprint.post("/cases/<int:case_id>/notes")
@requires(Permission.CASES_WRITE)
def add_note(case_id: int) -> Page:
    access = editing.open_for_edit(db(), principal(), case_id)
    try:
        conversation.add_note(
            db(), services().keyring(), access, form_text("note"), actor=actor(), now=now()
        )
    except DomainError as exc:
        return failed(access, exc)
    return back_to_case(case_id, "notes")
