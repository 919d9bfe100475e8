"""The OpenAPI document is generated from the models that validate requests, and is valid.

It lists every response an operation can give, bounds every integer to what the database
holds, says which token scopes each operation takes (as `policy` decides), and its schemas
accept exactly the bodies the server accepts, hidden rules included.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from disclosure.accounts.forms import TokenRequest
from disclosure.accounts.models import TokenScope, UserRole
from disclosure.inputs import MAX_INT
from disclosure.policy import endpoint_permissions, endpoint_rule, endpoint_scopes
from tests.factories import add_member, bearer, make_program, make_token, make_user, report_json

README = Path(__file__).resolve().parents[2] / "README.md"
_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")


@pytest.fixture
def document(client: FlaskClient) -> dict[str, Any]:
    return client.get("/api/v1/openapi.json").get_json()


def _operations(app: Flask, document: dict[str, Any]) -> Iterator[tuple[str, str, dict, Any]]:
    """(path, method, operation, view) for every documented operation."""
    for rule in app.url_map.iter_rules():
        path = _PARAM.sub(r"{\1}", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            described = document["paths"].get(path, {}).get(method.lower())
            if described is not None:
                yield path, method.lower(), described, app.view_functions[rule.endpoint]


def test_openapi_document_is_valid_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_every_api_route_is_documented(app: Flask, document: dict[str, Any]) -> None:
    documented = {(path, method) for path, ops in document["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint == "meta_api.openapi":
            continue
        path = _PARAM.sub(r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in documented, f"{method} {path} is undocumented"


def test_request_schema_is_the_validating_model(document: dict[str, Any]) -> None:
    operation = document["paths"]["/api/v1/tokens"]["post"]
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = document["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert schema["required"] == ["scopes"]
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]) == set(TokenRequest.model_fields)
    assert operation["x-permissions"] == ["account:self"]
    assert {"401", "403", "422", "201"} <= set(operation["responses"])
    assert document["paths"]["/api/v1/health"]["get"]["security"] == []


def test_every_operation_lists_the_responses_it_can_give(
    app: Flask, document: dict[str, Any]
) -> None:
    for path, method, operation, view in _operations(app, document):
        name = f"{method.upper()} {path}"
        responses = set(operation["responses"])
        if "{" in path:
            assert "404" in responses, f"{name}: a path that names something can be a 404"
        if "requestBody" in operation:
            assert {"400", "413", "415", "422"} <= responses, f"{name}: a body can be refused"
        if method in {"post", "put", "patch", "delete"}:
            assert "csrf_failed" in operation["responses"]["400"]["description"], name
        if endpoint_rule(view) is not True:
            assert {"401", "403"} <= responses, f"{name}: not public, so 401 and 403"
        for status, response in operation["responses"].items():
            if int(status) >= 400 and status != "414" and path != "/api/v1/health":
                assert response["content"]["application/json"]["schema"]["$ref"].endswith(
                    "/ErrorBody"
                ), f"{name} {status}: every error has the one shape"


def test_x_scopes_are_what_policy_decides(app: Flask, document: dict[str, Any]) -> None:
    for path, method, operation, view in _operations(app, document):
        name = f"{method.upper()} {path}"
        assert operation["x-permissions"] == [p.value for p in endpoint_permissions(view)], name
        scopes = endpoint_scopes(view)
        schemes = {scheme for option in operation["security"] for scheme in option}
        if not endpoint_permissions(view):  # public, whoever asks
            assert "x-scopes" not in operation, name
            assert operation["security"] == [], name
        elif scopes is None:  # a browser session only
            assert "x-scopes" not in operation, name
            assert "bearerAuth" not in schemes, name
            assert "bearer tokens get 403" in operation["description"], name
        else:
            assert operation["x-scopes"] == [s.value for s in scopes], name
            assert "bearerAuth" in schemes, name
            for scope in scopes:
                assert scope.value in operation["description"], name


def test_a_researchers_token_reads_and_writes_messages_on_their_case(
    document: dict[str, Any],
) -> None:
    """The README once said cases:read/cases:write; reports:submit works on one's own case."""
    messages = document["paths"]["/api/v1/cases/{case_id}/messages"]
    assert messages["get"]["x-scopes"] == ["cases:read", "reports:submit"]
    assert messages["post"]["x-scopes"] == ["cases:write", "reports:submit"]
    assert document["paths"]["/api/v1/cases/{case_id}/notes"]["get"]["x-scopes"] == ["cases:read"]


