"""Rate limits: each one reaches 429 with Retry-After (JSON on the API, a page on the web) and
lets requests through again once its window has passed; per address (through the trusted-proxy
setting) and per account; counters shared by several workers through a real Redis."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from disclosure import create_app
from disclosure.accounts.models import TokenScope, UserRole
from disclosure.http.ratelimit import EXTENSION
from tests.conftest import Clock, _empty_tables
from tests.factories import (
    bearer,
    csrf_from,
    login,
    make_program,
    make_token,
    make_user,
    report_json,
)

# A small budget and a short window, so that recovery is seen within the test. Requests that
# cost real work (a submission encrypts with gpg, a sign-in hashes with argon2) get a longer
# window: on a loaded machine three of them could outlast two seconds, and the window would
# end before the budget is spent.
TIGHT = "3 per 2 seconds"
SLOW = "3 per 8 seconds"

Build = Callable[..., Flask]


@pytest.fixture
def build(app_overrides: dict[str, Any], clock: Clock) -> Iterator[Build]:
    """Apps with some limits tightened; emptied and closed afterwards."""
    made: list[Flask] = []

    def make(**overrides: Any) -> Flask:
        built = create_app({**app_overrides, **overrides})
        built.extensions["disclosure"].clock = clock
        made.append(built)
        return built

    yield make
    for built in made:
        _close_limiter(built)
    if made:
        _empty_tables(made[0].extensions["disclosure"].engine)
    for built in made:
        built.extensions["disclosure"].engine.dispose()


def _close_limiter(built: Flask) -> None:
    storage = built.extensions[EXTENSION].storage
    client = getattr(storage, "storage", None)
    if client is not None and hasattr(client, "connection_pool"):  # Redis: our keys only
        prefix = built.extensions["disclosure"].settings.ratelimit_key_prefix
        for key in client.scan_iter(match=f"*{prefix}*"):
            client.delete(key)
        client.close()
        client.connection_pool.disconnect()


def _from(app: Flask, address: str) -> FlaskClient:
    """A client whose requests come from `address`."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _spend(send: Callable[[], Any], budget: int) -> Any:
    """Send `budget` requests that must pass, then one more; returns that one's response."""
    for attempt in range(budget):
        response = send()
        assert response.status_code != 429, f"attempt {attempt + 1} of {budget} was limited"
    return send()


def _assert_limited(response: Any, *, api: bool, window: int = 2) -> int:
    assert response.status_code == 429
    wait = int(response.headers["Retry-After"])
    assert 1 <= wait <= window + 1
    if api:
        error = response.get_json()["error"]
        assert error["code"] == "too_many_attempts"
        assert "Try again in" in error["message"]
    else:
        page = response.get_data(as_text=True)
        assert response.mimetype == "text/html"
        assert "Too many attempts" in page
        assert "Try again in" in page
    return wait


def _recovers(send: Callable[[], Any], wait: int) -> None:
    time.sleep(wait + 0.2)
    assert send().status_code != 429


def test_sign_in_is_limited_per_address(build: Build) -> None:
    app = build(ratelimit_sign_in=TIGHT)
    client = app.test_client()
    token = csrf_from(client)

    def attempt() -> Any:
        email = f"{secrets.token_hex(4)}@example.org"  # a new account each time: per address
        return client.post("/login", data={"email": email, "password": "x", "csrf_token": token})

    wait = _assert_limited(_spend(attempt, 3), api=False)
    other = _from(app, "192.0.2.7")
    other_token = csrf_from(other)
    answer = other.post(
        "/login", data={"email": "a@example.org", "password": "x", "csrf_token": other_token}
    )
    assert answer.status_code == 401  # another address has its own budget
    _recovers(attempt, wait)


