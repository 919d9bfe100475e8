"""Hostile input answers a clear 4xx in the error shape, never a 500: deep JSON, huge ids."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from disclosure.accounts.models import TokenScope, UserRole
from tests.factories import (
    add_member,
    bearer,
    login,
    make_program,
    make_token,
    make_user,
    report_json,
)


@pytest.fixture
def vendor(app: Flask, client: FlaskClient) -> dict[str, Any]:
    program = make_program(app)
    owner = make_user(app, "owner@acme.example", UserRole.VENDOR)
    add_member(app, program, owner, "owner")
    token = make_token(app, owner, TokenScope.CASES_READ, TokenScope.CASES_WRITE)
    case = client.post("/api/v1/programs/acme/reports", json=report_json()).get_json()
    return {"headers": bearer(token), "case": case["id"]}


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("depth", [100, 990, 1000, 50_000])
def test_deeply_nested_json_is_a_400(
    client: FlaskClient, vendor: dict[str, Any], depth: int
) -> None:
    for method, path, headers in (
        ("POST", "/api/v1/programs/acme/reports", {}),  # anonymous submission
        ("PATCH", f"/api/v1/cases/{vendor['case']}", vendor["headers"]),
    ):
        answer = client.open(
            path,
            method=method,
            data=_nested(depth),
            content_type="application/json",
            headers=headers,
        )
        assert answer.status_code == 400, (method, depth, answer.get_data(as_text=True)[:200])
        error = answer.get_json()["error"]
        assert error["code"] == "bad_request"
        assert "nested" in error["message"]


def test_nesting_within_the_limit_is_validated_as_usual(
    client: FlaskClient, vendor: dict[str, Any]
) -> None:
    body = report_json(title={"a": [[["x"]]]})
    answer = client.post("/api/v1/programs/acme/reports", json=body)
    assert answer.status_code == 422
    assert "title" in answer.get_json()["error"]["fields"]


def test_a_deep_inbox_cursor_is_a_clear_error(client: FlaskClient, vendor: dict[str, Any]) -> None:
    import base64

    cursor = base64.urlsafe_b64encode(_nested(5000).encode()).decode().rstrip("=")
    answer = client.get(f"/api/v1/cases?cursor={cursor}", headers=vendor["headers"])
    assert answer.status_code in (400, 422)
    assert answer.get_json()["error"]["code"] in ("bad_request", "validation_failed")


HUGE = ["9223372036854775808", "99999999999999999999999", "2147483648"]


@pytest.mark.parametrize("number", HUGE)
def test_ids_that_cannot_exist_are_404_on_the_api(
    client: FlaskClient, vendor: dict[str, Any], number: str
) -> None:
    case = vendor["case"]
    for method, path in (
        ("GET", f"/api/v1/cases/{number}"),
        ("GET", f"/api/v1/cases/{case}/attachments/{number}"),
        ("POST", f"/api/v1/cases/{case}/extensions/{number}/withdraw"),
        ("GET", f"/api/v1/cases/{number}/messages"),
    ):
        answer = client.open(path, method=method, headers=vendor["headers"], json={})
        assert answer.status_code == 404, (method, path, answer.status_code)
        assert answer.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("number", HUGE)
def test_ids_that_cannot_exist_are_404_on_pages(
    app: Flask, client: FlaskClient, vendor: dict[str, Any], number: str
) -> None:
    assert login(client, "owner@acme.example").status_code == 302
    for path in (f"/cases/{number}", f"/cases/{number}/extensions"):
        answer = client.get(path)
        assert answer.status_code == 404, (path, answer.status_code)
        assert "text/html" in answer.content_type


@pytest.mark.parametrize("number", [2**31, 2**63, 10**30])
def test_huge_ids_in_bodies_and_queries_are_clear_errors(
    client: FlaskClient, vendor: dict[str, Any], number: int
) -> None:
    case, headers = vendor["case"], vendor["headers"]
    listed = client.get(f"/api/v1/cases?assignee={number}", headers=headers)
    assert listed.status_code == 422
    assert "assignee" in listed.get_json()["error"]["fields"]
    for body in ({"assignee": number}, {"assignee": str(number)}):
        patched = client.patch(f"/api/v1/cases/{case}", json=body, headers=headers)
        assert patched.status_code == 422, patched.get_data(as_text=True)
        assert "assignee" in patched.get_json()["error"]["fields"]
    client.post(f"/api/v1/cases/{case}/transitions", json={"to": "acknowledged"}, headers=headers)
    moved = client.post(
        f"/api/v1/cases/{case}/transitions",
        json={"to": "duplicate", "duplicate_of": number},
        headers=headers,
    )
    assert moved.status_code in (404, 422), moved.get_data(as_text=True)
    assert "duplicate_of" in moved.get_json()["error"]["fields"]


def test_unicode_digits_are_not_ids(
    app: Flask, client: FlaskClient, vendor: dict[str, Any]
) -> None:
    assert login(client, "owner@acme.example").status_code == 302
    listed = client.get("/api/v1/cases?assignee=%C2%B2", headers=vendor["headers"])  # "²"
    assert listed.status_code == 422
    page = client.get("/console?assignee=%C2%B2")
    assert page.status_code in (200, 422)


def test_nul_characters_are_refused_everywhere_before_the_database(
    client: FlaskClient, vendor: dict[str, Any]
) -> None:
    """PostgreSQL text cannot hold NUL: refused up front with a 400, on both databases."""
    case, headers = vendor["case"], vendor["headers"]
    attempts = [
        client.get("/api/v1/cases?q=acme%00", headers=headers),
        client.get("/api/v1/cases?state=new&state=new%00", headers=headers),
        client.get("/programs/ac%00me"),
        client.post("/login", data={"email": "a\x00@example.org", "password": "x"}),
        client.post(
            f"/api/v1/cases/{case}/extensions",
            json={"days": 14, "reason": "needs \u0000 time"},
            headers=headers,
        ),
        client.post("/api/v1/programs/acme/reports", json=report_json(**{"product": "a\u0000"})),
    ]
    for answer in attempts:
        assert answer.status_code == 400, (answer.request.path, answer.status_code)
        if answer.request.path.startswith("/api/"):
            assert "NUL" in answer.get_json()["error"]["message"]
        else:
            assert "NUL" in answer.get_data(as_text=True)
