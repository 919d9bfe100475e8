"""The vendor console's JSON API: the inbox, triage edits, messages and internal notes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from flask import Blueprint, current_app, request
from pydantic import BaseModel, ConfigDict, Field

from disclosure.cases import conversation, editing, inbox, titles
from disclosure.cases.api import (
    AssigneeOut,
    TriageOut,
    open_for_change,
    open_for_reading,
    triage_out,
)
from disclosure.cases.lifecycle import Side
from disclosure.cases.models import BlobKind, CaseState, InTheWild
from disclosure.cases.service import CaseAccess, open_case
from disclosure.cases.severity import VECTOR_PATTERN
from disclosure.errors import NotFound
from disclosure.http.api import Param, operation
from disclosure.http.context import actor, db, now, principal, services, settings
from disclosure.inputs import MAX_INT, Id, padded
from disclosure.policy import Permission, public, requires
from disclosure.reports.api import TRACKING_HEADER, TRACKING_NOT_FOUND, TRACKING_PARAM
from disclosure.reports.cwe import CWE_PATTERN

blueprint = Blueprint("console_api", __name__, url_prefix="/api/v1")
_READER = "disclosure.titles"
_GPG = "gpg cannot encrypt or decrypt right now; nothing was stored"
_VIEWER = "A viewer may read the case but not change it"
_OFFLINE = "The program is offline-only: the server could not decrypt messages"


def title_reader() -> titles.TitleReader:
    """This process's title cache (one per app), made on first use."""
    extensions = current_app.extensions
    if _READER not in extensions:
        extensions[_READER] = titles.TitleReader()
    return extensions[_READER]


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
    assignee: Id | str | None = Field(
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


class EntryOut(BaseModel):
    id: int
    kind: BlobKind
    side: Side
    author: str
    at: datetime
    body: str


class ThreadOut(BaseModel):
    entries: list[EntryOut]
    is_available: bool  # False for offline-only programs: the server cannot decrypt
    note: str | None = None


class PostedOut(BaseModel):
    id: int
    kind: BlobKind
    at: datetime


@blueprint.get("/cases/<int:case_id>/messages")
@requires(Permission.CASES_READ, Permission.REPORTS_READ_OWN)
@operation(
    "The messages between vendor and reporter, decrypted (audited)",
    response=ThreadOut,
    errors={503: _GPG},
)
def messages(case_id: int) -> ThreadOut:
    return _thread(open_for_reading(case_id), (BlobKind.MESSAGE,))


@blueprint.post("/cases/<int:case_id>/messages")
@requires(Permission.CASES_WRITE, Permission.REPORTS_READ_OWN)
@operation(
    "Send a message to the other side (encrypted; they get a mail without the text)",
    body=conversation.MessageIn,
    response=PostedOut,
    status=201,
    errors={403: _VIEWER, 409: _OFFLINE, 503: _GPG},
)
def post_message(case_id: int, body: conversation.MessageIn) -> PostedOut:
    return _post(open_for_change(case_id), body)


@blueprint.get("/cases/<int:case_id>/notes")
@requires(Permission.CASES_READ)
@operation(
    "The vendor's internal notes, decrypted (audited)",
    response=ThreadOut,
    errors={503: _GPG},
)
def notes(case_id: int) -> ThreadOut:
    access = open_case(db(), principal(), case_id, Permission.CASES_READ)
    return _thread(access, (BlobKind.NOTE,))


@blueprint.post("/cases/<int:case_id>/notes")
@requires(Permission.CASES_WRITE)
@operation(
    "Add an internal note (encrypted; never shown to the reporter)",
    body=conversation.MessageIn,
    response=PostedOut,
    status=201,
    errors={403: _VIEWER, 409: _OFFLINE, 503: _GPG},
)
def post_note(case_id: int, body: conversation.MessageIn) -> PostedOut:
    access = editing.open_for_edit(db(), principal(), case_id)
    blob = conversation.add_note(
        db(), services().keyring(), access, body.body, actor=actor(), now=now()
    )
    return PostedOut(id=blob.id or 0, kind=blob.kind, at=blob.created_at)


@blueprint.get("/track/messages")
@public  # the tracking code in the X-Tracking-Code header is the credential
@operation(
    "An anonymous reporter's messages, by tracking code (audited)",
    response=ThreadOut,
    params=(TRACKING_PARAM,),
    errors={404: TRACKING_NOT_FOUND, 503: _GPG},
)
def track_messages() -> ThreadOut:
    return _thread(_tracked(), (BlobKind.MESSAGE,))


@blueprint.post("/track/messages")
@public  # the tracking code in the X-Tracking-Code header is the credential
@operation(
    "An anonymous reporter answers the vendor, by tracking code",
    body=conversation.MessageIn,
    response=PostedOut,
    status=201,
    params=(TRACKING_PARAM,),
    errors={404: TRACKING_NOT_FOUND, 409: _OFFLINE, 503: _GPG},
)
def track_post_message(body: conversation.MessageIn) -> PostedOut:
    return _post(_tracked(), body)


def _tracked() -> CaseAccess:
    code = request.headers.get(TRACKING_HEADER, "")
    if not code:
        raise NotFound("No case matches this tracking code.")
    return conversation.tracked_case(db(), code)


def _post(access: CaseAccess, body: conversation.MessageIn) -> PostedOut:
    blob = conversation.post_message(
        db(),
        services().keyring(),
        access,
        body.body,
        actor=actor(),
        now=now(),
        base_url=settings().base_url,
    )
    return PostedOut(id=blob.id or 0, kind=blob.kind, at=blob.created_at)


def _thread(access: CaseAccess, kinds: Sequence[BlobKind]) -> ThreadOut:
    if access.program.is_offline_only:
        return ThreadOut(entries=[], is_available=False, note=conversation.OFFLINE_ONLY)
    entries = conversation.read_thread(
        db(), services().keyring(), access, kinds=kinds, actor=actor(), now=now()
    )
    return ThreadOut(
        entries=[EntryOut(**vars(entry)) for entry in entries], is_available=True, note=None
    )
