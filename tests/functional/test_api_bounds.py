"""Input the database cannot hold is refused with a 4xx, never a 500; and the answers
Schemathesis found wrong against the OpenAPI document stay right.

Each test here failed before its fix: SQLite's driver cannot bind an integer beyond 64 bits
(OverflowError), PostgreSQL's INTEGER columns hold 32 bits (NumericValueOutOfRange).
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from disclosure.accounts.models import TokenScope, UserRole
from disclosure.cli import main
from tests.factories import (
    add_member,
    bearer,
    csrf_from,
    login,
    make_program,
    make_token,
    make_user,
    report_json,
)

HUGE = "9" * 20  # beyond any 64-bit integer


@pytest.fixture
def owner(app: Flask, client: FlaskClient) -> dict[str, Any]:
    program = make_program(app)
    user = make_user(app, "owner@acme.example", UserRole.VENDOR)
    add_member(app, program, user, "owner")
    token = make_token(app, user, TokenScope.CASES_READ, TokenScope.CASES_WRITE)
    case = client.post("/api/v1/programs/acme/reports", json=report_json()).get_json()["id"]
    return {"headers": bearer(token), "case": case}


def _error(response: Any, status: int, field: str) -> None:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert field in response.get_json()["error"].get("fields", {}), response.get_json()


def test_a_cve_number_beyond_its_column_is_422(
    client: FlaskClient, runner: FlaskCliRunner, owner: dict[str, Any], tmp_path
) -> None:
    for number in ("1" + "0" * 9, HUGE):  # 32-bit INTEGER; then 64 bits
        cve_id = f"CVE-2026-{number}"
        response = client.post(
            f"/api/v1/cases/{owner['case']}/cve", json={"cve_id": cve_id}, headers=owner["headers"]
        )
        _error(response, 422, "cve_id")
    block = tmp_path / "block.txt"
    block.write_text(f"CVE-2026-{HUGE}\n")
    result = runner.invoke(main, ["cve", "import", str(block)])
    assert result.exit_code == 1
    assert "entry 1" in result.output
    largest = client.post(
        f"/api/v1/cases/{owner['case']}/cve",
        json={"cve_id": "CVE-2026-999999999"},
        headers=owner["headers"],
    )
    assert largest.status_code == 200, largest.get_json()


def test_an_assignee_id_no_account_can_have_is_not_a_member(
    client: FlaskClient, owner: dict[str, Any]
) -> None:
    url = f"/api/v1/cases/{owner['case']}"
    for assignee in (HUGE, str(2**31), "٣"):  # digits, but no user id
        _error(
            client.patch(url, json={"assignee": assignee}, headers=owner["headers"]),
            422,
            "assignee",
        )


def test_inbox_filters_beyond_an_id_are_422(client: FlaskClient, owner: dict[str, Any]) -> None:
    headers = owner["headers"]
    _error(client.get(f"/api/v1/cases?assignee={HUGE}", headers=headers), 422, "assignee")
    cursor = base64.urlsafe_b64encode(json.dumps({"d": None, "i": int(HUGE)}).encode()).decode()
    _error(client.get(f"/api/v1/cases?cursor={cursor.rstrip('=')}", headers=headers), 422, "cursor")
    _error(client.get("/api/v1/cases?titles=maybe", headers=headers), 422, "titles")
    assert client.get("/api/v1/cases?titles=&overdue=", headers=headers).status_code == 200


def test_a_duplicate_of_a_case_that_cannot_exist_is_not_found(
    app: Flask, client: FlaskClient, owner: dict[str, Any]
) -> None:
    login(client, "owner@acme.example")
    page = f"/cases/{owner['case']}"
    token = csrf_from(client, page)
    form = {"to": "duplicate", "duplicate_of": HUGE, "csrf_token": token}
    response = client.post(f"{page}/state", data=form)
    assert response.status_code == 404
    assert "No such original case" in response.get_data(as_text=True)


def test_a_stale_session_cookie_on_the_api_is_401_not_a_csrf_failure(
    client: FlaskClient, owner: dict[str, Any]
) -> None:
    """Found by Schemathesis (ignored_auth): invalid credentials must be a 401."""
    client.set_cookie("disclosure_session", "signed-out-long-ago")
    url = f"/api/v1/cases/{owner['case']}/transitions"
    response = client.post(url, json={"to": "acknowledged"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthenticated"


def test_a_live_session_still_needs_its_csrf_header(
    app: Flask, client: FlaskClient, owner: dict[str, Any]
) -> None:
    login(client, "owner@acme.example")
    url = f"/api/v1/cases/{owner['case']}/transitions"
    refused = client.post(url, json={"to": "acknowledged"})
    assert refused.status_code == 400
    assert refused.get_json()["error"]["code"] == "csrf_failed"
    token = csrf_from(client, f"/cases/{owner['case']}")
    moved = client.post(url, json={"to": "acknowledged"}, headers={"X-CSRF-Token": token})
    assert moved.status_code == 200, moved.get_json()


def test_a_report_in_another_media_type_is_415(client: FlaskClient, owner: dict[str, Any]) -> None:
    response = client.post(
        "/api/v1/programs/acme/reports", data="title=x", content_type="text/plain"
    )
    assert response.status_code == 415