def test_sign_in_is_limited_per_account_from_any_address(build: Build) -> None:
    app = build(ratelimit_sign_in_account=TIGHT)
    make_user(app, "ada@example.org")
    addresses = iter(f"192.0.2.{n}" for n in range(1, 50))

    def attempt(email: str = "ada@example.org") -> Any:
        client = _from(app, next(addresses))
        return login(client, email, "not the password")

    wait = _assert_limited(_spend(attempt, 3), api=False)
    assert attempt("Grace@example.org").status_code == 401  # another account is not limited
    time.sleep(wait + 0.2)
    assert login(app.test_client(), "ada@example.org").status_code == 302


def test_the_address_is_the_one_the_trusted_proxy_forwarded(build: Build) -> None:
    behind = build(ratelimit_sign_in=TIGHT, proxy_count=1)
    direct = build(ratelimit_sign_in=TIGHT, proxy_count=0)

    def attempt(app: Flask, forwarded_for: str) -> Any:
        client = app.test_client()
        headers = {"X-Forwarded-For": forwarded_for}
        token = csrf_from(client)
        return client.post(
            "/login",
            data={"email": "a@example.org", "password": "x", "csrf_token": token},
            headers=headers,
        )

    clients = iter(f"198.51.100.{n}" for n in range(1, 50))
    # Behind one trusted proxy, each forwarded client address has a budget of its own...
    for _ in range(5):
        assert attempt(behind, next(clients)).status_code == 401
    # ...and with no trusted proxy the header is ignored: everyone shares 127.0.0.1's budget.
    _assert_limited(_spend(lambda: attempt(direct, next(clients)), 3), api=False)


def test_report_submission_is_limited_per_address_on_the_form_and_the_api(build: Build) -> None:
    app = build(ratelimit_submission=SLOW)
    make_program(app)
    client = app.test_client()

    def api() -> Any:
        return client.post("/api/v1/programs/acme/reports", json=report_json())

    assert api().status_code == 201
    token = csrf_from(client, "/programs/acme/report")

    def form() -> Any:
        return client.post("/programs/acme/report", data={"csrf_token": token})

    assert form().status_code == 422  # counted whatever its outcome
    assert api().status_code == 201
    # The form and the API spend one budget.
    wait = _assert_limited(form(), api=False, window=8)
    _assert_limited(api(), api=True, window=8)
    _recovers(api, wait)


def test_report_submission_is_limited_per_account(build: Build) -> None:
    app = build(ratelimit_submission_account="2 per 8 seconds")
    make_program(app)
    researcher = make_user(app, "ada@example.org", UserRole.RESEARCHER)
    raw = make_token(app, researcher, TokenScope.REPORTS_SUBMIT)
    addresses = iter(f"192.0.2.{n}" for n in range(1, 50))

    def submit() -> Any:
        client = _from(app, next(addresses))
        return client.post("/api/v1/programs/acme/reports", json=report_json(), headers=bearer(raw))

    wait = _assert_limited(_spend(submit, 2), api=True, window=8)
    anonymous = app.test_client().post("/api/v1/programs/acme/reports", json=report_json())
    assert anonymous.status_code == 201  # an anonymous reporter has only the address limit
    _recovers(submit, wait)


def test_tracking_code_lookups_are_limited_per_address(build: Build) -> None:
    app = build(ratelimit_lookup=TIGHT)
    client = app.test_client()

    def api() -> Any:
        return client.get("/api/v1/track", headers={"X-Tracking-Code": "XXXX-XXXX-XXXX-XXXX"})

    assert api().status_code == 404
    assert client.get("/track").status_code == 200  # showing the form costs nothing
    token = csrf_from(client, "/track")

    def form() -> Any:
        return client.post("/track", data={"csrf_token": token, "tracking_code": "XXXX-XXXX"})

    assert form().status_code != 429
    assert api().status_code == 404
    wait = _assert_limited(api(), api=True)
    _assert_limited(form(), api=False)
    _recovers(api, wait)


