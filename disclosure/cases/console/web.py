"""The vendor console in the browser: the inbox and its bulk actions."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from disclosure.cases.clock.view import case_clocks, time_left_text
from disclosure.cases.console import bulk as bulk_actions
from disclosure.cases.console import editing, inbox
from disclosure.cases.models import CaseState
from disclosure.cases.view import Page, form_number, form_state, title_reader
from disclosure.errors import ValidationError
from disclosure.http.context import actor, db, now, principal, services
from disclosure.limits import parse_row_id
from disclosure.policy import Permission, requires

blueprint = Blueprint("console", __name__)


@blueprint.get("/console", endpoint="inbox")
@requires(Permission.CASES_READ)
def inbox_page() -> Page:
    try:
        filters = inbox.parse_filter(request.args.to_dict(flat=False))
        raw_cursor = request.args.get("cursor", "")
        cursor = inbox.Cursor.decode(raw_cursor) if raw_cursor else None
    except ValidationError as exc:
        return _console_page(inbox.InboxFilter(), inbox.InboxPage([], None), exc.fields), 422
    page = inbox.open_inbox(
        db(),
        principal(),
        filters,
        reader=title_reader(),
        keyring=services().keyring,
        actor=actor(),
        now=now(),
        cursor=cursor,
    )
    return _console_page(filters, page, {})


def _console_page(filters: inbox.InboxFilter, page: inbox.InboxPage, errors: dict[str, str]) -> str:
    programs = inbox.programs_of(db(), principal())
    return render_template(
        "cases/console.html",
        filters=filters,
        page=page,
        errors=errors,
        states=list(CaseState),
        severities=[*inbox.SEVERITIES, inbox.UNSCORED],
        programs=programs,
        members=editing.members_of(db(), [p.id or 0 for p in programs]),
        left=lambda at: time_left_text(at, now()),
        query=filters.query_args(),
        # the same clock as on the case page: one timeline query for the whole page
        clocks={
            clock.case_id: clock
            for clock in case_clocks(
                db(), [row.case for row in page.rows], services().policies, now=now()
            )
        },
    )


@blueprint.post("/console/bulk")
@requires(Permission.CASES_WRITE)
def bulk() -> str:
    form = request.form
    ids = [i for i in map(parse_row_id, form.getlist("case")) if i is not None]
    if form.get("action") == "assign":
        outcomes = bulk_actions.bulk_assign(
            db(), principal(), ids, form.get("assignee") or None, actor=actor(), now=now()
        )
    else:
        outcomes = bulk_actions.bulk_change_state(
            db(),
            principal(),
            services().policies,
            ids,
            form_state(form.get("to", "")),
            actor=actor(),
            now=now(),
            reason=form.get("reason", ""),
            duplicate_of=form_number("duplicate_of"),
        )
    return render_template("cases/bulk.html", outcomes=outcomes, back=form.get("back", ""))
