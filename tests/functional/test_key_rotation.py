"""`disclosure program rotate-key`: new key at once, stored ciphertext follows case by case."""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlmodel import Session, col, select

from disclosure.accounts.models import TokenScope, UserRole
from disclosure.audit.models import AuditEvent
from disclosure.audit.service import Actor
from disclosure.cases import rotation
from disclosure.cases.models import CaseBlob
from disclosure.cli import main
from disclosure.crypto import Keyring, NotEncryptedToKey
from disclosure.db import unit_of_work
from disclosure.programs.models import ProgramKey
from disclosure.reports.receipts import verify_receipt
from tests.factories import add_member, bearer, make_program, make_token, make_user, report_json


class Crash(Exception):
    """Stands for the process dying between two cases."""


def submit(client: Any, n: int) -> dict[str, Any]:
    """Submit an anonymous report with one attachment; returns the API's answer plus the bytes."""
    attachment = os.urandom(2048) + f"attachment {n}".encode()
    body = report_json(title=f"Report number {n}")
    content = base64.b64encode(attachment).decode()
    body["attachments"] = [{"filename": f"poc{n}.bin", "content": content}]
    response = client.post("/api/v1/programs/acme/reports", json=body)
    assert response.status_code == 201, response.get_data(as_text=True)
    return {**response.get_json(), "attachment": attachment}


def crash_after_the_first(cases: Iterator[int]) -> None:
    """Drive a real rotation run and die once its first case is committed."""
    for _case_id in cases:
        raise Crash


def keys(session: Session) -> list[ProgramKey]:
    session.expire_all()
    return list(session.exec(select(ProgramKey).order_by(col(ProgramKey.id))))


def blobs(session: Session) -> list[CaseBlob]:
    session.expire_all()
    return list(session.exec(select(CaseBlob).order_by(col(CaseBlob.id))))


def actions(session: Session) -> list[str]:
    return [event.action for event in session.exec(select(AuditEvent).order_by(AuditEvent.id))]


def assert_readable(client: Any, token: str, submitted: list[dict[str, Any]]) -> None:
    """The vendor API still shows every report and returns every attachment byte for byte."""
    for n, sent in enumerate(submitted):
        case = client.get(f"/api/v1/cases/{sent['id']}", headers=bearer(token)).get_json()
        assert case["report"]["title"] == f"Report number {n}"
        download = client.get(case["attachments"][0]["url"], headers=bearer(token))
        assert download.status_code == 200
        assert download.data == sent["attachment"]


@pytest.fixture
def acme(app: Flask, client: Any) -> dict[str, Any]:
    """A program with three submitted reports and a vendor token that reads them."""
    program = make_program(app)
    vendor = make_user(app, "owner@acme.example", UserRole.VENDOR)
    add_member(app, program, vendor, "owner")
    return {
        "token": make_token(app, vendor, TokenScope.CASES_READ),
        "submitted": [submit(client, n) for n in range(3)],
    }


def test_rotation_reencrypts_every_case_to_the_new_key(
    app: Flask, client: Any, runner: FlaskCliRunner, db_session: Session, acme: dict[str, Any]
) -> None:
    keyring: Keyring = app.extensions["disclosure"].keyring()
    (old,) = keys(db_session)
    before = {blob.id: blob.model_copy() for blob in blobs(db_session)}
    assert len(before) == 6

    result = runner.invoke(main, ["program", "rotate-key", "acme"], catch_exceptions=False)

    assert result.exit_code == 0, result.output
    old_row, new = keys(db_session)
    assert (old_row.fingerprint, old_row.is_active, old_row.has_secret_key) == (
        old.fingerprint,
        False,
        True,
    )
    assert old_row.retired_at is not None
    assert new.is_active
    assert new.retired_at is None
    assert f"rotating acme to key {new.fingerprint}" in result.output
    assert f"retired key {old.fingerprint}" in result.output
    assert "--delete-secret-keys" in result.output
    assert keyring.has_secret_key(old.fingerprint)
    for blob in blobs(db_session):
        earlier = before[blob.id]
        with pytest.raises(NotEncryptedToKey):
            keyring.check_encrypted_to(earlier.ciphertext, [new.fingerprint])
        keyring.check_encrypted_to(blob.ciphertext, [new.fingerprint])
        with pytest.raises(NotEncryptedToKey):
            keyring.check_encrypted_to(blob.ciphertext, [old.fingerprint])
        assert blob.recipients == new.fingerprint
        assert blob.ciphertext != earlier.ciphertext
        assert blob.sha256 == hashlib.sha256(blob.ciphertext).hexdigest()
        assert blob.received_sha256 == earlier.sha256
        assert keyring.decrypt(blob.ciphertext) == keyring.decrypt(earlier.ciphertext)
    assert_readable(client, acme["token"], acme["submitted"])
    for sent in acme["submitted"]:
        check = verify_receipt(db_session, keyring, sent["receipt"])
        assert (check.matches_stored, check.is_reencrypted) == (True, True)
    events = actions(db_session)
    assert events.count("program.key_rotate") == 1
    assert events.count("case.reencrypt") == 3
    assert events.count("program.key_retire") == 1

    later = submit(client, 3)
    assert {b.recipients for b in blobs(db_session) if b.case_id == later["id"]} == {
        new.fingerprint
    }
    served = client.get("/programs/acme/pgp-key.asc").get_data(as_text=True)
    assert served == new.public_key.strip() + "\n"


