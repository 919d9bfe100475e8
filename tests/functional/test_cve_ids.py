"""CVE ids: imported blocks, next-free assignment, manual entry, never twice."""

from __future__ import annotations

import json

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from disclosure.accounts.models import TokenScope, UserRole
from disclosure.cli import main
from tests.factories import add_member, bearer, make_program, make_token, make_user, report_json


def _setup(app: Flask, client: FlaskClient) -> tuple[dict[str, str], list[int]]:
    program = make_program(app)
    owner = make_user(app, "owner@acme.example", UserRole.VENDOR)
    add_member(app, program, owner, "owner")
    token = bearer(make_token(app, owner, TokenScope.CASES_READ, TokenScope.CASES_WRITE))
    cases = [
        client.post("/api/v1/programs/acme/reports", json=report_json()).get_json()["id"]
        for _ in range(3)
    ]
    return token, cases


def test_import_then_assign_in_order_and_never_twice(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, tmp_path
) -> None:
    block = tmp_path / "reserved.json"
    block.write_text(
        json.dumps({"cve_ids": [{"cve_id": "CVE-2026-1002"}, {"cve_id": "CVE-2026-1001"}]})
    )
    result = runner.invoke(main, ["cve", "import", str(block)])
    assert result.exit_code == 0, result.output
    assert "imported 2 new id(s), 0 already known; 2 free" in result.output
    again = runner.invoke(main, ["cve", "import", str(block)])
    assert "0 new id(s), 2 already known" in again.output

    token, cases = _setup(app, client)
    first = client.post(f"/api/v1/cases/{cases[0]}/cve", json={}, headers=token)
    assert first.get_json()["cve_id"] == "CVE-2026-1001"
    twice = client.post(f"/api/v1/cases/{cases[0]}/cve", json={}, headers=token)
    assert twice.status_code == 409
    assert (
        client.post(f"/api/v1/cases/{cases[1]}/cve", json={}, headers=token).get_json()["cve_id"]
        == "CVE-2026-1002"
    )
    exhausted = client.post(f"/api/v1/cases/{cases[2]}/cve", json={}, headers=token)
    assert exhausted.status_code == 409
    assert "import a new block" in exhausted.get_json()["error"]["message"]


def test_manual_ids_are_checked_and_unique(app: Flask, client: FlaskClient) -> None:
    token, cases = _setup(app, client)
    bad = client.post(f"/api/v1/cases/{cases[0]}/cve", json={"cve_id": "CVE-26-1"}, headers=token)
    assert bad.status_code == 422
    assert "cve_id" in bad.get_json()["error"]["fields"]
    ok = client.post(
        f"/api/v1/cases/{cases[0]}/cve", json={"cve_id": "cve-2025-99999"}, headers=token
    )
    assert ok.get_json()["cve_id"] == "CVE-2025-99999"
    taken = client.post(
        f"/api/v1/cases/{cases[1]}/cve", json={"cve_id": "CVE-2025-99999"}, headers=token
    )
    assert taken.status_code == 409


def test_a_malformed_file_is_refused_whole(
    app: Flask, runner: FlaskCliRunner, tmp_path, db_session
) -> None:
    from sqlmodel import select

    from disclosure.cases.coordination.models import CveId

    block = tmp_path / "reserved.txt"
    block.write_text("CVE-2026-2001\n# a comment\nnot-a-cve\n")
    result = runner.invoke(main, ["cve", "import", str(block)])
    assert result.exit_code == 1
    assert "entry 2 ('not-a-cve')" in result.output
    assert db_session.exec(select(CveId)).all() == []
