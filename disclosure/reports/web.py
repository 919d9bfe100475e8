"""Researcher portal pages: a program's page, the report form and receipt, tracking, receipts."""

from __future__ import annotations

from functools import partial
from typing import Any

import pydantic
from flask import Blueprint, render_template, request

from disclosure.accounts.models import User
from disclosure.cases.access import CaseAccess, tracked_case
from disclosure.cases.clock.view import deadline_rows
from disclosure.cases.conversation import service as conversation
from disclosure.cases.cwe import COMMON_WEAKNESSES
from disclosure.crypto import CryptoError
from disclosure.errors import (
    BadRequest,
    DomainError,
    NotFound,
    ServiceUnavailable,
    Unauthenticated,
    ValidationError,
)
from disclosure.http.context import (
    actor,
    current_user,
    db,
    discard_changes,
    now,
    principal,
    services,
    settings,
)
from disclosure.http.forms import rerender
from disclosure.policies.description import describe
from disclosure.policy import (
    Permission,
    authorize_submission,
    can_submit_report,
    public,
    requires,
)
from disclosure.programs.models import Program
from disclosure.programs.service import active_keys, get_program
from disclosure.publication.service import advisory_of
from disclosure.reports import receipts, service
from disclosure.reports.api import report_from_request
from disclosure.reports.forms import EncryptedReportIn, ReportIn
from disclosure.reports.intake import intake_of

blueprint = Blueprint("portal", __name__)
_ENCRYPTION_DOWN = "Encryption is unavailable right now; nothing was stored."

Page = str | tuple[str, int]


def _open_program(slug: str) -> Program:
    program = get_program(db(), slug)
    if not program.is_open:
        raise NotFound(f"No program {slug!r}.")
    return program


@blueprint.get("/programs/<slug>")
@public  # what a program accepts and how it discloses is for everyone to read
def program(slug: str) -> str:
    program = _open_program(slug)
    policy = services().policies.get(program.policy_name)
    return render_template(
        "reports/program.html",
        program=program,
        policy=policy,
        sentences=describe(policy) if policy else [],
        keys=active_keys(db(), program),
    )


@blueprint.route("/programs/<slug>/report", methods=["GET", "POST"])
@public  # anonymous reports where the program accepts them; submit_report enforces that
def report(slug: str) -> Page:
    program = _open_program(slug)
    return _submit(program) if request.method == "POST" else _show_form(program)


def _show_form(program: Program) -> Page:
    if not can_submit_report(principal(), accepts_anonymous=program.accepts_anonymous):
        return _sign_in_page(program, ""), 401
    return _form_page(program, {})


def _submit(program: Program) -> Page:
    who = principal()
    try:
        authorize_submission(who, accepts_anonymous=program.accepts_anonymous, program=program.name)
        submission = service.submit_report(
            db(),
            intake_of(services()),
            program=program,
            report=_report_from_form(who.user),
            submitter=who.user,
            actor=actor(),
            now=now(),
            idempotency_key=_idempotency_key(),
        )
    except Unauthenticated as exc:
        discard_changes()
        return _sign_in_page(program, exc.message), 401
    except CryptoError:
        return rerender(ServiceUnavailable(_ENCRYPTION_DOWN), partial(_form_page, program))
    except DomainError as exc:
        return rerender(exc, partial(_form_page, program))
    rows = deadline_rows(db(), submission.case, services().policies, now(), submission.deadlines)
    page = render_template("reports/receipt.html", program=program, s=submission, rows=rows)
    return page, 200 if submission.replayed else 201


def _report_from_form(submitter: User | None) -> ReportIn | EncryptedReportIn:
    """The report as parsing reads it, with the typed "other" CWE id when one was given, and
    a signed-in researcher credited by their profile name unless they asked for no credit."""
    upload = request.files.get("encrypted_report_file")
    if request.form.get("kind") == "encrypted" and not (
        request.form.get("encrypted_report", "").strip() or (upload and upload.filename)
    ):
        raise ValidationError(
            "Paste the encrypted report or choose its file.",
            fields={"encrypted_report": "Paste an armored PGP message or choose a file."},
        )
    report = report_from_request()
    other = request.form.get("cwe_other", "").strip()
    if isinstance(report, ReportIn) and (other or report.cwe == "other"):
        if not other:
            raise ValidationError(
                "Some fields are invalid.", fields={"cwe": "Type the CWE id, such as CWE-1390."}
            )
        report = report.model_copy(update={"cwe": other})
    if (
        isinstance(report, ReportIn)
        and report.credit is None
        and not request.form.get("no_credit")
        and submitter is not None
        and submitter.display_name.strip()
    ):
        report = report.model_copy(update={"credit": submitter.display_name.strip()})
    return report