def test_an_interrupted_rotation_is_finished_by_the_next_run(
    app: Flask, client: Any, runner: FlaskCliRunner, db_session: Session, acme: dict[str, Any]
) -> None:
    services = app.extensions["disclosure"]
    keyring: Keyring = services.keyring()
    actor = Actor.system("test")
    with unit_of_work(services.engine) as session:
        started = rotation.start_rotation(session, keyring, actor, "acme", now=services.clock())
    assert (started.pending_cases, started.is_resumed) == (3, False)
    cases = rotation.reencrypt_pending(
        services.engine, keyring, actor, started, clock=services.clock
    )
    with pytest.raises(Crash):
        crash_after_the_first(cases)

    old, new = keys(db_session)
    assert (old.is_active, old.retired_at, new.is_active) == (False, None, True)
    moved = {b.case_id for b in blobs(db_session) if b.recipients == new.fingerprint}
    assert moved == {acme["submitted"][0]["id"]}
    assert_readable(client, acme["token"], acme["submitted"])
    meanwhile = submit(client, 3)  # submissions during the rotation use the new key only
    assert {b.recipients for b in blobs(db_session) if b.case_id == meanwhile["id"]} == {
        new.fingerprint
    }

    result = runner.invoke(
        main, ["program", "rotate-key", "acme", "--delete-old-secret"], catch_exceptions=False
    )

    assert result.exit_code == 0, result.output
    assert f"resuming the rotation of acme to key {new.fingerprint}" in result.output
    assert [k.fingerprint for k in keys(db_session)] == [old.fingerprint, new.fingerprint]
    retired = keys(db_session)[0]
    assert retired.retired_at is not None
    assert not retired.has_secret_key
    assert not keyring.has_secret_key(old.fingerprint)
    assert f"deleted secret key {old.fingerprint}" in result.output
    assert {b.recipients for b in blobs(db_session)} == {new.fingerprint}
    assert_readable(client, acme["token"], [*acme["submitted"], meanwhile])
    events = actions(db_session)
    assert events.count("program.key_rotate") == 1
    assert events.count("case.reencrypt") == 3
    for sent in acme["submitted"]:
        assert verify_receipt(db_session, keyring, sent["receipt"]).matches_stored


def test_a_rotation_with_nothing_stored_just_swaps_the_key(
    app: Flask, runner: FlaskCliRunner, db_session: Session
) -> None:
    make_program(app)
    result = runner.invoke(main, ["program", "rotate-key", "acme"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    old, new = keys(db_session)
    assert (old.is_active, new.is_active) == (False, True)
    assert old.retired_at is not None
    unknown = runner.invoke(main, ["program", "rotate-key", "nope"])
    assert unknown.exit_code == 1
    assert "No program 'nope'" in unknown.output


def test_offline_programs_rotate_by_importing_a_public_key(
    app: Flask,
    client: Any,
    runner: FlaskCliRunner,
    db_session: Session,
    tmp_path: Path,
    short_tmp: Path,
) -> None:
    vendor = Keyring(short_tmp / "gpg", passphrase="vendor passphrase here")
    first, second = tmp_path / "first.asc", tmp_path / "second.asc"
    first.write_text(vendor.generate_key("Acme", "sec@acme.example").public_key)
    second.write_text(vendor.generate_key("Acme", "sec@acme.example").public_key)
    created = runner.invoke(
        main,
        [
            *("program", "create", "--slug", "acme", "--name", "Acme"),
            *("--policy", "cert-cc", "--import-key", str(first)),
        ],
    )
    assert created.exit_code == 0, created.output

    refused = runner.invoke(main, ["program", "rotate-key", "acme"])
    assert refused.exit_code == 1
    assert "rotate offline: import the new public key with" in refused.output
    assert "--import-key FILE" in refused.output
    result = runner.invoke(main, ["program", "rotate-key", "acme", "--import-key", str(second)])
    assert result.exit_code == 0, result.output
    old, new = keys(db_session)
    assert (old.is_active, new.is_active, new.has_secret_key) == (False, True, False)
    assert old.retired_at is not None
    assert f"new submissions are encrypted to {new.fingerprint}" in result.output
    assert submit(client, 0)["id"]
    assert {b.recipients for b in blobs(db_session)} == {new.fingerprint}
    again = runner.invoke(main, ["program", "rotate-key", "acme", "--import-key", str(first)])
    assert again.exit_code == 1
    assert "already used" in again.output


def test_import_key_is_refused_for_a_server_side_program(
    app: Flask, runner: FlaskCliRunner, db_session: Session, tmp_path: Path
) -> None:
    make_program(app)
    public = tmp_path / "key.asc"
    public.write_text(keys(db_session)[0].public_key)
    result = runner.invoke(main, ["program", "rotate-key", "acme", "--import-key", str(public)])
    assert result.exit_code == 1
    assert "without --import-key" in result.output
    assert len(keys(db_session)) == 1
