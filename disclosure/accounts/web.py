"""Account pages: sign in, sign out, password change, sessions and tokens."""

from __future__ import annotations

from datetime import timedelta

import pydantic
from flask import Blueprint, Response, redirect, render_template, request, url_for

from disclosure.accounts import service, sessions, tokens
from disclosure.accounts.forms import LoginForm, PasswordChangeForm, TokenRequest
from disclosure.errors import DomainError, TooManyAttempts, Unauthenticated
from disclosure.http.context import actor, client_ip, db, now, principal, settings
from disclosure.http.csrf import cookie_names
from disclosure.http.errors import pydantic_fields
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
        return render_template(
            "accounts/login.html", email="", errors={}, next=request.args.get("next", "")
        )
    email = request.form.get("email", "")
    try:
        form = LoginForm.model_validate(request.form.to_dict())
        user = service.authenticate(
            db(),
            email=form.email,
            password=form.password,
            limits=_login_limits(),
            now=now(),
            ip_address=client_ip(),
        )
    except pydantic.ValidationError as exc:
        return render_template(
            "accounts/login.html",
            email=email,
            errors=pydantic_fields(exc),
            next=request.form.get("next", ""),
        ), 422
    except (Unauthenticated, TooManyAttempts) as exc:
        # Not an error response: the failure count must be committed.
        return render_template(
            "accounts/login.html",
            email=email,
            errors={"form": exc.message},
            next=request.form.get("next", ""),
        ), exc.status
    cookie_value, _row = sessions.start_session(
        db(),
        user,
        limits=session_limits(),
        now=now(),
        ip_address=client_ip(),
        user_agent=request.headers.get("User-Agent", ""),
    )
    response = redirect(_safe_next(request.form.get("next")))
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
        form = TokenRequest.model_validate(data)
        raw, _token = tokens.create_token(
            db(),
            actor(),
            principal().user,
            scopes=form.scopes,
            name=form.name,  # type: ignore[arg-type]
            lifetime=timedelta(days=form.expires_in_days),
            now=now(),
        )
    except pydantic.ValidationError as exc:
        return _account_page(errors=pydantic_fields(exc)), 422
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
    user = principal().user
    if request.method == "GET":
        return render_template("accounts/password.html", user=user, errors={})
    try:
        form = PasswordChangeForm.model_validate(request.form.to_dict())
        if form.new_password != form.confirm_password:
            return render_template(
                "accounts/password.html",
                user=user,
                errors={"confirm_password": "Does not match the new password."},
            ), 422
        service.change_password(
            db(),
            user,
            current=form.current_password,  # type: ignore[arg-type]
            new=form.new_password,
            keep_session_id=principal().session_id,
            now=now(),
            ip_address=client_ip(),
        )
    except pydantic.ValidationError as exc:
        return render_template(
            "accounts/password.html", user=user, errors=pydantic_fields(exc)
        ), 422
    except DomainError as exc:
        return render_template(
            "accounts/password.html", user=user, errors=exc.fields or {"form": exc.message}
        ), exc.status
    return redirect(url_for("accounts.account"))
