"""More time and the in-the-wild flag over the API: the vendor asks, the reporter decides."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from flask import Blueprint
from pydantic import BaseModel, ConfigDict, Field

from disclosure.cases.access import CaseAccess, open_case
from disclosure.cases.clock import view as clock_view
from disclosure.cases.extensions import service as extensions
from disclosure.cases.models import ExtensionRequest, ExtensionStatus, InTheWild
from disclosure.errors import Forbidden, NotFound
from disclosure.http.api import operation
from disclosure.http.context import actor, db, now, principal, services, settings
from disclosure.inputs import Id, non_blank
from disclosure.policy import Permission, can_decide_time, can_request_time, requires

blueprint = Blueprint("extensions_api", __name__, url_prefix="/api/v1")
_POLICY = "The case's disclosure policy is not loaded"
_MAIL = "The mail to the other side cannot be encrypted to their key right now"


def _if_kind(kind: str, then: dict[str, Any]) -> dict[str, Any]:
    return {"if": {"required": ["kind"], "properties": {"kind": {"const": kind}}}, "then": then}


class ExtensionIn(BaseModel):
    """An extension {days, reason}, or a grace period {days, patch_date, reason}."""

    model_config = ConfigDict(
        extra="forbid",
        # A grace period names the patch date; an extension does not (checked by the verb).
        json_schema_extra={
            "allOf": [
                _if_kind(
                    "grace",
                    {"required": ["patch_date"], "properties": {"patch_date": {"type": "string"}}},
                ),
                _if_kind("extension", {"properties": {"patch_date": {"type": "null"}}}),
            ]
        },
    )

    kind: Literal["extension", "grace"] | None = Field(
        default=None, description="Absent or null: a grace period exactly when patch_date is given"
    )
    days: int = Field(ge=1, le=3650, description="The policy caps it (409 naming the cap)")
    reason: str = Field(
        min_length=1,
        max_length=extensions.REASON_MAX,
        json_schema_extra={"pattern": non_blank()},
    )
    patch_date: date | None = Field(default=None, description="Not in the past (409)")

    def more_time(self) -> extensions.MoreTime:
        """The request as the domain verb takes it."""
        is_grace = self.kind == "grace" if self.kind else self.patch_date is not None
        return extensions.MoreTime(self.days, self.reason, is_grace, self.patch_date)


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    accept: bool


class InTheWildIn(BaseModel):
    """Set or clear exploitation in the wild; `version` (optional) guards against stale edits."""

    model_config = ConfigDict(extra="forbid")

    exploited: bool
    version: Id | None = None


class DeadlineOut(BaseModel):
    name: str  # acknowledge_by, triage_by, disclose_by or publish_at
    at: datetime
    explanation: str
    time_left: str
    level: str  # ok, warn-50, warn-75, warn-90, overdue


class ClockOut(BaseModel):
    policy: str
    in_the_wild: bool
    paused_since: datetime | None
    deadlines: list[DeadlineOut]


class ExtensionOut(BaseModel):
    id: int
    kind: Literal["extension", "grace"]
    days: int
    reason: str
    patch_date: date | None
    status: ExtensionStatus
    requested_by: str
    requested_at: datetime
    decided_at: datetime | None


class ExtensionListOut(BaseModel):
    requests: list[ExtensionOut]
    can_request: bool
    can_decide: bool
    reporter_is_anonymous: bool  # then an admin decides in the reporter's place
    clock: ClockOut


class DecisionOut(BaseModel):
    request: ExtensionOut
    clock: ClockOut


class InTheWildOut(BaseModel):
    id: int
    exploited_in_the_wild: InTheWild
    changed: bool
    version: int
    clock: ClockOut


@blueprint.get("/cases/<int:case_id>/extensions")
@requires(Permission.CASES_READ, Permission.REPORTS_READ_OWN)
@operation(
    "The requests for more time on a case, and its clock",
    response=ExtensionListOut,
    errors={503: _POLICY},
)
def list_requests(case_id: int) -> ExtensionListOut:
    access = open_visible(case_id)
    anonymous = access.case.reporter_id is None
    return ExtensionListOut(
        requests=[extension_out(r) for r in extensions.requests_of(db(), access.case)],
        can_request=can_request_time(principal(), access.role),
        can_decide=can_decide_time(principal(), access.role, reporter_is_anonymous=anonymous),
        reporter_is_anonymous=anonymous,
        clock=clock_out(access),
    )


@blueprint.post("/cases/<int:case_id>/extensions")
@requires(Permission.CASES_WRITE)
@operation(
    "Ask for an extension or a grace period (409 names the policy's cap)",
    body=ExtensionIn,
    response=ExtensionOut,
    status=201,
    errors={
        403: "Only the program's owners and triagers ask for more time",
        409: "The policy does not allow it (error.message names the cap), or the case is closed",
        503: _MAIL,
    },
)
def request_time(case_id: int, body: ExtensionIn) -> ExtensionOut:
    access = open_to_ask(case_id)
    request = extensions.request_time(
        db(), access, services().policies, body.more_time(), actor=actor(), now=now(), mail=mail()
    )
    return extension_out(request)


@blueprint.post("/cases/<int:case_id>/extensions/<int:request_id>/decision")
@requires(Permission.REPORTS_READ_OWN, Permission.CASES_WRITE)  # reporters; admins for anonymous
@operation(
    "Accept or decline a request for more time (the reporter, or an admin for an anonymous one)",
    body=DecisionIn,
    response=DecisionOut,
    errors={
        403: "Only the reporter (an admin, for an anonymous report) decides",
        409: "The request was already decided or withdrawn, or the policy no longer allows it",
        503: _MAIL,
    },
)
def decide(case_id: int, request_id: int, body: DecisionIn) -> DecisionOut:
    access = open_to_decide(case_id)
    request = extensions.decide(
        db(),
        access,
        services().policies,
        request_id,
        accept=body.accept,
        actor=actor(),
        now=now(),
        mail=mail(),
    )
    return DecisionOut(request=extension_out(request), clock=clock_out(access))


@blueprint.post("/cases/<int:case_id>/extensions/<int:request_id>/withdraw")
@requires(Permission.CASES_WRITE)
@operation(
    "Withdraw a pending request for more time (the vendor)",
    response=ExtensionOut,
    errors={
        403: "Only the program's owners and triagers withdraw a request",
        409: "The request was already decided or withdrawn",
    },
)
def withdraw(case_id: int, request_id: int) -> ExtensionOut:
    access = open_to_ask(case_id)
    request = extensions.withdraw(db(), access, request_id, actor=actor(), now=now())
    return extension_out(request)


@blueprint.post("/cases/<int:case_id>/in-the-wild")
@requires(Permission.CASES_WRITE)
@operation(
    "Set or clear exploitation in the wild (the deadline follows the policy)",
    body=InTheWildIn,
    response=InTheWildOut,
    errors={
        403: "A viewer may read the case but not change it",
        409: "version is not the case's current version",
        503: _POLICY,
    },
)
def in_the_wild(case_id: int, body: InTheWildIn) -> InTheWildOut:
    access = open_to_write(case_id)
    changed = extensions.set_in_the_wild(
        db(),
        access,
        services().policies,
        exploited=body.exploited,
        actor=actor(),
        now=now(),
        expected_version=body.version,
    )
    case = access.case
    return InTheWildOut(
        id=case_id,
        exploited_in_the_wild=case.exploited_in_the_wild,
        changed=changed,
        version=case.version,
        clock=clock_out(access),
    )


# --- loading and checking access (shared with the HTML pages) ---------------------------------


def open_visible(case_id: int) -> CaseAccess:
    """The case for whoever follows it (members, admins, its reporter); 404 for anyone else."""
    for permission in (Permission.CASES_READ, Permission.REPORTS_READ_OWN):
        try:
            return open_case(db(), principal(), case_id, permission)
        except NotFound:
            continue
    raise NotFound("No such case.")


def open_to_ask(case_id: int) -> CaseAccess:
    """The case for an owner or triager of its program; 403 for others who see it."""
    access = _writable(case_id)
    if access is None or not can_request_time(principal(), access.role):
        open_visible(case_id)  # 404 for whoever does not see the case
        raise Forbidden("Only the program's owners and triagers ask for more time.")
    return access


def open_to_decide(case_id: int) -> CaseAccess:
    """The case for its reporter, or for an admin when the reporter is anonymous."""
    access = open_visible(case_id)
    anonymous = access.case.reporter_id is None
    if not can_decide_time(principal(), access.role, reporter_is_anonymous=anonymous):
        who = "an administrator, for the anonymous reporter" if anonymous else "the reporter"
        raise Forbidden(f"Only {who} accepts or declines more time.")
    return access


def open_to_write(case_id: int) -> CaseAccess:
    """The case for members who may write it; 403 for others who see it."""
    access = _writable(case_id)
    if access is None:
        open_visible(case_id)  # 404 for whoever does not see the case
        raise Forbidden("You may see this case but not change it.")
    return access


def _writable(case_id: int) -> CaseAccess | None:
    try:
        return open_case(db(), principal(), case_id, Permission.CASES_WRITE)
    except NotFound:
        return None


def mail() -> extensions.Mail:
    """How the verbs write mail in this deployment."""
    return extensions.Mail(services().keyring(), settings().base_url)


def clock_out(access: CaseAccess) -> ClockOut:
    """The case's clock now, as the pages show it."""
    found = clock_view.case_clock(db(), access.case, services().policies, now=now())
    return ClockOut(
        policy=found.policy_label,
        in_the_wild=found.in_the_wild,
        paused_since=found.paused_since,
        deadlines=[
            DeadlineOut(
                name=row.name,
                at=row.at,
                explanation=row.explanation,
                time_left=row.left,
                level=row.level,
            )
            for row in found.rows
        ],
    )


def extension_out(request: ExtensionRequest) -> ExtensionOut:
    return ExtensionOut(
        id=request.id or 0,
        kind="grace" if request.is_grace else "extension",
        days=request.days,
        reason=request.reason,
        patch_date=request.patch_date,
        status=request.status,
        requested_by=extensions.requester_label(db(), request),
        requested_at=request.requested_at,
        decided_at=request.decided_at,
    )
