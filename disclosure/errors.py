"""Domain errors. Services raise them; one handler maps them to HTML pages and JSON errors."""

from __future__ import annotations

from collections.abc import Mapping


class DomainError(Exception):
    """Base of every error a service verb raises on purpose."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, fields: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = dict(fields or {})


class ValidationError(DomainError):
    """Input that parses but breaks a rule; `fields` names each bad field."""

    status = 422
    code = "validation_failed"


class Unauthenticated(DomainError):
    status = 401
    code = "unauthenticated"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class TooManyAttempts(DomainError):
    status = 429
    code = "too_many_attempts"


class ServiceUnavailable(DomainError):
    """A dependency (gpg, the database) cannot do its part; nothing was stored."""

    status = 503
    code = "service_unavailable"


class BadRequest(DomainError):
    """Input that cannot be used at all (a malformed PGP block, a message to the wrong key)."""

    status = 400
    code = "bad_request"


class PayloadTooLarge(DomainError):
    status = 413
    code = "payload_too_large"
