"""Two-factor sign-in: enrolment with a server-drawn QR code, the code step after the password,
replay refusal, recovery codes, turning it off, and mandatory enrolment for staff roles."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pyotp
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from disclosure import create_app
from disclosure.accounts.models import TokenScope, UserRole
from disclosure.accounts.twofactor.models import RecoveryCode, TotpCredential
from disclosure.audit.models import AuditEvent
from tests.conftest import Clock, _empty_tables
from tests.factories import DEFAULT_PASSWORD, bearer, csrf_from, login, make_token, make_user

EMAIL = "grace@example.org"
_SECRET = re.compile(r'id="totp-secret" class="mono">([A-Z2-7]+)<')
_RECOVERY = re.compile(r"<li>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</li>")


def _code(secret: str, clock: Clock, offset: int = 0) -> str:
    return pyotp.TOTP(secret).at(clock(), counter_offset=offset)


def _enrol(client: FlaskClient, clock: Clock) -> tuple[str, list[str]]:
    """Set up two-factor through the pages; returns the seed and the recovery codes."""
    page = client.get("/account/two-factor")
    assert page.status_code == 200
    secret = _SECRET.search(page.get_data(as_text=True))
    assert secret, "the seed is shown as text"
    token = csrf_from(client, "/account/two-factor")
    done = client.post(
        "/account/two-factor", data={"csrf_token": token, "code": _code(secret.group(1), clock)}
    )
    assert done.status_code == 200, done.get_data(as_text=True)
    return secret.group(1), _RECOVERY.findall(done.get_data(as_text=True))


def _code_step(client: FlaskClient, code: str) -> Any:
    token = csrf_from(client, "/login")
    return client.post("/login/code", data={"csrf_token": token, "code": code})


def _signed_in(client: FlaskClient) -> bool:
    return client.get("/api/v1/me").status_code == 200


def _fresh_sign_in(app: Flask) -> FlaskClient:
    client = app.test_client()
    response = login(client, EMAIL)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login/code")
    return client


@pytest.fixture
def enrolled(app: Flask, client: FlaskClient, clock: Clock) -> tuple[str, list[str]]:
    make_user(app, EMAIL)
    login(client, EMAIL)
    return _enrol(client, clock)


def test_enrolment_draws_the_qr_code_here_and_stores_no_plaintext(
    app: Flask, client: FlaskClient, clock: Clock, db_session
) -> None:
    make_user(app, EMAIL)
    login(client, EMAIL)
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "<svg" in page
    assert "https://" not in page.split("<svg", 1)[1].split("</svg>", 1)[0].replace(
        "http://www.w3.org/2000/svg", ""
    )  # no image from elsewhere: the QR code is drawn inline
    secret = _SECRET.search(page).group(1)
    assert client.get("/account/two-factor").get_data(as_text=True).count(secret) == 1  # same seed
    stored = db_session.execute(sa.text("SELECT sealed_secret FROM totp_credential")).scalar_one()
    assert secret not in stored
    assert stored.startswith("v1.")

    token = csrf_from(client, "/account/two-factor")
    wrong = client.post("/account/two-factor", data={"csrf_token": token, "code": "000000"})
    assert wrong.status_code == 422
    assert "The code is wrong" in wrong.get_data(as_text=True)
    done = client.post(
        "/account/two-factor", data={"csrf_token": token, "code": _code(secret, clock)}
    )
    codes = _RECOVERY.findall(done.get_data(as_text=True))
    assert len(set(codes)) == 10
    hashes = db_session.exec(select(RecoveryCode.code_hash)).all()
    assert len(hashes) == 10
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert not any(code.replace("-", "") in h for code in codes for h in hashes)
    assert "recovery code" in client.get("/account/two-factor").get_data(as_text=True)
    assert db_session.exec(select(AuditEvent).where(AuditEvent.action == "two_factor.enrol")).one()


def test_sign_in_asks_for_the_code_after_the_password(
    app: Flask, enrolled: tuple[str, list[str]], clock: Clock, db_session
) -> None:
    secret, _codes = enrolled
    clock.advance(seconds=60)  # past the step the enrolment code used
    client = _fresh_sign_in(app)
    assert not _signed_in(client)  # the password alone opens nothing
    assert client.get("/account").status_code == 302
    page = client.get("/login/code").get_data(as_text=True)
    assert 'autocomplete="one-time-code"' in page
    assert 'for="code"' in page

    wrong = _code_step(client, "123456" if _code(secret, clock) != "123456" else "654321")
    assert wrong.status_code == 401
    assert "The code is wrong or has already been used." in wrong.get_data(as_text=True)
    assert not _signed_in(client)
    right = _code_step(client, _code(secret, clock))
    assert right.status_code == 302
    assert _signed_in(client)
    failed = db_session.exec(
        select(AuditEvent).where(AuditEvent.action == "session.login_failed")
    ).all()
    assert len(failed) == 1  # the wrong code counted against the account


def test_a_code_is_accepted_once_in_its_window(
    app: Flask, enrolled: tuple[str, list[str]], clock: Clock
) -> None:
    secret, _codes = enrolled
    clock.advance(seconds=60)
    code = _code(secret, clock)
    first = _fresh_sign_in(app)
    assert _code_step(first, code).status_code == 302
    replay = _fresh_sign_in(app)
    refused = _code_step(replay, code)
    assert refused.status_code == 401
    assert not _signed_in(replay)
    # the previous step's code (still in the drift window) is older than the one used: refused
    assert _code_step(replay, _code(secret, clock, offset=-1)).status_code == 401
    clock.advance(seconds=30)
    assert _code_step(replay, _code(secret, clock)).status_code == 302


def test_recovery_codes_work_once_and_are_audited(
    app: Flask, enrolled: tuple[str, list[str]], db_session
) -> None:
    _secret, codes = enrolled
    client = _fresh_sign_in(app)
    assert _code_step(client, codes[3].upper()).status_code == 302  # case does not matter
    again = _fresh_sign_in(app)
    assert _code_step(again, codes[3]).status_code == 401
    used = db_session.exec(
        select(AuditEvent).where(AuditEvent.action == "two_factor.recovery_code_used")
    ).one()
    assert '"remaining":9' in used.details
    assert "9" in client.get("/account/two-factor").get_data(as_text=True)


def test_the_code_step_needs_a_live_ticket(
    app: Flask, enrolled: tuple[str, list[str]], clock: Clock
) -> None:
    secret, _codes = enrolled
    stranger = app.test_client()
    assert stranger.get("/login/code").headers["Location"].startswith("/login")
    assert _code_step(stranger, _code(secret, clock, 1)).status_code == 401
    client = _fresh_sign_in(app)
    clock.advance(minutes=6)
    late = _code_step(client, _code(secret, clock))
    assert late.status_code == 401
    assert "Your sign-in has expired" in late.get_data(as_text=True)
    assert not _signed_in(client)


def test_turning_it_off_asks_for_a_code(
    app: Flask, client: FlaskClient, enrolled: tuple[str, list[str]], clock: Clock, db_session
) -> None:
    secret, _codes = enrolled
    token = csrf_from(client, "/account/two-factor")
    wrong = client.post("/account/two-factor/disable", data={"csrf_token": token, "code": "1"})
    assert wrong.status_code == 422
    assert db_session.exec(select(TotpCredential)).one()
    clock.advance(seconds=30)
    off = client.post(
        "/account/two-factor/disable",
        data={"csrf_token": token, "code": _code(secret, clock)},
    )
    assert off.status_code == 302
    assert db_session.exec(select(TotpCredential)).all() == []
    assert db_session.exec(select(RecoveryCode)).all() == []
    assert db_session.exec(
        select(AuditEvent).where(AuditEvent.action == "two_factor.disable")
    ).one()
    assert login(app.test_client(), EMAIL).headers["Location"] == "/account"  # password only


def test_a_sealed_seed_opens_only_on_its_own_row(
    app: Flask, client: FlaskClient, clock: Clock, db_session
) -> None:
    make_user(app, EMAIL)
    login(client, EMAIL)
    _enrol(client, clock)
    other = make_user(app, "mallory@example.org")
    mallory = app.test_client()
    login(mallory, "mallory@example.org")
    mallory.get("/account/two-factor")
    # Copy Grace's sealed seed onto Mallory's row: it must not open there.
    db_session.execute(
        sa.text(
            "UPDATE totp_credential SET sealed_secret = "
            "(SELECT sealed_secret FROM totp_credential WHERE user_id != :id) WHERE user_id = :id"
        ),
        {"id": other.id},
    )
    db_session.commit()
    assert mallory.get("/account/two-factor").status_code == 503


@pytest.fixture
def strict_app(app_overrides: dict[str, Any], clock: Clock) -> Iterator[Flask]:
    """The default: vendors and admins must use two-factor sign-in."""
    overrides = {k: v for k, v in app_overrides.items() if k != "require_2fa_for"}
    strict = create_app(overrides)
    strict.extensions["disclosure"].clock = clock
    assert strict.extensions["disclosure"].settings.require_2fa_for == {"vendor", "admin"}
    yield strict
    _empty_tables(strict.extensions["disclosure"].engine)
    strict.extensions["disclosure"].engine.dispose()


def test_staff_are_sent_to_enrolment_before_anything_else(strict_app: Flask, clock: Clock) -> None:
    vendor = make_user(strict_app, "vendor@acme.example", UserRole.VENDOR)
    make_user(strict_app, "researcher@example.org", UserRole.RESEARCHER)
    token = make_token(strict_app, vendor, TokenScope.CASES_READ)

    researcher = strict_app.test_client()
    login(researcher, "researcher@example.org")
    assert researcher.get("/account").status_code == 200

    client = strict_app.test_client()
    login(client, "vendor@acme.example", DEFAULT_PASSWORD)
    for path in ("/account", "/console", "/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"] == "/account/two-factor"
    assert "requires two-factor sign-in" in client.get("/account/two-factor").get_data(as_text=True)
    refused = client.get("/api/v1/me", headers=bearer(token))
    assert refused.status_code == 403
    assert "two-factor" in refused.get_json()["error"]["message"]

    _enrol(client, clock)
    assert client.get("/account").status_code == 200
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
