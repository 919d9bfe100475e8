"""Case API for vendor members (and reporters): the decrypted report and its attachments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Response
from pydantic import BaseModel

from disclosure.cases import service
from disclosure.cases.models import BlobKind, CaseState, InTheWild
from disclosure.http.api import operation
from disclosure.http.context import actor, db, now, principal, services
from disclosure.policy import Permission, requires
from disclosure.reports.schemas import DeadlinesOut, deadlines_out

blueprint = Blueprint("cases_api", __name__, url_prefix="/api/v1")


class AttachmentOut(BaseModel):
    id: int
    url: str


class CaseOut(BaseModel):
    id: int
    program: str
    state: CaseState
    received_at: datetime
    exploited_in_the_wild: InTheWild
    deadlines: DeadlinesOut
    is_pre_encrypted: bool
    report: dict[str, Any] | None  # None for offline-only programs: decrypt locally
    attachments: list[AttachmentOut]


@blueprint.get("/cases/<int:case_id>")
@requires(Permission.CASES_READ)
@operation("One case with its report decrypted (the decryption is audited)", response=CaseOut)
def get_case(case_id: int) -> CaseOut:
    access = service.open_case(db(), principal(), case_id, Permission.CASES_READ)
    report = None
    if not access.program.is_offline_only:
        report = service.read_report(db(), services().keyring(), access, actor=actor(), now=now())
    case = access.case
    blobs = service.blobs_of(db(), case, BlobKind.ATTACHMENT)
    return CaseOut(
        id=case_id,
        program=access.program.slug,
        state=case.state,
        received_at=case.received_at,
        exploited_in_the_wild=case.exploited_in_the_wild,
        deadlines=deadlines_out(case),
        is_pre_encrypted=case.is_pre_encrypted,
        report=report,
        attachments=[
            AttachmentOut(id=b.id or 0, url=f"/api/v1/cases/{case_id}/attachments/{b.id}")
            for b in blobs
        ],
    )


@blueprint.get("/cases/<int:case_id>/attachments/<int:blob_id>")
@requires(Permission.CASES_READ)
@operation("Download one attachment, decrypted (the download is audited)")
def get_attachment(case_id: int, blob_id: int) -> Response:
    access = service.open_case(db(), principal(), case_id, Permission.CASES_READ)
    attachment = service.read_attachment(
        db(), services().keyring(), access, blob_id, actor=actor(), now=now()
    )
    return attachment_response(attachment)


def attachment_response(attachment: service.Attachment) -> Response:
    """The bytes as a download that browsers never render inline."""
    response = Response(attachment.content, mimetype="application/octet-stream")
    response.headers.set("Content-Disposition", "attachment", filename=attachment.filename)
    return response
