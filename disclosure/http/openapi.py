"""The OpenAPI 3.1 document, from the declared operations, the URL rules and `policy`.

Every response an operation can give is listed: those every operation of its kind gives
(400 for a malformed body or a browser-session call without its CSRF header, 401, 403, 404
for a path that names something, 413 and 415 for a body, 422 for invalid fields) and those
the operation declares (409, 503, ...). Who may call it comes from `disclosure.policy`:
`x-permissions`, the token scopes in `x-scopes`, and both in words in `description`.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from typing import Any

from flask import Flask
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema
from werkzeug.routing import Rule

from disclosure.http.api import ErrorBody, Operation, operations
from disclosure.http.hooks import PASSWORD_RESET_ENDPOINTS
from disclosure.http.ratelimit import rate_limits_of
from disclosure.inputs import MAX_INT
from disclosure.policy import (
    ROLE_GRANTS,
    Permission,
    endpoint_permissions,
    endpoint_rule,
    endpoint_scopes,
)

_PATH_PARAM = re.compile(r"<(?:(?P<conv>[a-z]+):)?(?P<name>\w+)>")
_UNSAFE = frozenset({"post", "put", "patch", "delete"})

SECURITY_SCHEMES = {
    "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token (`disclosure token create`, or POST /api/v1/tokens from a "
        "signed-in session). Its scopes narrow what the account may do: see each "
        "operation's x-scopes.",
    },
    "sessionCookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": "disclosure_session",
        "description": "A signed-in browser session (`__Host-disclosure_session` in "
        "production). State-changing calls also need csrfToken.",
    },
    "csrfToken": {
        "type": "apiKey",
        "in": "header",
        "name": "X-CSRF-Token",
        "description": "The session's CSRF token, with sessionCookie on every POST, PUT, "
        "PATCH and DELETE; without it such a call is a 400 csrf_failed.",
    },
}


def openapi_document(app: Flask, *, title: str, version: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document for every declared JSON endpoint of the app."""
    entries = list(_entries(app))
    models: set[tuple[type[BaseModel], JsonSchemaMode]] = {(ErrorBody, "serialization")}
    for _path, _method, op, _rule in entries:
        models.update((m, "validation") for m in (op.body, *op.alternatives) if m is not None)
        if op.response is not None:
            models.add((op.response, "serialization"))
    refs, schemas = models_json_schema(
        sorted(models, key=lambda pair: (pair[0].__name__, pair[1])),
        ref_template="#/components/schemas/{model}",
    )
    paths: dict[str, dict[str, Any]] = {}
    for path, method, op, rule in entries:
        paths.setdefault(path, {})[method] = describe(op, rule, method, refs)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": schemas.get("$defs", {}),
            "securitySchemes": SECURITY_SCHEMES,
        },
    }


def _entries(app: Flask) -> Iterator[tuple[str, str, Operation, Rule]]:
    by_view = operations()
    for rule in app.url_map.iter_rules():
        # a rate-limited view is wrapped by the limiter (http/ratelimit.py): look through it
        view = app.view_functions[rule.endpoint]
        op = by_view.get(inspect.unwrap(view, stop=lambda f: f in by_view))
        if op is None:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield _PATH_PARAM.sub(r"{\g<name>}", rule.rule), method.lower(), op, rule


def describe(op: Operation, rule: Rule, method: str, refs: dict[Any, Any]) -> dict[str, Any]:
    """One operation of the document: parameters, body, every response, who may call it."""
    public = endpoint_rule(op.view) is True
    permissions = endpoint_permissions(op.view)
    scopes = endpoint_scopes(op.view)
    described: dict[str, Any] = {
        "operationId": rule.endpoint.replace(".", "_"),
        "summary": op.summary,
        "description": f"{op.summary}.\n\n{access_text(op)}",
        "x-permissions": [p.value for p in permissions],
        "security": _security(public, permissions, scopes, method),
    }
    if scopes is not None and permissions:
        described["x-scopes"] = [scope.value for scope in scopes]
    if parameters := _parameters(op, rule):
        described["parameters"] = parameters
    if op.body is not None:
        body_schema = refs[(op.body, "validation")]
        described["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": body_schema}},
        }
    if op.alternatives:
        described["requestBody"] = _alternative_bodies(op, refs)
    described["responses"] = _responses(op, rule, method, public, refs)
    return described


def access_text(op: Operation) -> str:
    """Who may call the operation, in words, from the same facts as x-permissions/x-scopes."""
    permissions = endpoint_permissions(op.view)
    scopes = endpoint_scopes(op.view)
    if endpoint_rule(op.view) is True:
        if not permissions:
            return "Access: anyone; no sign-in needed."
        text = f"Access: anyone; a signed-in caller needs {_permissions_text(permissions)}"
    else:
        text = f"Access: {_permissions_text(permissions)}"
    if scopes is None:
        return text + "; only from a signed-in browser session (bearer tokens get 403)."
    if not scopes:
        return text + "; any valid bearer token (no scope needed)."
    listed = ", ".join(scope.value for scope in scopes)
    one = "the scope" if len(scopes) == 1 else "one of the scopes"
    return (
        f"{text}; a bearer token needs {one} {listed} (or, for an administrator, the scope admin)."
    )


