"""Two-factor pages: set up an authenticator, the code step of sign-in, turn it off.

Between the password and the code the browser holds a signed, short-lived ticket (user,
expiry, the password's version): it grants nothing but the right to enter a code, and a
password changed meanwhile voids it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import segno
from flask import Blueprint, Response, redirect, render_template, request, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from markupsafe import Markup

from disclosure.accounts.models import User
from disclosure.accounts.twofactor import service
from disclosure.errors import DomainError, Unauthenticated
from disclosure.http.context import actor, current_user, db, now, services, settings
from disclosure.http.forms import rerender
from disclosure.policy import Permission, requires

blueprint = Blueprint("two_factor", __name__)

TICKET_LIFETIME = timedelta(minutes=5)
_TICKET_SALT = "disclosure two-factor ticket"


def _ticket_cookie() -> str:
    return ("__Host-" if settings().is_production else "") + "disclosure_2fa"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(settings().secret_key, salt=_TICKET_SALT)


def _password_version(user: User) -> str:
    return user.password_changed_at.isoformat()


def issue_ticket(response: Response, user: User, at: datetime) -> Response:
    """Remember, for a few minutes, whose password was right (the code step reads it)."""
    ticket = _serializer().dumps(
        {
            "user": user.id,
            "until": (at + TICKET_LIFETIME).isoformat(),
            "pw": _password_version(user),
        }
    )
    response.set_cookie(
        _ticket_cookie(),
        ticket,
        max_age=int(TICKET_LIFETIME.total_seconds()),
        httponly=True,
        secure=settings().is_production,
        samesite="Lax",
        path="/",
    )
    return response


def clear_ticket(response: Response) -> Response:
    response.delete_cookie(_ticket_cookie(), path="/")
    return response


def ticket_hint() -> str:
    """The user id a validly signed ticket names ("" for none): what the code step's
    per-account rate limit counts by. Expiry and password version are checked later."""
    try:
        data = _serializer().loads(request.cookies.get(_ticket_cookie(), ""))
    except BadSignature:
        return ""
    return str(data.get("user", "")) if isinstance(data, dict) else ""


def ticket_user_id() -> int:
    """The user whose password was right, from a live ticket; Unauthenticated otherwise."""
    try:
        data = _serializer().loads(request.cookies.get(_ticket_cookie(), ""))
    except BadSignature:
        data = None
    again = "Your sign-in has expired. Enter your email and password again."
    if not isinstance(data, dict) or datetime.fromisoformat(data["until"]) <= now():
        raise Unauthenticated(again)
    user = db().get(User, int(data["user"]))
    if user is None or _password_version(user) != data["pw"]:
        raise Unauthenticated(again)
    return user.id or 0


def qr_svg(uri: str) -> Markup:
    """The otpauth:// address as an inline SVG QR code, drawn here (no outside service)."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, dark="#000", light="#fff")
    return Markup(svg)  # noqa: S704  (segno's own SVG; the URI is escaped inside it)


@blueprint.get("/account/two-factor")
@requires(Permission.ACCOUNT_SELF, session_only=True)
def page() -> str:
    return _page({})


def _page(errors: dict[str, str]) -> str:
    user = current_user()
    if service.is_enrolled(db(), user.id or 0):
        remaining = service.remaining_recovery_codes(db(), user.id or 0)
        return render_template(
            "accounts/two_factor.html", enrolled=True, remaining=remaining, errors=errors
        )
    enrolment = service.start_enrolment(
        db(), user, services().totp_box(), issuer=settings().provider_name, now=now()
    )
    return render_template(
        "accounts/two_factor.html",
        enrolled=False,
        secret=enrolment.secret,
        qr=qr_svg(enrolment.uri),
        errors=errors,
        required=user.role.value in settings().require_2fa_for,
    )


@blueprint.post("/account/two-factor")
@requires(Permission.ACCOUNT_SELF, session_only=True)
def confirm() -> str | tuple[str, int]:
    try:
        codes = service.confirm_enrolment(
            db(),
            actor(),
            current_user(),
            services().totp_box(),
            code=request.form.get("code", "")[:64],
            now=now(),
        )
    except DomainError as exc:
        return rerender(exc, _page)
    return render_template("accounts/recovery_codes.html", codes=codes)


@blueprint.post("/account/two-factor/disable")
@requires(Permission.ACCOUNT_SELF, session_only=True)
def disable() -> Response | str | tuple[str, int]:
    try:
        service.disable(
            db(),
            actor(),
            current_user(),
            services().totp_box(),
            code=request.form.get("code", "")[:64],
            now=now(),
        )
    except DomainError as exc:
        return rerender(exc, _page)
    return redirect(url_for("accounts.account"))
