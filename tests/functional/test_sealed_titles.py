"""Sealed titles: intake seals each title, a cold inbox page unwraps the title key only once.

A title is sealed to the program's title key whose secret is stored only as an OpenPGP
message to the program's key; the inbox unwraps it with one gpg decryption and opens every
title of the page without another. Damaged or older cases still get their title from the
report, and a key rotation seals the titles again to a title key of the new program key.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlmodel import Session, col, select

from disclosure.accounts.models import UserRole
from disclosure.audit.models import AuditEvent
from disclosure.cases.console.titles import TitleReader
from disclosure.cases.models import Case, TitleKey
from disclosure.cli import main
from disclosure.crypto import Keyring, NotEncryptedToKey
from disclosure.programs.models import Program, ProgramKey
from tests.factories import add_member, login, make_program, make_user, report_json

URL = "/api/v1/programs/acme/reports"
TITLES = [f"Sealed title number {n}" for n in range(3)]


@pytest.fixture
def acme(app: Flask, client: Any) -> list[int]:
    """A program whose owner is signed in, and three reports submitted through the API."""
    program = make_program(app)
    add_member(app, program, make_user(app, "owner@acme.example", UserRole.VENDOR), "owner")
    ids = []
    for title in TITLES:
        response = client.post(URL, json=report_json(title=title))
        assert response.status_code == 201, response.get_data(as_text=True)
        ids.append(response.get_json()["id"])
    login(client, "owner@acme.example")
    return ids


def cases(session: Session) -> list[Case]:
    session.expire_all()
    return list(session.exec(select(Case).order_by(col(Case.id))))


def reader_after(client: Any, app: Flask) -> tuple[str, TitleReader]:
    page = client.get("/console")
    assert page.status_code == 200
    return page.get_data(as_text=True), app.extensions["disclosure.titles"]


def test_titles_are_sealed_to_one_title_key_wrapped_to_the_program_key(
    app: Flask, db_session: Session, acme: list[int]
) -> None:
    keyring: Keyring = app.extensions["disclosure"].keyring()
    (program_key,) = db_session.exec(select(ProgramKey)).all()
    (title_key,) = db_session.exec(select(TitleKey)).all()
    assert title_key.recipients == program_key.fingerprint
    keyring.check_encrypted_to(title_key.wrapped_secret, [program_key.fingerprint])
    for case, title in zip(cases(db_session), TITLES, strict=True):
        assert case.title_key_id == title_key.id
        assert case.title_sealed is not None
        assert title.encode() not in case.title_sealed
        assert b"Sealed title" not in case.title_sealed


def test_a_cold_page_unwraps_the_title_key_once_and_decrypts_no_report(
    app: Flask, client: Any, db_session: Session, acme: list[int]
) -> None:
    page, reader = reader_after(client, app)
    for title in TITLES:
        assert title in page
    assert (reader.keys.unwraps, reader.decryptions, len(reader.cache)) == (1, 0, 0)

    again, _ = reader_after(client, app)
    assert TITLES[2] in again
    assert reader.keys.unwraps == 1  # the unwrapped key answered; no gpg at all

    reader.forget()
    cold, _ = reader_after(client, app)
    assert TITLES[0] in cold
    assert (reader.keys.unwraps, reader.decryptions) == (2, 0)
    audits = db_session.exec(
        select(AuditEvent).where(AuditEvent.action == "case.list_titles")
    ).all()
    assert len(audits) == 3
    assert json.loads(audits[-1].details) == {"cases": sorted(acme), "decrypted": 3}


def test_a_damaged_or_missing_sealed_title_is_read_from_the_report(
    app: Flask, client: Any, db_session: Session, acme: list[int]
) -> None:
    damaged, older, _ = cases(db_session)
    assert damaged.title_sealed is not None
    damaged.title_sealed = damaged.title_sealed[:-1] + bytes([damaged.title_sealed[-1] ^ 1])
    older.title_sealed, older.title_key_id = None, None  # as a case from before sealed titles
    db_session.add_all([damaged, older])
    db_session.commit()
    page, reader = reader_after(client, app)
    for title in TITLES:
        assert title in page
    # The damaged box fails its tag: that key is not trusted for the rest of this page.
    assert reader.decryptions in {2, 3}


def test_pre_encrypted_reports_and_offline_programs_have_no_sealed_title(
    app: Flask, db_session: Session, acme: list[int]
) -> None:
    researcher = app.test_client()
    keyring: Keyring = app.extensions["disclosure"].keyring()
    (program_key,) = db_session.exec(select(ProgramKey)).all()
    armored = keyring.encrypt(b"my own encrypted report", [program_key.fingerprint]).decode()
    pre = researcher.post(URL, json={"encrypted_report": armored})
    assert pre.status_code == 201, pre.get_data(as_text=True)
    program = db_session.exec(select(Program)).one()
    program.is_offline_only = True  # the server could never open a title sealed for it
    db_session.add(program)
    db_session.commit()
    offline = researcher.post(URL, json=report_json(title="Offline title"))
    assert offline.status_code == 201, offline.get_data(as_text=True)
    for created in (pre, offline):
        case = db_session.get(Case, created.get_json()["id"])
        assert case is not None
        assert (case.title_sealed, case.title_key_id) == (None, None)


def test_a_rotation_seals_every_title_to_a_title_key_of_the_new_program_key(
    app: Flask, client: Any, runner: FlaskCliRunner, db_session: Session, acme: list[int]
) -> None:
    keyring: Keyring = app.extensions["disclosure"].keyring()
    first, *_ = cases(db_session)
    first.title_sealed, first.title_key_id = None, None  # older cases get sealed on the way
    db_session.add(first)
    db_session.commit()
    (old,) = db_session.exec(select(TitleKey)).all()
    old_id, old_fingerprint = old.id, old.recipients

    result = runner.invoke(main, ["program", "rotate-key", "acme"], catch_exceptions=False)

    assert result.exit_code == 0, result.output
    db_session.expire_all()
    new_key = db_session.exec(select(ProgramKey).where(col(ProgramKey.is_active))).one()
    (title_key,) = db_session.exec(select(TitleKey)).all()  # the old one is no longer used
    assert title_key.id != old_id
    assert title_key.recipients == new_key.fingerprint
    keyring.check_encrypted_to(title_key.wrapped_secret, [new_key.fingerprint])
    with pytest.raises(NotEncryptedToKey):
        keyring.check_encrypted_to(title_key.wrapped_secret, [old_fingerprint])
    assert {case.title_key_id for case in cases(db_session)} == {title_key.id}
    page, reader = reader_after(client, app)
    for title in TITLES:
        assert title in page
    assert (reader.keys.unwraps, reader.decryptions) == (1, 0)
