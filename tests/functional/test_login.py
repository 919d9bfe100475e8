"""Sign in, sign out, wrong passwords, lockout, CSRF and server-side session revocation."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from disclosure.accounts.models import LoginSession, User
from disclosure.audit.models import AuditEvent
from tests.factories import DEFAULT_PASSWORD, csrf_from, login, make_user

EMAIL = "ada@example.org"


def _is_signed_in(client: FlaskClient) -> bool:
    response = client.get("/api/v1/me")
    return response.status_code == 200


def test_login_sets_a_hardened_cookie_holding_only_a_random_id(
    app: Flask, client: FlaskClient, db_session
) -> None:
    make_user(app, EMAIL)
    response = login(client, EMAIL)
    assert response.status_code == 302
    cookie = next(
        h for h in response.headers.getlist("Set-Cookie") if h.startswith("disclosure_session=")
    )
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Path=/" in cookie
    value = cookie.split(";")[0].split("=", 1)[1]
    stored = db_session.exec(select(LoginSession)).all()
    assert len(stored) == 1
    assert stored[0].id != value
    assert value not in stored[0].id
    assert _is_signed_in(client)
    assert client.get("/account").status_code == 200


def test_production_cookies_are_secure_and_host_prefixed(app_overrides, clock) -> None:
    from disclosure import create_app

    prod = create_app({**app_overrides, "env": "production", "base_url": "https://cvd.example"})
    prod.extensions["disclosure"].clock = clock
    make_user(prod, EMAIL)
    client = prod.test_client()
    response = login(client, EMAIL)
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if "disclosure_session=" in h)
    assert cookie.startswith("__Host-disclosure_session=")
    assert "Secure" in cookie
    assert "max-age=63072000" in response.headers["Strict-Transport-Security"]
    from tests.conftest import _empty_tables

    _empty_tables(prod.extensions["disclosure"].engine)
    prod.extensions["disclosure"].engine.dispose()


def test_wrong_password_and_unknown_email_get_the_same_answer(
    app: Flask, client: FlaskClient
) -> None:
    make_user(app, EMAIL)
    wrong = login(client, EMAIL, "not the password at all")
    unknown = login(client, "nobody@example.org", "not the password at all")
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert "Wrong email or password." in response.get_data(as_text=True)
        assert not any("disclosure_session=" in h for h in response.headers.getlist("Set-Cookie"))
    assert not _is_signed_in(client)
    assert ada_value(wrong) == EMAIL  # the form keeps what was typed


def ada_value(response) -> str:
    page = response.get_data(as_text=True)
    return page.split('name="email" type="email" autocomplete="username" value="')[1].split('"')[0]


def test_lockout_after_repeated_failures_refuses_even_the_right_password(
    app: Flask, client: FlaskClient, clock, db_session
) -> None:
    make_user(app, EMAIL)
    limit = app.extensions["disclosure"].settings.login_max_failures
    for _ in range(limit):
        assert login(client, EMAIL, "wrong password!!").status_code == 401
    locked = login(client, EMAIL)
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.get_data(as_text=True)
    assert not _is_signed_in(client)
    actions = [e.action for e in db_session.exec(select(AuditEvent)).all()]
    assert actions.count("session.login_failed") == limit
    assert "session.login_refused" in actions

    clock.advance(minutes=app.extensions["disclosure"].settings.login_lockout_minutes + 1)
    assert login(client, EMAIL).status_code == 302
    assert _is_signed_in(client)


def test_a_post_without_a_valid_csrf_token_is_refused(app: Flask, client: FlaskClient) -> None:
    make_user(app, EMAIL)
    csrf_from(client)  # the pre-session cookie exists, only the token is missing
    missing = client.post("/login", data={"email": EMAIL, "password": DEFAULT_PASSWORD})
    forged = client.post(
        "/login", data={"email": EMAIL, "password": DEFAULT_PASSWORD, "csrf_token": "0" * 64}
    )
    for response in (missing, forged):
        assert response.status_code == 400
        assert "expired or came from another site" in response.get_data(as_text=True)
    assert not _is_signed_in(client)

    login(client, EMAIL)
    assert client.post("/logout").status_code == 400
    assert _is_signed_in(client), "a logout without the token must not end the session"


def test_logout_revokes_the_session_server_side(app: Flask, client: FlaskClient) -> None:
    make_user(app, EMAIL)
    login(client, EMAIL)
    stolen = client.get_cookie("disclosure_session").value
    token = csrf_from(client, "/account")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert not _is_signed_in(client)
    thief = app.test_client()
    thief.set_cookie("disclosure_session", stolen)
    assert thief.get("/api/v1/me").status_code == 401


def test_a_revoked_session_makes_its_next_request_anonymous(app: Flask, db_session) -> None:
    make_user(app, EMAIL)
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, EMAIL)
    login(phone, EMAIL)
    listed = laptop.get("/api/v1/sessions").get_json()["sessions"]
    assert len(listed) == 2
    phone_session = next(s for s in listed if not s["current"])
    token = csrf_from(laptop, "/account")
    response = laptop.post(
        f"/account/sessions/{phone_session['id']}/revoke", data={"csrf_token": token}
    )
    assert response.status_code == 302
    assert not _is_signed_in(phone)
    assert phone.get("/account").headers["Location"] == "/login?next=/account"
    assert _is_signed_in(laptop)


def test_idle_and_absolute_session_limits(app: Flask, client: FlaskClient, clock) -> None:
    make_user(app, EMAIL)
    login(client, EMAIL)
    settings = app.extensions["disclosure"].settings
    clock.advance(minutes=settings.session_idle_minutes - 1)
    assert _is_signed_in(client)
    clock.advance(minutes=settings.session_idle_minutes + 1)
    assert not _is_signed_in(client)


def test_password_change_ends_other_sessions_and_checks_the_current_password(
    app: Flask, db_session
) -> None:
    make_user(app, EMAIL)
    here, elsewhere = app.test_client(), app.test_client()
    login(here, EMAIL)
    login(elsewhere, EMAIL)
    token = csrf_from(here, "/account/password")
    wrong = here.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current_password": "not it at all",
            "new_password": "a brand new passphrase",
            "confirm_password": "a brand new passphrase",
        },
    )
    assert wrong.status_code == 422
    assert "Wrong password." in wrong.get_data(as_text=True)
    short = here.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current_password": DEFAULT_PASSWORD,
            "new_password": "short",
            "confirm_password": "short",
        },
    )
    assert short.status_code == 422
    assert "at least 12 characters" in short.get_data(as_text=True)
    ok = here.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current_password": DEFAULT_PASSWORD,
            "new_password": "a brand new passphrase",
            "confirm_password": "a brand new passphrase",
        },
    )
    assert ok.status_code == 302
    assert _is_signed_in(here)
    assert not _is_signed_in(elsewhere)
    fresh = app.test_client()
    assert login(fresh, EMAIL).status_code == 401
    assert login(fresh, EMAIL, "a brand new passphrase").status_code == 302
    user = db_session.exec(select(User)).one()
    assert user.password_hash.startswith("$argon2id$")


def test_login_redirects_only_to_local_paths(app: Flask, client: FlaskClient) -> None:
    make_user(app, EMAIL)
    token = csrf_from(client)
    response = client.post(
        "/login",
        data={
            "email": EMAIL,
            "password": DEFAULT_PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/x",
        },
    )
    assert response.headers["Location"] == "/account"
