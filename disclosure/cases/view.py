"""Presentation shared by the case's pages: the case page itself (re-rendered with the input
kept and each error at its field when a form on it fails), form parsing helpers, downloads
and the title cache. The case page's forms post to cases.web, cases.conversation.web and
cases.extensions.web; each renders this one page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pydantic
from flask import Response, current_app, redirect, render_template, request, url_for

from disclosure.cases import content, lifecycle
from disclosure.cases.access import CaseAccess
from disclosure.cases.console import editing, titles
from disclosure.cases.conversation import service as conversation
from disclosure.cases.cwe import COMMON_WEAKNESSES, cwe_label
from disclosure.cases.models import BlobKind, Case, CaseBlob, CaseState
from disclosure.cases.severity import Severity
from disclosure.errors import DomainError, ServiceUnavailable, ValidationError
from disclosure.http.context import actor, db, now, principal, services
from disclosure.http.forms import rerender
from disclosure.limits import parse_row_id
from disclosure.policy import Permission, can_change_state, can_on_case, is_vendor_side

Page = str | tuple[str, int] | Response


_READER = "disclosure.titles"


def title_reader() -> titles.TitleReader:
    """This process's title cache (one per app), made on first use."""
    extensions = current_app.extensions
    if _READER not in extensions:
        extensions[_READER] = titles.TitleReader()
    return extensions[_READER]


def attachment_response(attachment: content.Attachment) -> Response:
    """The bytes as a download that browsers never render inline."""
    response = Response(attachment.content, mimetype="application/octet-stream")
    response.headers.set("Content-Disposition", "attachment", filename=attachment.filename)
    return response


@dataclass(frozen=True)
class BlobLink:
    """A downloadable piece of the case: its blob id and what to call it."""

    id: int
    kind: str
    name: str
    size: int | None


def form_values() -> dict[str, str]:
    return {k: v for k, v in request.form.items() if k != "csrf_token"}


def form_number(name: str) -> int | None:
    raw = request.form.get(name, "").strip().lstrip("#")
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()):
        raise ValidationError("Some fields are invalid.", fields={name: "Give a number."})
    # The verbs answer for a number no row can have (a 404, a stale version); a longer one
    # than any id never reaches int(), which refuses 4,300 digits and more.
    return parse_row_id(raw) or 0  # 0: no row has it


def form_state(value: str) -> CaseState:
    try:
        return CaseState(value)
    except ValueError:
        raise ValidationError("Choose a state.", fields={"to": "Unknown state."}) from None


def form_text(name: str) -> str:
    try:
        return conversation.MessageIn(body=request.form.get(name, "")).body
    except pydantic.ValidationError as exc:
        problem = exc.errors()[0]["msg"]
        raise ValidationError("Write something first.", fields={name: problem}) from None


def back_to_case(case_id: int, anchor: str) -> Response:
    return redirect(url_for("cases.case", case_id=case_id, _anchor=anchor))  # type: ignore[return-value]


def failed(access: CaseAccess, exc: DomainError) -> tuple[str, int]:
    """The page again, with the input kept and the errors at their fields; nothing applied."""
    values = form_values()
    return rerender(exc, lambda errors: case_page(access, values=values, errors=errors))


def case_page(
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
    is_vendor = is_vendor_side(access.role)
    can_write = can_on_case(principal(), access.role, Permission.CASES_WRITE)
    can_move = can_change_state(principal(), access.role)
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


def content_blobs(case: Case) -> list[CaseBlob]:
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
        for blob in content_blobs(case)
    ]
