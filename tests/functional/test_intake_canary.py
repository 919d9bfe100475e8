"""Plaintext report content never rests anywhere: database, logs, temp files, GnuPG home."""

from __future__ import annotations

import base64
import logging
import os
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.engine import make_url

from disclosure.accounts.models import TokenScope, UserRole
from tests.factories import add_member, bearer, make_program, make_token, make_user, report_json

CANARY = "CANARY-7f3a9c51-never-at-rest"


def _files_with(root: Path, needle: bytes, since: float, *, skip: Path | None = None) -> list[Path]:
    hits = []
    for path in root.rglob("*"):
        if skip is not None and path.is_relative_to(skip):
            continue  # pytest's own tmp_path folders hold test inputs, not app output
        try:
            if path.is_file() and path.stat().st_mtime >= since and needle in path.read_bytes():
                hits.append(path)
        except OSError:
            continue  # sockets, vanished files
    return hits


def _database_bytes(app: Flask, database_url: str) -> bytes:
    """Every byte the database holds: SQLite's file with its WAL, or PostgreSQL's data dump.

    The engine is left as it is: disposing of it under a test's open session would orphan that
    session's connection, closed only when the garbage collector finds it.
    """
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        base = Path(url.database or "")
        return b"".join(p.read_bytes() for p in base.parent.glob(base.name + "*"))
    dump = subprocess.run(
        [
            "pg_dump",
            "--data-only",
            "-h",
            url.host or "127.0.0.1",
            "-p",
            str(url.port or 5432),
            "-U",
            url.username or "postgres",
            url.database or "",
        ],
        capture_output=True,
        check=True,
    )
    return dump.stdout


@pytest.mark.parametrize("transport", ["json", "multipart"])
def test_canary_is_encrypted_everywhere_and_readable_by_the_vendor(
    app: Flask,
    client,
    database_url: str,
    gnupg_home: Path,
    caplog,
    transport: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    caplog.set_level(logging.DEBUG)
    started = time.time() - 1
    program = make_program(app)
    vendor = make_user(app, "owner@acme.example", UserRole.VENDOR)
    add_member(app, program, vendor, "owner")
    attachment = os.urandom(4096) + CANARY.encode() + os.urandom(4096)
    body = report_json(
        title=f"XSS {CANARY}",
        description=f"Body with {CANARY} inside it.",
        impact=f"impact {CANARY}",
    )
    if transport == "json":
        body["attachments"] = [
            {"filename": f"poc-{CANARY}.bin", "content": base64.b64encode(attachment).decode()}
        ]
        response = client.post("/api/v1/programs/acme/reports", json=body)
    else:
        from io import BytesIO

        form = dict(body.items())
        form["attachments"] = (BytesIO(attachment), f"poc-{CANARY}.bin")
        response = client.post(
            "/api/v1/programs/acme/reports", data=form, content_type="multipart/form-data"
        )
    assert response.status_code == 201, response.get_data(as_text=True)
    created = response.get_json()
    assert CANARY not in response.get_data(as_text=True)

    needle = CANARY.encode()
    assert needle not in _database_bytes(app, database_url)
    assert [r for r in caplog.records if CANARY in r.getMessage()] == []
    temp_root = Path(tempfile.gettempdir())
    assert temp_root.name.startswith("dt-")  # this run's own TMPDIR (tests/conftest.py)
    assert _files_with(temp_root, needle, started, skip=tmp_path_factory.getbasetemp()) == []
    assert _files_with(gnupg_home, needle, started) == []

    token = make_token(app, vendor, TokenScope.CASES_READ)
    case = client.get(f"/api/v1/cases/{created['id']}", headers=bearer(token)).get_json()
    assert case["report"]["title"] == f"XSS {CANARY}"
    assert CANARY in case["report"]["description"]
    assert case["report"]["cvss"] == {"vector": body["cvss_vector"], "score": 7.6, "rating": "High"}
    download = client.get(case["attachments"][0]["url"], headers=bearer(token))
    assert download.status_code == 200
    assert download.data == attachment
    assert f"filename=poc-{CANARY}.bin" in download.headers["Content-Disposition"]
    assert [r for r in caplog.records if CANARY in r.getMessage()] == []
