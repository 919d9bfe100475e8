"""The vendor console (inbox, bulk actions) and the case page with its triage forms.

Each view parses the form, opens the case through policy, calls one verb and redirects; on a
domain error it renders the page again with the input kept and the error at its field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pydantic
from flask import Blueprint, Response, redirect, render_template, request, url_for

from disclosure.cases import content, lifecycle, triage
from disclosure.cases.access import CaseAccess
from disclosure.cases.api import attachment_response, open_for_change, open_for_reading
from disclosure.cases.clock.view import case_clocks, time_left_text
from disclosure.cases.console import editing, inbox
from disclosure.cases.console.api import title_reader
from disclosure.cases.conversation import service as conversation
from disclosure.cases.cwe import COMMON_WEAKNESSES, cwe_label
from disclosure.cases.models import BlobKind, Case, CaseBlob, CaseState
from disclosure.cases.severity import Severity, score_vector
from disclosure.crypto import armor_message
from disclosure.errors import DomainError, NotFound, ServiceUnavailable, ValidationError
from disclosure.http.context import actor, db, now, principal, services, settings
from disclosure.http.errors import pydantic_fields
from disclosure.limits import parse_row_id
from disclosure.policy import CaseRole, Permission, can_on_case, requires

blueprint = Blueprint("cases", __name__)
Page = str | tuple[str, int] | Response


@dataclass(frozen=True)
class BlobLink:
    """A downloadable piece of the case: its blob id and what to call it."""

    id: int
    kind: str
    name: str
    size: int | None


# --- the inbox -------------------------------------------------------------------------------


@blueprint.get("/console")
@requires(Permission.CASES_READ)
def console() -> Page:
    try:
        filters = inbox.parse_filter(request.args.to_dict(flat=False))
        raw_cursor = request.args.get("cursor", "")
        cursor = inbox.Cursor.decode(raw_cursor) if raw_cursor else None
    except ValidationError as exc:
        return _console_page(inbox.InboxFilter(), inbox.InboxPage([], None), exc.fields), 422
    page = inbox.open_inbox(
        db(),
        principal(),
        filters,
        reader=title_reader(),
        keyring=services().keyring,
        actor=actor(),
        now=now(),
        cursor=cursor,
    )
    return _console_page(filters, page, {})


def _console_page(filters: inbox.InboxFilter, page: inbox.InboxPage, errors: dict[str, str]) -> str:
    programs = inbox.programs_of(db(), principal())
    return render_template(
        "cases/console.html",
        filters=filters,
        page=page,
        errors=errors,
        states=list(CaseState),
        severities=[*inbox.SEVERITIES, inbox.UNSCORED],
        programs=programs,
        members=editing.members_of(db(), [p.id or 0 for p in programs]),
        left=lambda at: time_left_text(at, now()),
        query=filters.query_args(),
        # the same clock as on the case page: one timeline query for the whole page
        clocks={
            clock.case_id: clock
            for clock in case_clocks(
                db(), [row.case for row in page.rows], services().policies, now=now()
            )
        },
    )


@blueprint.post("/console/bulk")
@requires(Permission.CASES_WRITE)
def bulk() -> str:
    form = request.form
    ids = [i for i in map(parse_row_id, form.getlist("case")) if i is not None]
    if form.get("action") == "assign":
        outcomes = editing.bulk_assign(
            db(), principal(), ids, form.get("assignee") or None, actor=actor(), now=now()
        )
    else:
        outcomes = editing.bulk_change_state(
            db(),
            principal(),
            services().policies,
            ids,
            _state(form.get("to", "")),
            actor=actor(),
            now=now(),
            reason=form.get("reason", ""),
            duplicate_of=_number("duplicate_of"),
        )
    return render_template("cases/bulk.html", outcomes=outcomes, back=form.get("back", ""))


# --- the case page -------------------------------------------------------------------------


# REPORTS_READ_OWN is held by every signed-in role; open_for_reading decides for this case.
@blueprint.get("/cases/<int:case_id>")
@requires(Permission.REPORTS_READ_OWN)
def case(case_id: int) -> Page:
    return _case_page(open_for_reading(case_id))


@blueprint.post("/cases/<int:case_id>/state")
@requires(Permission.CASES_WRITE, Permission.REPORTS_READ_OWN)  # vendors; reporters withdraw
def change_state(case_id: int) -> Page:
    access = open_for_change(case_id)
    try:
        triage.change_state(
            db(),
            access,
            services().policies,
            to=_state(request.form.get("to", "")),
            actor=actor(),
            now=now(),
            reason=request.form.get("reason", ""),
            duplicate_of=_number("duplicate_of"),
            expected_version=_number("version"),
        )
    except DomainError as exc:
        return _failed(access, exc)
    return _back(case_id, "state")


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
            return _case_page(access, values=_values(), preview=preview)
        edit = editing.TriageEdit(
            cvss_vector=form.get("cvss_vector", ""), cwe=cwe, assignee=form.get("assignee", "")
        )
        editing.edit_case(
            db(), access, edit, actor=actor(), now=now(), expected_version=_number("version")
        )
    except DomainError as exc:
        return _failed(access, exc)
    return _back(case_id, "triage")


@blueprint.post("/cases/<int:case_id>/affected")
@requires(Permission.CASES_WRITE)
def add_affected(case_id: int) -> Page:
    access = editing.open_for_edit(db(), principal(), case_id)
    try:
        row = editing.AffectedIn.model_validate(
            {k: v for k, v in _values().items() if k in editing.AffectedIn.model_fields}
        )
        editing.change_affected(
            db(), access, add=row, actor=actor(), now=now(), expected_version=_number("version")
        )
    except pydantic.ValidationError as exc:
        return _failed(access, ValidationError("Check the product.", fields=pydantic_fields(exc)))
    except DomainError as exc:
        return _failed(access, exc)
    return _back(case_id, "affected")


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
            expected_version=_number("version"),
        )
    except DomainError as exc:
        return _failed(access, exc)
    return _back(case_id, "affected")


@blueprint.post("/cases/<int:case_id>/messages")
@requires(Permission.CASES_WRITE, Permission.REPORTS_READ_OWN)  # vendors and the reporter
def post_message(case_id: int) -> Page:
    access = open_for_change(case_id)
    try:
        body = _text("message")
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
        return _failed(access, exc)
    return _back(case_id, "messages")


@blueprint.post("/cases/<int:case_id>/notes")
@requires(Permission.CASES_WRITE)
def add_note(case_id: int) -> Page:
    access = editing.open_for_edit(db(), principal(), case_id)
    try:
        conversation.add_note(
            db(), services().keyring(), access, _text("note"), actor=actor(), now=now()
        )
    except DomainError as exc:
        return _failed(access, exc)
    return _back(case_id, "notes")


@blueprint.get("/cases/<int:case_id>/attachments/<int:blob_id>")
@requires(Permission.REPORTS_READ_OWN)
def attachment(case_id: int, blob_id: int) -> Response:
    access = open_for_reading(case_id)
    found = content.read_attachment(
        db(), services().keyring(), access, blob_id, actor=actor(), now=now()
    )
    return attachment_response(found)


@blueprint.get("/cases/<int:case_id>/blobs/<int:blob_id>.asc")
@requires(Permission.REPORTS_READ_OWN)
def ciphertext(case_id: int, blob_id: int) -> Response:
    access = open_for_reading(case_id)
    blob = next((b for b in _content_blobs(access.case) if b.id == blob_id), None)
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


def _values() -> dict[str, str]:
    return {k: v for k, v in request.form.items() if k != "csrf_token"}


def _number(name: str) -> int | None:
    raw = request.form.get(name, "").strip().lstrip("#")
    if not raw:
        return None
    number = parse_row_id(raw)
    if number is None:
        raise ValidationError("Some fields are invalid.", fields={name: "Give a case number."})
    return number


def _state(value: str) -> CaseState:
    try:
        return CaseState(value)
    except ValueError:
        raise ValidationError("Choose a state.", fields={"to": "Unknown state."}) from None


def _text(name: str) -> str:
    try:
        return conversation.MessageIn(body=request.form.get(name, "")).body
    except pydantic.ValidationError as exc:
        problem = exc.errors()[0]["msg"]
        raise ValidationError("Write something first.", fields={name: problem}) from None


def _back(case_id: int, anchor: str) -> Response:
    return redirect(url_for("cases.case", case_id=case_id, _anchor=anchor))  # type: ignore[return-value]


def _failed(access: CaseAccess, exc: DomainError) -> tuple[str, int]:
    """The page again, with the input kept and the errors at their fields; nothing applied."""
    db().rollback()  # drop any half-made change; the page's own audit events are kept
    errors = {**exc.fields, "form": exc.message}
    return _case_page(access, values=_values(), errors=errors), exc.status  # type: ignore[return-value]


def _case_page(
    access: CaseAccess,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    preview: Severity | None = None,
) -> str:
    report, problem = None, ""
    if not access.program.is_offline_only:
        try:
            report = content.read_report(
                db(), services().keyring(), access, actor=actor(), now=now()
            )
        except (ServiceUnavailable, content.ReportMissing) as exc:
            problem = exc.message
    if report and "title" in report:  # warms the inbox's cache at no extra gpg cost
        title_reader().remember(content.report_blob(db(), access.case), report["title"])
    is_vendor = access.role is not CaseRole.REPORTER
    can_write = can_on_case(principal(), access.role, Permission.CASES_WRITE)
    can_move = can_write or access.role is CaseRole.REPORTER
    return render_template(
        "cases/case.html",
        access=access,
        case=access.case,
        report=report,
        problem=problem,
        cwe=cwe_label(report["cwe"]) if report and report.get("cwe") else "",
        attachments=_attachments(access.case, report),
        ciphertexts=_ciphertexts(access.case) if access.program.is_offline_only else [],
        is_vendor=is_vendor,
        can_write=can_write,
        moves=editing.moves_for(db(), access) if can_move else [],
        is_reopen=access.case.state in lifecycle.CLOSING | {CaseState.DISCLOSED},
        history=conversation.history(db(), access),
        thread=_thread(access, is_vendor),
        members=editing.members_of(db(), [access.program.id or 0]) if is_vendor else [],
        affected=editing.affected_of(db(), access.case) if is_vendor else [],
        weaknesses=COMMON_WEAKNESSES,
        values=values or {},
        errors=errors or {},
        preview=preview,
        offline_note=conversation.OFFLINE_ONLY,
    )


def _thread(access: CaseAccess, is_vendor: bool) -> dict[str, Any]:
    kinds = (BlobKind.MESSAGE, BlobKind.NOTE) if is_vendor else (BlobKind.MESSAGE,)
    try:
        entries = conversation.read_thread(
            db(), services().keyring(), access, kinds=kinds, actor=actor(), now=now()
        )
    except ServiceUnavailable as exc:
        return {"messages": [], "notes": [], "problem": exc.message}
    return {
        "messages": [e for e in entries if e.kind is BlobKind.MESSAGE],
        "notes": [e for e in entries if e.kind is BlobKind.NOTE],
        "problem": "",
    }


def _content_blobs(case: Case) -> list[CaseBlob]:
    return content.blobs_of(db(), case, BlobKind.REPORT) + content.blobs_of(
        db(), case, BlobKind.ATTACHMENT
    )


def _attachments(case: Case, report: dict[str, Any] | None) -> list[BlobLink]:
    """Attachment blobs named from the decrypted report (stored in the order they were sent)."""
    blobs = content.blobs_of(db(), case, BlobKind.ATTACHMENT)
    listed = (report or {}).get("attachments") or []
    if len(listed) != len(blobs):
        listed = [{"filename": f"attachment {n}", "size": None} for n in range(1, len(blobs) + 1)]
    return [
        BlobLink(blob.id or 0, "attachment", item["filename"], item.get("size"))
        for blob, item in zip(blobs, listed, strict=True)
    ]


def _ciphertexts(case: Case) -> list[BlobLink]:
    return [
        BlobLink(
            blob.id or 0, blob.kind.value, f"{blob.kind.value} {blob.id}", len(blob.ciphertext)
        )
        for blob in _content_blobs(case)
    ]
