"""Intake API: submit a report, list my reports, follow one with a tracking code."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from disclosure.cases import clock
from disclosure.cases.models import Case
from disclosure.errors import NotFound, ValidationError
from disclosure.http.api import Param, operation
from disclosure.http.context import actor, db, now, principal, services
from disclosure.policy import Permission, public, requires
from disclosure.programs.models import Program
from disclosure.programs.service import SLUG_PATTERN, get_program
from disclosure.reports import service
from disclosure.reports.forms import EncryptedReportIn, ReportIn
from disclosure.reports.parsing import report_from_request
from disclosure.reports.schemas import (
    CaseSummary,
    CaseSummaryList,
    SubmissionOut,
    deadlines_out,
    explanations,
)

blueprint = Blueprint("reports_api", __name__, url_prefix="/api/v1")
TRACKING_HEADER = "X-Tracking-Code"
TRACKING_PARAM = Param(
    TRACKING_HEADER,
    "header",
    {"type": "string"},
    "The tracking code shown once at submission (case and dashes do not matter)",
)
TRACKING_NOT_FOUND = "No case matches the tracking code, or none was sent (nothing more is said)"
_POLICY = "The case's disclosure policy is not loaded"


@blueprint.post("/programs/<slug>/reports")
@public(signed_in=Permission.REPORTS_SUBMIT)  # anonymous too, where the program accepts them
@operation(
    "Submit a report (encrypted before it is stored)",
    response=SubmissionOut,
    status=201,
    alternatives=(ReportIn, EncryptedReportIn),
    multipart=True,
    also={200: "The Idempotency-Key was used before by this submitter: the same case again"},
    params=(
        Param("slug", "path", {"pattern": SLUG_PATTERN}, "The program"),
        Param(
            "Idempotency-Key",
            "header",
            {"type": "string", "pattern": "^[!-~][ -~]{14,126}[!-~]$"},
            "16 to 128 printable ASCII characters, a fresh one per report (a UUID is ideal)",
        ),
    ),
    errors={
        400: "encrypted_report is not an OpenPGP message encrypted to the program's key",
        401: "The program accepts reports only from signed-in researchers",
        404: "No such program, or it is closed",
        409: "The Idempotency-Key was used for another submission",
        413: "An attachment is larger than max_attachment_bytes (10 MiB), or all of them "
        "together than max_attachments_total_bytes (25 MiB)",
        422: "The Idempotency-Key header is invalid; researcher_public_key is not a usable "
        "OpenPGP public key",
        503: "Encryption or signing is unavailable, or the program has no active key; "
        "nothing was stored",
    },
)
def submit(slug: str) -> Response:
    who = principal()
    key = request.headers.get("Idempotency-Key")
    if key and (problem := service.idempotency_key_problem(key)):
        raise ValidationError(
            "Invalid Idempotency-Key header.", fields={"Idempotency-Key": problem}
        )
    program = get_program(db(), slug)
    submission = service.submit_report(
        db(),
        services().intake(),
        program=program,
        report=report_from_request(),
        submitter=who.user,
        actor=actor(),
        now=now(),
        idempotency_key=key,
    )
    out = submission_out(submission, program)
    response = jsonify(out.model_dump(mode="json", exclude_none=True))
    response.status_code = 200 if submission.replayed else 201
    return response


def submission_out(submission: service.Submission, program: Program) -> SubmissionOut:
    case = submission.case
    return SubmissionOut(
        id=case.id or 0,
        program=program.slug,
        state=case.state,
        received_at=case.received_at,
        deadlines=deadlines_out(case),
        explanations=explanations(submission.deadlines),
        receipt=submission.receipt.signed_statement,
        tracking_code=submission.tracking_code,
        replayed=submission.replayed,
    )


def _summary(case: Case) -> CaseSummary:
    program = db().get(Program, case.program_id)
    policy = clock.policy_for(services().policies, case, db())
    return CaseSummary(
        id=case.id or 0,
        program=program.slug if program else "",
        state=case.state,
        received_at=case.received_at,
        deadlines=deadlines_out(case),
        explanations=explanations(clock.deadlines_of(db(), case, policy, now=now())),
    )


@blueprint.get("/reports/mine")
@requires(Permission.REPORTS_READ_OWN)
@operation(
    "The reports I submitted with my account",
    response=CaseSummaryList,
    errors={503: _POLICY},
)
def mine() -> CaseSummaryList:
    cases = service.cases_of(db(), principal().user)  # type: ignore[arg-type]
    return CaseSummaryList(cases=[_summary(case) for case in cases])


@blueprint.get("/track")
@public  # the tracking code in the X-Tracking-Code header is the credential
@operation(
    "Follow an anonymous report with its tracking code",
    response=CaseSummary,
    params=(TRACKING_PARAM,),
    errors={404: TRACKING_NOT_FOUND, 503: _POLICY},
)
def track() -> CaseSummary:
    code = request.headers.get(TRACKING_HEADER, "")
    if not code:
        raise NotFound("No case matches this tracking code.")
    return _summary(service.find_by_tracking_code(db(), code))
