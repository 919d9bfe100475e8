"""Account API: who am I, my sessions and tokens, and incident response for admins."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint
from pydantic import BaseModel

from disclosure.accounts import incident, sessions, tokens
from disclosure.accounts.forms import TokenRequest
from disclosure.accounts.models import TokenScope, UserRole
from disclosure.errors import NotFound
from disclosure.http.api import Param, operation
from disclosure.http.context import actor, current_user, db, now, principal
from disclosure.policy import Permission, requires

blueprint = Blueprint("accounts_api", __name__, url_prefix="/api/v1")


class Me(BaseModel):
    id: int
    email: str
    role: UserRole
    via_token: bool
    token_scopes: list[TokenScope]


class SessionOut(BaseModel):
    id: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    ip_address: str
    user_agent: str
    current: bool


class SessionList(BaseModel):
    sessions: list[SessionOut]


class TokenOut(BaseModel):
    id: int
    name: str
    prefix: str
    scopes: list[TokenScope]
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class TokenList(BaseModel):
    tokens: list[TokenOut]


class TokenCreated(TokenOut):
    token: str


class IncidentReport(BaseModel):
    sessions_revoked: int
    tokens_revoked: int
    password_resets_forced: int
    calendar_feeds_revoked: int


@blueprint.get("/me")
@requires(Permission.ACCOUNT_SELF)
@operation("The account behind this request", response=Me)
def me() -> Me:
    who, user = principal(), current_user()
    return Me(
        id=user.id or 0,
        email=user.email,
        role=user.role,
        via_token=who.via_token,
        token_scopes=sorted(who.token_scopes),
    )


@blueprint.get("/sessions")
@requires(Permission.ACCOUNT_SELF)
@operation("My live browser sessions", response=SessionList)
def list_sessions() -> SessionList:
    rows = sessions.list_sessions(db(), principal().user_id or 0, now=now())
    current = principal().session_id
    return SessionList(
        sessions=[
            SessionOut(
                id=sessions.short_id(row),
                current=row.id == current,
                **row.model_dump(
                    include={"created_at", "last_seen_at", "expires_at", "ip_address", "user_agent"}
                ),
            )
            for row in rows
        ]
    )


@blueprint.delete("/sessions/<session_id>")
@requires(Permission.ACCOUNT_SELF)
@operation(
    "Revoke one of my sessions",
    status=204,
    params=(
        Param(
            "session_id",
            "path",
            {"pattern": "^[0-9a-f]{12,64}$"},
            "The id GET /sessions lists (at least its first 12 characters)",
        ),
    ),
)
def revoke_session(session_id: str) -> None:
    if not sessions.revoke_session(
        db(), actor(), user_id=principal().user_id or 0, short_id=session_id, now=now()
    ):
        raise NotFound("No such session.")


def _token_out(row: tokens.ApiToken) -> dict[str, object]:
    return {
        **row.model_dump(
            include={
                "id",
                "name",
                "prefix",
                "created_at",
                "expires_at",
                "revoked_at",
                "last_used_at",
            }
        ),
        "scopes": sorted(row.scope_set),
    }


@blueprint.get("/tokens")
@requires(Permission.ACCOUNT_SELF)
@operation("My API tokens", response=TokenList)
def list_tokens() -> TokenList:
    rows = tokens.list_tokens(db(), principal().user_id or 0)
    return TokenList(tokens=[TokenOut.model_validate(_token_out(row)) for row in rows])


@blueprint.post("/tokens")
@requires(Permission.ACCOUNT_SELF, session_only=True)  # a token never mints another token
@operation(
    "Create an API token (the token is shown once)",
    body=TokenRequest,
    response=TokenCreated,
    status=201,
)
def create_token(body: TokenRequest) -> TokenCreated:
    raw, row = tokens.create_token(
        db(),
        actor(),
        current_user(),
        scopes=body.scopes,
        name=body.name,
        now=now(),
        lifetime=timedelta(days=body.expires_in_days),
    )
    return TokenCreated.model_validate({**_token_out(row), "token": raw})


@blueprint.delete("/tokens/<int:token_id>")
@requires(Permission.ACCOUNT_SELF)
@operation("Revoke one of my tokens", status=204)
def revoke_token(token_id: int) -> None:
    tokens.revoke_token(
        db(), actor(), user_id=principal().user_id or 0, token_id=token_id, now=now()
    )


@blueprint.post("/admin/incident")
@requires(Permission.USERS_ADMIN)
@operation(
    "Incident response: revoke every session and token, force password resets",
    response=IncidentReport,
)
def respond_to_incident() -> IncidentReport:
    outcome = incident.lock_down(db(), actor(), now=now(), reason="incident response via API")
    return IncidentReport(**outcome)