def _idempotency_key() -> str:
    key = request.form.get("idempotency_key", "")
    if problem := service.idempotency_key_problem(key):
        raise ValidationError(
            "The form is incomplete; reload the page and try again.",
            fields={"idempotency_key": problem},
        )
    return key


def _form_page(program: Program, errors: dict[str, str]) -> str:
    """The report form: empty, or as submitted with each error at its (top-level) field."""
    values = request.form.to_dict() if errors else {}
    values.pop("csrf_token", None)
    shown: dict[str, str] = {}
    for name, problem in errors.items():
        shown.setdefault(name.split(".", 1)[0], problem)
    cfg = services().settings
    return render_template(
        "reports/report_form.html",
        program=program,
        values=values,
        errors=shown,
        weaknesses=COMMON_WEAKNESSES,
        had_files=any(f.filename for f in request.files.getlist("attachments")),
        keys={
            "plain": service.issue_form_key(settings().secret_key),
            "encrypted": service.issue_form_key(settings().secret_key),
        },
        fingerprints=[key.fingerprint for key in active_keys(db(), program)],
        max_each=cfg.max_attachment_bytes,
        max_total=cfg.max_attachments_total_bytes,
        profile_credit=(principal().user.display_name.strip() if principal().user else ""),
    )


def _sign_in_page(program: Program, message: str) -> str:
    return render_template("reports/sign_in.html", program=program, message=message)


@blueprint.get("/my/cases")
@requires(Permission.REPORTS_READ_OWN)
def my_cases() -> str:
    cases = service.cases_of(db(), current_user())
    # Each row's clock comes from cases/_clock.html, the same partial as on the case page.
    entries = [(case, db().get(Program, case.program_id)) for case in cases]
    return render_template("reports/my_cases.html", entries=entries)


@blueprint.route("/track", methods=["GET", "POST"])
@public  # the tracking code, sent only in the POST body, is the credential
def track() -> Page:
    if request.method == "GET":
        return render_template("reports/track.html", case=None, error="")
    try:
        access = tracked_case(db(), request.form.get("tracking_code", ""))
    except NotFound as exc:
        return render_template("reports/track.html", case=None, error=exc.message), 404
    # The reply form under the thread posts here too, with the code typed again.
    errors, status = _reply(access) if "message" in request.form else ({}, 200)
    return render_template(
        "reports/track.html",
        case=access.case,
        program=access.program,
        error="",
        thread=_messages(access),
        errors=errors,
        values={"message": request.form.get("message", "")} if errors else {},
        offline_note=conversation.OFFLINE_ONLY,
        advisory_state=advisory.state.value if (advisory := advisory_of(db(), access.case)) else "",
    ), status


def _reply(access: CaseAccess) -> tuple[dict[str, str], int]:
    """Post the anonymous reporter's message; the errors to show at the form and the status."""
    try:
        body = conversation.MessageIn(body=request.form.get("message", "")).body
    except pydantic.ValidationError:
        return {"message": "Write something first."}, 422
    try:
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
        discard_changes()
        return {"message": exc.message}, exc.status
    return {}, 200


def _messages(access: CaseAccess) -> dict[str, Any]:
    try:
        entries = conversation.read_thread(
            db(), services().keyring(), access, actor=actor(), now=now()
        )
    except ServiceUnavailable as exc:
        return {"messages": [], "problem": exc.message}
    return {"messages": entries, "problem": ""}


@blueprint.route("/receipts/verify", methods=["GET", "POST"])
@public  # whoever holds a receipt may check it; it says nothing the holder does not have
def verify_receipt() -> Page:
    if request.method == "GET":
        return render_template("reports/verify_receipt.html", check=None, error="", text="")
    # Browsers send textarea lines ending in CRLF; the receipt was signed with LF.
    text = request.form.get("receipt", "").replace("\r\n", "\n").strip() + "\n"
    try:
        check = receipts.verify_receipt(db(), services().keyring(), text)
    except BadRequest as exc:
        return render_template(
            "reports/verify_receipt.html", check=None, error=exc.message, text=text
        ), 400
    return render_template("reports/verify_receipt.html", check=check, error="", text=text)