def test_receipt_verification_is_limited_per_address(build: Build) -> None:
    app = build(ratelimit_lookup=TIGHT)
    client = app.test_client()
    token = csrf_from(client, "/receipts/verify")

    def verify() -> Any:
        return client.post("/receipts/verify", data={"csrf_token": token, "receipt": "nonsense"})

    wait = _assert_limited(_spend(verify, 3), api=False)
    _recovers(verify, wait)


def test_token_use_is_limited_per_address_and_per_account(build: Build) -> None:
    app = build(ratelimit_token=TIGHT, ratelimit_token_account="5 per 2 seconds")
    ada = make_user(app, "ada@example.org")
    first, second = (
        make_token(app, ada, TokenScope.REPORTS_SUBMIT),
        make_token(app, ada, TokenScope.REPORTS_SUBMIT),
    )
    here = app.test_client()

    def from_here() -> Any:
        return here.get("/api/v1/me", headers=bearer(first))

    wait = _assert_limited(_spend(from_here, 3), api=True)
    assert here.get("/api/v1/me").status_code == 401  # without a token: not this limit
    # Two more from elsewhere with the other token reach the account's budget of five.
    elsewhere = _from(app, "192.0.2.9")
    assert elsewhere.get("/api/v1/me", headers=bearer(second)).status_code == 200
    assert elsewhere.get("/api/v1/me", headers=bearer(second)).status_code == 200
    _assert_limited(elsewhere.get("/api/v1/me", headers=bearer(second)), api=True)
    _recovers(from_here, wait)


def test_the_code_step_shares_the_sign_in_budget(build: Build) -> None:
    app = build(ratelimit_sign_in=TIGHT)
    client = app.test_client()
    token = csrf_from(client)
    client.post("/login", data={"email": "a@example.org", "password": "x", "csrf_token": token})
    client.post("/login", data={"email": "b@example.org", "password": "x", "csrf_token": token})
    assert client.post("/login/code", data={"csrf_token": token, "code": "1"}).status_code == 401
    _assert_limited(client.post("/login/code", data={"csrf_token": token, "code": "1"}), api=False)


def _redis_app(build: Build, prefix: str) -> Flask:
    return build(
        ratelimit_storage_url="redis://127.0.0.1:6379/0",
        ratelimit_key_prefix=prefix,
        ratelimit_lookup=TIGHT,
    )


def test_workers_share_the_counters_through_redis(build: Build) -> None:
    prefix = f"disclosure-test-{secrets.token_hex(6)}"
    worker_a, worker_b = _redis_app(build, prefix), _redis_app(build, prefix)
    other_deployment = _redis_app(build, f"disclosure-test-{secrets.token_hex(6)}")

    def lookup(app: Flask) -> Callable[[], Any]:
        client: FlaskClient = app.test_client()
        return lambda: client.get("/api/v1/track", headers={"X-Tracking-Code": "XXXX-XXXX"})

    assert lookup(worker_a)().status_code == 404
    assert lookup(worker_b)().status_code == 404
    assert lookup(worker_a)().status_code == 404
    wait = _assert_limited(lookup(worker_b)(), api=True)  # the two workers count together
    assert lookup(other_deployment)().status_code == 404  # another prefix, other counters
    storage = worker_a.extensions[EXTENSION].storage.storage
    assert any(storage.scan_iter(match=f"*{prefix}*"))  # the counters are in Redis
    _recovers(lookup(worker_b), wait)


def test_a_bad_rate_or_storage_is_a_clear_configuration_error(app_overrides) -> None:
    from disclosure.settings import SettingsError, load_settings

    with pytest.raises(SettingsError, match=r"DISCLOSURE_RATELIMIT_SIGN_IN .*a rate such as"):
        load_settings({**app_overrides, "ratelimit_sign_in": "often"}, environ={})
    with pytest.raises(SettingsError, match=r"DISCLOSURE_RATELIMIT_STORAGE_URL .*redis://"):
        load_settings({**app_overrides, "ratelimit_storage_url": "mysql://x"}, environ={})
