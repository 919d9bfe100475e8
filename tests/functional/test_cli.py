"""The `disclosure` command against the real database and the real gpg."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlmodel import select

from disclosure.accounts.models import ApiToken, LoginSession, User
from disclosure.audit.models import AuditEvent
from disclosure.cli import main
from disclosure.programs.models import Program, ProgramKey, ProgramMember
from tests.factories import DEFAULT_PASSWORD, bearer, login, make_user


def run(runner: FlaskCliRunner, *args: str, input: str | None = None):
    return runner.invoke(main, list(args), input=input, catch_exceptions=False)


def test_db_current_reports_head(runner: FlaskCliRunner) -> None:
    result = run(runner, "db", "current")
    assert result.exit_code == 0
    assert "(head)" in result.output


def test_user_create_reads_the_password_from_stdin(app: Flask, runner: FlaskCliRunner) -> None:
    result = run(
        runner,
        "user",
        "create",
        "--email",
        "Ada@Example.org",
        "--role",
        "vendor",
        "--password-stdin",
        input=DEFAULT_PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert "created vendor ada@example.org" in result.output
    assert login(app.test_client(), "ada@example.org").status_code == 302
    again = run(
        runner,
        "user",
        "create",
        "--email",
        "ada@example.org",
        "--role",
        "vendor",
        "--password-stdin",
        input=DEFAULT_PASSWORD + "\n",
    )
    assert again.exit_code == 1
    assert "An account with this email exists" in again.output
    weak = run(
        runner,
        "user",
        "create",
        "--email",
        "b@example.org",
        "--role",
        "admin",
        "--password-stdin",
        input="short\n",
    )
    assert weak.exit_code == 1
    assert "at least 12 characters" in weak.output


def test_token_create_prints_a_working_token_once(
    app: Flask, runner: FlaskCliRunner, db_session
) -> None:
    make_user(app, "v@acme.example")
    result = run(
        runner,
        "token",
        "create",
        "--user",
        "v@acme.example",
        "--scope",
        "reports:submit",
        "--scope",
        "cases:read",
        "--days",
        "7",
    )
    assert result.exit_code == 0, result.output
    raw = result.stdout.strip()
    assert raw.startswith("dsc_")
    me = app.test_client().get("/api/v1/me", headers=bearer(raw)).get_json()
    assert me["token_scopes"] == ["cases:read", "reports:submit"]
    stored = db_session.exec(select(ApiToken)).one()
    assert raw not in (stored.token_hash, stored.prefix)
    unknown = run(runner, "token", "create", "--user", "nobody@example.org", "--scope", "admin")
    assert unknown.exit_code == 1
    assert "No account nobody@example.org" in unknown.output


def test_demo_is_idempotent_and_its_accounts_sign_in(
    app: Flask, runner: FlaskCliRunner, db_session
) -> None:
    first = run(runner, "demo")
    second = run(runner, "demo")
    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert "created demo program acme" in first.output
    assert "created" not in second.output
    credentials = dict(re.findall(r"^\s+(\S+@\S+)\s+password: (\S+)$", first.output, re.M))
    assert credentials == dict(re.findall(r"^\s+(\S+@\S+)\s+password: (\S+)$", second.output, re.M))
    assert set(credentials) == {"vendor@acme.example", "researcher@example.org"}
    assert len(db_session.exec(select(Program)).all()) == 1
    key = db_session.exec(select(ProgramKey)).one()
    assert key.has_secret_key
    assert "BEGIN PGP PUBLIC KEY BLOCK" in key.public_key
    member = db_session.exec(select(ProgramMember)).one()
    assert member.role.value == "owner"
    for email, password in credentials.items():
        assert login(app.test_client(), email, password).status_code == 302
    home = app.test_client().get("/").get_data(as_text=True)
    assert "Acme Widgets" in home


def test_program_with_an_imported_key_is_offline_only(
    app: Flask, runner: FlaskCliRunner, tmp_path, db_session, short_tmp
) -> None:
    from disclosure.crypto import Keyring

    elsewhere = Keyring(short_tmp / "gpg", passphrase="vendor passphrase here")
    public = tmp_path / "acme.asc"
    public.write_text(elsewhere.generate_key("Offline Co", "sec@offline.example").public_key)
    result = run(
        runner,
        "program",
        "create",
        "--slug",
        "offline",
        "--name",
        "Offline Co",
        "--policy",
        "cert-cc",
        "--import-key",
        str(public),
    )
    assert result.exit_code == 0, result.output
    assert "offline-only" in result.output
    assert db_session.exec(select(Program)).one().is_offline_only
    both = run(runner, "program", "create", "--slug", "x", "--name", "X", "--policy", "zdi")
    assert both.exit_code == 2
    assert "exactly one of --generate-key" in both.output
    bad_slug = run(
        runner,
        "program",
        "create",
        "--slug",
        "Not A Slug",
        "--name",
        "X",
        "--policy",
        "zdi",
        "--import-key",
        str(public),
    )
    assert bad_slug.exit_code == 1
    assert "lower-case letters" in bad_slug.output


def test_program_members_are_added_and_removed(
    app: Flask, runner: FlaskCliRunner, db_session
) -> None:
    run(runner, "demo")
    make_user(
        app,
        "triage@acme.example",
        role=__import__("disclosure.accounts.models", fromlist=["UserRole"]).UserRole.VENDOR,
    )
    added = run(
        runner,
        "program",
        "add-member",
        "acme",
        "--email",
        "triage@acme.example",
        "--role",
        "triager",
    )
    assert added.exit_code == 0
    assert "is now triager of acme" in added.output
    assert len(db_session.exec(select(ProgramMember)).all()) == 2
    removed = run(runner, "program", "remove-member", "acme", "--email", "triage@acme.example")
    assert removed.exit_code == 0
    assert len(db_session.exec(select(ProgramMember)).all()) == 1
    researcher = run(
        runner,
        "program",
        "add-member",
        "acme",
        "--email",
        "researcher@example.org",
        "--role",
        "viewer",
    )
    assert researcher.exit_code == 1
    assert "Researchers cannot join" in researcher.output
    actions = [e.action for e in db_session.exec(select(AuditEvent)).all()]
    assert "program.member_set" in actions
    assert "program.member_remove" in actions


def test_incident_lock_down_ends_everything_and_forces_new_passwords(
    app: Flask, runner: FlaskCliRunner, db_session
) -> None:
    user = make_user(app, "v@acme.example")
    browser = app.test_client()
    login(browser, "v@acme.example")
    result = run(runner, "token", "create", "--user", "v@acme.example", "--scope", "cases:read")
    raw = result.stdout.strip()
    outcome = run(runner, "incident", "lock-down", "--reason", "laptop stolen", "--yes")
    assert outcome.exit_code == 0, outcome.output
    assert "sessions revoked: 1" in outcome.output
    assert "tokens revoked: 1" in outcome.output
    assert browser.get("/api/v1/me").status_code == 401
    assert app.test_client().get("/api/v1/me", headers=bearer(raw)).status_code == 401
    assert db_session.get(User, user.id).must_change_password
    fresh = app.test_client()
    login(fresh, "v@acme.example")
    assert fresh.get("/account").headers["Location"] == "/account/password"
    assert fresh.get("/api/v1/me").status_code == 403
    assert all(s.revoked_at for s in db_session.exec(select(LoginSession)).all()[:1])


def test_audit_verify_detects_tampering(app: Flask, runner: FlaskCliRunner, database_url) -> None:
    make_user(app, "a@example.org")
    make_user(app, "b@example.org")
    assert run(runner, "audit", "verify").output.strip() == "audit chain intact"
    engine = app.extensions["disclosure"].engine
    tamper = sa.text(
        'UPDATE audit_event SET details = \'{"email":"x@example.org"}\' '
        "WHERE id = (SELECT MIN(id) FROM audit_event)"
    )
    if database_url.startswith("postgresql"):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), engine.begin() as conn:
            conn.execute(tamper)
        return
    with engine.begin() as connection:
        connection.execute(tamper)
    result = runner.invoke(main, ["audit", "verify"])
    assert result.exit_code == 1
    assert "content does not match its hash" in result.output


def test_incident_lock_down_also_revokes_calendar_feeds(
    app: Flask, runner: FlaskCliRunner, db_session
) -> None:
    from disclosure.accounts.calendar.models import CalendarFeed

    user = make_user(app, "v@acme.example")
    db_session.add(CalendarFeed(user_id=user.id, token_hash="0" * 64))
    db_session.commit()
    outcome = run(runner, "incident", "lock-down", "--reason", "leaked", "--yes")
    assert "calendar feeds revoked: 1" in outcome.output
    assert db_session.exec(select(CalendarFeed)).all() == []