def test_the_readme_names_the_scopes_of_every_operation(
    app: Flask, document: dict[str, Any]
) -> None:
    rows = re.findall(r"^\| `([A-Z]+) (/api/v1/\S+)` \| ([^|]+) \|", README.read_text(), re.M)
    listed = {(method.lower(), path): scopes.strip() for method, path, scopes in rows}
    expected = {}
    for path, method, operation, _view in _operations(app, document):
        if "x-scopes" in operation:
            expected[(method, path)] = ", ".join(f"`{s}`" for s in operation["x-scopes"]) or "any"
        elif operation["security"]:
            expected[(method, path)] = "none: a browser session only"
        else:
            expected[(method, path)] = "none: public"
    table = "\n".join(
        f"| `{m.upper()} {p}` | {scopes} |" for (m, p), scopes in sorted(expected.items(), key=str)
    )
    assert listed == expected, f"README's API table should read:\n{table}"


def _integers(schema: Any, where: str) -> Iterator[tuple[str, dict]]:
    if isinstance(schema, dict):
        if schema.get("type") == "integer":
            yield where, schema
        for key, value in schema.items():
            yield from _integers(value, f"{where}/{key}")
    elif isinstance(schema, list):
        for index, value in enumerate(schema):
            yield from _integers(value, f"{where}/{index}")


def test_every_integer_a_client_sends_fits_the_database(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    inputs = {name: schema for name, schema in schemas.items() if name.endswith("In")}
    inputs |= {"CasePatch": schemas["CasePatch"]}
    found = list(_integers(inputs, "#/components/schemas"))
    for path, ops in document["paths"].items():
        for method, operation in ops.items():
            params = operation.get("parameters", [])
            found += _integers(params, f"{method.upper()} {path}")
    assert len(found) > 20
    for where, schema in found:
        assert schema.get("minimum", -1) >= 0, f"{where} has no lower bound: {schema}"
        assert schema.get("maximum", MAX_INT + 1) <= MAX_INT, f"{where} is unbounded: {schema}"


def test_path_ids_are_bounded_32_bit_integers(document: dict[str, Any]) -> None:
    case = document["paths"]["/api/v1/cases/{case_id}"]["get"]["parameters"][0]
    assert case["schema"] == {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}


# --- the schema says what the server does ----------------------------------------------------


@pytest.fixture
def world(app: Flask, client: FlaskClient) -> dict[str, Any]:
    program = make_program(app)
    make_program(app, "libfoo")
    owner = make_user(app, "owner@acme.example", UserRole.VENDOR)
    add_member(app, program, owner, "owner")
    scopes = (TokenScope.CASES_READ, TokenScope.CASES_WRITE)
    case = client.post("/api/v1/programs/acme/reports", json=report_json()).get_json()["id"]
    return {"headers": bearer(make_token(app, owner, *scopes)), "case": case}


def _body_schema(document: dict[str, Any], path: str, method: str) -> Draft202012Validator:
    content = document["paths"][path][method]["requestBody"]["content"]["application/json"]
    root = {**content["schema"], "components": document["components"]}
    return Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER)


