"""Audited requests side by side: every one succeeds and the audit chain stays one chain."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, func, select

from disclosure.accounts.models import TokenScope, UserRole
from disclosure.audit.models import AuditEvent
from disclosure.audit.service import verify_chain
from tests.factories import add_member, bearer, make_program, make_token, make_user, report_json

THREADS = 16
REQUESTS = 120


def test_concurrent_audited_reads_all_succeed_and_the_chain_verifies(
    app: Flask, client: FlaskClient
) -> None:
    program = make_program(app)
    owner = make_user(app, "owner@acme.example", UserRole.VENDOR)
    add_member(app, program, owner, "owner")
    headers = bearer(make_token(app, owner, TokenScope.CASES_READ, TokenScope.CASES_WRITE))
    cases = [
        client.post("/api/v1/programs/acme/reports", json=report_json()).get_json()["id"]
        for _ in range(3)
    ]
    for case_id in cases:
        for kind in ("notes", "messages"):  # something to decrypt, so every read is audited
            posted = client.post(
                f"/api/v1/cases/{case_id}/{kind}", json={"body": "a line"}, headers=headers
            )
            assert posted.status_code == 201
    engine = app.extensions["disclosure"].engine
    with Session(engine) as session:
        before = session.exec(select(func.count()).select_from(AuditEvent)).one()

    def fetch(i: int) -> tuple[int, Any]:
        path = f"/api/v1/cases/{cases[i % 3]}/{('notes', 'messages')[i % 2]}"
        answer = app.test_client().get(path, headers=headers)
        return answer.status_code, answer.get_data(as_text=True)[:200]

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        outcomes = list(pool.map(fetch, range(REQUESTS)))

    failures = [outcome for outcome in outcomes if outcome[0] != 200]
    assert failures == []
    with Session(engine) as session:
        after = session.exec(select(func.count()).select_from(AuditEvent)).one()
        assert after - before >= REQUESTS  # every read was recorded, none lost
        assert verify_chain(session) == []
