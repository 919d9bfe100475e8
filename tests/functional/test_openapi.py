"""The OpenAPI document is generated from the models that validate requests, and is valid."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate

from disclosure.accounts.forms import TokenRequest


def test_openapi_document_is_valid_3_1(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_every_api_route_is_documented(app: Flask, client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    documented = {(path, method) for path, ops in document["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint == "meta_api.openapi":
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in documented, f"{method} {path} is undocumented"


def test_request_schema_is_the_validating_model(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/tokens"]["post"]
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = document["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert schema["required"] == ["scopes"]
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]) == set(TokenRequest.model_fields)
    assert operation["x-permission"] == "account:self"
    assert {"401", "403", "422", "201"} <= set(operation["responses"])
    assert document["paths"]["/api/v1/health"]["get"]["security"] == []
