"""Coordination API: participants, per-product statuses (VEX), the shared view, CVE ids."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from flask import Blueprint
from pydantic import BaseModel, ConfigDict, Field

from disclosure.cases import content
from disclosure.cases.access import CaseAccess, open_case
from disclosure.cases.conversation import service as conversation
from disclosure.cases.coordination import cve
from disclosure.cases.coordination import service as coordination
from disclosure.cases.coordination.models import VexStatus
from disclosure.cases.models import CaseState
from disclosure.errors import NotFound
from disclosure.http.api import operation
from disclosure.http.context import actor, db, now, principal, services
from disclosure.inputs import padded, trimmed
from disclosure.policy import ParticipantAccess, Permission, requires

blueprint = Blueprint("coordination_api", __name__, url_prefix="/api/v1")


_GIVEN = {"type": "string", "minLength": 1}
_NONE = {"anyOf": [{"type": "null"}, {"const": ""}]}


class ParticipantIn(BaseModel):
    """Invite another vendor's program (by slug) or an outside coordinator (by email)."""

    model_config = ConfigDict(
        extra="forbid",
        # Exactly one of the two names the party: `bool(program) != bool(coordinator_email)`.
        json_schema_extra={
            "oneOf": [
                {
                    "required": ["program"],
                    "properties": {"program": _GIVEN, "coordinator_email": _NONE},
                },
                {
                    "required": ["coordinator_email"],
                    "properties": {"coordinator_email": _GIVEN, "program": _NONE},
                },
            ]
        },
    )

    program: str | None = Field(
        default=None, max_length=64, description="Another program's slug (not the case's own)"
    )
    coordinator_email: str | None = Field(
        default=None, max_length=254, description="A vendor's or admin's account email"
    )
    shares_report: bool = False
    shares_messages: bool = False


class ParticipantOut(BaseModel):
    id: int
    party: str
    shares_report: bool
    shares_messages: bool
    invited_at: datetime


Justification = Literal[coordination.JUSTIFICATIONS]  # type: ignore[valid-type]


