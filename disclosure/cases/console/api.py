"""The vendor console's JSON API: the inbox and triage edits."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from flask import Blueprint, request
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from disclosure.cases.api import AssigneeOut, TriageOut, triage_out
from disclosure.cases.console import editing, inbox, titles
from disclosure.cases.cwe import CWE_PATTERN
from disclosure.cases.models import CaseState, InTheWild
from disclosure.cases.severity import VECTOR_PATTERN
from disclosure.cases.view import title_reader
from disclosure.http.api import Param, operation
from disclosure.http.context import actor, db, now, principal, services
from disclosure.inputs import MAX_INT, Id, padded
from disclosure.policy import Permission, requires

blueprint = Blueprint("console_api", __name__, url_prefix="/api/v1")
_GPG = "gpg cannot encrypt or decrypt right now; nothing was stored"
_VIEWER = "A viewer may read the case but not change it"


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


# Query values are trimmed, and an empty one does not filter (the console's forms send them).
_FLAG = {"enum": ["", *sorted(inbox.FLAG_VALUES)]}


INBOX_PARAMS = (
    Param("state", "query", {"enum": ["", *(s.value for s in CaseState)]}, "Any of", repeated=True),
    Param(
        "severity",
        "query",
        {"enum": ["", *inbox.SEVERITIES, inbox.UNSCORED]},
        "Any of (unscored: no CVSS vector yet; case does not matter)",
        repeated=True,
    ),
    Param(
        "assignee",
        "query",
        {"type": "string", "pattern": "^(?:|me|unassigned|[1-9][0-9]{0,8})$"},
        "me, unassigned, or a user id",
    ),
    Param("program", "query", {"type": "string"}, "A program slug"),
    Param("overdue", "query", _FLAG, "Only cases past a deadline"),
    Param("in_the_wild", "query", _FLAG, "Only cases exploited in the wild"),
    Param("q", "query", {"type": "string"}, "A case id, CVE or CWE id, or part of a product"),
    Param(
        "cursor",
        "query",
        {"type": "string", "pattern": "^[A-Za-z0-9_-]*$"},
        "The next_cursor of the previous page (422 for anything else)",
    ),
    Param("titles", "query", _FLAG, "false: do not decrypt the titles (faster); default true"),
)


@blueprint.get("/cases")
@requires(Permission.CASES_READ)
@operation(
    "The inbox: my programs' cases by next deadline, 50 a page",
    response=InboxOut,
    params=INBOX_PARAMS,
    errors={422: "A filter, or the cursor, is invalid", 503: _GPG},
)
def list_cases() -> InboxOut:
    filters = inbox.parse_filter(request.args.to_dict(flat=False))
    raw_cursor = request.args.get("cursor", "")
    with_titles = inbox.parse_flag(request.args.get("titles"), name="titles", default=True)
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


def _cleared_or(pattern: str, max_length: int) -> dict[str, Any]:
    """A string that matches `pattern` (whitespace around it allowed), "" or null to clear."""
    value = {"type": "string", "maxLength": max_length, "pattern": padded(pattern)}
    return {"anyOf": [value, {"type": "string", "maxLength": 0}, {"type": "null"}]}


def _assignee_text(value: Any) -> Any:
    """A user id is read as its digits (the member lookup takes either); one no row can have
    is refused here, under the field's own name."""
    if isinstance(value, int) and not isinstance(value, bool):
        if not 1 <= value <= MAX_INT:
            raise ValueError("No account has this id: give a member's user id or email.")
        return str(value)
    return value


class CasePatch(BaseModel):
    """Triage fields to set; a field left out stays as it is, null (or "") clears it."""

    model_config = ConfigDict(extra="forbid")

    cvss_vector: str | None = Field(
        default=None,
        max_length=200,
        description="CVSS 3.1 or 4.0, scored on the server",
        json_schema_extra=_cleared_or(VECTOR_PATTERN, 200),
    )
    cwe: str | None = Field(
        default=None,
        max_length=16,
        description='e.g. "CWE-79" or "79"',
        json_schema_extra=_cleared_or(CWE_PATTERN, 16),
    )
    assignee: Annotated[str | None, BeforeValidator(_assignee_text)] = Field(
        default=None,
        description="A member of the case's program, by user id or email (422 for anyone "
        'else); null or "" unassigns',
        json_schema_extra={
            "anyOf": [
                {"type": "integer", "minimum": 1, "maximum": MAX_INT},
                {"type": "string", "maxLength": 254},
                {"type": "null"},
            ]
        },
    )
    affected: list[editing.AffectedIn] | None = Field(
        default=None, max_length=100, description="The full list (replaces the current one)"
    )
    version: Id | None = Field(default=None, description="The version you edited: 409 if stale")


@blueprint.patch("/cases/<int:case_id>")
@requires(Permission.CASES_WRITE)
@operation(
    "Set severity (scored server-side), CWE, assignee and affected products",
    body=CasePatch,
    response=TriageOut,
    errors={
        403: _VIEWER,
        409: "version is not the case's current version",
        422: "assignee is not a member of the case's program",
    },
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
