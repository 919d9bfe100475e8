"""The JSON API's conventions: bearer tokens and scopes, the error shape, headers, OpenAPI."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from disclosure.accounts.models import TokenScope, UserRole
from disclosure.http.headers import CONTENT_SECURITY_POLICY
from tests.factories import bearer, csrf_from, login, make_token, make_user


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


def test_bearer_token_identifies_its_user(app: Flask, client: FlaskClient) -> None:
    user = make_user(app, "vendor@acme.example", UserRole.VENDOR)
    token = make_token(app, user, TokenScope.CASES_READ)
    me = client.get("/api/v1/me", headers=bearer(token)).get_json()
    assert me == {
        "id": user.id,
        "email": "vendor@acme.example",
        "role": "vendor",
        "via_token": True,
        "token_scopes": ["cases:read"],
    }


def test_token_scopes_narrow_the_role(app: Flask, client: FlaskClient) -> None:
    admin = make_user(app, "admin@example.org", UserRole.ADMIN)
    read_only = make_token(app, admin, TokenScope.CASES_READ)
    error = _error(
        client.post("/api/v1/admin/incident", headers=bearer(read_only)), 403, "forbidden"
    )
    assert "admin" in error["message"]
    full = make_token(app, admin, TokenScope.ADMIN)
    response = client.post("/api/v1/admin/incident", headers=bearer(full))
    assert response.status_code == 200
    assert response.get_json()["tokens_revoked"] == 2


def test_a_scope_never_widens_the_role(app: Flask, client: FlaskClient) -> None:
    researcher = make_user(app, "r@example.org", UserRole.RESEARCHER)
    token = make_token(app, researcher, TokenScope.ADMIN)
    _error(client.post("/api/v1/admin/incident", headers=bearer(token)), 403, "forbidden")


def test_expired_revoked_and_malformed_tokens_are_refused(
    app: Flask, client: FlaskClient, clock
) -> None:
    user = make_user(app)
    token = make_token(app, user, TokenScope.REPORTS_SUBMIT, days=1)
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    clock.advance(days=1, seconds=1)
    error = _error(client.get("/api/v1/me", headers=bearer(token)), 401, "unauthenticated")
    assert "expired" in error["message"]
    _error(client.get("/api/v1/me", headers={"Authorization": "Basic abc"}), 401, "unauthenticated")
    _error(client.get("/api/v1/me", headers=bearer("dsc_not-a-real-token")), 401, "unauthenticated")


def test_a_revoked_token_stops_working(app: Flask, client: FlaskClient) -> None:
    user = make_user(app)
    token = make_token(app, user, TokenScope.REPORTS_SUBMIT)
    listed = client.get("/api/v1/tokens", headers=bearer(token)).get_json()["tokens"]
    response = client.delete(f"/api/v1/tokens/{listed[0]['id']}", headers=bearer(token))
    assert response.status_code == 204
    _error(client.get("/api/v1/me", headers=bearer(token)), 401, "unauthenticated")


def test_tokens_are_created_from_a_session_with_csrf_and_shown_once(
    app: Flask, client: FlaskClient
) -> None:
    make_user(app, "v@acme.example", UserRole.VENDOR)
    login(client, "v@acme.example")
    csrf = csrf_from(client, "/account")
    body = {"name": "ci", "scopes": ["cases:read", "cases:write"], "expires_in_days": 7}
    _error(client.post("/api/v1/tokens", json=body), 400, "csrf_failed")
    created = client.post("/api/v1/tokens", json=body, headers={"X-CSRF-Token": csrf})
    assert created.status_code == 201, created.get_data(as_text=True)
    token = created.get_json()["token"]
    assert client.get("/api/v1/me", headers=bearer(token)).get_json()["token_scopes"] == [
        "cases:read",
        "cases:write",
    ]
    listed = client.get("/api/v1/tokens").get_json()["tokens"]
    assert "token" not in listed[0]
    assert listed[0]["prefix"] == token[:10]
    _error(client.post("/api/v1/tokens", json=body, headers=bearer(token)), 403, "forbidden")


@pytest.fixture
def signed_in(app: Flask, client: FlaskClient) -> dict[str, str]:
    make_user(app, "v@acme.example", UserRole.VENDOR)
    login(client, "v@acme.example")
    return {"X-CSRF-Token": csrf_from(client, "/account")}


def test_error_shape_400_for_broken_json(client: FlaskClient, signed_in) -> None:
    response = client.post(
        "/api/v1/tokens", data="{not json", headers=signed_in, content_type="application/json"
    )
    assert "not valid JSON" in _error(response, 400, "bad_request")["message"]


def test_error_shape_401_403_404_405(app: Flask, client: FlaskClient) -> None:
    _error(client.get("/api/v1/me"), 401, "unauthenticated")
    researcher = make_user(app)
    token = make_token(app, researcher, TokenScope.REPORTS_SUBMIT)
    _error(client.post("/api/v1/admin/incident", headers=bearer(token)), 403, "forbidden")
    _error(client.get("/api/v1/no-such-thing"), 404, "not_found")
    response = client.delete("/api/v1/health")
    _error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]


def test_error_shape_413_names_the_limit(app_overrides, clock) -> None:
    from disclosure import create_app

    small = create_app({**app_overrides, "max_request_bytes": 2048})
    response = small.test_client().post(
        "/api/v1/tokens", data="x" * 4096, content_type="application/json"
    )
    assert "2048 bytes" in _error(response, 413, "payload_too_large")["message"]
    small.extensions["disclosure"].engine.dispose()


def test_error_shape_422_names_each_field(client: FlaskClient, signed_in) -> None:
    response = client.post(
        "/api/v1/tokens",
        headers=signed_in,
        json={"scopes": ["cases:read", "root"], "expires_in_days": 0},
    )
    fields = _error(response, 422, "validation_failed")["fields"]
    assert set(fields) == {"scopes.1", "expires_in_days"}
    unknown = client.post(
        "/api/v1/tokens", headers=signed_in, json={"scopes": ["cases:read"], "colour": "red"}
    )
    assert "colour" in _error(unknown, 422, "validation_failed")["fields"]
    wrong_type = client.post("/api/v1/tokens", headers=signed_in, data="scopes=x")
    _error(wrong_type, 415, "unsupported_media_type")


def test_html_errors_are_pages_not_json(client: FlaskClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "Error 404" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path", ["/login", "/api/v1/health", "/api/v1/me", "/nope", "/static/style.css"]
)
def test_security_headers_on_every_response(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == {"/nope": 404, "/api/v1/me": 401}.get(path, 200)
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # only in production
    if path != "/static/style.css":
        assert response.headers["Cache-Control"] == "no-store"
    response.close()  # a static file is streamed from an open file


def test_health_reports_database_and_gpg(client: FlaskClient) -> None:
    body = client.get("/api/v1/health").get_json()
    assert body["status"] == "ok"
    assert body["database"]["ok"]
    assert body["gpg"]["ok"]
    assert body["gpg"]["detail"].startswith("gpg 2.")


def test_health_is_degraded_without_gpg(app_overrides) -> None:
    from disclosure import create_app

    broken = create_app({**app_overrides, "gnupg_binary": "/nonexistent/gpg"})
    response = broken.test_client().get("/api/v1/health")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "degraded"
    assert not body["gpg"]["ok"]
    assert body["database"]["ok"]
    assert "/nonexistent/gpg" in body["gpg"]["detail"]
    broken.extensions["disclosure"].engine.dispose()
