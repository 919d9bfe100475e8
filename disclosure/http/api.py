"""JSON endpoints declared once: request and response models validate and document them.

`operation(...)` wraps a view so that its JSON body is parsed into a pydantic model (400 for
broken JSON, 422 naming each bad field) and its returned model is serialised; the same
declarations produce the OpenAPI 3.1 document, so the document cannot drift from the code.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pydantic
from flask import Flask, Response, jsonify, request
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from disclosure.errors import DomainError, ValidationError
from disclosure.limits import MAX_JSON_DEPTH, NUL_MESSAGE, ContainsNul, JsonTooDeep, loads_json
from disclosure.policy import Permission, endpoint_permissions, endpoint_rule

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
class Operation:
    endpoint: str
    method: str
    summary: str
    body: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    view: Callable[..., Any]
    alternatives: tuple[type[BaseModel], ...] = ()  # bodies the view parses itself (oneOf)
    multipart: bool = False


_OPERATIONS: dict[str, Operation] = {}


def operation(
    summary: str,
    *,
    body: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    alternatives: tuple[type[BaseModel], ...] = (),
    multipart: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a JSON view: its body model, response model and success status.

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
            key, "", summary, body, response, status, handler, alternatives, multipart
        )
        return handler

    return wrap


def parse_body(model: type[BaseModel]) -> Any:
    """The JSON body validated by `model`; 422 naming each bad field."""
    from disclosure.http.errors import pydantic_fields

    try:
        return model.model_validate(read_json())
    except pydantic.ValidationError as exc:
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


_PARAM = re.compile(r"<(?:(?P<conv>[a-z]+):)?(?P<name>\w+)>")


def openapi_document(app: Flask, *, title: str, version: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document for every declared JSON endpoint of the app."""
    by_view = {op.view: op for op in _OPERATIONS.values()}
    models: set[type[BaseModel]] = {ErrorBody}
    entries: list[tuple[str, str, Operation, Any]] = []
    for rule in app.url_map.iter_rules():
        op = by_view.get(app.view_functions[rule.endpoint])
        if op is None:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            entries.append((_PARAM.sub(r"{\g<name>}", rule.rule), method.lower(), op, rule))
        models.update(m for m in (op.body, op.response, *op.alternatives) if m is not None)
    refs, schemas = models_json_schema(
        [(model, "validation") for model in sorted(models, key=lambda m: m.__name__)],
        ref_template="#/components/schemas/{model}",
    )
    paths: dict[str, dict[str, Any]] = {}
    for path, method, op, rule in entries:
        paths.setdefault(path, {})[method] = _describe(op, rule, refs)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": schemas.get("$defs", {}),
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer"},
                "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "disclosure_session"},
            },
        },
    }


def _describe(op: Operation, rule: Any, refs: dict[Any, Any]) -> dict[str, Any]:
    error = {"content": {"application/json": {"schema": refs[(ErrorBody, "validation")]}}}
    described: dict[str, Any] = {
        "operationId": rule.endpoint.replace(".", "_"),
        "summary": op.summary,
        "responses": {str(op.status): {"description": "Success"}},
    }
    if op.response is not None:
        described["responses"][str(op.status)]["content"] = {
            "application/json": {"schema": refs[(op.response, "validation")]}
        }
    for status, what in ((400, "Malformed request"), (422, "Invalid fields")):
        if op.body is not None:
            described["responses"][str(status)] = {"description": what, **error}
    access = endpoint_rule(op.view)
    if isinstance(access, Permission):
        described["security"] = [{"bearerAuth": []}, {"sessionCookie": []}]
        described["x-permission"] = " | ".join(p.value for p in endpoint_permissions(op.view))
        described["responses"]["401"] = {"description": "Not signed in", **error}
        described["responses"]["403"] = {"description": "Not allowed", **error}
    else:
        described["security"] = []
    if op.body is not None:
        described["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[(op.body, "validation")]}},
        }
    if op.alternatives:
        described["requestBody"] = _alternative_bodies(op, refs)
        for status, what in (
            (400, "Malformed request"),
            (413, "Too large"),
            (422, "Invalid fields"),
            (503, "Encryption unavailable"),
        ):
            described["responses"][str(status)] = {"description": what, **error}
    params = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer" if conv == "int" else "string"},
        }
        for conv, name in _PARAM.findall(rule.rule)
    ]
    if params:
        described["parameters"] = params
    return described


def _alternative_bodies(op: Operation, refs: dict[Any, Any]) -> dict[str, Any]:
    schema = {"oneOf": [refs[(model, "validation")] for model in op.alternatives]}
    content: dict[str, Any] = {"application/json": {"schema": schema}}
    if op.multipart:
        content["multipart/form-data"] = {
            "schema": {
                "type": "object",
                "description": "The same fields as form fields; files named 'attachments'.",
            }
        }
    return {"required": True, "content": content}
