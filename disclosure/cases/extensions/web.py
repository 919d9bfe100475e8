"""The page where both sides handle more time, and the clock partial every case page includes."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, redirect, render_template, request, url_for

from disclosure.cases.access import CaseAccess
from disclosure.cases.clock import service as clock
from disclosure.cases.clock import view as clock_view
from disclosure.cases.extensions import service as extensions
from disclosure.cases.extensions.api import (
    ExtensionIn,
    mail,
    open_to_ask,
    open_to_decide,
    open_to_write,
    open_visible,
)
from disclosure.cases.models import Case
from disclosure.errors import DomainError
from disclosure.http.context import actor, db, now, principal, services
from disclosure.http.forms import parse_form, rerender
from disclosure.policy import Permission, can_decide_time, can_on_case, can_request_time, requires

blueprint = Blueprint("extensions", __name__)

Page = str | tuple[str, int] | Response


@blueprint.app_template_global("case_clock")
def case_clock(case: Case) -> clock_view.CaseClock:
    """The clock of a case for templates/cases/_clock.html, at this request's moment."""
    return clock_view.case_clock(db(), case, services().policies, now=now())


# Vendor members (CASES_READ), admins and the case's reporter (REPORTS_READ_OWN) see the page;
# open_visible decides for this case.
@blueprint.get("/cases/<int:case_id>/extensions")
@requires(Permission.CASES_READ, Permission.REPORTS_READ_OWN)
def page(case_id: int) -> Page:
    return _page(open_visible(case_id))


@blueprint.post("/cases/<int:case_id>/extensions")
@requires(Permission.CASES_WRITE)
def request_time(case_id: int) -> Page:
    access = open_to_ask(case_id)
    values = {k: v for k, v in request.form.items() if k != "csrf_token"}
    try:
        body = parse_form(ExtensionIn, {**values, "patch_date": values.get("patch_date") or None})
        extensions.request_time(
            db(),
            access,
            services().policies,
            body.more_time(),
            actor=actor(),
            now=now(),
            mail=mail(),
        )
    except DomainError as exc:
        return rerender(exc, lambda errors: _page(access, values=values, errors=errors))
    return _back(case_id)


@blueprint.post("/cases/<int:case_id>/extensions/<int:request_id>/decision")
@requires(Permission.REPORTS_READ_OWN, Permission.CASES_WRITE)  # reporters; admins for anonymous
def decide(case_id: int, request_id: int) -> Page:
    access = open_to_decide(case_id)
    accept = request.form.get("accept") == "yes"
    try:
        extensions.decide(
            db(),
            access,
            services().policies,
            request_id,
            accept=accept,
            actor=actor(),
            now=now(),
            mail=mail(),
        )
    except DomainError as exc:
        return rerender(exc, lambda errors: _page(access, errors=errors), summary="decision")
    return _back(case_id)


@blueprint.post("/cases/<int:case_id>/extensions/<int:request_id>/withdraw")
@requires(Permission.CASES_WRITE)
def withdraw(case_id: int, request_id: int) -> Page:
    access = open_to_ask(case_id)
    try:
        extensions.withdraw(db(), access, request_id, actor=actor(), now=now())
    except DomainError as exc:
        return rerender(exc, lambda errors: _page(access, errors=errors), summary="decision")
    return _back(case_id)


@blueprint.post("/cases/<int:case_id>/in-the-wild")
@requires(Permission.CASES_WRITE)
def in_the_wild(case_id: int) -> Page:
    access = open_to_write(case_id)
    version = request.form.get("version", "")
    try:
        extensions.set_in_the_wild(
            db(),
            access,
            services().policies,
            exploited=request.form.get("exploited") == "yes",
            actor=actor(),
            now=now(),
            expected_version=int(version) if version.isascii() and version.isdigit() else None,
        )
    except DomainError as exc:
        return rerender(exc, lambda errors: _page(access, errors=errors), summary="in_the_wild")
    return _back(case_id)


def _back(case_id: int) -> Response:
    return redirect(url_for("extensions.page", case_id=case_id), code=303)


def _page(
    access: CaseAccess,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> str:
    """The requests, the policy's rules, and what this person may do about them."""
    case, who = access.case, principal()
    anonymous = case.reporter_id is None
    requests = extensions.requests_of(db(), case)
    return render_template(
        "cases/extensions.html",
        access=access,
        case=case,
        policy=clock.find_policy(db(), services().policies, case),
        requests=[(r, extensions.requester_label(db(), r)) for r in requests],
        reporter_is_anonymous=anonymous,
        can_request=can_request_time(who, access.role),
        can_decide=can_decide_time(who, access.role, reporter_is_anonymous=anonymous),
        can_write=can_on_case(who, access.role, Permission.CASES_WRITE),
        values=values or {},
        errors=errors or {},
    )
