"""The researcher portal and the case page through the HTML forms: real database, real gpg."""

from __future__ import annotations

import html
import os
import re
from collections.abc import Iterator
from io import BytesIO
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import func, select

from disclosure.accounts.models import UserRole
from disclosure.cases.models import Case
from disclosure.programs.models import Program, ProgramKey
from tests.conftest import _empty_tables
from tests.factories import add_member, csrf_from, login, make_program, make_user, report_json

CANARY = "CANARY-2b9e6d0f-portal-form"
FORM = "/programs/acme/report"
NO_MATCH = "No case matches this tracking code."
_KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')
_CODE = re.compile(r'id="tracking-code">([A-Z2-7-]+)<')
_RECEIPT = re.compile(r'<textarea id="receipt"[^>]*>(.*?)</textarea>', re.DOTALL)
_CASE_ID = re.compile(r'id="case-id">case #(\d+)<')


def _form_data(client: FlaskClient, path: str = FORM, **overrides: Any) -> dict[str, Any]:
    """What a browser sends from the plain report form, as the GET page set it up."""
    page = client.get(path).get_data(as_text=True)
    data: dict[str, Any] = {
        **report_json(),
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1),
        "idempotency_key": _KEY.search(page).group(1),
        "kind": "plain",
    }
    data.update(overrides)
    return data


def _post(client: FlaskClient, data: dict[str, Any], path: str = FORM) -> Any:
    return client.post(path, data=data, content_type="multipart/form-data")


def _count_cases(db_session) -> int:
    db_session.expire_all()
    return db_session.exec(select(func.count()).select_from(Case)).one()


def _case_id(page: str) -> int:
    return int(_CASE_ID.search(page).group(1))


def _track(client: FlaskClient, code: str) -> Any:
    token = csrf_from(client, "/track")
    return client.post("/track", data={"tracking_code": code, "csrf_token": token})


@pytest.fixture
def program(app: Flask) -> Program:
    return make_program(app)


def test_program_page_explains_scope_policy_and_keys(app: Flask, client: FlaskClient) -> None:
    make_program(app)
    make_program(app, "shut", is_open=False)
    assert 'href="/programs/acme"' in client.get("/").get_data(as_text=True)
    page = client.get("/programs/acme").get_data(as_text=True)
    assert "Project Zero 90+30" in page
    assert "The disclosure deadline is 90 days after receipt" in page
    assert "Anonymous reports are accepted" in page
    assert 'href="/programs/acme/pgp-key.asc"' in page
    assert 'href="/programs/acme/security.txt"' in page
    assert 'href="/programs/acme/report"' in page
    assert re.search(r'class="fingerprint">([0-9A-F]{4} ){9}[0-9A-F]{4}<', page)
    assert client.get("/programs/nope").status_code == 404
    assert client.get("/programs/shut").status_code == 404
    assert client.get("/programs/shut/report").status_code == 404


def test_anonymous_report_gets_a_receipt_and_a_tracking_code_that_tracks(
    client: FlaskClient, program, db_session
) -> None:
    form = client.get(FORM).get_data(as_text=True)
    for name in (*report_json(), "attachments", "no_credit", "cwe_other", "encrypted_report"):
        assert f'name="{name}"' in form, name
    assert 'enctype="multipart/form-data"' in form
    assert '<option value="CWE-79">CWE-79: Improper Neutralization' in form

    response = _post(client, _form_data(client))
    assert response.status_code == 201, response.get_data(as_text=True)
    assert "Location" not in response.headers
    page = response.get_data(as_text=True)
    code = _CODE.search(page).group(1)
    case_id = _case_id(page)
    assert "we store only a hash" in page.lower()
    assert "2026-05-30" in page  # project-zero: 90 days from the test clock's 2026-03-01
    assert "project-zero v1" in page  # the explanation of each deadline
    assert "-----BEGIN PGP SIGNED MESSAGE-----" in page
    assert _count_cases(db_session) == 1

    tracked = _track(client, code.lower())
    assert tracked.status_code == 200
    text = tracked.get_data(as_text=True)
    assert f"Case <strong>#{case_id}</strong>" in text
    assert code not in text
    wrong, empty = _track(client, "AAAA-BBBB-CCCC"), _track(client, "")
    assert wrong.status_code == empty.status_code == 404
    assert NO_MATCH in wrong.get_data(as_text=True)
    assert wrong.get_data() == empty.get_data()  # nothing distinguishes one wrong code


def test_signed_in_researcher_sees_own_case_but_no_one_elses(
    app: Flask, client: FlaskClient, program
) -> None:
    make_user(app, "ada@example.org")
    make_user(app, "bob@example.org")
    login(client, "ada@example.org")
    response = _post(client, _form_data(client, title=f"Mine {CANARY}"))
    assert response.status_code == 201
    page = response.get_data(as_text=True)
    assert "tracking-code" not in page
    case_id = _case_id(page)
    assert f'href="/cases/{case_id}"' in page

    mine = client.get("/my/cases").get_data(as_text=True)
    assert f'href="/cases/{case_id}"' in mine
    assert re.search(r"\(\d+ days? \d+ hours? left\)", mine)
    assert CANARY in client.get(f"/cases/{case_id}").get_data(as_text=True)

    other = app.test_client()
    login(other, "bob@example.org")
    assert f"/cases/{case_id}" not in other.get("/my/cases").get_data(as_text=True)
    refused = other.get(f"/cases/{case_id}")
    assert refused.status_code == 404
    assert CANARY not in refused.get_data(as_text=True)
    assert app.test_client().get(f"/cases/{case_id}").status_code == 302  # to sign in