class StatusIn(BaseModel):
    """One party's status for one product, with VEX meaning."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "if": {
                "required": ["status"],
                "properties": {"status": {"const": VexStatus.KNOWN_NOT_AFFECTED.value}},
            },
            "then": {
                "required": ["justification"],
                "properties": {"justification": {"enum": list(coordination.JUSTIFICATIONS)}},
            },
        },
    )

    product: trimmed(200, min_length=1)
    status: VexStatus
    justification: Justification | None = Field(
        default=None, description="Required for known_not_affected (kept only for it)"
    )
    statement: str = Field(default="", max_length=5000)


class StatusRowOut(BaseModel):
    party: str
    product: str
    status: str  # known_affected, known_not_affected, fixed, under_investigation, no_answer
    justification: str | None
    statement: str


class Coordination(BaseModel):
    participants: list[ParticipantOut]
    statuses: list[StatusRowOut]


class SharedMessage(BaseModel):
    side: str
    author: str
    at: datetime
    body: str


class SharedCase(BaseModel):
    """What a participant sees: only the parts shared with it."""

    id: int
    program: str
    state: CaseState
    disclose_by: datetime | None
    cve_id: str | None
    statuses: list[StatusRowOut]
    report: dict[str, Any] | None  # only when the report is shared
    messages: list[SharedMessage] | None  # only when the conversation is shared


class CveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cve_id: str | None = Field(
        default=None,
        max_length=64,
        description="Omit (or null) to take the next reserved id",
        json_schema_extra={
            "anyOf": [
                {"type": "string", "maxLength": 64, "pattern": padded(cve.CVE_PATTERN)},
                {"type": "null"},
            ]
        },
    )


class CveOut(BaseModel):
    id: int
    cve_id: str


def _coordination(access: CaseAccess) -> Coordination:
    participants = [
        ParticipantOut(
            id=p.id or 0,
            party=label,
            shares_report=p.shares_report,
            shares_messages=p.shares_messages,
            invited_at=p.invited_at,
        )
        for p, label in coordination.participants_of(db(), access.case)
    ]
    rows = coordination.status_table(db(), access.case, access.program)
    return Coordination(
        participants=participants, statuses=[StatusRowOut(**vars(row)) for row in rows]
    )


@blueprint.post("/cases/<int:case_id>/participants")
@requires(Permission.CASES_WRITE)
@operation(
    "Invite a program or coordinator to the case",
    body=ParticipantIn,
    response=Coordination,
    status=201,
    errors={
        404: "No open program with this slug, or no vendor or admin account with this email",
        409: "The program or coordinator already takes part in the case",
        422: "The program is the case's own",
        503: "The invitation mail cannot be encrypted to a member's key right now",
    },
)
def invite(case_id: int, body: ParticipantIn) -> Coordination:
    access = open_case(db(), principal(), case_id, Permission.CASES_WRITE)
    coordination.invite(
        db(),
        services().keyring(),
        access,
        actor=actor(),
        now=now(),
        program_slug=body.program,
        coordinator_email=body.coordinator_email,
        shares_report=body.shares_report,
        shares_messages=body.shares_messages,
    )
    return _coordination(access)


@blueprint.get("/cases/<int:case_id>/participants")
@requires(Permission.CASES_READ)
@operation("Participants and the vendor status table", response=Coordination)
def participants(case_id: int) -> Coordination:
    return _coordination(open_case(db(), principal(), case_id, Permission.CASES_READ))


@blueprint.put("/cases/<int:case_id>/statuses")
@requires(Permission.CASES_WRITE)
@operation(
    "Set your status for a product (the case's vendor or a participant)",
    body=StatusIn,
    response=Coordination,
    errors={404: "Not a case you may write, as its vendor or as a participant"},
)
def set_status(case_id: int, body: StatusIn) -> Coordination:
    try:
        access = open_case(db(), principal(), case_id, Permission.CASES_WRITE)
        participant = None
    except NotFound:
        seat = coordination.open_seat(db(), principal(), case_id)
        if seat.access is not ParticipantAccess.WRITE:
            raise
        participant = seat.participant
        access = coordination.seat_reading(db(), seat)
    coordination.set_status(
        db(),
        access.case,
        participant,
        product=body.product,
        status=body.status,
        justification=body.justification,
        statement=body.statement,
        actor=actor(),
        now=now(),
    )
    return _coordination(access)


@blueprint.get("/cases/<int:case_id>/shared")
@requires(Permission.CASES_READ)
@operation(
    "The parts of a case shared with you as a participant",
    response=SharedCase,
    errors={404: "Not a case shared with you", 503: "gpg cannot decrypt the report right now"},
)
def shared(case_id: int) -> SharedCase:
    seat = coordination.open_seat(db(), principal(), case_id)
    access = coordination.seat_reading(db(), seat)
    report = None
    if seat.participant.shares_report and not access.program.is_offline_only:
        report = content.read_report(db(), services().keyring(), access, actor=actor(), now=now())
    messages = None
    if seat.participant.shares_messages:
        thread = conversation.read_thread(
            db(), services().keyring(), access, actor=actor(), now=now()
        )
        messages = [
            SharedMessage(side=e.side.value, author=e.author, at=e.at, body=e.body) for e in thread
        ]
    rows = coordination.status_table(db(), access.case, access.program)
    case = access.case
    return SharedCase(
        id=case_id,
        program=access.program.slug,
        state=case.state,
        disclose_by=case.disclose_by,
        cve_id=case.cve_id,
        report=report,
        messages=messages,
        statuses=[StatusRowOut(**vars(row)) for row in rows],
    )


@blueprint.post("/cases/<int:case_id>/cve")
@requires(Permission.CASES_WRITE)
@operation(
    "Assign the next reserved CVE id, or one given by hand",
    body=CveIn,
    response=CveOut,
    errors={
        409: "The case already has a CVE id, the id given is another case's, or no reserved "
        "id is left"
    },
)
def assign_cve(case_id: int, body: CveIn) -> CveOut:
    access = open_case(db(), principal(), case_id, Permission.CASES_WRITE)
    assigned = cve.assign(db(), access.case, actor=actor(), now=now(), cve_id=body.cve_id)
    return CveOut(id=case_id, cve_id=assigned)
