"""The advisory of a case over the API: the draft, the review, the embargo and the release;
revisions and withdrawal of a published advisory; the reporter's approval."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Blueprint, Response, jsonify, request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from disclosure.cases.access import CaseAccess, open_case, tracked_case
from disclosure.errors import Forbidden, NotFound
from disclosure.http.api import TRACKING_HEADER, TRACKING_NOT_FOUND, TRACKING_PARAM, operation
from disclosure.http.context import actor, db, now, principal, services
from disclosure.inputs import Id
from disclosure.policy import Permission, public, requires
from disclosure.publication import drafts, release, service
from disclosure.publication.content import AdvisoryIn
from disclosure.publication.models import Advisory, AdvisoryState
from disclosure.publication.publisher import Publisher, publisher_of

blueprint = Blueprint("advisory_api", __name__, url_prefix="/api/v1")
_GPG = "gpg cannot encrypt, decrypt or sign right now; nothing was stored"
_PENDING = "The program's two-person rule: recorded as a request; another member must approve"


class AdvisoryPut(AdvisoryIn):
    """The whole draft (it replaces the stored one); `version` guards against stale edits."""

    version: Id | None = Field(default=None, description="The version you edited: 409 if stale")


class ScheduleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    publish_at: AwareDatetime = Field(
        description="The embargo: an ISO 8601 time with its offset, e.g. 2026-05-04T09:00:00+02:00"
    )
    zone: str = Field(
        default="UTC", max_length=64, description='An IANA zone, e.g. "Europe/Berlin"'
    )

    @field_validator("zone")
    @classmethod
    def _zone_is_known(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("Give an IANA time zone such as Europe/Berlin or UTC.") from None
        return value


class ApprovalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    credit_consent: bool = Field(description="The credit the draft gives you is right")


class RevisionIn(AdvisoryIn):
    summary_of_changes: str = Field(min_length=3, max_length=500, description="The changelog line")


class WithdrawIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=1000)


class AdvisoryOut(BaseModel):
    case_id: int
    state: AdvisoryState
    version: int
    public_id: str | None
    url: str | None
    draft: AdvisoryIn | None  # decrypted for members (audited); None once released
    review_ends_at: datetime | None
    approved_at: datetime | None
    credit_consent: bool
    embargo_at: datetime | None
    embargo_zone: str
    published_at: datetime | None
    modified_at: datetime | None
    withdrawn_at: datetime | None
    is_minimal: bool
    release_refusal: str | None = Field(description="Why it cannot be published now, or null")
    waiting_for_second_member: bool


def _pending(out: AdvisoryOut) -> Response:
    """202: recorded as a request under the two-person rule."""
    response = jsonify(out.model_dump(mode="json"))
    response.status_code = 202
    return response


def _publisher() -> Publisher:
    return publisher_of(services())


def _out(access: CaseAccess, advisory: Advisory, *, with_draft: bool = True) -> AdvisoryOut:
    draft = None
    if with_draft and advisory.state not in (
        AdvisoryState.PUBLISHED,
        AdvisoryState.REVISED,
        AdvisoryState.WITHDRAWN,
    ):
        draft = drafts.open_draft(
            db(), services().keyring(), access, advisory, actor=actor(), now=now()
        )
    base = services().settings.base_url
    return AdvisoryOut(
        case_id=access.case.id or 0,
        state=advisory.state,
        version=advisory.version,
        public_id=advisory.public_id,
        url=f"{base}/advisories/{advisory.public_id}" if advisory.public_id else None,
        draft=draft,
        review_ends_at=advisory.review_ends_at,
        approved_at=advisory.approved_at,
        credit_consent=advisory.credit_consent,
        embargo_at=advisory.embargo_at,
        embargo_zone=advisory.embargo_zone,
        published_at=advisory.published_at,
        modified_at=advisory.modified_at,
        withdrawn_at=advisory.withdrawn_at,
        is_minimal=advisory.is_minimal,
        release_refusal=release.refusal(access.case, advisory, now()),
        waiting_for_second_member=advisory.release_requested_by_id is not None,
    )


def _open(case_id: int, permission: Permission) -> CaseAccess:
    """The case for `permission`; 403 for a member who may only read it, 404 for others."""
    try:
        return open_case(db(), principal(), case_id, permission)
    except NotFound:
        if permission is Permission.REPORTS_READ_OWN:
            raise
        open_case(db(), principal(), case_id, Permission.CASES_READ)  # 404 if unseen
        if permission is Permission.ADVISORIES_PUBLISH:
            raise Forbidden("Only the program's owners (and admins) release advisories.") from None
        raise Forbidden("You may see this case but not change it (viewer).") from None


@blueprint.get("/cases/<int:case_id>/advisory")
@requires(Permission.CASES_READ)
@operation(
    "The case's advisory with its draft decrypted (audited)",
    response=AdvisoryOut,
    errors={404: "No such case, or it has no advisory yet", 503: _GPG},
)
def get_advisory(case_id: int) -> AdvisoryOut:
    access = _open(case_id, Permission.CASES_READ)
    return _out(access, service.require_advisory(db(), access.case))


@blueprint.put("/cases/<int:case_id>/advisory")
@requires(Permission.CASES_WRITE)
@operation(
    "Write the advisory draft (stored encrypted; in review or scheduled, it goes back to draft)",
    body=AdvisoryPut,
    response=AdvisoryOut,
    errors={
        409: "version is stale, the advisory is published (revise it), or the program is "
        "offline-only",
        503: _GPG,
    },
)
def put_advisory(case_id: int, body: AdvisoryPut) -> AdvisoryOut:
    access = _open(case_id, Permission.CASES_WRITE)
    draft = AdvisoryIn.model_validate(body.model_dump(exclude={"version"}))
    advisory = service.save_draft(
        db(), _publisher(), access, draft, actor=actor(), now=now(), expected_version=body.version
    )
    return _out(access, advisory)


@blueprint.post("/cases/<int:case_id>/advisory/review")
@requires(Permission.CASES_WRITE)
@operation(
    "Send the draft to the reporter, who comments and approves within the policy's window",
    response=AdvisoryOut,
    errors={404: "No advisory draft yet", 409: "Not a draft", 503: _GPG},
)
def request_review(case_id: int) -> AdvisoryOut:
    access = _open(case_id, Permission.CASES_WRITE)
    advisory = service.request_review(db(), _publisher(), access, actor=actor(), now=now())
    return _out(access, advisory)


@blueprint.post("/cases/<int:case_id>/advisory/schedule")
@requires(Permission.ADVISORIES_PUBLISH)
@operation(
    "Set the embargo: the scheduler publishes then, once the case allows it",
    body=ScheduleIn,
    response=AdvisoryOut,
    also={202: _PENDING},
    errors={404: "No advisory draft yet", 409: "The rule that forbids it, named", 503: _GPG},
)
def schedule(case_id: int, body: ScheduleIn) -> AdvisoryOut | Response:
    access = _open(case_id, Permission.ADVISORIES_PUBLISH)
    outcome = service.schedule(
        db(), access, body.publish_at, zone=body.zone, actor=actor(), now=now()
    )
    out = _out(access, outcome.advisory)
    return _pending(out) if outcome.is_pending_approval else out


@blueprint.post("/cases/<int:case_id>/advisory/unschedule")
@requires(Permission.ADVISORIES_PUBLISH)
@operation(
    "Cancel the embargo (the advisory is a draft again)",
    response=AdvisoryOut,
    errors={404: "No advisory draft yet", 409: "Not scheduled", 503: _GPG},
)
def unschedule(case_id: int) -> AdvisoryOut:
    access = _open(case_id, Permission.ADVISORIES_PUBLISH)
    return _out(access, service.unschedule(db(), access, actor=actor(), now=now()))


@blueprint.post("/cases/<int:case_id>/advisory/publish")
@requires(Permission.ADVISORIES_PUBLISH)
@operation(
    "Publish now (201) where the release rules allow it",
    response=AdvisoryOut,
    status=201,
    also={202: _PENDING},
    errors={
        404: "No advisory draft yet",
        409: "Published already, or the rule that forbids it now, named",
        422: "The draft is incomplete for a release (fields named)",
        503: _GPG,
    },
)
def publish(case_id: int) -> AdvisoryOut | Response:
    access = _open(case_id, Permission.ADVISORIES_PUBLISH)
    outcome = service.publish(db(), _publisher(), access, actor=actor(), now=now())
    out = _out(access, outcome.advisory, with_draft=outcome.is_pending_approval)
    return _pending(out) if outcome.is_pending_approval else out


def _released(public_id: str) -> tuple[CaseAccess, Advisory]:
    advisory, case, _program = service.open_released(db(), public_id)
    return _open(case.id or 0, Permission.ADVISORIES_PUBLISH), advisory


@blueprint.post("/advisories/<public_id>/revise")
@requires(Permission.ADVISORIES_PUBLISH)
@operation(
    "Publish a new revision (a changelog entry; `modified` moves on)",
    body=RevisionIn,
    response=AdvisoryOut,
    errors={404: "No published advisory with this id", 409: "It is withdrawn", 503: _GPG},
)
def revise(public_id: str, body: RevisionIn) -> AdvisoryOut:
    access, advisory = _released(public_id)
    draft = AdvisoryIn.model_validate(body.model_dump(exclude={"summary_of_changes"}))
    service.revise(
        db(),
        _publisher(),
        access,
        advisory,
        draft,
        summary=body.summary_of_changes,
        actor=actor(),
        now=now(),
    )
    return _out(access, advisory, with_draft=False)


@blueprint.post("/advisories/<public_id>/withdraw")
@requires(Permission.ADVISORIES_PUBLISH)
@operation(
    "Withdraw a published advisory (it stays listed as withdrawn)",
    body=WithdrawIn,
    response=AdvisoryOut,
    errors={404: "No published advisory with this id", 409: "Withdrawn already", 503: _GPG},
)
def withdraw(public_id: str, body: WithdrawIn) -> AdvisoryOut:
    access, advisory = _released(public_id)
    service.withdraw(
        db(), _publisher(), access, advisory, reason=body.reason, actor=actor(), now=now()
    )
    return _out(access, advisory, with_draft=False)


# --- the reporter's review ------------------------------------------------------------------


def _reporter_view(access: CaseAccess) -> AdvisoryOut:
    advisory = service.require_advisory(db(), access.case)
    if advisory.state is not AdvisoryState.IN_REVIEW and advisory.public_id is None:
        raise NotFound("There is no advisory for you to review.")
    return _out(access, advisory)


@blueprint.get("/cases/<int:case_id>/advisory/review")
@requires(Permission.REPORTS_READ_OWN)
@operation(
    "The draft the vendor asks you (the reporter) to review, decrypted (audited)",
    response=AdvisoryOut,
    errors={404: "No such case of yours, or no draft in review", 503: _GPG},
)
def reporter_review(case_id: int) -> AdvisoryOut:
    return _reporter_view(_open(case_id, Permission.REPORTS_READ_OWN))


@blueprint.post("/cases/<int:case_id>/advisory/approve")
@requires(Permission.REPORTS_READ_OWN)
@operation(
    "Approve the draft in review (the reporter), saying whether its credit is right",
    body=ApprovalIn,
    response=AdvisoryOut,
    errors={404: "No such case of yours", 409: "No draft waiting for your review", 503: _GPG},
)
def approve(case_id: int, body: ApprovalIn) -> AdvisoryOut:
    access = _open(case_id, Permission.REPORTS_READ_OWN)
    advisory = service.approve(
        db(), access, consents_to_credit=body.credit_consent, actor=actor(), now=now()
    )
    return _out(access, advisory)


def _tracked() -> CaseAccess:
    code = request.headers.get(TRACKING_HEADER, "")
    if not code:
        raise NotFound("No case matches this tracking code.")
    return tracked_case(db(), code)


@blueprint.get("/track/advisory")
@public  # the tracking code in the X-Tracking-Code header is the credential
@operation(
    "The draft in review, for an anonymous reporter, by tracking code (audited)",
    response=AdvisoryOut,
    params=(TRACKING_PARAM,),
    errors={404: TRACKING_NOT_FOUND + "; or no draft in review", 503: _GPG},
)
def track_review() -> AdvisoryOut:
    return _reporter_view(_tracked())


@blueprint.post("/track/advisory/approve")
@public  # the tracking code in the X-Tracking-Code header is the credential
@operation(
    "An anonymous reporter approves the draft in review, by tracking code",
    body=ApprovalIn,
    response=AdvisoryOut,
    params=(TRACKING_PARAM,),
    errors={404: TRACKING_NOT_FOUND, 409: "No draft waiting for your review", 503: _GPG},
)
def track_approve(body: ApprovalIn) -> AdvisoryOut:
    access = _tracked()
    advisory = service.approve(
        db(), access, consents_to_credit=body.credit_consent, actor=actor(), now=now()
    )
    return _out(access, advisory)
