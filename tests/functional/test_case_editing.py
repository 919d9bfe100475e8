"""Triage on one case: severity, CWE, assignee, affected products and state, by API and HTML."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from disclosure.accounts.models import TokenScope, UserRole
from disclosure.audit.models import AuditEvent
from disclosure.cases.models import AffectedProduct, Case, CaseEvent
from tests.factories import (
    add_member,
    bearer,
    csrf_from,
    login,
    make_program,
    make_token,
    make_user,
    report_json,
)

CRITICAL = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
V4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
ROW = {"vendor": "Acme", "product": "Widgets", "ecosystem": "PyPI", "package_name": "acme-widgets"}


@pytest.fixture
def setup(app: Flask, client: FlaskClient) -> dict[str, Any]:
    program = make_program(app)
    owner = make_user(app, "owner@acme.example", UserRole.VENDOR)
    add_member(app, program, owner, "owner")
    researcher = make_user(app, "r@example.org")
    token = make_token(app, researcher, TokenScope.REPORTS_SUBMIT)
    created = client.post(
        "/api/v1/programs/acme/reports", json=report_json(), headers=bearer(token)
    ).get_json()
    scopes = (TokenScope.CASES_READ, TokenScope.CASES_WRITE)
    return {
        "case": created["id"],
        "program": program,
        "owner": owner,
        "vendor": bearer(make_token(app, owner, *scopes)),
        "researcher": bearer(token),
    }


def _patch(client: FlaskClient, setup: dict[str, Any], who: str = "vendor", **body: Any) -> Any:
    return client.patch(f"/api/v1/cases/{setup['case']}", json=body, headers=setup[who])


def test_patch_sets_triage_fields_and_answers_the_computed_score(
    client: FlaskClient, setup: dict[str, Any], db_session
) -> None:
    response = _patch(
        client,
        setup,
        cvss_vector=CRITICAL,
        cwe="79",
        assignee="Owner@Acme.example",
        affected=[{**ROW, "purl": "pkg:pypi/acme-widgets", "fixed": "2.4.1"}],
        version=1,
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    out = response.get_json()
    assert (out["cvss_score"], out["cvss_rating"], out["cvss_version"]) == (9.8, "Critical", "3.1")
    assert out["cwe"] == "CWE-79"
    assert out["cwe_name"].startswith("Improper Neutralization of Input")
    assert out["assignee"] == {"id": setup["owner"].id, "email": "owner@acme.example"}
    assert out["affected"][0]["introduced"] == "0"
    assert out["affected"][0]["fixed"] == "2.4.1"
    assert out["version"] == 2

    scored4 = _patch(client, setup, cvss_vector=V4).get_json()
    assert (scored4["cvss_score"], scored4["cvss_rating"], scored4["cvss_version"]) == (
        9.3,
        "Critical",
        "4.0",
    )
    assert scored4["affected"] == out["affected"]  # left out: left alone
    case = client.get(f"/api/v1/cases/{setup['case']}", headers=setup["vendor"]).get_json()
    assert case["cvss_vector"] == V4
    assert case["assignee"]["email"] == "owner@acme.example"
    assert case["report"]["title"] == report_json()["title"]  # the submission's own names
    assert case["version"] == 3

    kinds = [e.kind for e in db_session.exec(select(CaseEvent)).all()]
    assert kinds.count("severity_set") == 2  # cvss, then cvss again
    assert kinds.count("cwe_set") == 1
    assert {"assigned", "affected_set"} <= set(kinds)
    actions = [a.action for a in db_session.exec(select(AuditEvent)).all()]
    for action in ("case.severity_set", "case.cwe_set", "case.assign", "case.affected_set"):
        assert action in actions
    cleared = _patch(client, setup, cvss_vector=None, assignee=None, affected=[]).get_json()
    assert (cleared["cvss_score"], cleared["assignee"], cleared["affected"]) == (None, None, [])


def test_a_stale_version_is_409_and_the_retry_applies(
    client: FlaskClient, setup: dict[str, Any], db_session
) -> None:
    assert _patch(client, setup, cwe="CWE-89", version=1).status_code == 200
    stale = _patch(client, setup, cwe="CWE-79", version=1)
    assert stale.status_code == 409
    assert stale.get_json()["error"]["fields"]["version"] == "Current version is 2."
    db_session.expire_all()
    assert db_session.get(Case, setup["case"]).cwe == "CWE-89"
    retried = _patch(client, setup, cwe="CWE-79", version=2)
    assert retried.get_json()["cwe"] == "CWE-79"


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"cvss_vector": "CVSS:3.1/AV:X", "cwe": "XSS"}, {"cvss_vector", "cwe"}),
        ({"cvss_vector": "CVSS:2.0/AV:N"}, {"cvss_vector"}),
        ({"cwe": "79", "assignee": "stranger@example.org"}, {"assignee"}),
        ({"affected": [{**ROW, "purl": "pypi/acme"}]}, {"affected.0.purl"}),
        ({"affected": [{**ROW, "fixed": "2", "last_affected": "1"}]}, {"affected.0.last_affected"}),
        ({"affected": [{"vendor": "Acme"}]}, {"affected.0.product"}),
        ({"cwe": "CWE-79", "severity": "high"}, {"severity"}),
    ],
)
def test_bad_triage_input_is_422_naming_each_field_and_changes_nothing(
    client: FlaskClient, setup: dict[str, Any], db_session, body: dict, fields: set[str]
) -> None:
    refused = _patch(client, setup, **body)
    assert refused.status_code == 422
    assert set(refused.get_json()["error"]["fields"]) == fields
    db_session.expire_all()
    case = db_session.get(Case, setup["case"])
    assert (case.cwe, case.cvss_vector, case.assignee_id, case.version) == (None, None, None, 1)


def test_who_may_patch(app: Flask, client: FlaskClient, setup: dict[str, Any]) -> None:
    viewer = make_user(app, "viewer@acme.example", UserRole.VENDOR)
    add_member(app, setup["program"], viewer, "viewer")
    setup["viewer"] = bearer(make_token(app, viewer, TokenScope.CASES_READ, TokenScope.CASES_WRITE))
    assert _patch(client, setup, "viewer", cwe="CWE-79").status_code == 403
    assert _patch(client, setup, "researcher", cwe="CWE-79").status_code == 403
    stranger = make_user(app, "owner@other.example", UserRole.VENDOR)
    add_member(app, make_program(app, "other"), stranger, "owner")
    setup["stranger"] = bearer(make_token(app, stranger, TokenScope.CASES_WRITE))
    assert _patch(client, setup, "stranger", cwe="CWE-79").status_code == 404
    missing = client.patch("/api/v1/cases/999999", json={}, headers=setup["vendor"])
    assert missing.status_code == 404
    admin = make_user(app, "admin@example.org", UserRole.ADMIN)
    setup["admin"] = bearer(make_token(app, admin, TokenScope.CASES_READ, TokenScope.CASES_WRITE))
    assert _patch(client, setup, "admin", cwe="CWE-79").get_json()["cwe"] == "CWE-79"


def _post(client: FlaskClient, path: str, **form: Any) -> Any:
    form.setdefault("csrf_token", csrf_from(client, "/account"))
    return client.post(path, data=form)


def _page(client: FlaskClient, case_id: int) -> str:
    return client.get(f"/cases/{case_id}").get_data(as_text=True)


def test_the_triage_form_scores_without_saving_then_saves(
    client: FlaskClient, setup: dict[str, Any], db_session
) -> None:
    case_id = setup["case"]
    login(client, "owner@acme.example")
    page = _page(client, case_id)
    assert 'id="triage"' in page
    assert f'<option value="{setup["owner"].id}">owner@acme.example</option>' in page
    base = f"/cases/{case_id}/triage"
    scored = _post(client, base, action="score", cvss_vector=CRITICAL, cwe="CWE-79", version="1")
    assert scored.status_code == 200
    text = scored.get_data(as_text=True)
    assert 'id="cvss-score-value">9.8<' in text
    assert "not saved yet" in text
    assert f'value="{CRITICAL}"' in text
    assert '<option value="CWE-79" selected>' in text
    db_session.expire_all()
    assert db_session.get(Case, case_id).cvss_vector is None

    bad = _post(client, base, action="save", cvss_vector="CVSS:3.1/AV:N/nope", version="1")
    assert bad.status_code == 422
    assert 'id="cvss_vector-error"' in bad.get_data(as_text=True)
    assert 'value="CVSS:3.1/AV:N/nope"' in bad.get_data(as_text=True)

    saved = _post(
        client,
        base,
        action="save",
        cvss_vector=CRITICAL,
        cwe="other",
        cwe_other="cwe-1390",
        assignee=str(setup["owner"].id),
        version="1",
    )
    assert saved.status_code == 302
    assert saved.headers["Location"].endswith(f"/cases/{case_id}#triage")
    page = _page(client, case_id)
    assert 'id="cvss-score-value">9.8<' in page
    assert 'value="CWE-1390"' in page
    assert f'<option value="{setup["owner"].id}" selected>' in page
    db_session.expire_all()
    case = db_session.get(Case, case_id)
    assert (case.cvss_rating, case.cwe, case.assignee_id) == (
        "Critical",
        "CWE-1390",
        setup["owner"].id,
    )

    # Someone else saved in between: 409, this input kept, and the form now carries version 2.
    stale = _post(client, base, action="save", cvss_vector=V4, cwe="CWE-79", version="1")
    assert stale.status_code == 409
    text = stale.get_data(as_text=True)
    assert "changed since you loaded it" in text
    assert f'value="{V4}"' in text
    assert '<input type="hidden" name="version" value="2">' in text


def test_state_buttons_follow_the_lifecycle(
    app: Flask, client: FlaskClient, setup: dict[str, Any], db_session
) -> None:
    case_id = setup["case"]
    original = client.post("/api/v1/programs/acme/reports", json=report_json()).get_json()["id"]
    login(client, "owner@acme.example")
    page = _page(client, case_id)
    for move in ("acknowledged", "needs_info", "duplicate", "spam"):
        assert f'id="move-{move}"' in page
    assert 'id="move-fixed"' not in page
    path = f"/cases/{case_id}/state"
    assert _post(client, path, to="acknowledged", version="1").status_code == 302
    illegal = _post(client, path, to="disclosed", reason="because", version="2")
    assert illegal.status_code == 409
    assert 'id="to-error"' in illegal.get_data(as_text=True)
    assert 'value="because"' in illegal.get_data(as_text=True)
    missing = _post(client, path, to="duplicate", duplicate_of="", version="2")
    assert missing.status_code == 422
    assert 'id="duplicate_of-error"' in missing.get_data(as_text=True)
    assert _post(client, path, to="duplicate", duplicate_of=f"#{original}").status_code == 302
    db_session.expire_all()
    assert db_session.get(Case, case_id).duplicate_of_id == original
    page = _page(client, case_id)
    assert re.search(r'id="move-acknowledged"[^>]*>Reopen<', page)
    assert _post(client, path, to="acknowledged").status_code == 302
    assert 'id="case-state">acknowledged<' in _page(client, case_id)
    timeline = _page(client, case_id).split('id="timeline"')[1]
    assert "reopened" in timeline
    assert "owner@acme.example" in timeline


def test_affected_products_are_added_and_removed_row_by_row(
    client: FlaskClient, setup: dict[str, Any], db_session
) -> None:
    case_id = setup["case"]
    login(client, "owner@acme.example")
    path = f"/cases/{case_id}/affected"
    added = _post(client, path, **ROW, purl="pkg:pypi/acme-widgets", fixed="2.4.1", version="1")
    assert added.status_code == 302
    bad = _post(client, path, vendor="Acme", product="Gadget", purl="acme/gadget", version="2")
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert 'id="purl-error"' in text
    assert 'value="acme/gadget"' in text
    assert 'value="Gadget"' in text
    assert _post(client, path, vendor="Acme", product="Gadget", version="2").status_code == 302
    rows = db_session.exec(select(AffectedProduct).order_by(AffectedProduct.id)).all()
    assert [(r.product, r.introduced, r.fixed) for r in rows] == [
        ("Widgets", "0", "2.4.1"),
        ("Gadget", "0", ""),
    ]
    first = rows[0].id
    assert f'id="affected-{first}"' in _page(client, case_id)
    removed = _post(client, f"{path}/{first}/delete", version="3")
    assert removed.status_code == 302
    db_session.expire_all()
    assert [r.product for r in db_session.exec(select(AffectedProduct)).all()] == ["Gadget"]
    assert _post(client, f"{path}/{first}/delete").status_code == 404
    events = db_session.exec(select(CaseEvent).where(CaseEvent.kind == "affected_set")).all()
    assert [json.loads(e.details)["products"] for e in events] == [
        ["Widgets"],
        ["Widgets", "Gadget"],
        ["Gadget"],
    ]


def test_a_viewer_reads_the_page_but_gets_no_forms(
    app: Flask, client: FlaskClient, setup: dict[str, Any]
) -> None:
    viewer = make_user(app, "viewer@acme.example", UserRole.VENDOR)
    add_member(app, setup["program"], viewer, "viewer")
    login(client, "viewer@acme.example")
    page = _page(client, setup["case"])
    assert report_json()["title"] in page
    assert 'id="triage"' in page
    for form in (
        'id="save-triage"',
        'id="move-acknowledged"',
        'id="add-note"',
        'id="send-message"',
    ):
        assert form not in page
    refused = _post(client, f"/cases/{setup['case']}/triage", action="save", cwe="CWE-79")
    assert refused.status_code == 403


def test_the_reporter_is_offered_only_their_moves(
    app: Flask, client: FlaskClient, setup: dict[str, Any]
) -> None:
    case_id = setup["case"]
    login(client, "r@example.org")
    page = _page(client, case_id)
    assert re.search(r'id="move-withdrawn"[^>]*>Withdraw the report<', page)
    assert 'id="move-acknowledged"' not in page
    path = f"/api/v1/cases/{case_id}/transitions"
    client.post(path, json={"to": "acknowledged"}, headers=setup["vendor"])
    client.post(path, json={"to": "needs_info"}, headers=setup["vendor"])
    page = _page(client, case_id)
    assert re.search(r'id="move-acknowledged"[^>]*>I have answered<', page)
    assert 'id="move-accepted"' not in page  # answering returns the case where it was
    answered = _post(client, f"/cases/{case_id}/state", to="acknowledged")
    assert answered.status_code == 302
    assert 'id="case-state">acknowledged<' in _page(client, case_id)
