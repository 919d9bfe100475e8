"""Granular incident verbs, from the CLI and the admin page: each does its one thing, for one
account or everyone, is audited, and mails every affected user through a real SMTP server
(encrypted to the user's own key when they have one)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlmodel import Session, select

from disclosure import create_app
from disclosure.accounts.calendar.models import CalendarFeed
from disclosure.accounts.models import ApiToken, TokenScope, User, UserRole
from disclosure.audit.models import AuditEvent
from disclosure.cli import main
from disclosure.crypto import Keyring
from disclosure.notify.jobs import flush_outbox
from tests.conftest import Clock
from tests.factories import DEFAULT_PASSWORD, bearer, csrf_from, login, make_token, make_user
from tests.functional.test_mail import Inbox, _free_port, _use_smtp, smtp_server

ADA, GRACE = "ada@example.org", "grace@example.org"
NEW_PASSWORD = "a brand new passphrase of mine"


@pytest.fixture
def inbox(app: Flask) -> Iterator[Inbox]:
    with smtp_server(_free_port()) as running:
        _use_smtp(app, f"smtp://127.0.0.1:{running.port}")
        yield running


def _run(runner: FlaskCliRunner, *args: str) -> Any:
    result = runner.invoke(main, ["incident", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def _delivered(app: Flask, clock: Clock, inbox: Inbox) -> None:
    flush_outbox(app.extensions["disclosure"], clock.current)


def _signed_in(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


def _is_signed_in(client: FlaskClient) -> bool:
    return client.get("/api/v1/me").status_code == 200


def _audited(db: Session, action: str) -> AuditEvent:
    return db.exec(select(AuditEvent).where(AuditEvent.action == action)).one()


def test_revoke_sessions_of_one_user(
    app: Flask, runner: FlaskCliRunner, clock: Clock, inbox: Inbox, db_session
) -> None:
    make_user(app, ADA)
    make_user(app, GRACE)
    ada, grace = _signed_in(app, ADA), _signed_in(app, GRACE)
    out = _run(runner, "revoke-sessions", "--user", ADA, "--reason", "phished")
    assert "sessions revoked: 1" in out.output
    assert "users notified: 1" in out.output
    assert not _is_signed_in(ada)
    assert _is_signed_in(grace)
    event = _audited(db_session, "incident.revoke_sessions")
    assert '"scope":"ada@example.org"' in event.details
    assert '"reason":"phished"' in event.details
    _delivered(app, clock, inbox)
    (mail,) = inbox.to(ADA)
    assert mail["Subject"] == "Security notice: your sessions were ended"
    assert "Reason given: phished" in mail.get_content()
    assert inbox.to(GRACE) == []


def test_revoke_tokens_of_everyone_mails_each_owner_encrypted_where_they_have_a_key(
    app: Flask, runner: FlaskCliRunner, clock: Clock, inbox: Inbox, db_session, short_tmp: Path
) -> None:
    ada = make_user(app, ADA)
    grace = make_user(app, GRACE)
    make_user(app, "nobody@example.org")  # no token: not affected, not mailed
    own = Keyring(short_tmp / "gpg", passphrase="grace's own passphrase")
    key = own.generate_key("Grace", GRACE)
    app.extensions["disclosure"].keyring().import_public_key(key.public_key)
    row = db_session.get(User, grace.id)
    row.pgp_fingerprint, row.pgp_public_key = key.fingerprint, key.public_key
    db_session.add(row)
    db_session.commit()
    tokens = [
        make_token(app, ada, TokenScope.CASES_READ),
        make_token(app, grace, TokenScope.CASES_READ),
    ]
    out = _run(runner, "revoke-tokens", "--all", "--reason", "CI logs leaked")
    assert "tokens revoked: 2" in out.output
    assert "users notified: 2" in out.output
    for raw in tokens:
        assert app.test_client().get("/api/v1/me", headers=bearer(raw)).status_code == 401
    assert all(t.revoked_at for t in db_session.exec(select(ApiToken)))
    _audited(db_session, "incident.revoke_tokens")
    _delivered(app, clock, inbox)
    assert "Every API token of your account was revoked" in inbox.to(ADA)[0].get_content()
    armored = inbox.to(GRACE)[0].get_content()
    assert armored.startswith("-----BEGIN PGP MESSAGE-----")
    assert "CI logs leaked" not in armored
    assert "Reason given: CI logs leaked" in own.decrypt(armored).decode()
    assert inbox.to("nobody@example.org") == []


def test_force_password_reset_voids_the_old_password_at_once(
    app: Flask, runner: FlaskCliRunner, clock: Clock, inbox: Inbox, db_session
) -> None:
    make_user(app, ADA)
    make_user(app, GRACE)
    ada = _signed_in(app, ADA)
    _run(runner, "force-password-reset", "--user", ADA, "--reason", "password reuse")
    assert not _is_signed_in(ada)
    assert login(app.test_client(), ADA, DEFAULT_PASSWORD).status_code == 401
    assert login(app.test_client(), GRACE, DEFAULT_PASSWORD).status_code == 302
    _audited(db_session, "incident.force_password_reset")
    _delivered(app, clock, inbox)
    body = inbox.to(ADA)[0].get_content()
    link = re.search(r"http://127\.0\.0\.1:5000(/password/reset/[A-Za-z0-9_-]+)", body)
    assert link, body
    client = app.test_client()
    page = client.get(link.group(1))
    assert page.status_code == 200
    assert 'autocomplete="new-password"' in page.get_data(as_text=True)
    token = csrf_from(client, link.group(1))
    short = client.post(
        link.group(1),
        data={"csrf_token": token, "new_password": "short", "confirm_password": "short"},
    )
    assert short.status_code == 422
    assert "Use at least 12 characters." in short.get_data(as_text=True)
    done = client.post(
        link.group(1),
        data={"csrf_token": token, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
    )
    assert done.status_code == 302
    assert login(app.test_client(), ADA, NEW_PASSWORD).status_code == 302
    assert login(app.test_client(), ADA, DEFAULT_PASSWORD).status_code == 401
    assert app.test_client().get(link.group(1)).status_code == 404  # the link works once
    _audited(db_session, "user.password_reset")


def test_revoke_integrations_removes_calendar_feeds(
    app: Flask, runner: FlaskCliRunner, clock: Clock, inbox: Inbox, db_session
) -> None:
    ada = make_user(app, ADA)
    make_user(app, GRACE)
    db_session.add(CalendarFeed(user_id=ada.id, token_hash="1" * 64))
    db_session.commit()
    out = _run(runner, "revoke-integrations", "--all", "--reason", "feed URL in a screenshot")
    assert "calendar feeds revoked: 1" in out.output
    assert db_session.exec(select(CalendarFeed)).all() == []
    _audited(db_session, "incident.revoke_integrations")
    _delivered(app, clock, inbox)
    assert "calendar feed" in inbox.to(ADA)[0]["Subject"]
    assert inbox.to(GRACE) == []


def test_rotate_secret_key_ends_sessions_and_the_next_start_signs_with_a_new_key(
    app: Flask, app_overrides: dict[str, Any], clock: Clock, runner: FlaskCliRunner, db_session
) -> None:
    make_user(app, ADA)
    ada = _signed_in(app, ADA)
    before = app.test_client()
    old_token = csrf_from(before)  # a form rendered before the rotation
    seed = before.get_cookie("disclosure_presession").value
    out = _run(runner, "rotate-secret-key", "--reason", "the config repo was public")
    assert "restart" in out.output
    assert not _is_signed_in(ada)
    _audited(db_session, "incident.rotate_secret_key")
    secret_file = Path(app_overrides["instance_path"]) / "secret-key"
    assert secret_file.stat().st_mode & 0o777 == 0o600
    restarted = create_app(app_overrides)
    restarted.extensions["disclosure"].clock = clock
    try:
        new_key = restarted.extensions["disclosure"].settings.secret_key
        assert new_key == secret_file.read_text().strip()
        assert new_key != app.extensions["disclosure"].settings.secret_key
        client = restarted.test_client()
        client.set_cookie("disclosure_presession", seed)  # the same browser, after the restart
        stale = client.post(
            "/login", data={"email": ADA, "password": DEFAULT_PASSWORD, "csrf_token": old_token}
        )
        assert stale.status_code == 400  # the old form's token is signed with the old key
        assert login(client, ADA).status_code == 302  # a reloaded form works
    finally:
        restarted.extensions["disclosure"].engine.dispose()


def test_a_user_scope_needs_a_known_account(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        main, ["incident", "revoke-sessions", "--user", "ghost@example.org", "--reason", "x y z"]
    )
    assert result.exit_code == 1
    assert "No account ghost@example.org." in result.output
    both = runner.invoke(main, ["incident", "revoke-tokens", "--reason", "why not"])
    assert both.exit_code == 2
    assert "Give either --all or --user EMAIL." in both.output


@pytest.fixture
def admin(app: Flask) -> FlaskClient:
    make_user(app, "root@example.org", UserRole.ADMIN)
    return _signed_in(app, "root@example.org")


def test_the_admin_page_runs_the_same_verbs(
    app: Flask, admin: FlaskClient, clock: Clock, inbox: Inbox, db_session
) -> None:
    make_user(app, ADA)
    ada = _signed_in(app, ADA)
    page = admin.get("/admin/incident")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for label in ("End sessions", "Revoke API tokens", "Force a password reset"):
        assert label in html
    assert '<label for="reason">' in html
    token = csrf_from(admin, "/admin/incident")
    missing = admin.post(
        "/admin/incident",
        data={"csrf_token": token, "action": "revoke-sessions", "scope": "user", "reason": "ok ok"},
    )
    assert missing.status_code == 422
    assert "Name the account" in missing.get_data(as_text=True)
    assert _is_signed_in(ada)
    done = admin.post(
        "/admin/incident",
        data={
            "csrf_token": token,
            "action": "revoke-sessions",
            "scope": "user",
            "email": ADA,
            "reason": "lost laptop",
        },
    )
    assert done.status_code == 200
    assert "sessions revoked: 1" in done.get_data(as_text=True)
    assert not _is_signed_in(ada)
    assert _is_signed_in(admin)
    event = _audited(db_session, "incident.revoke_sessions")
    assert event.actor == "root@example.org"
    _delivered(app, clock, inbox)
    assert len(inbox.to(ADA)) == 1


def test_only_admins_reach_the_incident_page(app: Flask) -> None:
    make_user(app, "vendor@acme.example", UserRole.VENDOR)
    vendor = _signed_in(app, "vendor@acme.example")
    assert vendor.get("/admin/incident").status_code == 403
    token = csrf_from(vendor, "/account")
    refused = vendor.post(
        "/admin/incident",
        data={"csrf_token": token, "action": "revoke-sessions", "scope": "all", "reason": "mine"},
    )
    assert refused.status_code == 403
    assert app.test_client().get("/admin/incident").status_code == 302  # to the sign-in page
