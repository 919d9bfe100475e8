"""The vendor console's JSON API: the inbox, triage edits, messages and internal notes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from flask import Blueprint, current_app, request
from pydantic import BaseModel, ConfigDict, Field

from disclosure.cases.access import CaseAccess, open_case, tracked_case
from disclosure.cases.api import (
    AssigneeOut,
    TriageOut,
    open_for_change,
    open_for_reading,
    triage_out,
)
from disclosure.cases.console import editing, inbox, titles
from disclosure.cases.conversation import service as conversation
from disclosure.cases.lifecycle import Side
from disclosure.cases.models import BlobKind, CaseState, InTheWild
from disclosure.errors import NotFound
from disclosure.http.api import TRACKING_HEADER, operation
from disclosure.http.context import actor, db, now, principal, services, settings
from disclosure.policy import Permission, public, requires

blueprint = Blueprint("console_api", __name__, url_prefix="/api/v1")
_READER = "disclosure.titles"


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
@operation("The messages between vendor and reporter, decrypted (audited)", response=ThreadOut)
def messages(case_id: int) -> ThreadOut:
    return _thread(open_for_reading(case_id), (BlobKind.MESSAGE,))


@blueprint.post("/cases/<int:case_id>/messages")
@requires(Permission.CASES_WRITE, Permission.REPORTS_READ_OWN)
@operation(
    "Send a message to the other side (encrypted; they get a mail without the text)",
    body=conversation.MessageIn,
    response=PostedOut,
    status=201,
)
def post_message(case_id: int, body: conversation.MessageIn) -> PostedOut:
    return _post(open_for_change(case_id), body)


@blueprint.get("/cases/<int:case_id>/notes")
@requires(Permission.CASES_READ)
@operation("The vendor's internal notes, decrypted (audited)", response=ThreadOut)
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
)
def post_note(case_id: int, body: conversation.MessageIn) -> PostedOut:
    access = editing.open_for_edit(db(), principal(), case_id)
    blob = conversation.add_note(
        db(), services().keyring(), access, body.body, actor=actor(), now=now()
    )
    return PostedOut(id=blob.id or 0, kind=blob.kind, at=blob.created_at)


@blueprint.get("/track/messages")
@public  # the tracking code in the X-Tracking-Code header is the credential
@operation("An anonymous reporter's messages, by tracking code (audited)", response=ThreadOut)
def track_messages() -> ThreadOut:
    return _thread(_tracked(), (BlobKind.MESSAGE,))


@blueprint.post("/track/messages")
@public  # the tracking code in the X-Tracking-Code header is the credential
@operation(
    "An anonymous reporter answers the vendor, by tracking code",
    body=conversation.MessageIn,
    response=PostedOut,
    status=201,
)
def track_post_message(body: conversation.MessageIn) -> PostedOut:
    return _post(_tracked(), body)


def _tracked() -> CaseAccess:
    code = request.headers.get(TRACKING_HEADER, "")
    if not code:
        raise NotFound("No case matches this tracking code.")
    return tracked_case(db(), code)


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