# (method, path, body, what the schema and the server both say: accepted or not)
AGREEMENT = [
    ("post", "/participants", {}, False),
    ("post", "/participants", {"program": "libfoo", "coordinator_email": ""}, True),
    ("post", "/participants", {"program": "", "coordinator_email": None}, False),
    (
        "patch",
        "",
        {"affected": [{"vendor": "A", "product": "W", "fixed": "2", "last_affected": "1"}]},
        False,
    ),
    (
        "patch",
        "",
        {"affected": [{"vendor": "A", "product": "W", "fixed": " ", "last_affected": "1"}]},
        True,
    ),
    ("patch", "", {"affected": [{"vendor": " ", "product": "W"}]}, False),
    ("patch", "", {"affected": [{"vendor": "A", "product": "W", "purl": "npm/x"}]}, False),
    ("patch", "", {"cvss_vector": " "}, False),
    ("patch", "", {"cvss_vector": "", "cwe": "79"}, True),
    ("patch", "", {"cwe": "CWE-0"}, False),
    ("patch", "", {"assignee": 2**31}, False),
    ("patch", "", {"version": "1"}, False),
    ("put", "/statuses", {"product": "W", "status": "known_not_affected"}, False),
    ("put", "/statuses", {"product": "W", "status": "fixed", "justification": "because"}, False),
    ("put", "/statuses", {"product": " ", "status": "fixed"}, False),
    (
        "put",
        "/statuses",
        {"product": "W", "status": "known_not_affected", "justification": "component_not_present"},
        True,
    ),
    ("post", "/cve", {"cve_id": ""}, False),
    ("post", "/cve", {"cve_id": "CVE-2026-1234567890"}, False),
    ("post", "/cve", {"cve_id": " cve-2026-12345 "}, True),
    ("post", "/transitions", {"to": "duplicate"}, False),
    ("post", "/transitions", {"to": "acknowledged", "duplicate_of": 0}, False),
    ("post", "/extensions", {"kind": "grace", "days": 3, "reason": "patch"}, False),
    (
        "post",
        "/extensions",
        {"kind": "extension", "days": 3, "reason": "r", "patch_date": "2030-01-01"},
        False,
    ),
    ("post", "/extensions", {"days": 3, "reason": "   "}, False),
    ("post", "/extensions", {"days": "3", "reason": "slow"}, False),
    ("post", "/messages", {"body": " \n\u3000 "}, False),
    ("post", "/in-the-wild", {"exploited": 1}, False),
    ("post", "/in-the-wild", {"exploited": True}, True),
]


def test_the_schema_accepts_exactly_what_the_server_accepts(
    client: FlaskClient, document: dict[str, Any], world: dict[str, Any]
) -> None:
    case = world["case"]
    for method, suffix, body, accepted in AGREEMENT:
        path = "/api/v1/cases/{case_id}" + suffix
        by_schema = _body_schema(document, path, method).is_valid(body)
        answer = client.open(
            path.format(case_id=case), method=method.upper(), json=body, headers=world["headers"]
        )
        by_server = answer.status_code < 400 or answer.status_code == 409  # a rule of the data
        where = f"{method.upper()} {suffix or '/'} {body}"
        assert by_schema is accepted, f"schema: {where}"
        assert by_server is accepted, f"server ({answer.status_code}): {where} {answer.json}"


def test_a_report_the_schema_refuses_the_server_refuses(
    client: FlaskClient, document: dict[str, Any], world: dict[str, Any]
) -> None:
    schema = _body_schema(document, "/api/v1/programs/{slug}/reports", "post")
    for body in (
        report_json(title="  ab  "),
        report_json(cwe="CWE-79x"),
        report_json(cvss_vector="CVSS:3.1/AV:N"),
        report_json(attachments=[{"filename": "a.txt", "content": "aGk"}]),
        {"encrypted_report": "", **report_json()},
        report_json(proposed_disclosure_date="2026-01-01T00:00:00"),
    ):
        assert not schema.is_valid(body), body
        answer = client.post("/api/v1/programs/acme/reports", json=body)
        assert answer.status_code == 422, (body, answer.json)
    good = report_json(cwe=" 79 ", attachments=[{"filename": "a.txt", "content": "aGk="}])
    assert schema.is_valid(good)
    assert client.post("/api/v1/programs/acme/reports", json=good).status_code == 201
