"""Multi-party coordination: participants see only what is shared and record their status."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from disclosure.accounts.models import TokenScope, UserRole
from tests.factories import add_member, bearer, make_program, make_token, make_user, report_json


def _vendor(app: Flask, program, email: str, role: str = "owner") -> dict[str, str]:
    user = make_user(app, email, UserRole.VENDOR)
    add_member(app, program, user, role)
    return bearer(make_token(app, user, TokenScope.CASES_READ, TokenScope.CASES_WRITE))


@pytest.fixture
def world(app: Flask, client: FlaskClient) -> dict:
    acme, libfoo = make_program(app, "acme"), make_program(app, "libfoo")
    make_program(app, "bystander")
    case = client.post(
        "/api/v1/programs/acme/reports", json=report_json(title="CANARY shared title")
    ).get_json()["id"]
    return {
        "case": case,
        "acme": _vendor(app, acme, "owner@acme.example"),
        "libfoo": _vendor(app, libfoo, "owner@libfoo.example"),
        "libfoo_viewer": _vendor(app, libfoo, "viewer@libfoo.example", "viewer"),
        "stranger": _vendor(app, make_program(app, "other"), "owner@other.example"),
    }


def _invite(client, world, **body):
    return client.post(
        f"/api/v1/cases/{world['case']}/participants", json=body, headers=world["acme"]
    )


def test_an_invited_program_sees_only_the_shared_parts(client, world) -> None:
    url = f"/api/v1/cases/{world['case']}"
    assert client.get(f"{url}/shared", headers=world["libfoo"]).status_code == 404
    invited = _invite(client, world, program="libfoo")
    assert invited.status_code == 201, invited.get_data(as_text=True)
    shared = client.get(f"{url}/shared", headers=world["libfoo"]).get_json()
    assert shared["report"] is None  # the report was not shared
    assert shared["state"] == "new"
    assert client.get(url, headers=world["libfoo"]).status_code == 404  # no full view
    assert client.get(f"{url}/shared", headers=world["stranger"]).status_code == 404


def test_a_shared_report_is_readable_by_the_participant(client, world) -> None:
    _invite(client, world, program="libfoo", shares_report=True)
    shared = client.get(f"/api/v1/cases/{world['case']}/shared", headers=world["libfoo"]).get_json()
    assert shared["report"]["title"] == "CANARY shared title"


def test_the_status_table_keeps_no_answer_apart_from_not_affected(client, world) -> None:
    _invite(client, world, program="libfoo")
    url = f"/api/v1/cases/{world['case']}/statuses"
    own = client.put(
        url, headers=world["acme"], json={"product": "acme-widgets", "status": "known_affected"}
    )
    assert own.status_code == 200, own.get_data(as_text=True)
    table = {(r["party"], r["product"]): r["status"] for r in own.get_json()["statuses"]}
    assert table == {
        ("acme", "acme-widgets"): "known_affected",
        ("libfoo", "acme-widgets"): "no_answer",
    }
    unjustified = client.put(
        url,
        headers=world["libfoo"],
        json={"product": "acme-widgets", "status": "known_not_affected"},
    )
    assert unjustified.status_code == 422
    assert "justification" in unjustified.get_json()["error"]["fields"]
    answered = client.put(
        url,
        headers=world["libfoo"],
        json={
            "product": "acme-widgets",
            "status": "known_not_affected",
            "justification": "vulnerable_code_not_present",
            "statement": "We never shipped it.",
        },
    )
    assert answered.status_code == 200
    table = {(r["party"], r["product"]): r for r in answered.get_json()["statuses"]}
    assert table[("libfoo", "acme-widgets")]["status"] == "known_not_affected"
    assert table[("libfoo", "acme-widgets")]["justification"] == "vulnerable_code_not_present"
    viewer = client.put(
        url, headers=world["libfoo_viewer"], json={"product": "acme-widgets", "status": "fixed"}
    )
    assert viewer.status_code == 404
    assert (
        client.put(
            url, headers=world["stranger"], json={"product": "x", "status": "fixed"}
        ).status_code
        == 404
    )


def test_invitations_are_validated(client, world) -> None:
    assert _invite(client, world, program="acme").status_code == 422
    assert _invite(client, world, program="nope").status_code == 404
    assert _invite(client, world).status_code == 422
    assert _invite(client, world, program="libfoo").status_code == 201
    assert _invite(client, world, program="libfoo").status_code == 409
    not_member = client.post(
        f"/api/v1/cases/{world['case']}/participants",
        json={"program": "bystander"},
        headers=world["libfoo"],
    )
    assert not_member.status_code == 404


def test_an_outside_coordinator_can_be_invited(app, client, world) -> None:
    coordinator = make_user(app, "cc@cert.example", UserRole.VENDOR)
    token = bearer(make_token(app, coordinator, TokenScope.CASES_READ, TokenScope.CASES_WRITE))
    assert _invite(client, world, coordinator_email="cc@cert.example").status_code == 201
    shared = client.get(f"/api/v1/cases/{world['case']}/shared", headers=token)
    assert shared.status_code == 200
    researcher = make_user(app, "r@example.org")
    assert _invite(client, world, coordinator_email=researcher.email).status_code == 404


def test_a_shared_conversation_is_readable_but_notes_never_are(client, world) -> None:
    case = world["case"]
    asked = client.post(
        f"/api/v1/cases/{case}/messages", json={"body": "Which versions?"}, headers=world["acme"]
    )
    assert asked.status_code == 201, asked.get_data(as_text=True)
    client.post(
        f"/api/v1/cases/{case}/notes", json={"body": "internal only"}, headers=world["acme"]
    )
    _invite(client, world, program="libfoo", shares_messages=True)
    shared = client.get(f"/api/v1/cases/{case}/shared", headers=world["libfoo"]).get_json()
    assert [m["body"] for m in shared["messages"]] == ["Which versions?"]
    assert shared["report"] is None
    assert "internal only" not in str(shared)


def test_nothing_shared_means_neither_report_nor_messages(client, world) -> None:
    _invite(client, world, program="libfoo")
    shared = client.get(f"/api/v1/cases/{world['case']}/shared", headers=world["libfoo"]).get_json()
    assert shared["report"] is None
    assert shared["messages"] is None


def test_the_invitation_mail_is_encrypted_to_a_member_with_a_key(
    app, client, world, db_session, short_tmp
) -> None:
    from sqlmodel import select

    from disclosure.accounts.models import User
    from disclosure.crypto import Keyring
    from disclosure.notify.models import OutboxMessage

    own = Keyring(short_tmp / "gpg", passphrase="the participant's own passphrase")
    key = (
        app.extensions["disclosure"]
        .keyring()
        .import_public_key(own.generate_key("Libfoo", "owner@libfoo.example").public_key)
    )
    user = db_session.exec(select(User).where(User.email == "owner@libfoo.example")).one()
    user.pgp_fingerprint, user.pgp_public_key = key.fingerprint, key.public_key
    db_session.add(user)
    db_session.commit()
    assert _invite(client, world, program="libfoo").status_code == 201
    db_session.expire_all()
    mail = db_session.exec(
        select(OutboxMessage).where(OutboxMessage.recipient == "owner@libfoo.example")
    ).one()
    assert mail.is_encrypted
    assert f"case #{world['case']}" in own.decrypt(mail.body.encode()).decode()
