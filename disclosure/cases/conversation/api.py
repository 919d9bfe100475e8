"""Messages between vendor and reporter and the vendor's internal notes, as JSON."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from flask import Blueprint, request
from pydantic import BaseModel

from disclosure.cases.access import (
    CaseAccess,
    open_case,
    open_for_change,
    open_for_reading,
    tracked_case,
)
from disclosure.cases.console import editing
from disclosure.cases.conversation import service as conversation
from disclosure.cases.lifecycle import Side
from disclosure.cases.models import BlobKind
from disclosure.errors import NotFound
from disclosure.http.api import TRACKING_HEADER, TRACKING_NOT_FOUND, TRACKING_PARAM, operation
from disclosure.http.context import actor, db, now, principal, services, settings
from disclosure.policy import Permission, public, requires

blueprint = Blueprint("conversation_api", __name__, url_prefix="/api/v1")
_GPG = "gpg cannot encrypt or decrypt right now; nothing was stored"
_VIEWER = "A viewer may read the case but not change it"
_OFFLINE = "The program is offline-only: the server could not decrypt messages"


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
    return _thread(open_for_reading(db(), principal(), case_id), (BlobKind.MESSAGE,))


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
    return _post(open_for_change(db(), principal(), case_id), body)


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
