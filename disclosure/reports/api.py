"""Intake API: submit a report, list my reports, follow one with a tracking code.

Also reads a report out of a request (JSON, or form/multipart fields and files) for the
report form.
"""

from __future__ import annotations

from typing import Any

import pydantic
from flask import Blueprint, Response, jsonify, request

from disclosure.cases.access import find_by_tracking_code
from disclosure.cases.clock import service as clock
from disclosure.cases.clock.view import deadlines_out, explanations
from disclosure.cases.models import Case
from disclosure.errors import NotFound, ValidationError
from disclosure.http.api import (
    TRACKING_HEADER,
    TRACKING_NOT_FOUND,
    TRACKING_PARAM,
    Param,
    UnsupportedMediaType,
    operation,
    read_json,
    validate_json,
)
from disclosure.http.context import actor, current_user, db, now, principal, services
from disclosure.http.errors import pydantic_fields
from disclosure.policy import Permission, authorize_submission, public, requires
from disclosure.programs.models import Program
from disclosure.programs.service import SLUG_PATTERN, get_program
from disclosure.reports import service
from disclosure.reports.forms import EncryptedReportIn, ReportIn
from disclosure.reports.intake import intake_of
from disclosure.reports.schemas import CaseSummary, CaseSummaryList, SubmissionOut

blueprint = Blueprint("reports_api", __name__, url_prefix="/api/v1")
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
    authorize_submission(who, accepts_anonymous=program.accepts_anonymous, program=program.name)
    submission = service.submit_report(
        db(),
        intake_of(services()),
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
    cases = service.cases_of(db(), current_user())
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
    return _summary(find_by_tracking_code(db(), code))


# --- reading a report out of a request ------------------------------------------------

_OPTIONAL = ("cwe", "cvss_vector", "proposed_disclosure_date", "credit", "researcher_public_key")


_FORMS = frozenset({"multipart/form-data", "application/x-www-form-urlencoded"})


def report_from_request() -> ReportIn | EncryptedReportIn:
    """The submitted report; ValidationError naming each bad field.

    JSON is validated strictly, as the OpenAPI document states it; form fields, which are
    all text, with pydantic's usual conversions.
    """
    if request.is_json:
        data = read_json()
        if not isinstance(data, dict):
            raise ValidationError(
                "Send the report as a JSON object.", fields={"body": "Not an object."}
            )
        return validate_json(_model_for(data), request.get_data())
    if request.mimetype not in _FORMS:
        raise UnsupportedMediaType(
            "Send the report as JSON, multipart/form-data or application/x-www-form-urlencoded."
        )
    data = _form_data()
    model = _model_for(data)
    if model is EncryptedReportIn:  # the form sends every field, the plain ones empty
        data = {k: v for k, v in data.items() if k in EncryptedReportIn.model_fields}
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        raise ValidationError("Some fields are invalid.", fields=pydantic_fields(exc)) from None


def _model_for(data: dict[str, Any]) -> type[ReportIn | EncryptedReportIn]:
    return EncryptedReportIn if data.get("encrypted_report") else ReportIn


def _form_data() -> dict[str, Any]:
    form = request.form
    data: dict[str, Any] = {
        key: form.get(key, "") for key in ReportIn.model_fields if key != "attachments"
    }
    for key in _OPTIONAL:
        if not str(data.get(key, "")).strip():
            data[key] = None
    if form.get("no_credit"):
        data["credit"] = None
    if not data.get("exploited_in_the_wild"):
        data.pop("exploited_in_the_wild")
    data["attachments"] = [
        {"filename": upload.filename or "attachment", "content": upload.read()}
        for upload in request.files.getlist("attachments")
        if upload.filename
    ]
    upload = request.files.get("encrypted_report_file")
    armored = form.get("encrypted_report", "").strip()
    if upload and upload.filename:
        armored = upload.read().decode("utf-8", errors="replace").strip()
    if armored:
        data["encrypted_report"] = armored
    return data
