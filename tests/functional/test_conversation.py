"""Messages between vendor and reporter, and internal notes: encrypted at rest, mailed blind."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from disclosure.accounts.models import TokenScope, UserRole
from disclosure.audit.models import AuditEvent
from disclosure.cases.models import BlobKind, CaseBlob, CaseEvent
from disclosure.notify.models import OutboxMessage
from disclosure.programs.models import Program
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
from tests.functional.test_intake_canary import _database_bytes

CANARY = "CANARY-5d1e0c77-message-never-at-rest"
NOTE = "CANARY-91b2aa04-internal-note"


@pytest.fixture
def setup(app: Flask, client: FlaskClient) -> dict[str, Any]:
    program = make_program(app)
    for email, role in (
        ("owner@acme.example", "owner"),
        ("triager@acme.example", "triager"),
        ("viewer@acme.example", "viewer"),
    ):
        add_member(app, program, make_user(app, email, UserRole.VENDOR), role)
    researcher = make_user(app, "r@example.org")
    token = make_token(app, researcher, TokenScope.REPORTS_SUBMIT)
    created = client.post(
        "/api/v1/programs/acme/reports", json=report_json(), headers=bearer(token)
    ).get_json()
    anonymous = client.post("/api/v1/programs/acme/reports", json=report_json()).get_json()
    return {
        "case": created["id"],
        "anonymous_case": anonymous["id"],
        "code": anonymous["tracking_code"],
        "program": program,
        "researcher": bearer(token),
        "vendor": _vendor_token(app, "owner@acme.example"),
    }


def _vendor_token(app: Flask, email: str) -> dict[str, str]:
    from disclosure.accounts.service import find_user_by_email
    from disclosure.db import unit_of_work

    with unit_of_work(app.extensions["disclosure"].engine) as session:
        user = find_user_by_email(session, email)
    return bearer(make_token(app, user, TokenScope.CASES_READ, TokenScope.CASES_WRITE))


def _mails(db_session) -> list[OutboxMessage]:
    db_session.expire_all()
    return list(db_session.exec(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_messages_both_ways_are_encrypted_at_rest_and_mailed_without_their_text(
    app: Flask, client: FlaskClient, setup: dict[str, Any], db_session, database_url, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    case_id = setup["case"]
    before = len(_mails(db_session))
    sent = client.post(
        f"/api/v1/cases/{case_id}/messages",
        json={"body": f"Can you share the PoC? {CANARY}"},
        headers=setup["vendor"],
    )
    assert sent.status_code == 201, sent.get_data(as_text=True)
    mails = _mails(db_session)[before:]
    assert [m.recipient for m in mails] == ["r@example.org"]
    assert mails[0].subject == f"New message on case #{case_id}"
    assert f"/cases/{case_id}" in mails[0].body
    assert CANARY not in mails[0].body + mails[0].subject

    thread = client.get(f"/api/v1/cases/{case_id}/messages", headers=setup["researcher"])
    entries = thread.get_json()["entries"]
    assert [(e["side"], e["author"]) for e in entries] == [("vendor", "Acme")]
    assert CANARY in entries[0]["body"]

    login(client, "r@example.org")
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert CANARY in page
    assert "owner@acme.example" not in page  # members' addresses stay vendor-side
    reply = client.post(
        f"/cases/{case_id}/messages",
        data={
            "message": f"Here it is: {CANARY} reply",
            "csrf_token": csrf_from(client, "/my/cases"),
        },
    )
    assert reply.status_code == 302
    assert reply.headers["Location"].endswith(f"/cases/{case_id}#messages")
    mails = _mails(db_session)[before + 1 :]
    assert sorted(m.recipient for m in mails) == ["owner@acme.example", "triager@acme.example"]
    assert all(CANARY not in m.body for m in mails)

    vendor_view = client.get(f"/api/v1/cases/{case_id}/messages", headers=setup["vendor"])
    assert [(e["side"], e["author"]) for e in vendor_view.get_json()["entries"]] == [
        ("vendor", "owner@acme.example"),
        ("reporter", "the reporter"),
    ]
    blobs = db_session.exec(select(CaseBlob).where(CaseBlob.kind == BlobKind.MESSAGE)).all()
    assert len(blobs) == 2
    assert all(CANARY.encode() not in blob.ciphertext for blob in blobs)
    db_session.close()  # give its connection back before the dump disposes of the pool
    assert CANARY.encode() not in _database_bytes(app, database_url)
    assert [r for r in caplog.records if CANARY in r.getMessage()] == []
    actions = [a.action for a in db_session.exec(select(AuditEvent)).all()]
    assert actions.count("case.message") == 2


def test_internal_notes_never_reach_the_reporter(
    app: Flask, client: FlaskClient, setup: dict[str, Any], db_session, database_url
) -> None:
    case_id = setup["case"]
    mails_before = len(_mails(db_session))
    added = client.post(
        f"/api/v1/cases/{case_id}/notes",
        json={"body": f"Looks real. {NOTE}"},
        headers=setup["vendor"],
    )
    assert added.status_code == 201
    notes = client.get(f"/api/v1/cases/{case_id}/notes", headers=setup["vendor"]).get_json()
    assert NOTE in notes["entries"][0]["body"]
    messages = client.get(f"/api/v1/cases/{case_id}/messages", headers=setup["vendor"])
    assert messages.get_json()["entries"] == []
    db_session.close()  # give its connection back before the dump disposes of the pool
    assert NOTE.encode() not in _database_bytes(app, database_url)
    event = db_session.exec(select(CaseEvent).where(CaseEvent.kind == "note")).one()
    assert event.is_internal

    researcher = setup["researcher"]
    assert client.get(f"/api/v1/cases/{case_id}/notes", headers=researcher).status_code == 403
    assert (
        client.post(
            f"/api/v1/cases/{case_id}/notes", json={"body": "sneaky"}, headers=researcher
        ).status_code
        == 403
    )
    listed = client.get(f"/api/v1/cases/{case_id}/messages", headers=researcher).get_json()
    assert NOTE not in str(listed)
    login(client, "r@example.org")
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert NOTE not in page
    assert 'id="notes"' not in page
    assert "event-note" not in page
    assert 'id="triage"' not in page
    refused = client.post(
        f"/cases/{case_id}/notes", data={"note": "x", "csrf_token": csrf_from(client, "/my/cases")}
    )
    assert refused.status_code == 403

    vendor = app.test_client()
    login(vendor, "triager@acme.example")
    vendor_page = vendor.get(f"/cases/{case_id}").get_data(as_text=True)
    assert NOTE in vendor_page.split('id="notes"')[1]
    assert "event-note" in vendor_page
    posted = vendor.post(
        f"/cases/{case_id}/notes", data={"note": "", "csrf_token": csrf_from(vendor, "/account")}
    )
    assert posted.status_code == 422
    assert 'id="note-error"' in posted.get_data(as_text=True)
    assert len(_mails(db_session)) == mails_before  # a note tells nobody


def test_an_anonymous_reporter_answers_with_the_tracking_code(
    client: FlaskClient, setup: dict[str, Any], db_session
) -> None:
    case_id, code = setup["anonymous_case"], setup["code"]
    before = len(_mails(db_session))
    client.post(
        f"/api/v1/cases/{case_id}/messages",
        json={"body": f"Which version? {CANARY}"},
        headers=setup["vendor"],
    )
    assert len(_mails(db_session)) == before  # no address known: the reporter looks on /track
    tracked = client.get("/api/v1/track/messages", headers={"X-Tracking-Code": code.lower()})
    assert tracked.status_code == 200
    assert [e["author"] for e in tracked.get_json()["entries"]] == ["Acme"]
    answered = client.post(
        "/api/v1/track/messages", json={"body": "2.4.0"}, headers={"X-Tracking-Code": code}
    )
    assert answered.status_code == 201
    assert len(_mails(db_session)) == before + 2  # owner and triager
    for headers in ({"X-Tracking-Code": "AAAA-BBBB"}, {}):
        assert (
            client.post("/api/v1/track/messages", json={"body": "x"}, headers=headers).status_code
            == 404
        )
        assert client.get("/api/v1/track/messages", headers=headers).status_code == 404
    assert (
        client.post(
            "/api/v1/track/messages", json={"body": "  "}, headers={"X-Tracking-Code": code}
        ).status_code
        == 422
    )

    token = csrf_from(client, "/track")
    page = client.post("/track", data={"tracking_code": code, "csrf_token": token})
    text = page.get_data(as_text=True)
    assert CANARY in text
    assert "2.4.0" in text
    replied = client.post(
        "/track",
        data={"tracking_code": code, "message": "It is 2.4.0 exactly", "csrf_token": token},
    )
    assert replied.status_code == 200
    assert "It is 2.4.0 exactly" in replied.get_data(as_text=True)
    empty = client.post("/track", data={"tracking_code": code, "message": "", "csrf_token": token})
    assert empty.status_code == 422
    assert 'id="message-error"' in empty.get_data(as_text=True)
    vendor = client.get(f"/api/v1/cases/{case_id}/messages", headers=setup["vendor"]).get_json()
    assert [e["side"] for e in vendor["entries"]] == ["vendor", "reporter", "reporter"]


def test_viewers_read_messages_but_do_not_write(
    app: Flask, client: FlaskClient, setup: dict[str, Any]
) -> None:
    viewer = _vendor_token(app, "viewer@acme.example")
    case_id = setup["case"]
    assert client.get(f"/api/v1/cases/{case_id}/messages", headers=viewer).status_code == 200
    refused = client.post(f"/api/v1/cases/{case_id}/messages", json={"body": "hi"}, headers=viewer)
    assert refused.status_code == 403
    stranger = make_user(app, "owner@other.example", UserRole.VENDOR)
    add_member(app, make_program(app, "other"), stranger, "owner")
    other = bearer(make_token(app, stranger, TokenScope.CASES_READ, TokenScope.CASES_WRITE))
    assert client.get(f"/api/v1/cases/{case_id}/messages", headers=other).status_code == 404
    assert (
        client.post(
            f"/api/v1/cases/{case_id}/messages", json={"body": "x"}, headers=other
        ).status_code
        == 404
    )


def test_offline_only_programs_say_messages_are_unavailable(
    client: FlaskClient, setup: dict[str, Any], db_session
) -> None:
    program = db_session.get(Program, setup["program"].id)
    program.is_offline_only = True
    db_session.commit()
    case_id = setup["case"]
    refused = client.post(
        f"/api/v1/cases/{case_id}/messages", json={"body": "hello"}, headers=setup["vendor"]
    )
    assert refused.status_code == 409
    assert "offline-only" in refused.get_json()["error"]["message"]
    thread = client.get(f"/api/v1/cases/{case_id}/messages", headers=setup["researcher"]).get_json()
    assert thread["is_available"] is False
    login(client, "owner@acme.example")
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert 'id="messages-unavailable"' in page
    assert 'id="send-message"' not in page
    assert re.search(r"offline-only", page)
