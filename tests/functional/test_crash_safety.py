"""A server killed (SIGKILL) in the middle of submissions leaves whole cases or none.

Twenty submissions with a 200 KB attachment each go to a real `disclosure serve` (gunicorn);
once a few have been acknowledged, the server's whole process group is killed. Every case that
got a 201 must be whole (report, attachment, receipt, timeline, timers), no partial case may
exist, and after a restart every case reads back and the audit chain verifies.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, func, select

from disclosure.audit.service import verify_chain
from disclosure.cases.clock.models import CaseTimer
from disclosure.cases.models import BlobKind, Case, CaseBlob, CaseEvent
from disclosure.db import make_engine
from disclosure.reports.models import Receipt
from tests.conftest import SERVER_ENV, TEST_SECRET, _empty_tables
from tests.factories import report_json

SUBMISSIONS = 20
ATTACHMENT = os.urandom(200 * 1024)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server_env(migrated_database: str, gnupg_home: Path, tmp_path: Path) -> Iterator[dict]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISCLOSURE_")}
    env.update(
        DISCLOSURE_ENV="test",
        DISCLOSURE_SECRET_KEY=TEST_SECRET,
        DISCLOSURE_DATABASE_URL=migrated_database,
        DISCLOSURE_INSTANCE_PATH=str(tmp_path / "instance"),
        DISCLOSURE_GNUPG_HOME=str(gnupg_home),
        DISCLOSURE_KEY_PASSPHRASE="test passphrase for the test keyring",
        DISCLOSURE_WORKERS="2",
        **SERVER_ENV,
    )
    subprocess.run(
        [sys.executable, "-m", "disclosure", "demo"], env=env, check=True, capture_output=True
    )
    yield env
    engine = make_engine(migrated_database)
    _empty_tables(engine)
    engine.dispose()


def _serve(env: dict) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "disclosure", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group, killed as one
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=2):
                return server, f"http://127.0.0.1:{port}"
        except (OSError, urllib.error.URLError):
            time.sleep(0.2)
    server.kill()
    raise AssertionError("the server did not start")


def _submit(url: str, acknowledged: list[int], lock: threading.Lock) -> None:
    import base64

    body = report_json(
        attachments=[{"filename": "poc.bin", "content": base64.b64encode(ATTACHMENT).decode()}]
    )
    request = urllib.request.Request(
        f"{url}/api/v1/programs/acme/reports",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            if answer.status == 201:
                with lock:
                    acknowledged.append(json.load(answer)["id"])
    except (OSError, urllib.error.URLError):
        pass  # the server died under this one: it was never acknowledged


def test_sigkill_during_submissions_leaves_no_partial_case(
    server_env: dict, migrated_database: str
) -> None:
    engine = make_engine(migrated_database)
    with Session(engine) as session:  # the demo's own case, published: not part of this test
        before = set(session.exec(select(Case.id)))
    engine.dispose()
    server, url = _serve(server_env)
    acknowledged: list[int] = []
    lock = threading.Lock()
    with ThreadPoolExecutor(max_workers=SUBMISSIONS) as pool:
        for _ in range(SUBMISSIONS):
            pool.submit(_submit, url, acknowledged, lock)
        deadline = time.monotonic() + 60
        while len(acknowledged) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        os.killpg(server.pid, signal.SIGKILL)  # mid-flight: others are being written now
    server.wait(timeout=10)
    assert len(acknowledged) >= 3, "too few submissions finished before the kill"

    engine = make_engine(migrated_database)
    try:
        with Session(engine) as session:
            case_ids = [c for c in session.exec(select(Case.id)) if c not in before]
            assert set(acknowledged) <= set(case_ids)
            for case_id in case_ids:
                assert _parts(session, case_id) == {
                    "report": 1,
                    "attachment": 1,
                    "receipt": 1,
                    "received": 1,
                    "timers": True,
                }, f"case {case_id} is partial"
            assert verify_chain(session) == []
    finally:
        engine.dispose()

    server, url = _serve(server_env)  # after a restart every case reads back
    try:
        token = _vendor_token(server_env)
        for case_id in case_ids:
            request = urllib.request.Request(
                f"{url}/api/v1/cases/{case_id}", headers={"Authorization": f"Bearer {token}"}
            )
            with urllib.request.urlopen(request, timeout=30) as answer:
                assert answer.status == 200
                assert json.load(answer)["report"]["title"] == report_json()["title"]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


def _parts(session: Session, case_id: int) -> dict[str, object]:
    def count(query: sa.Select) -> int:
        return session.exec(query).one()

    blobs = select(func.count()).select_from(CaseBlob).where(CaseBlob.case_id == case_id)
    return {
        "report": count(blobs.where(CaseBlob.kind == BlobKind.REPORT)),
        "attachment": count(blobs.where(CaseBlob.kind == BlobKind.ATTACHMENT)),
        "receipt": count(
            select(func.count()).select_from(Receipt).where(Receipt.case_id == case_id)
        ),
        "received": count(
            select(func.count())
            .select_from(CaseEvent)
            .where(CaseEvent.case_id == case_id, CaseEvent.kind == "received")
        ),
        "timers": count(
            select(func.count()).select_from(CaseTimer).where(CaseTimer.case_id == case_id)
        )
        > 0,
    }


def _vendor_token(env: dict) -> str:
    made = subprocess.run(
        [
            sys.executable,
            "-m",
            "disclosure",
            "token",
            "create",
            "--user",
            "vendor@acme.example",
            "--scope",
            "cases:read",
        ],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return made.stdout.splitlines()[0].strip()


def test_a_case_left_without_its_report_by_older_data_is_a_clear_error(
    app, client, db_session
) -> None:
    """Before submissions were atomic a crash could leave a bare case row: say so, no 500."""
    from disclosure.accounts.models import TokenScope, UserRole
    from tests.factories import add_member, bearer, login, make_program, make_token, make_user

    program = make_program(app)
    owner = make_user(app, "owner@acme.example", UserRole.VENDOR)
    add_member(app, program, owner, "owner")
    bare = Case(
        program_id=program.id,
        tracking_code_hash="0" * 64,
        policy_name="project-zero",
        received_at=app.extensions["disclosure"].clock(),
    )
    db_session.add(bare)
    db_session.commit()
    headers = bearer(make_token(app, owner, TokenScope.CASES_READ))

    answer = client.get(f"/api/v1/cases/{bare.id}", headers=headers)
    assert answer.status_code == 409
    error = answer.get_json()["error"]
    assert error["code"] == "report_missing"
    assert "submission did not complete" in error["message"]
    listed = client.get("/api/v1/cases", headers=headers)
    assert listed.status_code == 200
    assert [c["id"] for c in listed.get_json()["cases"]] == [bare.id]

    login(client, "owner@acme.example")
    page = client.get(f"/cases/{bare.id}")
    assert page.status_code == 200
    assert "submission did not complete" in page.get_data(as_text=True)
    assert client.get("/console").status_code == 200