def _permissions_text(permissions: tuple[Permission, ...]) -> str:
    roles = sorted({role.value for p in permissions for role, g in ROLE_GRANTS.items() if p in g})
    names = " or ".join(p.value for p in permissions)
    return f"the permission {names} (roles: {', '.join(roles)})"


def _security(
    public: bool, permissions: tuple[Permission, ...], scopes: Any, method: str
) -> list[dict[str, list[str]]]:
    if public and not permissions:
        return []
    session = {"sessionCookie": [], **({"csrfToken": []} if method in _UNSAFE else {})}
    options: list[dict[str, list[str]]] = [{}] if public else []
    if scopes is not None:
        options.append({"bearerAuth": []})
    return [*options, session]


def _parameters(op: Operation, rule: Rule) -> list[dict[str, Any]]:
    declared = {(p.location, p.name): p for p in op.params}
    params = []
    for conv, name in _PATH_PARAM.findall(rule.rule):
        given = declared.pop(("path", name), None)
        schema = (
            {"type": "integer", "minimum": 1, "maximum": MAX_INT}
            if conv == "int"
            else {"type": "string", **(given.schema if given else {})}
        )
        param = {"name": name, "in": "path", "required": True, "schema": schema}
        if given and given.description:
            param["description"] = given.description
        params.append(param)
    for p in declared.values():
        schema = {"type": "array", "items": dict(p.schema)} if p.repeated else dict(p.schema)
        param = {"name": p.name, "in": p.location, "required": p.required, "schema": schema}
        if p.description:
            param["description"] = p.description
        if p.repeated:
            param |= {"style": "form", "explode": True}
        params.append(param)
    return params


def _responses(
    op: Operation, rule: Rule, method: str, public: bool, refs: dict[Any, Any]
) -> dict[str, Any]:
    error = {"application/json": {"schema": refs[(ErrorBody, "serialization")]}}
    success: dict[str, Any] = {}
    if op.response is not None:
        success = {op.media_type: {"schema": refs[(op.response, "serialization")]}}
    elif op.media_type != "application/json":
        success = {op.media_type: {"schema": {"type": "string", "format": "binary"}}}
    responses: dict[str, Any] = {str(op.status): {"description": "Success"}}
    for status, what in {op.status: "Success", **op.also}.items():
        responses[str(status)] = {"description": what, **({"content": success} if success else {})}
    for status, reasons in sorted(_error_reasons(op, rule, method, public).items()):
        responses[str(status)] = {"description": ". ".join(reasons) + ".", "content": error}
    if any(p.location == "query" for p in op.params):
        responses["414"] = {  # gunicorn answers it, before the app sees the request
            "description": "The request line is longer than gunicorn's limit (4094 bytes).",
            "content": {"text/html": {"schema": {"type": "string"}}},
        }
    return responses


def _error_reasons(op: Operation, rule: Rule, method: str, public: bool) -> dict[int, list[str]]:
    """Why each error status can happen: the kind of operation, then what it declares."""
    reasons: dict[int, list[str]] = {}

    def add(status: int, reason: str) -> None:
        reasons.setdefault(status, []).append(reason)

    if op.has_body:
        add(400, "The body is malformed: not valid JSON, or nested too deeply")
    if method in _UNSAFE:  # a signed-in browser's cookie goes with every call, public or not
        add(400, "csrf_failed: a browser-session call without a valid X-CSRF-Token header")
    if public:
        add(401, "The Authorization header is not a valid bearer token")
    else:
        add(401, "Not signed in, or the bearer token is invalid, expired or revoked")
    if rule.endpoint not in PASSWORD_RESET_ENDPOINTS:  # else 403 until a new password
        if not public or endpoint_permissions(op.view):
            add(403, "The account's role or the token's scopes do not allow this")
        add(403, "The account must choose a new password first (in the web console)")
        add(403, "The account's role requires two-factor sign-in, not yet set up")
    if "<" in rule.rule:
        add(404, "Nothing at this path, or nothing the caller may see")
    if op.has_body:
        limit = "The request is larger than max_request_bytes (26 MiB by default)"
        add(413, limit)
        types = "application/json"
        if op.multipart:
            types += ", multipart/form-data or application/x-www-form-urlencoded"
        add(415, f"The body is not {types}")
        add(422, "A field is invalid: error.fields names each one")
    for status, reason in op.errors.items():
        add(status, reason)
    for what in rate_limits_of(rule.endpoint):
        add(429, f"Rate limited: {what}; Retry-After says in how many seconds to try again")
    return reasons


def _alternative_bodies(op: Operation, refs: dict[Any, Any]) -> dict[str, Any]:
    schema = {"oneOf": [refs[(model, "validation")] for model in op.alternatives]}
    content: dict[str, Any] = {"application/json": {"schema": schema}}
    if op.multipart:
        form = {
            "type": "object",
            "description": "The same fields as form fields; files named 'attachments'.",
        }
        content["multipart/form-data"] = {"schema": form}
    return {"required": True, "content": content}
