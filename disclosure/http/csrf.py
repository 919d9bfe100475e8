"""CSRF protection for every state-changing request that relies on a cookie.

The token is an HMAC of a per-browser seed: the session cookie once signed in, otherwise a
random pre-session cookie. Bearer-token requests carry no ambient credentials and need none.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import Response, g, request

from disclosure.errors import DomainError
from disclosure.http.context import settings

FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class CsrfFailed(DomainError):
    status = 400
    code = "csrf_failed"


def cookie_names() -> tuple[str, str]:
    """(session cookie, pre-session cookie); __Host- prefixed when served over https."""
    prefix = "__Host-" if settings().is_production else ""
    return f"{prefix}disclosure_session", f"{prefix}disclosure_presession"


def _seed() -> str:
    _session_cookie, presession_cookie = cookie_names()
    if seed := g.get("session_cookie_value"):
        return seed
    if seed := request.cookies.get(presession_cookie):
        return seed
    if "new_presession" not in g:
        g.new_presession = secrets.token_urlsafe(32)
    return g.new_presession


def csrf_token() -> str:
    """The token to put in forms (field csrf_token) or the X-CSRF-Token header."""
    key = settings().secret_key.encode()
    return hmac.new(key, b"csrf|" + _seed().encode(), hashlib.sha256).hexdigest()


def check_csrf() -> None:
    """Refuse an unsafe cookie-authenticated request without a valid token."""
    if request.method in SAFE_METHODS or g.get("via_bearer"):
        return
    if request.path.startswith("/api/") and not g.get("session_cookie_value"):
        # No live session: the call carries no ambient credential to abuse, and is answered
        # as anonymous (401 where that is not enough), whatever stale cookie it still sends.
        return
    sent = request.headers.get(HEADER) or request.form.get(FIELD, "")
    if not sent or not hmac.compare_digest(sent, csrf_token()):
        raise CsrfFailed(
            "The form has expired or came from another site. Reload the page and try again."
        )


def set_presession_cookie(response: Response) -> None:
    """Persist a newly minted pre-session seed so the next POST can be checked."""
    if seed := g.pop("new_presession", None):
        response.set_cookie(
            cookie_names()[1],
            seed,
            httponly=True,
            samesite="Lax",
            secure=settings().is_production,
            path="/",
        )
