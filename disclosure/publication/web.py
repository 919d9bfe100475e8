"""The advisory in the browser: the vendor's editor on the case, the reporter's review.

`/cases/<id>/advisory` is the editor for the program's members (the draft decrypted, or a
first draft from triage and the report) and the review page for the case's reporter; an
anonymous reporter reviews on /track. Each form posts to one verb and comes back here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Blueprint, Response, redirect, render_template, request, url_for
from sqlmodel import select
from werkzeug.datastructures import MultiDict

from disclosure.cases.access import CaseAccess, open_case, open_for_reading, tracked_case
from disclosure.cases.content import read_report
from disclosure.cases.models import AffectedProduct
from disclosure.errors import DomainError, Forbidden, NotFound, ValidationError
from disclosure.http.context import actor, db, now, principal, services
from disclosure.http.forms import parse_form, rerender
from disclosure.policy import CaseRole, Permission, can_on_case, is_vendor_side, public, requires
from disclosure.publication import documents, drafts, release, service
from disclosure.publication.content import AdvisoryIn, AffectedIn, CreditIn, ReferenceIn
from disclosure.publication.models import RELEASED, Advisory
from disclosure.publication.publisher import publisher_of

blueprint = Blueprint("advisory", __name__)
AFFECTED_FIELDS = ("vendor", "product", "ecosystem", "package", "purl", "introduced", "fixed")
EXTRA_ROWS = 2  # empty product rows the editor offers beyond the current ones
ZONES = ("UTC", "Europe/London", "Europe/Berlin", "America/New_York", "America/Los_Angeles",
         "Asia/Tokyo", "Asia/Kolkata", "Australia/Sydney")  # fmt: skip


def _open(case_id: int, permission: Permission) -> CaseAccess:
    try:
        return open_case(db(), principal(), case_id, permission)
    except NotFound:
        open_case(db(), principal(), case_id, Permission.CASES_READ)  # 404 if unseen
        if permission is Permission.ADVISORIES_PUBLISH:
            raise Forbidden("Only the program's owners (and admins) release advisories.") from None
        raise Forbidden("You may see this case but not change it (viewer).") from None


def _back(case_id: int) -> Response:
    return redirect(url_for("advisory.page", case_id=case_id), code=303)  # type: ignore[return-value]


# REPORTS_READ_OWN is held by every signed-in role; open_for_reading decides for this case.
@blueprint.get("/cases/<int:case_id>/advisory")
@requires(Permission.REPORTS_READ_OWN)
def page(case_id: int) -> str:
    access = open_for_reading(db(), principal(), case_id)
    if not is_vendor_side(access.role):
        return _review_page(access)
    return _editor_page(access, {})


def _editor_page(
    access: CaseAccess, errors: dict[str, str], values: AdvisoryIn | None = None
) -> str:
    advisory = service.advisory_of(db(), access.case)
    draft = values
    if draft is None and advisory is not None and advisory.state not in RELEASED:
        draft = drafts.open_draft(
            db(), services().keyring(), access, advisory, actor=actor(), now=now()
        )
    if draft is None and advisory is not None and advisory.state in RELEASED:
        draft = AdvisoryIn.model_construct(**_released_as_input(advisory))
    if draft is None:
        draft = _prefill(access)
    who = principal()
    return render_template(
        "publication/editor.html",
        access=access,
        case=access.case,
        advisory=advisory,
        draft=draft,
        rows=[*draft.affected, *([None] * EXTRA_ROWS)],
        fields=AFFECTED_FIELDS,
        errors=errors,
        refusal=release.refusal(access.case, advisory, now()) if advisory else None,
        can_write=can_on_case(who, access.role, Permission.CASES_WRITE),
        can_publish=can_on_case(who, access.role, Permission.ADVISORIES_PUBLISH),
        is_released=advisory is not None and advisory.state in RELEASED,
        zones=ZONES,
    )


def _prefill(access: CaseAccess) -> AdvisoryIn:
    report: dict[str, Any] = {}
    if not access.program.is_offline_only:
        try:
            report = read_report(db(), services().keyring(), access, actor=actor(), now=now())
        except DomainError:
            report = {}
    affected = db().exec(select(AffectedProduct).where(AffectedProduct.case_id == access.case.id))
    return documents.prefill(access.case, access.program, list(affected), report)


def _released_as_input(advisory: Advisory) -> dict[str, Any]:
    data = service.latest_content(db(), advisory)
    return {
        "title": data["title"],
        "summary": data["summary"],
        "details": data["details_markdown"],
        "workarounds": data["workarounds"],
        "cve_id": data["cve_id"],
        "cwe": data["cwe"],
        "cvss_vector": (data.get("score") or {}).get("vector"),
        "affected": [AffectedIn(**row) for row in data["affected"]],
        "references": [ReferenceIn(**ref) for ref in data["references"]],
        "credits": [CreditIn(**credit) for credit in data["credits"]],
    }


def advisory_from_form(form: MultiDict[str, str]) -> AdvisoryIn:
    """The draft as the editor's form sends it; every wrong field named at once."""
    affected = []
    for n in range(100):
        row = {f: form.get(f"affected-{n}-{f}", "").strip() for f in AFFECTED_FIELDS}
        if f"affected-{n}-product" not in form:
            break
        if any(row.values()):
            affected.append({**row, "introduced": row["introduced"] or "0"})
    data = {
        "title": form.get("title", ""),
        "summary": form.get("summary", ""),
        "details": form.get("details", ""),
        "workarounds": form.get("workarounds", ""),
        "cve_id": form.get("cve_id", "").strip() or None,
        "cwe": form.get("cwe", "").strip() or None,
        "cvss_vector": form.get("cvss_vector", "").strip() or None,
        "affected": affected,
        "references": [_reference(line) for line in _lines(form.get("references", ""))],
        "credits": [_credit(line) for line in _lines(form.get("credits", ""))],
    }
    return parse_form(AdvisoryIn, data)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _reference(line: str) -> dict[str, str]:
    """ "FIX https://..." or a bare URL (a web page)."""
    kind, _, rest = line.partition(" ")
    if rest and kind.isupper():
        return {"type": kind, "url": rest.strip()}
    return {"type": "WEB", "url": line}


