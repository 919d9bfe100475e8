"""The case page for vendor members and the case's reporter, with its downloads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, render_template

from disclosure.cases import service
from disclosure.cases.api import attachment_response
from disclosure.cases.models import BlobKind, Case, CaseBlob
from disclosure.crypto import armor_message
from disclosure.errors import NotFound, ServiceUnavailable
from disclosure.http.context import actor, db, now, principal, services
from disclosure.policy import Permission, requires
from disclosure.reports.cwe import cwe_label
from disclosure.reports.web import deadline_rows

blueprint = Blueprint("cases", __name__)


@dataclass(frozen=True)
class BlobLink:
    """A downloadable piece of the case: its blob id and what to call it."""

    id: int
    kind: str
    name: str
    size: int | None


def open_for_reading(case_id: int) -> service.CaseAccess:
    """The case for a vendor member or admin, else for its reporter; NotFound for anyone else."""
    try:
        return service.open_case(db(), principal(), case_id, Permission.CASES_READ)
    except NotFound:
        return service.open_case(db(), principal(), case_id, Permission.REPORTS_READ_OWN)


# REPORTS_READ_OWN is held by every signed-in role; open_for_reading decides for this case.
@blueprint.get("/cases/<int:case_id>")
@requires(Permission.REPORTS_READ_OWN)
def case(case_id: int) -> str:
    access = open_for_reading(case_id)
    report, problem = None, ""
    if not access.program.is_offline_only:
        try:
            report = service.read_report(
                db(), services().keyring(), access, actor=actor(), now=now()
            )
        except ServiceUnavailable as exc:
            problem = exc.message
    return render_template(
        "cases/case.html",
        access=access,
        case=access.case,
        report=report,
        problem=problem,
        cwe=cwe_label(report["cwe"]) if report and report.get("cwe") else "",
        attachments=_attachments(access.case, report),
        ciphertexts=_ciphertexts(access.case) if access.program.is_offline_only else [],
        rows=deadline_rows(access.case, now()),
    )


@blueprint.get("/cases/<int:case_id>/attachments/<int:blob_id>")
@requires(Permission.REPORTS_READ_OWN)
def attachment(case_id: int, blob_id: int) -> Response:
    access = open_for_reading(case_id)
    found = service.read_attachment(
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


def _content_blobs(case: Case) -> list[CaseBlob]:
    return service.blobs_of(db(), case, BlobKind.REPORT) + service.blobs_of(
        db(), case, BlobKind.ATTACHMENT
    )


def _attachments(case: Case, report: dict[str, Any] | None) -> list[BlobLink]:
    """Attachment blobs named from the decrypted report (stored in the order they were sent)."""
    blobs = service.blobs_of(db(), case, BlobKind.ATTACHMENT)
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


# --- ASCII armor for blobs stored as binary OpenPGP messages ----------------------------------
