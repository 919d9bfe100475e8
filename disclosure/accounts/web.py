"""Account pages: sign in, sign out, password change, sessions and tokens."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from flask import Blueprint, Response, redirect, render_template, request, url_for

from disclosure.accounts import resets, service, sessions, tokens
from disclosure.accounts.forms import LoginForm, PasswordChangeForm, TokenRequest
from disclosure.accounts.twofactor import service as two_factor
from disclosure.accounts.twofactor.web import clear_ticket, issue_ticket, ticket_user_id
from disclosure.errors import DomainError
from disclosure.http.context import (
    actor,
    client_ip,
    current_user,
    db,
    now,
    principal,
    services,
    settings,
)
from disclosure.http.csrf import cookie_names
from disclosure.http.forms import parse_form, rerender
from disclosure.http.hooks import session_limits
from disclosure.policy import Permission, public, requires

blueprint = Blueprint("accounts", __name__)


def _login_limits() -> service.LoginLimits:
    cfg = settings()
    return service.LoginLimits(cfg.login_max_failures, timedelta(minutes=cfg.login_lockout_minutes))


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths, so the login form is no open redirect."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return url_for("accounts.account")


@blueprint.route("/login", methods=["GET", "POST"])
@public
def login() -> Response | str | tuple[str, int]:
    if request.method == "GET":
        return _login_page({}, next_path=request.args.get("next", ""))
    next_path = request.form.get("next", "")
    try:
        form = parse_form(LoginForm, request.form)
        step = two_factor.sign_in(
            db(),
            email=form.email,
            password=form.password,
            limits=_login_limits(),
            session_limits=session_limits(),
            now=now(),
            ip_address=client_ip(),
            user_agent=request.headers.get("User-Agent", ""),
        )
    except DomainError as exc:  # the failure count must be committed: keep the writes
        page = partial(_login_page, email=request.form.get("email", ""), next_path=next_path)
        return rerender(exc, page, keep_writes=True)
    if step.cookie_value is None:  # the password was right; now the second factor
        target = url_for("accounts.code_step", next=next_path or None)
        return issue_ticket(redirect(target), step.user, now())
    return _signed_in(step.cookie_value, _safe_next(next_path))


def _login_page(errors: dict[str, str], *, email: str = "", next_path: str = "") -> str:
    return render_template("accounts/login.html", email=email, errors=errors, next=next_path)


@blueprint.route("/login/code", methods=["GET", "POST"])
@public  # the ticket the password step left is the credential
def code_step() -> Response | str | tuple[str, int]:
    if request.method == "GET":
        ticket_user_id()
        return _code_page({}, next_path=request.args.get("next", ""))
    next_path = request.form.get("next", "")
    try:
        cookie_value = two_factor.sign_in_with_code(
            db(),
            services().totp_box(),
            user_id=ticket_user_id(),
            code=request.form.get("code", "")[:64],
            limits=_login_limits(),
            session_limits=session_limits(),
            now=now(),
            ip_address=client_ip(),
            user_agent=request.headers.get("User-Agent", ""),
        )
    except DomainError as exc:  # a wrong code counts against the account: keep the writes
        page = partial(_code_page, next_path=next_path)
        return rerender(exc, page, keep_writes=True)
    return clear_ticket(_signed_in(cookie_value, _safe_next(next_path)))


def _code_page(errors: dict[str, str], *, next_path: str = "") -> str:
    return render_template("accounts/login_code.html", errors=errors, next=next_path)


def _signed_in(cookie_value: str, target: str) -> Response:
    response = redirect(target)
    response.set_cookie(
        cookie_names()[0],
        cookie_value,
        max_age=settings().session_lifetime_hours * 3600,
        httponly=True,
        secure=settings().is_production,
        samesite="Lax",
        path="/",
    )
    return response


@blueprint.post("/logout")
@requires(Permission.ACCOUNT_SELF)
def logout() -> Response:
    found = sessions.load_session(
        db(), request.cookies.get(cookie_names()[0], ""), limits=session_limits(), now=now()
    )
    if found:
        sessions.end_session(db(), *found, now=now())
    response = redirect(url_for("accounts.login"))
    response.delete_cookie(cookie_names()[0], path="/")
    return response


@blueprint.get("/account")
@requires(Permission.ACCOUNT_SELF)
def account() -> str:
    return _account_page()


def _account_page(new_token: str = "", errors: dict[str, str] | None = None) -> str:
    me = principal()
    user_id = me.user_id or 0
    return render_template(
        "accounts/account.html",
        user=me.user,
        sessions=sessions.list_sessions(db(), user_id, now=now()),
        current_session=me.session_id,
        short_id=sessions.short_id,
        tokens=tokens.list_tokens(db(), user_id),
        new_token=new_token,
        errors=errors or {},
        now=now(),
    )


@blueprint.post("/account/sessions/<session_id>/revoke")
@requires(Permission.ACCOUNT_SELF)
def revoke_session(session_id: str) -> Response:
    sessions.revoke_session(
        db(), actor(), user_id=principal().user_id or 0, short_id=session_id, now=now()
    )
    return redirect(url_for("accounts.account"))


@blueprint.post("/account/tokens")
@requires(Permission.ACCOUNT_SELF)
def create_token() -> str | tuple[str, int]:
    data = {
        "name": request.form.get("name", ""),
        "scopes": request.form.getlist("scopes"),
        "expires_in_days": request.form.get("expires_in_days") or 90,
    }
    try:
        form = parse_form(TokenRequest, data)
        raw, _token = tokens.create_token(
            db(),
            actor(),
            current_user(),
            scopes=form.scopes,
            name=form.name,  # type: ignore[arg-type]
            lifetime=timedelta(days=form.expires_in_days),
            now=now(),
        )
    except DomainError as exc:
        return rerender(exc, lambda errors: _account_page(errors=errors))
    return _account_page(new_token=raw)


@blueprint.post("/account/tokens/<int:token_id>/revoke")
@requires(Permission.ACCOUNT_SELF)
def revoke_token(token_id: int) -> Response:
    tokens.revoke_token(
        db(), actor(), user_id=principal().user_id or 0, token_id=token_id, now=now()
    )
    return redirect(url_for("accounts.account"))


@blueprint.route("/account/password", methods=["GET", "POST"])
@requires(Permission.ACCOUNT_SELF)
def password() -> Response | str | tuple[str, int]:
    if request.method == "GET":
        return _password_page({})
    try:
        form = parse_form(PasswordChangeForm, request.form)
        service.change_password(
            db(),
            current_user(),
            current=form.current_password,
            new=form.new_password,
            keep_session_id=principal().session_id,
            now=now(),
            ip_address=client_ip(),
        )
    except DomainError as exc:
        return rerender(exc, _password_page)
    return redirect(url_for("accounts.account"))


def _password_page(errors: dict[str, str]) -> str:
    return render_template("accounts/password.html", user=current_user(), errors=errors)


@blueprint.route("/password/reset/<token>", methods=["GET", "POST"])
@public  # the one-time token in the mailed link is the credential
def reset_password(token: str) -> Response | str | tuple[str, int]:
    if request.method == "GET":
        _reset, user = resets.pending_reset(db(), token, now=now())
        return _reset_page({}, token=token, email=user.email)
    try:
        resets.complete_reset(
            db(),
            token,
            new=request.form.get("new_password", "")[:1024],
            confirm=request.form.get("confirm_password", "")[:1024],
            now=now(),
            ip_address=client_ip(),
        )
    except DomainError as exc:
        page = partial(_reset_page, token=token, email="")
        return rerender(exc, page)
    return redirect(url_for("accounts.login"))


def _reset_page(errors: dict[str, str], *, token: str, email: str) -> str:
    return render_template("accounts/reset_password.html", errors=errors, token=token, email=email)