def _credit(line: str) -> dict[str, str]:
    """ "Ada L." (who found it) or "REMEDIATION_DEVELOPER: Bob"."""
    kind, sep, name = line.partition(":")
    if sep and kind.strip().isupper():
        return {"type": kind.strip(), "name": name.strip()}
    return {"type": "FINDER", "name": line}


def _failed(
    access: CaseAccess, exc: DomainError, draft: AdvisoryIn | None = None
) -> tuple[str, int]:
    return rerender(exc, lambda errors: _editor_page(access, errors, draft))


@blueprint.post("/cases/<int:case_id>/advisory")
@requires(Permission.CASES_WRITE)
def save(case_id: int) -> Response | tuple[str, int]:
    access = _open(case_id, Permission.CASES_WRITE)
    try:
        draft = advisory_from_form(request.form)
    except ValidationError as exc:
        return _failed(access, exc, _unchecked(request.form))
    version = request.form.get("version", "")
    try:
        service.save_draft(
            db(),
            publisher_of(services()),
            access,
            draft,
            actor=actor(),
            now=now(),
            expected_version=int(version) if version.isascii() and version.isdigit() else None,
        )
    except DomainError as exc:
        return _failed(access, exc, draft)
    return _back(case_id)


def _unchecked(form: MultiDict[str, str]) -> AdvisoryIn:
    """The input as typed, to show it again beside its errors."""
    return AdvisoryIn.model_construct(
        title=form.get("title", ""),
        summary=form.get("summary", ""),
        details=form.get("details", ""),
        workarounds=form.get("workarounds", ""),
        cve_id=form.get("cve_id", ""),
        cwe=form.get("cwe", ""),
        cvss_vector=form.get("cvss_vector", ""),
        affected=[],
        references=[],
        credits=[],
    )


def _act(case_id: int, permission: Permission, verb: Any) -> Response | tuple[str, int]:
    access = _open(case_id, permission)
    try:
        verb(access)
    except DomainError as exc:
        return _failed(access, exc)
    return _back(case_id)


@blueprint.post("/cases/<int:case_id>/advisory/review")
@requires(Permission.CASES_WRITE)
def request_review(case_id: int) -> Response | tuple[str, int]:
    pub = publisher_of(services())
    return _act(
        case_id,
        Permission.CASES_WRITE,
        lambda access: service.request_review(db(), pub, access, actor=actor(), now=now()),
    )


@blueprint.post("/cases/<int:case_id>/advisory/schedule")
@requires(Permission.ADVISORIES_PUBLISH)
def schedule(case_id: int) -> Response | tuple[str, int]:
    def verb(access: CaseAccess) -> None:
        at, zone = _embargo(request.form.get("publish_at", ""), request.form.get("zone", "UTC"))
        service.schedule(db(), access, at, zone=zone, actor=actor(), now=now())

    return _act(case_id, Permission.ADVISORIES_PUBLISH, verb)


