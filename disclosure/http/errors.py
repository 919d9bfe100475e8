"""One mapping from errors to responses: the JSON error shape on the API, a page elsewhere."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Mapping

import pydantic
from flask import Flask, Response, jsonify, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from disclosure.crypto import CryptoError
from disclosure.errors import DomainError, Unauthenticated
from disclosure.http.context import discard_changes, settings

log = logging.getLogger(__name__)

HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "too_many_attempts",
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(
    status: int, code: str, message: str, fields: Mapping[str, str] | None = None
) -> Response:
    """The error as JSON ({"error": {code, message, fields}}) or as an HTML page."""
    if wants_json():
        body: dict[str, object] = {"code": code, "message": message}
        if fields:
            body["fields"] = dict(fields)
        response = jsonify(error=body)
    else:
        response = Response(
            render_template("errors/error.html", status=status, message=message, fields=fields),
            mimetype="text/html",
        )
    response.status_code = status
    return response


def pydantic_fields(exc: pydantic.ValidationError) -> dict[str, str]:
    """{"field.path": "message"} for each problem, without echoing the input back."""
    fields: dict[str, str] = {}
    for error in exc.errors(include_input=False, include_url=False):
        name = ".".join(str(part) for part in error["loc"]) or "body"
        # Our own validators' messages are written for people; pydantic prefixes them.
        fields.setdefault(name, error["msg"].removeprefix("Value error, "))
    return fields


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError) -> Response:
        discard_changes()
        if isinstance(exc, Unauthenticated) and not wants_json() and request.method == "GET":
            return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
        return error_response(exc.status, exc.code, exc.message, exc.fields)

    @app.errorhandler(CryptoError)
    def crypto_unavailable(exc: CryptoError) -> Response:
        discard_changes()
        log.error("gpg failed: %s", exc)  # the facade's messages never carry plaintext
        return error_response(
            503,
            "service_unavailable",
            "Encryption is unavailable right now; nothing was stored. Please try again later.",
        )

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(_exc: RequestEntityTooLarge) -> Response:
        discard_changes()
        limit = settings().max_request_bytes
        return error_response(
            413,
            "payload_too_large",
            f"The request is larger than the limit of {limit} bytes ({limit / 2**20:.1f} MiB).",
        )

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        discard_changes()
        status = exc.code or 500
        response = error_response(
            status, HTTP_CODES.get(status, "error"), exc.description or exc.name
        )
        if status == 405 and exc.get_response().headers.get("Allow"):
            response.headers["Allow"] = exc.get_response().headers["Allow"]
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        discard_changes()
        # The exception's message may quote user input (report text); log its type and frames only.
        frames = "".join(traceback.format_tb(exc.__traceback__))
        log.error(
            "unhandled %s on %s %s\n%s", type(exc).__name__, request.method, request.path, frames
        )
        return error_response(
            500, "internal_error", "Something went wrong on our side. Nothing was saved."
        )
