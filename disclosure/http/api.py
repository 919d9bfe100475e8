"""JSON endpoints declared once: request and response models validate and document them.

`operation(...)` wraps a view so that its JSON body is parsed into a pydantic model (400 for
broken JSON, 415 for another media type, 422 naming each bad field) and its returned model is
serialised; the same declarations produce the OpenAPI 3.1 document, so the document cannot
drift from the code. Who may call an operation comes from `disclosure.policy`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import pydantic
from flask import Response, jsonify, request
from pydantic import BaseModel

from disclosure.errors import DomainError, ValidationError
from disclosure.limits import MAX_JSON_DEPTH, NUL_MESSAGE, ContainsNul, JsonTooDeep, loads_json

# Anonymous reporters follow their case with the tracking code in this header.
TRACKING_HEADER = "X-Tracking-Code"


class BadJson(DomainError):
    status = 400
    code = "bad_request"


class UnsupportedMediaType(DomainError):
    status = 415
    code = "unsupported_media_type"


class ErrorDetail(BaseModel):
    code: str
    message: str
    fields: dict[str, str] | None = None


class ErrorBody(BaseModel):
    """Every API error has this shape."""

    error: ErrorDetail


@dataclass(frozen=True)
class Param:
    """A path, query or header parameter as the document states it (the view reads it)."""

    name: str
    location: Literal["path", "query", "header"]
    schema: Mapping[str, Any]
    description: str = ""
    required: bool = False
    repeated: bool = False  # a query parameter given several times: ?state=new&state=fixed


TRACKING_PARAM = Param(
    TRACKING_HEADER,
    "header",
    {"type": "string"},
    "The tracking code shown once at submission (case and dashes do not matter)",
)
TRACKING_NOT_FOUND = "No case matches the tracking code, or none was sent (nothing more is said)"


@dataclass(frozen=True)
class Operation:
    endpoint: str
    summary: str
    body: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    view: Callable[..., Any]
    alternatives: tuple[type[BaseModel], ...] = ()  # bodies the view parses itself (oneOf)
    multipart: bool = False
    errors: Mapping[int, str] = field(default_factory=dict)  # answered with ErrorBody
    also: Mapping[int, str] = field(default_factory=dict)  # answered with `response` too
    params: tuple[Param, ...] = ()
    media_type: str = "application/json"  # of the success response

    @property
    def has_body(self) -> bool:
        return self.body is not None or bool(self.alternatives)


_OPERATIONS: dict[str, Operation] = {}


def operation(
    summary: str,
    *,
    body: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    alternatives: tuple[type[BaseModel], ...] = (),
    multipart: bool = False,
    errors: Mapping[int, str] | None = None,
    also: Mapping[int, str] | None = None,
    params: tuple[Param, ...] = (),
    media_type: str = "application/json",
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a JSON view: its body model, response model, success status and the errors
    it answers besides those every operation of its kind can give (see `describe`).

    `alternatives` documents bodies the view chooses between and validates itself.
    """

    def wrap(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def handler(*args: Any, **kwargs: Any) -> Response:
            if body is not None:
                kwargs["body"] = parse_body(body)
            result = view(*args, **kwargs)
            if isinstance(result, Response):
                return result
            if result is None:
                return Response(status=status)
            payload = result.model_dump(mode="json") if isinstance(result, BaseModel) else result
            out = jsonify(payload)
            out.status_code = status
            return out

        key = f"{view.__module__}.{view.__qualname__}"
        _OPERATIONS[key] = Operation(
            key,
            summary,
            body,
            response,
            status,
            handler,
            alternatives,
            multipart,
            dict(errors or {}),
            dict(also or {}),
            params,
            media_type,
        )
        return handler

    return wrap


def operations() -> dict[Callable[..., Any], Operation]:
    """Every declared operation, by the view function Flask calls."""
    return {op.view: op for op in _OPERATIONS.values()}


def parse_body(model: type[BaseModel]) -> Any:
    """The JSON body validated by `model`; 422 naming each bad field.

    Validation is strict, as JSON reads: 5 is not "5", true is not 1, a date is a string in
    the form YYYY-MM-DD. So the body is accepted exactly when it matches the JSON Schema.
    """
    read_json()
    return validate_json(model, request.get_data())


def validate_json(model: type[BaseModel], raw: bytes) -> Any:
    """`raw` JSON validated strictly by `model`; 422 naming each bad field."""
    from disclosure.http.errors import pydantic_fields

    try:
        return model.model_validate_json(raw, strict=True)
    except pydantic.ValidationError as exc:
        if any(error["type"] == "json_invalid" for error in exc.errors()):
            raise BadJson("The body is not valid JSON.") from None  # NaN, a lone surrogate
        raise ValidationError("Some fields are invalid.", fields=pydantic_fields(exc)) from None


def read_json() -> Any:
    """The request body as JSON, or a 400/415 that says what is wrong."""
    if not request.is_json:
        raise UnsupportedMediaType("Send the body as JSON with Content-Type: application/json.")
    try:
        return loads_json(request.get_data(cache=True))
    except JsonTooDeep:
        raise BadJson(
            f"The body is nested more than {MAX_JSON_DEPTH} levels deep; no request needs that."
        ) from None
    except ContainsNul:
        raise BadJson(NUL_MESSAGE) from None
    except ValueError:  # json.JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise BadJson("The body is not valid JSON.") from None