def _embargo(local: str, zone: str) -> tuple[datetime, str]:
    """A datetime-local value read in the zone the vendor chose."""
    errors: dict[str, str] = {}
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        tz, errors["zone"] = ZoneInfo("UTC"), "Choose a time zone."
    try:
        at = datetime.fromisoformat(local).replace(tzinfo=tz)
    except ValueError:
        errors["publish_at"] = "Give the date and time of the embargo."
    if errors:
        raise ValidationError("The embargo is incomplete.", fields=errors)
    return at, zone


@blueprint.post("/cases/<int:case_id>/advisory/unschedule")
@requires(Permission.ADVISORIES_PUBLISH)
def unschedule(case_id: int) -> Response | tuple[str, int]:
    return _act(
        case_id,
        Permission.ADVISORIES_PUBLISH,
        lambda access: service.unschedule(db(), access, actor=actor(), now=now()),
    )


@blueprint.post("/cases/<int:case_id>/advisory/publish")
@requires(Permission.ADVISORIES_PUBLISH)
def publish(case_id: int) -> Response | tuple[str, int]:
    pub = publisher_of(services())
    return _act(
        case_id,
        Permission.ADVISORIES_PUBLISH,
        lambda access: service.publish(db(), pub, access, actor=actor(), now=now()),
    )


@blueprint.post("/cases/<int:case_id>/advisory/revise")
@requires(Permission.ADVISORIES_PUBLISH)
def revise(case_id: int) -> Response | tuple[str, int]:
    def verb(access: CaseAccess) -> None:
        advisory = service.require_advisory(db(), access.case)
        summary = request.form.get("summary_of_changes", "").strip()
        if len(summary) < 3:
            raise ValidationError(
                "Say what changed.", fields={"summary_of_changes": "Write the changelog line."}
            )
        draft = advisory_from_form(request.form)
        service.revise(
            db(), publisher_of(services()), access, advisory, draft,
            summary=summary, actor=actor(), now=now(),
        )  # fmt: skip

    return _act(case_id, Permission.ADVISORIES_PUBLISH, verb)


@blueprint.post("/cases/<int:case_id>/advisory/withdraw")
@requires(Permission.ADVISORIES_PUBLISH)
def withdraw(case_id: int) -> Response | tuple[str, int]:
    def verb(access: CaseAccess) -> None:
        advisory = service.require_advisory(db(), access.case)
        reason = request.form.get("reason", "").strip()
        if len(reason) < 3:
            raise ValidationError("Say why.", fields={"reason": "Give the reason for the record."})
        service.withdraw(
            db(), publisher_of(services()), access, advisory, reason=reason,
            actor=actor(), now=now(),
        )  # fmt: skip

    return _act(case_id, Permission.ADVISORIES_PUBLISH, verb)


# --- the reporter's review ------------------------------------------------------------------


def _review_page(access: CaseAccess, errors: dict[str, str] | None = None, code: str = "") -> str:
    advisory = service.advisory_of(db(), access.case)
    draft = None
    if advisory is not None and advisory.state.value == "in_review":
        draft = drafts.open_draft(
            db(), services().keyring(), access, advisory, actor=actor(), now=now()
        )
    return render_template(
        "publication/review.html",
        access=access,
        case=access.case,
        advisory=advisory,
        draft=draft,
        errors=errors or {},
        tracking_code=code,
    )


@blueprint.post("/cases/<int:case_id>/advisory/approve")
@requires(Permission.REPORTS_READ_OWN)
def approve(case_id: int) -> Response | tuple[str, int]:
    access = open_case(db(), principal(), case_id, Permission.REPORTS_READ_OWN)
    if access.role is not CaseRole.REPORTER:
        raise NotFound("No such case of yours.")
    try:
        service.approve(
            db(), access, consents_to_credit=bool(request.form.get("credit_consent")),
            actor=actor(), now=now(),
        )  # fmt: skip
    except DomainError as exc:
        return rerender(exc, lambda errors: _review_page(access, errors))
    return _back(case_id)


@blueprint.post("/track/advisory")
@public  # the tracking code, sent in the POST body, is the credential
def track_review() -> str | tuple[str, int]:
    code = request.form.get("tracking_code", "")
    access = tracked_case(db(), code)
    if "approve" not in request.form:
        return _review_page(access, code=code)
    try:
        service.approve(
            db(), access, consents_to_credit=bool(request.form.get("credit_consent")),
            actor=actor(), now=now(),
        )  # fmt: skip
    except DomainError as exc:
        return rerender(exc, lambda errors: _review_page(access, errors, code))
    return _review_page(access, {"done": "Thank you: your approval is recorded."}, code)
