"""Request hooks: who is asking, CSRF, deny-by-default access, and the transaction."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, Response, current_app, g, redirect, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from disclosure.accounts import sessions, tokens
from disclosure.accounts.models import User
from disclosure.accounts.twofactor import service as two_factor
from disclosure.errors import BadRequest, Forbidden, Unauthenticated
from disclosure.http import csrf
from disclosure.http.context import db, finish_transaction, now, settings
from disclosure.http.headers import add_security_headers
from disclosure.limits import NUL_MESSAGE
from disclosure.policy import Principal, check_endpoint, must_use_two_factor, public

# Endpoints a user who must choose a new password can still reach.
PASSWORD_RESET_ENDPOINTS = frozenset(
    {"accounts.password", "accounts.logout", "static", "meta_api.health"}
)

# Endpoints a user whose role requires two-factor sign-in reaches before setting it up.
TWO_FACTOR_ENROLMENT_ENDPOINTS = PASSWORD_RESET_ENDPOINTS | {
    "two_factor.page",
    "two_factor.confirm",
}


def session_limits() -> sessions.SessionLimits:
    cfg = settings()
    return sessions.SessionLimits(
        lifetime=timedelta(hours=cfg.session_lifetime_hours),
        idle=timedelta(minutes=cfg.session_idle_minutes),
    )


def load_principal() -> Principal:
    """The principal for this request, from a bearer token or the session cookie."""
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, raw = header.partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            raise Unauthenticated("Use the header 'Authorization: Bearer <token>'.")
        found = tokens.load_token(db(), raw.strip(), now=now())
        if found is None:
            raise Unauthenticated("The token is invalid, expired or revoked.")
        token, user = found
        g.via_bearer = True
        return Principal(user=user, token_id=token.id, token_scopes=token.scope_set)
    cookie_value = request.cookies.get(csrf.cookie_names()[0])
    if cookie_value:
        found_session = sessions.load_session(
            db(), cookie_value, limits=session_limits(), now=now()
        )
        if found_session is not None:
            row, user = found_session
            g.session_cookie_value = cookie_value
            return Principal(user=user, session_id=row.id)
    return Principal()


def refuse_nul() -> None:
    """A NUL in the path, the query or a form field is a 400 before any query sees it
    (PostgreSQL cannot hold it in text; no field of ours takes it). JSON: see read_json."""
    pairs = list(request.args.items(multi=True))
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        pairs += request.form.items(multi=True)
    if "\x00" in request.path or any("\x00" in k or "\x00" in v for k, v in pairs):
        raise BadRequest(NUL_MESSAGE)


def before_request() -> Response | None:
    if request.routing_exception is not None:
        raise request.routing_exception  # 404 or 405, answered in our error shape
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge()  # before anything reads the body
    refuse_nul()
    g.principal = load_principal()
    csrf.check_csrf()
    check_endpoint(g.principal, current_app.view_functions.get(request.endpoint or ""))
    user = g.principal.user
    if user and user.must_change_password and request.endpoint not in PASSWORD_RESET_ENDPOINTS:
        if request.path.startswith("/api/"):
            raise Forbidden("Choose a new password in the web console before using the API.")
        return redirect(url_for("accounts.password"))
    if user and request.endpoint not in TWO_FACTOR_ENROLMENT_ENDPOINTS and _must_enrol(user):
        if request.path.startswith("/api/"):
            raise Forbidden("Set up two-factor sign-in in the web console before using the API.")
        return redirect(url_for("two_factor.page"))
    return None


def _must_enrol(user: User) -> bool:
    """Whether the user's role requires a second factor they have not set up yet."""
    required = must_use_two_factor(user, settings().require_2fa_for)
    return required and not two_factor.is_enrolled(db(), user.id or 0)


def after_request(response: Response) -> Response:
    finish_transaction(response.status_code)
    csrf.set_presession_cookie(response)
    return add_security_headers(response)


def teardown_request(_exc: BaseException | None) -> None:
    session = g.pop("db", None)
    if session is not None:  # the request ended before after_request ran
        session.rollback()
        session.close()


def register_hooks(app: Flask) -> None:
    serve_static = app.view_functions["static"]

    @public
    def static(filename: str) -> Response:
        return serve_static(filename=filename)

    app.view_functions["static"] = static
    app.before_request(before_request)
    app.after_request(after_request)
    app.teardown_request(teardown_request)
