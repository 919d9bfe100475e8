"""The vendor console's JSON API: the inbox, triage edits, messages and internal notes."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, request
from pydantic import BaseModel, ConfigDict, Field

from disclosure.cases.api import (
    AssigneeOut,
    TriageOut,
    triage_out,
)
from disclosure.cases.console import editing, inbox, titles
from disclosure.cases.models import CaseState, InTheWild
from disclosure.cases.view import title_reader
from disclosure.http.api import operation
from disclosure.http.context import actor, db, now, principal, services
from disclosure.policy import Permission, requires

blueprint = Blueprint("console_api", __name__, url_prefix="/api/v1")


class InboxCaseOut(BaseModel):
    id: int
    program: str
    state: CaseState
    title: str | None  # None when not decrypted; title_note says why
    title_note: str | None
    received_at: datetime
    next_deadline_at: datetime | None
    is_overdue: bool
    exploited_in_the_wild: InTheWild
    assignee: AssigneeOut | None
    cvss_score: float | None
    cvss_rating: str | None
    cwe: str | None
    cve_id: str | None


class InboxOut(BaseModel):
    cases: list[InboxCaseOut]
    next_cursor: str | None  # pass as ?cursor= for the next page; None on the last page


@blueprint.get("/cases")
@requires(Permission.CASES_READ)
@operation(
    "The inbox: my programs' cases by next deadline, 50 a page. Query: state and severity "
    "(repeatable), assignee (me|unassigned|user id), program (slug), overdue, in_the_wild, "
    "q (case id, CVE, CWE or product), cursor, titles (false: skip decrypting titles)",
    response=InboxOut,
)
def list_cases() -> InboxOut:
    filters = inbox.parse_filter(request.args.to_dict(flat=False))
    raw_cursor = request.args.get("cursor", "")
    with_titles = request.args.get("titles", "true").lower() not in {"0", "false", "no"}
    page = inbox.open_inbox(
        db(),
        principal(),
        filters,
        reader=title_reader() if with_titles else None,
        keyring=services().keyring,
        actor=actor(),
        now=now(),
        cursor=inbox.Cursor.decode(raw_cursor) if raw_cursor else None,
    )
    return InboxOut(
        cases=[_inbox_case(row, page.titles.get(row.case.id or 0)) for row in page.rows],
        next_cursor=page.next_cursor,
    )


def _inbox_case(row: inbox.InboxRow, title: titles.Title | None) -> InboxCaseOut:
    case, user = row.case, row.assignee
    return InboxCaseOut(
        id=case.id or 0,
        program=row.program.slug,
        state=case.state,
        title=title.text if title and title.is_decrypted else None,
        title_note=title.text if title and not title.is_decrypted else None,
        received_at=case.received_at,
        next_deadline_at=case.next_deadline_at,
        is_overdue=row.is_overdue,
        exploited_in_the_wild=case.exploited_in_the_wild,
        assignee=AssigneeOut(id=user.id or 0, email=user.email) if user else None,
        cvss_score=case.cvss_score,
        cvss_rating=case.cvss_rating,
        cwe=case.cwe,
        cve_id=case.cve_id,
    )


class CasePatch(BaseModel):
    """Triage fields to set; a field left out stays as it is, null clears it."""

    model_config = ConfigDict(extra="forbid")

    cvss_vector: str | None = Field(default=None, max_length=200, description="CVSS 3.1 or 4.0")
    cwe: str | None = Field(default=None, max_length=16, description='e.g. "CWE-79"')
    assignee: str | int | None = Field(default=None, description="A member's email or user id")
    affected: list[editing.AffectedIn] | None = Field(
        default=None, max_length=100, description="The full list (replaces the current one)"
    )
    version: int | None = Field(default=None, description="The version you edited: 409 if stale")


@blueprint.patch("/cases/<int:case_id>")
@requires(Permission.CASES_WRITE)
@operation(
    "Set severity (scored server-side), CWE, assignee and affected products",
    body=CasePatch,
    response=TriageOut,
)
def patch_case(case_id: int, body: CasePatch) -> TriageOut:
    access = editing.open_for_edit(db(), principal(), case_id)
    given = body.model_fields_set - {"version"}
    changes = {name: getattr(body, name) for name in given}
    if "affected" in changes:
        changes["affected"] = changes["affected"] or []
    editing.edit_case(
        db(),
        access,
        editing.TriageEdit(**changes),
        actor=actor(),
        now=now(),
        expected_version=body.version,
    )
    return TriageOut(**triage_out(db(), access.case))
