"""Submitting through the API: the happy path, tracking, idempotency and every bad input."""

from __future__ import annotations

import base64
import io
import tempfile
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from disclosure.accounts.models import TokenScope, UserRole
from disclosure.cases.models import Case, CaseBlob
from disclosure.crypto import Keyring
from tests.factories import bearer, make_program, make_token, make_user, report_json

URL = "/api/v1/programs/acme/reports"


def _count(db_session, model) -> int:
    db_session.expire_all()
    return db_session.exec(select(func.count()).select_from(model)).one()


def _error(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()["error"]


@pytest.fixture
def program(app: Flask):
    return make_program(app)


def test_anonymous_submission_returns_deadlines_receipt_and_a_tracking_code(
    app: Flask, client: FlaskClient, program, clock
) -> None:
    response = client.post(URL, json=report_json())
    assert response.status_code == 201
    body = response.get_json()
    assert body["state"] == "new"
    assert body["program"] == "acme"
    # project-zero: 90 days from receipt on 2026-03-01 (the test clock), end of that day
    assert body["deadlines"]["disclose_by"].startswith("2026-05-30")
    assert "project-zero v" in body["explanations"]["disclose_by"]
    assert body["receipt"].startswith("-----BEGIN PGP SIGNED MESSAGE-----")
    assert f"case: {body['id']}" in body["receipt"]
    code = body["tracking_code"]
    assert len(code.replace("-", "")) == 32  # 160 bits in base32

    tracked = client.get("/api/v1/track", headers={"X-Tracking-Code": code.lower()})
    assert tracked.status_code == 200
    assert tracked.get_json()["id"] == body["id"]


def test_a_wrong_tracking_code_reveals_nothing(client: FlaskClient, program) -> None:
    client.post(URL, json=report_json())
    wrong = client.get("/api/v1/track", headers={"X-Tracking-Code": "AAAA-BBBB"})
    missing = client.get("/api/v1/track")
    assert _error(wrong, 404) == _error(missing, 404)
    assert _error(wrong, 404)["message"] == "No case matches this tracking code."


def test_exploited_in_the_wild_shortens_the_deadline(client: FlaskClient, program) -> None:
    body = client.post(URL, json=report_json(exploited_in_the_wild="yes")).get_json()
    assert body["deadlines"]["disclose_by"].startswith("2026-03-08")


def test_account_submissions_are_listed_as_mine(app: Flask, client: FlaskClient, program) -> None:
    researcher = make_user(app, "r@example.org")
    token = make_token(app, researcher, TokenScope.REPORTS_SUBMIT)
    created = client.post(URL, json=report_json(), headers=bearer(token))
    assert created.status_code == 201
    assert "tracking_code" not in created.get_json()
    mine = client.get("/api/v1/reports/mine", headers=bearer(token)).get_json()["cases"]
    assert [case["id"] for case in mine] == [created.get_json()["id"]]
    other = make_token(app, make_user(app, "o@example.org"), TokenScope.REPORTS_SUBMIT)
    assert client.get("/api/v1/reports/mine", headers=bearer(other)).get_json()["cases"] == []


def test_a_token_without_the_submit_scope_is_refused(
    app: Flask, client: FlaskClient, program, db_session
) -> None:
    token = make_token(app, make_user(app, "r@example.org"), TokenScope.CASES_READ)
    _error(client.post(URL, json=report_json(), headers=bearer(token)), 403)
    assert _count(db_session, Case) == 0


def test_the_same_idempotency_key_creates_one_case(
    client: FlaskClient, program, db_session
) -> None:
    headers = {"Idempotency-Key": "c1b7e8a0-4b1c-4a57-9d1e-0f3c2b9a7e11"}
    first = client.post(URL, json=report_json(), headers=headers)
    second = client.post(URL, json=report_json(), headers=headers)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.get_json()["id"] == second.get_json()["id"]
    assert second.get_json()["replayed"] is True
    # A client-chosen key may be guessable: its replay never shows the tracking code again.
    assert "tracking_code" in first.get_json()
    assert "tracking_code" not in second.get_json()
    assert _count(db_session, Case) == 1
    short = client.post(URL, json=report_json(), headers={"Idempotency-Key": "x"})
    assert "Idempotency-Key" in _error(short, 422)["fields"]


def test_unknown_and_closed_programs_are_404(app: Flask, client: FlaskClient) -> None:
    make_program(app, "closed", is_open=False)
    assert (
        "No program"
        in _error(client.post("/api/v1/programs/nope/reports", json=report_json()), 404)["message"]
    )
    _error(client.post("/api/v1/programs/closed/reports", json=report_json()), 404)


def test_a_program_without_anonymous_reports_asks_to_sign_in(
    app: Flask, client: FlaskClient
) -> None:
    make_program(app, "members", accepts_anonymous=False)
    error = _error(client.post("/api/v1/programs/members/reports", json=report_json()), 401)
    assert "signed-in" in error["message"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"cvss_vector": "CVSS:3.1/AV:X/AC:L"}, "cvss_vector"),
        ({"cvss_vector": "AV:N/AC:L"}, "cvss_vector"),
        ({"cwe": "XSS"}, "cwe"),
        ({"title": ""}, "title"),
        ({"exploited_in_the_wild": "maybe"}, "exploited_in_the_wild"),
        ({"proposed_disclosure_date": "next week"}, "proposed_disclosure_date"),
        (
            {"attachments": [{"filename": "a.txt", "content": "%%%not base64"}]},
            "attachments.0.content",
        ),
        ({"researcher_public_key": "not a key"}, "researcher_public_key"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_invalid_fields_are_named_and_nothing_is_stored(
    client: FlaskClient, program, db_session, overrides: dict, field: str
) -> None:
    error = _error(client.post(URL, json=report_json(**overrides)), 422)
    assert field in error["fields"], error
    assert _count(db_session, Case) == 0
    assert _count(db_session, CaseBlob) == 0


def test_cvss_v4_is_scored(app: Flask, client: FlaskClient, program) -> None:
    vector = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
    created = client.post(URL, json=report_json(cvss_vector=vector)).get_json()
    vendor = make_user(app, "v@acme.example", UserRole.VENDOR)
    from tests.factories import add_member

    add_member(app, program, vendor, "viewer")
    token = make_token(app, vendor, TokenScope.CASES_READ)
    report = client.get(f"/api/v1/cases/{created['id']}", headers=bearer(token)).get_json()
    assert report["report"]["cvss"] == {"vector": vector, "score": 9.3, "rating": "Critical"}


def test_oversized_attachments_are_413_naming_the_limit(app_overrides, clock, db_session) -> None:
    from disclosure import create_app

    small = create_app(
        {**app_overrides, "max_attachment_bytes": 1024, "max_attachments_total_bytes": 1536}
    )
    small.extensions["disclosure"].clock = clock
    make_program(small)
    client = small.test_client()

    def attach(*sizes: int) -> dict:
        return report_json(
            attachments=[
                {"filename": f"f{i}.bin", "content": base64.b64encode(b"x" * size).decode()}
                for i, size in enumerate(sizes)
            ]
        )

    one = _error(client.post(URL, json=attach(2048)), 413)
    assert "limit of 1 KiB for one attachment" in one["message"]
    assert "f0.bin" in one["message"]
    total = _error(client.post(URL, json=attach(1000, 1000)), 413)
    assert "add up to more than 1.5 KiB" in total["message"]
    assert _count(db_session, Case) == 0
    small.extensions["disclosure"].engine.dispose()


def test_a_body_over_the_request_limit_is_413(app_overrides) -> None:
    from disclosure import create_app

    small = create_app({**app_overrides, "max_request_bytes": 4096})
    response = small.test_client().post(URL, json=report_json(description="y" * 5000))
    assert "4096 bytes" in _error(response, 413)["message"]
    small.extensions["disclosure"].engine.dispose()


def test_pre_encrypted_report_is_stored_unchanged(
    app: Flask, client: FlaskClient, program, db_session
) -> None:
    keyring = app.extensions["disclosure"].keyring()
    fingerprint = program_fingerprint(db_session)
    armored = keyring.encrypt(b"my own encrypted report", [fingerprint]).decode()
    created = client.post(URL, json={"encrypted_report": armored})
    assert created.status_code == 201, created.get_data(as_text=True)
    blob = db_session.exec(select(CaseBlob)).one()
    assert blob.ciphertext == armored.strip().encode()
    case = db_session.exec(select(Case)).one()
    assert case.is_pre_encrypted


def program_fingerprint(db_session) -> str:
    from disclosure.programs.models import ProgramKey

    return db_session.exec(select(ProgramKey)).one().fingerprint


def test_pre_encrypted_report_to_another_key_is_400_naming_the_right_key(
    client: FlaskClient, program, db_session, short_tmp: Path
) -> None:
    stranger = Keyring(short_tmp / "gpg", passphrase="a stranger's passphrase")
    key = stranger.generate_key("Stranger", "s@example.org")
    armored = stranger.encrypt(b"to the wrong key", [key.fingerprint]).decode()
    error = _error(client.post(URL, json={"encrypted_report": armored}), 400)
    assert program_fingerprint(db_session) in error["message"]
    garbage = "-----BEGIN PGP MESSAGE-----\n\nbm90IGEgbWVzc2FnZQ==\n-----END PGP MESSAGE-----\n"
    malformed = _error(client.post(URL, json={"encrypted_report": garbage}), 400)
    assert "well-formed" in malformed["message"]
    assert _count(db_session, Case) == 0


def test_without_gpg_nothing_is_stored_and_the_answer_is_503(
    app_overrides, clock, db_session
) -> None:
    from disclosure import create_app

    working = create_app(app_overrides)
    working.extensions["disclosure"].clock = clock
    make_program(working)
    working.extensions["disclosure"].engine.dispose()
    broken = create_app({**app_overrides, "gnupg_binary": "/nonexistent/gpg"})
    error = _error(broken.test_client().post(URL, json=report_json()), 503)
    assert "nothing was stored" in error["message"]
    assert _count(db_session, Case) == 0
    broken.extensions["disclosure"].engine.dispose()


def test_an_unreadable_gnupg_home_is_503(app_overrides, clock, db_session, tmp_path) -> None:
    from disclosure import create_app

    working = create_app(app_overrides)
    working.extensions["disclosure"].clock = clock
    make_program(working)
    working.extensions["disclosure"].engine.dispose()
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    broken = create_app({**app_overrides, "gnupg_home": str(blocker / "gnupg")})
    _error(broken.test_client().post(URL, json=report_json()), 503)
    assert _count(db_session, Case) == 0
    broken.extensions["disclosure"].engine.dispose()


def test_a_signed_in_researcher_gets_the_receipt_by_mail_encrypted_to_their_key(
    app: Flask, client: FlaskClient, program, db_session, short_tmp: Path
) -> None:
    from disclosure.accounts.models import User
    from disclosure.notify.models import OutboxMessage

    own = Keyring(short_tmp / "gpg", passphrase="the researcher's own passphrase")
    key = own.generate_key("Ada", "ada@example.org")
    researcher = make_user(app, "ada@example.org")
    token = make_token(app, researcher, TokenScope.REPORTS_SUBMIT)
    body = report_json(title="Receipt canary XYZZY", researcher_public_key=key.public_key)
    created = client.post(URL, json=body, headers=bearer(token)).get_json()

    db_session.expire_all()
    assert db_session.get(User, researcher.id).pgp_fingerprint == key.fingerprint
    mail = db_session.exec(select(OutboxMessage)).one()
    assert mail.recipient == "ada@example.org"
    assert mail.is_encrypted
    assert "XYZZY" not in mail.body
    plaintext = own.decrypt(mail.body.encode()).decode()
    assert f"case #{created['id']}" in plaintext
    assert created["receipt"] in plaintext
    assert "XYZZY" not in plaintext


def test_a_large_attachment_is_never_spooled_to_a_temporary_file(
    app: Flask, client: FlaskClient, program, db_session, tmp_path: Path, monkeypatch
) -> None:
    attachment = b"\x89secret attachment\n" * 60_000  # ~1.1 MiB
    boundary, body = encode_multipart(
        {**report_json(), "attachments": FileStorage(io.BytesIO(attachment), "poc.bin")}
    )
    # Werkzeug spools file parts over 500 KiB to an unlinked temporary file, which no listing
    # of the temp directory would show: point that directory nowhere, so any such file fails.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no-such-directory"))
    created = client.post(URL, data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert created.status_code == 201, created.get_data(as_text=True)
    keyring: Keyring = app.extensions["disclosure"].keyring()
    stored = db_session.exec(select(CaseBlob).where(CaseBlob.kind == "attachment")).one()
    assert keyring.decrypt(stored.ciphertext).endswith(attachment)
