"""A case keeps the policy version it arrived under, whatever the files say later."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask

from disclosure import create_app
from disclosure.accounts.models import TokenScope, UserRole
from disclosure.settings import CONFIG_DIR
from tests.factories import add_member, bearer, make_program, make_token, make_user, report_json

URL = "/api/v1/programs/acme/reports"


def _variant(folder: Path, *, version: int, disclose_days: int) -> Path:
    text = (CONFIG_DIR / "policies" / "project-zero.toml").read_text()
    text = re.sub(r"(?m)^version = \d+", f"version = {version}", text)
    text = re.sub(r"(?m)^disclose_days = \d+", f"disclose_days = {disclose_days}", text)
    folder.mkdir(exist_ok=True)
    (folder / "project-zero.toml").write_text(text)
    return folder


def _days(body: dict) -> int:
    from datetime import date

    return (date.fromisoformat(body["deadlines"]["disclose_by"][:10]) - date(2026, 3, 1)).days


def test_an_old_case_keeps_its_version_and_a_new_case_gets_the_new_one(
    app: Flask, app_overrides, clock, tmp_path: Path
) -> None:
    program = make_program(app)
    owner = make_user(app, "owner@acme.example", UserRole.VENDOR)
    add_member(app, program, owner, "owner")
    token = bearer(make_token(app, owner, TokenScope.CASES_READ, TokenScope.CASES_WRITE))
    old = app.test_client().post(URL, json=report_json()).get_json()
    assert _days(old) == 90

    folder = _variant(tmp_path / "policies", version=2, disclose_days=60)
    newer = create_app({**app_overrides, "policies_dir": str(folder)})
    newer.extensions["disclosure"].clock = clock
    client = newer.test_client()
    new = client.post(URL, json=report_json()).get_json()
    assert _days(new) == 60
    moved = client.post(
        f"/api/v1/cases/{old['id']}/transitions", json={"to": "acknowledged"}, headers=token
    )
    assert moved.status_code == 200, moved.get_data(as_text=True)
    assert moved.get_json()["deadlines"]["disclose_by"] == old["deadlines"]["disclose_by"]
    newer.extensions["disclosure"].engine.dispose()


def test_a_file_changed_without_a_new_version_is_refused_loudly(
    app: Flask, app_overrides, clock, tmp_path: Path, db_session
) -> None:
    make_program(app)
    assert app.test_client().post(URL, json=report_json()).status_code == 201
    folder = _variant(tmp_path / "policies", version=1, disclose_days=60)
    edited = create_app({**app_overrides, "policies_dir": str(folder)})
    edited.extensions["disclosure"].clock = clock
    refused = edited.test_client().post(URL, json=report_json())
    assert refused.status_code == 503
    assert "Raise `version`" in refused.get_json()["error"]["message"]
    edited.extensions["disclosure"].engine.dispose()