def test_a_signed_in_researcher_is_credited_by_profile_name_unless_they_decline(
    app: Flask, client: FlaskClient, program, db_session
) -> None:
    ada = make_user(app, "ada@example.org")
    ada.display_name = "Ada Lovelace"
    db_session.add(ada)
    db_session.commit()
    login(client, "ada@example.org")
    form = client.get(FORM).get_data(as_text=True)
    assert "you are credited as “Ada Lovelace”" in form
    credit = re.compile(r"<dt>Credit</dt><dd>([^<]*)</dd>")

    def credited(**overrides: Any) -> str:
        created = _post(client, _form_data(client, credit="", **overrides))
        assert created.status_code == 201, created.get_data(as_text=True)
        page = client.get(f"/cases/{_case_id(created.get_data(as_text=True))}")
        return html.unescape(credit.search(page.get_data(as_text=True)).group(1))

    assert credited() == "Ada Lovelace"
    assert credited(no_credit="1") == "no credit wanted"
    typed = _post(client, _form_data(client, credit="A. L. of Analytical Engines"))
    page = client.get(f"/cases/{_case_id(typed.get_data(as_text=True))}").get_data(as_text=True)
    assert credit.search(page).group(1) == "A. L. of Analytical Engines"


def test_canary_from_the_form_is_readable_by_the_vendor_only_in_its_program(
    app: Flask, client: FlaskClient, program
) -> None:
    make_program(app, "other")
    vendor = make_user(app, "owner@acme.example", UserRole.VENDOR)
    add_member(app, program, vendor, "owner")
    attachment = os.urandom(2048) + CANARY.encode() + os.urandom(2048)
    data = _form_data(
        client,
        title=f"XSS {CANARY}",
        description=f"Body {CANARY} with <script>alert(1)</script> inside.",
        attachments=(BytesIO(attachment), f"poc-{CANARY}.bin"),
    )
    created = _post(client, data)
    assert created.status_code == 201, created.get_data(as_text=True)
    assert CANARY not in created.get_data(as_text=True)
    case_id = _case_id(created.get_data(as_text=True))
    elsewhere = _case_id(
        _post(
            client, _form_data(client, "/programs/other/report"), "/programs/other/report"
        ).get_data(as_text=True)
    )

    login(client, "owner@acme.example")
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert f'<span id="report-title">XSS {CANARY}</span>' in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>" not in page
    assert "CWE-79: Improper Neutralization of Input During Web Page Generation" in page
    assert "7.6 (High)" in page
    link = re.search(rf'href="(/cases/{case_id}/attachments/\d+)"', page).group(1)
    download = client.get(link)
    assert download.status_code == 200
    assert download.data == attachment
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert f"poc-{CANARY}.bin" in download.headers["Content-Disposition"]
    assert client.get(f"/cases/{elsewhere}").status_code == 404
    assert client.get(f"/cases/{elsewhere}/attachments/1").status_code == 404


