"""Tracking codes for anonymous submitters, and the idempotency keys of the report form."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets


def issue_form_key(secret_key: str) -> str:
    """An idempotency key for the report form: random, and signed so only we can issue one."""
    nonce = secrets.token_urlsafe(24)
    return f"{nonce}.{_form_key_signature(secret_key, nonce)}"


def _form_key_signature(secret_key: str, nonce: str) -> str:
    return hmac.new(secret_key.encode(), b"form-key|" + nonce.encode(), hashlib.sha256).hexdigest()[
        :24
    ]


def is_form_key(secret_key: str, key: str | None) -> bool:
    nonce, _, signature = (key or "").partition(".")
    return bool(nonce) and hmac.compare_digest(signature, _form_key_signature(secret_key, nonce))


def tracking_code(secret_key: str, idempotency_key: str | None) -> str:
    """160 random bits; for a form we issued, derived from its key so a double submit can
    show the code again. A client-chosen API key never derives a code: it may be guessable.
    """
    if idempotency_key and is_form_key(secret_key, idempotency_key):
        raw = hmac.new(
            secret_key.encode(), b"tracking|" + idempotency_key.encode(), hashlib.sha256
        ).digest()[:20]
    else:
        raw = secrets.token_bytes(20)
    code = base64.b32encode(raw).decode().rstrip("=")
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def idempotency_key_problem(key: str) -> str | None:
    """Why a client-chosen idempotency key is unacceptable, or None."""
    if not 16 <= len(key) <= 128 or not key.isascii() or not key.isprintable():
        return "Use 16 to 128 printable ASCII characters (a random UUID is ideal)."
    return None
