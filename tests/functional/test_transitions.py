"""Moving cases through the lifecycle over the API: deadlines, timeline, access, conflicts."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from disclosure.accounts.models import TokenScope, UserRole
from disclosure.audit.models import AuditEvent
from disclosure.cases.clock.models import CaseTimer
from disclosure.cases.models import Case, CaseEvent
from tests.factories import add_member, bearer, make_program, make_token, make_user, report_json


@pytest.fixture
def setup(app: Flask, client: FlaskClient) -> dict:
    program = make_program(app)
    owner = make_user(app, "owner@acme.example", UserRole.VENDOR)
    add_member(app, program, owner, "owner")
    researcher = make_user(app, "r@example.org")
    researcher_token = make_token(app, researcher, TokenScope.REPORTS_SUBMIT)
    created = client.post(
        "/api/v1/programs/acme/reports", json=report_json(), headers=bearer(researcher_token)
    ).get_json()
    return {
        "case": created["id"],
        "program": program,
        "vendor": bearer(
            make_token(app, owner, TokenScope.CASES_READ, TokenScope.CASES_WRITE, days=365)
        ),
        "researcher": bearer(researcher_token),
    }


def _move(client: FlaskClient, setup: dict, to: str, who: str = "vendor", **extra):
    return client.post(
        f"/api/v1/cases/{setup['case']}/transitions", json={"to": to, **extra}, headers=setup[who]
    )


def test_acknowledging_meets_the_acknowledge_deadline(client, setup, db_session, clock) -> None:
    timers = db_session.exec(select(CaseTimer).where(CaseTimer.case_id == setup["case"])).all()
    assert {t.deadline for t in timers} == {"acknowledge_by", "triage_by", "disclose_by"}
    clock.advance(days=1)
    moved = _move(client, setup, "acknowledged", reason="on it")
    assert moved.status_code == 200, moved.get_data(as_text=True)
    assert moved.get_json()["state"] == "acknowledged"
    assert moved.get_json()["version"] == 2
    db_session.expire_all()
    pending = db_session.exec(select(CaseTimer).where(CaseTimer.case_id == setup["case"])).all()
    assert "acknowledge_by" not in {t.deadline for t in pending}
    case = db_session.get(Case, setup["case"])
    assert case.acknowledged_at == clock.current
    assert case.next_deadline_at == case.triage_by
    kinds = [e.kind for e in db_session.exec(select(CaseEvent)).all()]
    assert kinds == ["received", "state_changed"]
    assert "case.transition" in [a.action for a in db_session.exec(select(AuditEvent)).all()]


def test_an_illegal_move_is_409_listing_the_legal_ones(client, setup) -> None:
    refused = _move(client, setup, "fixed")
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "invalid_transition"
    assert "acknowledged" in error["message"]
    assert "needs_info" in error["message"]


def test_a_stale_version_is_409_and_changes_nothing(client, setup, db_session) -> None:
    assert _move(client, setup, "acknowledged", version=1).status_code == 200
    stale = _move(client, setup, "spam", version=1)
    assert stale.status_code == 409
    assert "version" in stale.get_json()["error"]["fields"]
    db_session.expire_all()
    assert db_session.get(Case, setup["case"]).state == "acknowledged"


def test_fixing_sets_the_publication_date(client, setup, clock, db_session) -> None:
    _move(client, setup, "acknowledged")
    _move(client, setup, "accepted")
    clock.advance(days=47)
    assert _move(client, setup, "fixed").status_code == 200
    db_session.expire_all()
    case = db_session.get(Case, setup["case"])
    # project-zero: fixed on day 47 -> details public on day 77
    assert (case.publish_at.date() - case.received_at.date()).days == 77
    assert case.next_deadline_at == case.publish_at


def test_the_reporter_may_withdraw_but_not_triage(client, setup, db_session) -> None:
    assert _move(client, setup, "acknowledged", who="researcher").status_code == 409
    withdrawn = _move(client, setup, "withdrawn", who="researcher")
    assert withdrawn.status_code == 200
    assert withdrawn.get_json()["state"] == "withdrawn"
    db_session.expire_all()
    assert db_session.get(Case, setup["case"]).next_deadline_at is None
    assert db_session.exec(select(CaseTimer).where(CaseTimer.fired_at.is_(None))).all() == []
    reopened = _move(client, setup, "acknowledged")
    assert reopened.status_code == 200


def test_duplicate_links_the_original_of_the_same_program(app, client, setup) -> None:
    other = client.post("/api/v1/programs/acme/reports", json=report_json()).get_json()["id"]
    _move(client, setup, "acknowledged")
    missing = _move(client, setup, "duplicate")
    assert missing.status_code == 422
    linked = _move(client, setup, "duplicate", duplicate_of=other)
    assert linked.status_code == 200
    assert linked.get_json()["state"] == "duplicate"
    case = client.get(f"/api/v1/cases/{setup['case']}", headers=setup["vendor"]).get_json()
    assert case["duplicate_of"] == other
    make_program(app, "elsewhere")
    foreign = client.post("/api/v1/programs/elsewhere/reports", json=report_json()).get_json()
    _move(client, setup, "acknowledged")
    assert _move(client, setup, "duplicate", duplicate_of=foreign["id"]).status_code == 404
    after = client.get(f"/api/v1/cases/{setup['case']}", headers=setup["vendor"]).get_json()
    assert (after["state"], after["duplicate_of"]) == ("acknowledged", None)


def test_viewers_cannot_change_and_strangers_do_not_see(app, client, setup) -> None:
    viewer = make_user(app, "viewer@acme.example", UserRole.VENDOR)
    add_member(app, setup["program"], viewer, "viewer")
    setup["viewer"] = bearer(make_token(app, viewer, TokenScope.CASES_READ, TokenScope.CASES_WRITE))
    before = client.get(f"/api/v1/cases/{setup['case']}", headers=setup["vendor"]).get_json()
    assert _move(client, setup, "acknowledged", who="viewer").status_code == 403
    after = client.get(f"/api/v1/cases/{setup['case']}", headers=setup["vendor"]).get_json()
    assert (
        (after["state"], after["version"])
        == (before["state"], before["version"])
        == (
            "new",
            before["version"],
        )
    )
    stranger = make_user(app, "other@vendor.example", UserRole.VENDOR)
    setup["stranger"] = bearer(
        make_token(app, stranger, TokenScope.CASES_READ, TokenScope.CASES_WRITE)
    )
    hidden = _move(client, setup, "acknowledged", who="stranger")
    assert hidden.status_code == 404
    assert (
        client.get(f"/api/v1/cases/{setup['case']}", headers=setup["stranger"]).status_code == 404
    )
