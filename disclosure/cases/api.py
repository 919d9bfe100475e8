"""Case API for vendor members (and reporters): the decrypted report and its attachments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from disclosure.accounts.models import User
from disclosure.cases import content, triage
from disclosure.cases.access import open_case, open_for_change
from disclosure.cases.clock.view import DeadlinesOut, deadlines_out
from disclosure.cases.console import editing
from disclosure.cases.cwe import COMMON_WEAKNESSES
from disclosure.cases.models import BlobKind, Case, CaseState, InTheWild
from disclosure.cases.view import attachment_response
from disclosure.http.api import operation
from disclosure.http.context import actor, db, now, principal, services
from disclosure.inputs import MAX_INT, Id
from disclosure.policy import Permission, requires

blueprint = Blueprint("cases_api", __name__, url_prefix="/api/v1")


class AttachmentOut(BaseModel):
    id: int
    url: str


class AssigneeOut(BaseModel):
    id: int
    email: str


class AffectedOut(editing.AffectedIn):
    id: int


class TriageOut(BaseModel):
    """What the vendor sets at triage (plaintext metadata), with the version to send back."""

    id: int
    state: CaseState
    version: int
    updated_at: datetime
    next_deadline_at: datetime | None
    assignee: AssigneeOut | None
    cwe: str | None
    cwe_name: str | None
    cvss_vector: str | None
    cvss_version: str | None
    cvss_score: float | None
    cvss_rating: str | None
    cve_id: str | None
    duplicate_of: int | None
    affected: list[AffectedOut]


def triage_out(session: Session, case: Case) -> dict[str, Any]:
    """The triage fields of a case, for TriageOut and the models extending it."""
    user = session.get(User, case.assignee_id) if case.assignee_id is not None else None
    return {
        "id": case.id,
        "state": case.state,
        "version": case.version,
        "updated_at": case.updated_at,
        "next_deadline_at": case.next_deadline_at,
        "assignee": AssigneeOut(id=user.id or 0, email=user.email) if user else None,
        "cwe": case.cwe,
        "cwe_name": COMMON_WEAKNESSES.get(case.cwe or ""),
        "cvss_vector": case.cvss_vector,
        "cvss_version": case.cvss_version,
        "cvss_score": case.cvss_score,
        "cvss_rating": case.cvss_rating,
        "cve_id": case.cve_id,
        "duplicate_of": case.duplicate_of_id,
        "affected": [
            AffectedOut.model_construct(**row.model_dump(exclude={"case_id"}))
            for row in editing.affected_of(session, case)
        ],
    }


class CaseOut(TriageOut):
    program: str
    received_at: datetime
    exploited_in_the_wild: InTheWild
    deadlines: DeadlinesOut
    is_pre_encrypted: bool
    report: dict[str, Any] | None  # None for offline-only programs: decrypt locally
    attachments: list[AttachmentOut]


@blueprint.get("/cases/<int:case_id>")
@requires(Permission.CASES_READ)
@operation(
    "One case with its report decrypted (the decryption is audited)",
    response=CaseOut,
    errors={503: "gpg cannot decrypt the report right now"},
)
def get_case(case_id: int) -> CaseOut:
    access = open_case(db(), principal(), case_id, Permission.CASES_READ)
    report = None
    if not access.program.is_offline_only:
        report = content.read_report(db(), services().keyring(), access, actor=actor(), now=now())
    case = access.case
    blobs = content.blobs_of(db(), case, BlobKind.ATTACHMENT)
    return CaseOut(
        **triage_out(db(), case),
        program=access.program.slug,
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
@operation(
    "Download one attachment, decrypted (the download is audited)",
    media_type="application/octet-stream",
    errors={503: "gpg cannot decrypt the attachment right now"},
)
def get_attachment(case_id: int, blob_id: int) -> Response:
    access = open_case(db(), principal(), case_id, Permission.CASES_READ)
    attachment = content.read_attachment(
        db(), services().keyring(), access, blob_id, actor=actor(), now=now()
    )
    return attachment_response(attachment)


_ID = {"type": "integer", "minimum": 1, "maximum": MAX_INT}


class TransitionIn(BaseModel):
    """A lifecycle move; `version` (optional) guards against overwriting a newer edit."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={  # a duplicate names its original
            "if": {"required": ["to"], "properties": {"to": {"const": CaseState.DUPLICATE.value}}},
            "then": {
                "required": ["duplicate_of"],
                "properties": {"duplicate_of": _ID},
            },
        },
    )

    to: CaseState
    reason: str = Field(default="", max_length=500)
    duplicate_of: Id | None = Field(
        default=None, description="With to=duplicate: the original, a case of the same program"
    )
    version: Id | None = None


class TransitionOut(BaseModel):
    id: int
    state: CaseState
    previous_state: CaseState
    version: int
    deadlines: DeadlinesOut


@blueprint.post("/cases/<int:case_id>/transitions")
@requires(Permission.CASES_WRITE, Permission.REPORTS_READ_OWN)  # vendors; reporters withdraw
@operation(
    "Move a case through its lifecycle (409 lists the legal moves)",
    body=TransitionIn,
    response=TransitionOut,
    errors={
        403: "A viewer may read the case but not change it",
        404: "duplicate_of names no case of this program",
        409: "The move is not legal from the case's state (error.fields.to lists the legal "
        "ones), or version is not the case's current version",
        422: "duplicate_of is the case itself",
        503: "The case's disclosure policy is not loaded",
    },
)
def transition(case_id: int, body: TransitionIn) -> TransitionOut:
    access = open_for_change(db(), principal(), case_id)
    move = triage.change_state(
        db(),
        access,
        services().policies,
        to=body.to,
        actor=actor(),
        now=now(),
        reason=body.reason,
        duplicate_of=body.duplicate_of,
        expected_version=body.version,
    )
    case = access.case
    return TransitionOut(
        id=case_id,
        state=case.state,
        previous_state=move.before,
        version=case.version,
        deadlines=deadlines_out(case),
    )
