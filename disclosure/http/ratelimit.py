"""Rate limits (Flask-Limiter): sign-in, report submission, tracking-code lookups, receipt
verification and API token use, each per client address and, where there is one, per account.

The limits are in one table (`ROUTE_LIMITS`) so that views stay free of them, like access
rules live in `policy`. Each app gets its own limiter (tests build many apps); its storage
comes from `ratelimit_storage_url`: memory:// for one process, redis:// shared by several
workers. The client address is `request.remote_addr`, which ProxyFix has already replaced
with the forwarded one when `proxy_count` trusts proxies.

Limits are counted after the request's principal is known (our before_request runs first),
so an account's limit can name the account. An invalid bearer token is refused before the
token limits count: it is 256 random bits, guessing is not the threat a limit stops.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, Response, request
from flask_limiter import ApplicationLimit, Limiter
from flask_limiter.errors import RateLimitExceeded

from disclosure.http.context import client_ip, discard_changes, principal
from disclosure.http.errors import error_response
from disclosure.settings import Settings

EXTENSION = "disclosure_limiter"


def _by_address() -> str:
    return client_ip() or "unknown"


def _by_account() -> str:
    """The signed-in account (session or token)."""
    return f"user:{principal().user_id}"


def _by_email() -> str:
    """The account a sign-in names (its email as typed, normalised like the lookup)."""
    typed = request.form.get("email", "").strip().lower()[:254]
    return "email:" + hashlib.sha256(typed.encode()).hexdigest()[:32]


def _by_ticket() -> str:
    """The account whose password was right, from the code step's ticket (never raises)."""
    from disclosure.accounts.twofactor.web import ticket_hint

    return "ticket-user:" + ticket_hint()


def _anonymous() -> bool:
    return not principal().is_authenticated


def _no_token() -> bool:
    return not principal().via_token


def _no_ticket() -> bool:
    from disclosure.accounts.twofactor.web import ticket_hint

    return not ticket_hint()


@dataclass(frozen=True)
class Rule:
    """One limit: which setting gives its rate, what it counts by, across which routes."""

    setting: str
    key: Callable[[], str]
    scope: str  # routes with the same scope share one counter
    methods: tuple[str, ...] = ("POST",)
    exempt_when: Callable[[], bool] | None = None


SIGN_IN = (
    Rule("ratelimit_sign_in", _by_address, "sign-in"),
    Rule("ratelimit_sign_in_account", _by_email, "sign-in-account"),
)
CODE_STEP = (
    Rule("ratelimit_sign_in", _by_address, "sign-in"),
    Rule("ratelimit_sign_in_account", _by_ticket, "sign-in-code", exempt_when=_no_ticket),
)
SUBMISSION = (
    Rule("ratelimit_submission", _by_address, "submission"),
    Rule("ratelimit_submission_account", _by_account, "submission-account", exempt_when=_anonymous),
)
TRACKING = (Rule("ratelimit_lookup", _by_address, "tracking", ("GET", "POST")),)
TRACKING_FORM = (Rule("ratelimit_lookup", _by_address, "tracking"),)  # GET shows the form
RECEIPTS = (Rule("ratelimit_lookup", _by_address, "receipts"),)

# endpoint -> the limits its requests count against (besides the token limits below).
ROUTE_LIMITS: dict[str, tuple[Rule, ...]] = {
    "accounts.login": SIGN_IN,
    "accounts.code_step": CODE_STEP,
    "portal.report": SUBMISSION,
    "reports_api.submit": SUBMISSION,
    "portal.track": TRACKING_FORM,
    "reports_api.track": TRACKING,
    "conversation_api.track_messages": TRACKING,
    "conversation_api.track_post_message": TRACKING,
    "advisory.track_review": TRACKING_FORM,
    "advisory_api.track_review": TRACKING,
    "advisory_api.track_approve": TRACKING,
    "portal.verify_receipt": RECEIPTS,
}

# Every request made with a bearer token, whatever the endpoint.
TOKEN_USE = (
    Rule("ratelimit_token", _by_address, "token", (), _no_token),
    Rule("ratelimit_token_account", _by_account, "token-account", (), _no_token),
)


_SCOPE_TEXT = {
    "sign-in": "too many sign-in attempts from this address",
    "sign-in-account": "too many sign-in attempts for this account",
    "sign-in-code": "too many sign-in codes for this account",
    "submission": "too many reports from this address",
    "submission-account": "too many reports from this account",
    "tracking": "too many tracking-code lookups from this address",
    "receipts": "too many receipt checks from this address",
    "token": "too many requests with a bearer token from this address",
    "token-account": "too many requests with a bearer token for this account",
}


def rate_limits_of(endpoint: str) -> list[str]:
    """What can rate-limit a request to `endpoint`, in words (for the OpenAPI document)."""
    return [_SCOPE_TEXT[rule.scope] for rule in (*ROUTE_LIMITS.get(endpoint, ()), *TOKEN_USE)]


def install(app: Flask, settings: Settings) -> Limiter:
    """The app's limiter with every limit of the table; call after the blueprints and hooks."""
    limiter = Limiter(
        key_func=_by_address,
        storage_uri=settings.ratelimit_storage_url,
        key_prefix=settings.ratelimit_key_prefix,
        strategy="moving-window",
        headers_enabled=False,  # Retry-After only on a 429, rounded up (see _too_many)
        application_limits=[
            ApplicationLimit(
                limit_provider=getattr(settings, rule.setting),
                key_function=rule.key,
                scope=rule.scope,
                exempt_when=rule.exempt_when,
            )
            for rule in TOKEN_USE
        ],
    )
    limiter.init_app(app)
    for endpoint, rules in ROUTE_LIMITS.items():
        view = app.view_functions[endpoint]
        for rule in rules:
            view = limiter.shared_limit(
                getattr(settings, rule.setting),
                scope=rule.scope,
                key_func=rule.key,
                methods=list(rule.methods) or None,
                exempt_when=rule.exempt_when,
            )(view)
        app.view_functions[endpoint] = view
    app.extensions[EXTENSION] = limiter
    app.register_error_handler(RateLimitExceeded, _too_many)
    return limiter


def _too_many(exc: RateLimitExceeded) -> Response:
    """429 with Retry-After, as the JSON error shape on the API and a page elsewhere."""
    discard_changes()
    wait = retry_after(exc)
    what = "requests" if request.path.startswith("/api/") else "attempts"
    response = error_response(
        429,
        "too_many_attempts",
        f"Too many {what} from here in a short time. Try again in {_seconds(wait)}.",
    )
    response.headers["Retry-After"] = str(wait)
    return response


def retry_after(exc: RateLimitExceeded) -> int:
    """Whole seconds until the breached limit lets a request through again (at least 1)."""
    limiter: Limiter = _current_limiter()
    current = limiter.current_limit
    reset_at = (
        current.reset_at if current is not None else time.time() + exc.limit.limit.get_expiry()
    )
    return max(1, math.ceil(reset_at - time.time()))


def _current_limiter() -> Limiter:
    from flask import current_app

    return current_app.extensions[EXTENSION]


def _seconds(wait: int) -> str:
    if wait < 120:
        return f"{wait} second{'' if wait == 1 else 's'}"
    return f"{math.ceil(wait / 60)} minutes"