@pytest.mark.parametrize(
    ("overrides", "field", "kept"),
    [
        ({"cvss_vector": "CVSS:3.1/AV:X"}, "cvss_vector", "CVSS:3.1/AV:X"),
        ({"cwe": "other", "cwe_other": "XSS-ish"}, "cwe", "XSS-ish"),
        ({"title": ""}, "title", "The widget name is rendered without escaping"),
    ],
)
def test_validation_errors_keep_the_input_and_name_the_field(
    client: FlaskClient, program, db_session, overrides, field: str, kept: str
) -> None:
    data = _form_data(client, **overrides, attachments=(BytesIO(b"poc"), "poc.txt"))
    response = _post(client, data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page
    assert kept in page
    assert "Ada L." in page  # the credit field, untouched, is kept too
    assert 'id="attach-again"' in page
    assert _count_cases(db_session) == 0


@pytest.fixture
def small_app(app_overrides: dict[str, Any], clock) -> Iterator[Flask]:
    from disclosure import create_app

    small = create_app({**app_overrides, "max_attachment_bytes": 1024})
    small.extensions["disclosure"].clock = clock
    yield small
    _empty_tables(small.extensions["disclosure"].engine)
    small.extensions["disclosure"].engine.dispose()


def test_a_too_large_attachment_is_413_naming_the_limit(small_app: Flask) -> None:
    make_program(small_app)
    client = small_app.test_client()
    data = _form_data(client, attachments=(BytesIO(b"x" * 2048), "big.bin"))
    response = _post(client, data)
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "1 KiB" in page
    assert 'id="attachments-error"' in page
    assert "Stored XSS in the widget name" in page
    with small_app.extensions["disclosure"].engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM case_file").scalar() == 0


def test_a_double_submit_creates_one_case(client: FlaskClient, program, db_session) -> None:
    data = _form_data(client)
    first = _post(client, dict(data))
    second = _post(client, dict(data))
    assert (first.status_code, second.status_code) == (201, 200)
    first_page, second_page = first.get_data(as_text=True), second.get_data(as_text=True)
    assert _case_id(first_page) == _case_id(second_page)
    assert _CODE.search(first_page).group(1) == _CODE.search(second_page).group(1)
    assert 'id="replayed"' in second_page
    assert _count_cases(db_session) == 1


def test_a_program_refusing_anonymous_reports_asks_to_sign_in(
    app: Flask, client: FlaskClient, db_session
) -> None:
    make_program(app, "acme", accepts_anonymous=False)
    asked = client.get(FORM)
    assert asked.status_code == 401
    assert "/login?next=/programs/acme/report" in asked.get_data(as_text=True)
    data = {
        **report_json(),
        "csrf_token": csrf_from(client, "/login"),
        "idempotency_key": "k" * 24,
        "kind": "plain",
    }
    refused = _post(client, data)
    assert refused.status_code == 401
    assert "accepts reports only from signed-in researchers" in refused.get_data(as_text=True)
    assert _count_cases(db_session) == 0

    make_user(app, "ada@example.org")
    login(client, "ada@example.org")
    assert _post(client, _form_data(client)).status_code == 201


def test_the_receipt_verifies_and_a_tampered_one_does_not(client: FlaskClient, program) -> None:
    page = _post(client, _form_data(client)).get_data(as_text=True)
    receipt = html.unescape(_RECEIPT.search(page).group(1))
    token = csrf_from(client, "/receipts/verify")

    checked = client.post(
        "/receipts/verify", data={"receipt": receipt.replace("\n", "\r\n"), "csrf_token": token}
    )
    assert checked.status_code == 200
    text = checked.get_data(as_text=True)
    assert 'id="receipt-valid"' in text
    assert f"#{_case_id(page)}" in text
    assert "Matches what is stored" in text

    digest = re.search(r"report_sha256: ([0-9a-f]{64})", receipt).group(1)
    tampered = receipt.replace(digest, digest[::-1])
    refused = client.post("/receipts/verify", data={"receipt": tampered, "csrf_token": token})
    assert refused.status_code == 400
    assert "signature is not valid" in refused.get_data(as_text=True)


def test_offline_only_cases_offer_the_ciphertext_for_local_decryption(
    app: Flask, client: FlaskClient, program, db_session
) -> None:
    vendor = make_user(app, "owner@acme.example", UserRole.VENDOR)
    add_member(app, program, vendor, "owner")
    case_id = _case_id(
        _post(client, _form_data(client, title=f"Offline {CANARY}")).get_data(as_text=True)
    )
    row = db_session.get(Program, program.id)
    row.is_offline_only = True
    db_session.commit()

    login(client, "owner@acme.example")
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert 'id="offline-only"' in page
    assert CANARY not in page
    link = re.search(rf'href="(/cases/{case_id}/blobs/\d+\.asc)"', page).group(1)
    download = client.get(link)
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.data.startswith(b"-----BEGIN PGP MESSAGE-----")
    plaintext = app.extensions["disclosure"].keyring().decrypt(download.data)
    assert CANARY.encode() in plaintext


def test_a_pre_encrypted_report_shows_its_text_to_the_vendor(
    app: Flask, client: FlaskClient, program, db_session
) -> None:
    vendor = make_user(app, "owner@acme.example", UserRole.VENDOR)
    add_member(app, program, vendor, "owner")
    keyring = app.extensions["disclosure"].keyring()
    fingerprint = db_session.exec(
        select(ProgramKey.fingerprint).where(ProgramKey.program_id == program.id)
    ).one()
    message = keyring.encrypt(f"Pre-encrypted {CANARY}".encode(), [fingerprint]).decode()
    page = client.get(FORM).get_data(as_text=True)
    data = {
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1),
        "idempotency_key": _KEY.findall(page)[1],
        "kind": "encrypted",
        "encrypted_report_file": (BytesIO(message.encode()), "report.asc"),
        "exploited_in_the_wild": "yes",
    }
    empty = _post(client, {**data, "encrypted_report_file": (BytesIO(b""), "")})
    assert empty.status_code == 422
    assert 'id="encrypted_report-error"' in empty.get_data(as_text=True)
    assert 'id="enc-itw-yes" value="yes" checked' in empty.get_data(as_text=True)
    created = _post(client, data)
    assert created.status_code == 201, created.get_data(as_text=True)
    login(client, "owner@acme.example")
    case_page = client.get(f"/cases/{_case_id(created.get_data(as_text=True))}").get_data(
        as_text=True
    )
    assert f'<pre class="report-text" id="report-text">Pre-encrypted {CANARY}</pre>' in case_page
