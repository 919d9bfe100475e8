"""The case page and its forms: state, triage, affected products; downloads.

Each view parses the form, opens the case through policy, calls one verb and redirects; on a
domain error it renders the page again with the input kept and the error at its field.
"""

from __future__ import annotations

import pydantic
from flask import Blueprint, Response, request

from disclosure.cases import content, triage
from disclosure.cases.access import open_for_change, open_for_reading
from disclosure.cases.console import editing
from disclosure.cases.severity import score_vector
from disclosure.cases.view import (
    Page,
    attachment_response,
    back_to_case,
    case_page,
    content_blobs,
    failed,
    form_number,
    form_state,
    form_values,
)
from disclosure.crypto import armor_message
from disclosure.errors import DomainError, NotFound, ValidationError
from disclosure.http.context import actor, db, now, principal, services
from disclosure.http.errors import pydantic_fields
from disclosure.policy import Permission, requires

blueprint = Blueprint("cases", __name__)


# --- the inbox -------------------------------------------------------------------------------


# --- the case page -------------------------------------------------------------------------


# REPORTS_READ_OWN is held by every signed-in role; open_for_reading decides for this case.
@blueprint.get("/cases/<int:case_id>")
@requires(Permission.REPORTS_READ_OWN)
def case(case_id: int) -> Page:
    return case_page(open_for_reading(db(), principal(), case_id))


@blueprint.post("/cases/<int:case_id>/state")
@requires(Permission.CASES_WRITE, Permission.REPORTS_READ_OWN)  # vendors; reporters withdraw
def change_state(case_id: int) -> Page:
    access = open_for_change(db(), principal(), case_id)
    try:
        triage.change_state(
            db(),
            access,
            services().policies,
            to=form_state(request.form.get("to", "")),
            actor=actor(),
            now=now(),
            reason=request.form.get("reason", ""),
            duplicate_of=form_number("duplicate_of"),
            expected_version=form_number("version"),
        )
    except DomainError as exc:
        return failed(access, exc)
    return back_to_case(case_id, "state")


@blueprint.post("/cases/<int:case_id>/triage")
@requires(Permission.CASES_WRITE)
def edit_triage(case_id: int) -> Page:
    access = editing.open_for_edit(db(), principal(), case_id)
    form = request.form
    listed = form.get("cwe", "")
    cwe = form.get("cwe_other", "").strip() or ("" if listed == "other" else listed)
    try:
        if form.get("action") == "score":
            preview = score_vector(form.get("cvss_vector", ""))
            return case_page(access, values=form_values(), preview=preview)
        edit = editing.TriageEdit(
            cvss_vector=form.get("cvss_vector", ""), cwe=cwe, assignee=form.get("assignee", "")
        )
        editing.edit_case(
            db(), access, edit, actor=actor(), now=now(), expected_version=form_number("version")
        )
    except DomainError as exc:
        return failed(access, exc)
    return back_to_case(case_id, "triage")


@blueprint.post("/cases/<int:case_id>/affected")
@requires(Permission.CASES_WRITE)
def add_affected(case_id: int) -> Page:
    access = editing.open_for_edit(db(), principal(), case_id)
    try:
        row = editing.AffectedIn.model_validate(
            {k: v for k, v in form_values().items() if k in editing.AffectedIn.model_fields}
        )
        editing.change_affected(
            db(), access, add=row, actor=actor(), now=now(), expected_version=form_number("version")
        )
    except pydantic.ValidationError as exc:
        return failed(access, ValidationError("Check the product.", fields=pydantic_fields(exc)))
    except DomainError as exc:
        return failed(access, exc)
    return back_to_case(case_id, "affected")


@blueprint.post("/cases/<int:case_id>/affected/<int:row_id>/delete")
@requires(Permission.CASES_WRITE)
def remove_affected(case_id: int, row_id: int) -> Page:
    access = editing.open_for_edit(db(), principal(), case_id)
    try:
        editing.change_affected(
            db(),
            access,
            remove=row_id,
            actor=actor(),
            now=now(),
            expected_version=form_number("version"),
        )
    except DomainError as exc:
        return failed(access, exc)
    return back_to_case(case_id, "affected")


@blueprint.get("/cases/<int:case_id>/attachments/<int:blob_id>")
@requires(Permission.REPORTS_READ_OWN)
def attachment(case_id: int, blob_id: int) -> Response:
    access = open_for_reading(db(), principal(), case_id)
    found = content.read_attachment(
        db(), services().keyring(), access, blob_id, actor=actor(), now=now()
    )
    return attachment_response(found)


@blueprint.get("/cases/<int:case_id>/blobs/<int:blob_id>.asc")
@requires(Permission.REPORTS_READ_OWN)
def ciphertext(case_id: int, blob_id: int) -> Response:
    access = open_for_reading(db(), principal(), case_id)
    blob = next((b for b in content_blobs(access.case) if b.id == blob_id), None)
    if blob is None:
        raise NotFound("No such encrypted content.")
    response = Response(armor_message(blob.ciphertext), mimetype="application/pgp-encrypted")
    response.headers.set(
        "Content-Disposition",
        "attachment",
        filename=f"case-{case_id}-{blob.kind.value}-{blob_id}.asc",
    )
    return response


# --- helpers -------------------------------------------------------------------------------
