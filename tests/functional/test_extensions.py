"""Extensions, grace periods and the in-the-wild flag: real database, real gpg, both sides."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from disclosure.accounts.models import TokenScope, User, UserRole
from disclosure.audit.models import AuditEvent
from disclosure.audit.service import Actor
from disclosure.cases.access import open_case
from disclosure.cases.clock.models import CaseTimer
from disclosure.cases.extensions import service as extensions
from disclosure.cases.models import Case, CaseEvent, ExtensionRequest
from disclosure.db import make_engine
from disclosure.notify.models import OutboxMessage
from disclosure.policies.grants import PolicyViolation
from disclosure.policy import Permission, Principal
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

VENDOR_SCOPES = (TokenScope.CASES_READ, TokenScope.CASES_WRITE)


def _arrange(app: Flask, client: FlaskClient, policy: str, *, anonymous: bool = False) -> dict:
    program = make_program(app, policy=policy)
    owner = make_user(app, "owner@acme.example", UserRole.VENDOR)
    add_member(app, program, owner, "owner")
    researcher = make_user(app, "r@example.org")
    researcher_token = make_token(app, researcher, TokenScope.REPORTS_SUBMIT, days=365)
    headers = {} if anonymous else bearer(researcher_token)
    created = client.post("/api/v1/programs/acme/reports", json=report_json(), headers=headers)
    assert created.status_code == 201, created.get_data(as_text=True)
    return {
        "case": created.get_json()["id"],
        "program": program,
        "vendor": bearer(make_token(app, owner, *VENDOR_SCOPES, days=365)),
        "reporter": bearer(researcher_token),
    }


@pytest.fixture
def cert(app: Flask, client: FlaskClient) -> dict:
    return _arrange(app, client, "cert-cc")


@pytest.fixture
def p0(app: Flask, client: FlaskClient) -> dict:
    return _arrange(app, client, "project-zero")


def _ask(client: FlaskClient, s: dict, who: str = "vendor", **body: Any) -> Any:
    body.setdefault("reason", "The fix touches the storage format.")
    return client.post(f"/api/v1/cases/{s['case']}/extensions", json=body, headers=s[who])


def _decide(client: FlaskClient, s: dict, rid: int, accept: bool, who: str = "reporter") -> Any:
    return client.post(
        f"/api/v1/cases/{s['case']}/extensions/{rid}/decision",
        json={"accept": accept},
        headers=s[who],
    )


def _case(db_session, case_id: int) -> Case:
    db_session.expire_all()
    return db_session.get(Case, case_id)


def _timers(db_session, case_id: int, deadline: str = "disclose_by") -> dict[str, Any]:
    db_session.expire_all()
    rows = db_session.exec(
        select(CaseTimer).where(CaseTimer.case_id == case_id, CaseTimer.deadline == deadline)
    ).all()
    return {timer.level: timer.due_at for timer in rows}


def _kinds(db_session, case_id: int) -> list[str]:
    db_session.expire_all()
    events = db_session.exec(
        select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
    ).all()
    return [event.kind for event in events]


def _explanation(client: FlaskClient, s: dict, name: str = "disclose_by") -> str:
    listed = client.get(f"/api/v1/cases/{s['case']}/extensions", headers=s["reporter"]).get_json()
    return next(d for d in listed["clock"]["deadlines"] if d["name"] == name)["explanation"]


def test_an_accepted_extension_moves_the_deadline_by_exactly_its_days(
    client, cert, db_session, clock
) -> None:
    before = _case(db_session, cert["case"]).disclose_by
    timers_before = _timers(db_session, cert["case"])
    clock.advance(days=3)
    asked = _ask(client, cert, days=10)
    assert asked.status_code == 201, asked.get_data(as_text=True)
    request = asked.get_json()
    assert (request["kind"], request["status"], request["days"]) == ("extension", "pending", 10)
    assert request["requested_by"] == "owner@acme.example"
    assert _case(db_session, cert["case"]).disclose_by == before  # asking changes nothing yet
    outbox = db_session.exec(select(OutboxMessage)).all()
    mail = [m for m in outbox if "asks for more time" in m.subject]
    assert [m.recipient for m in mail] == ["r@example.org"]
    assert "Stored XSS" not in mail[0].body  # never report text in mail

    decided = _decide(client, cert, request["id"], accept=True)
    assert decided.status_code == 200, decided.get_data(as_text=True)
    assert decided.get_json()["request"]["status"] == "accepted"
    after = _case(db_session, cert["case"]).disclose_by
    assert after - before == timedelta(days=10)
    timers = _timers(db_session, cert["case"])
    assert timers["due"] == after
    assert timers["warn-90"] > timers_before["warn-90"]
    assert "extended by 10 days on 2026-03-04 by owner@acme.example" in _explanation(client, cert)
    assert _kinds(db_session, cert["case"])[-2:] == ["extension_requested", "extension_granted"]
    actions = {a.action for a in db_session.exec(select(AuditEvent)).all()}
    assert {"case.extension_request", "case.extension_accept"} <= actions


def test_a_declined_request_changes_nothing(client, cert, db_session) -> None:
    before = _case(db_session, cert["case"]).disclose_by
    timers_before = _timers(db_session, cert["case"])
    rid = _ask(client, cert, days=10).get_json()["id"]
    declined = _decide(client, cert, rid, accept=False)
    assert declined.status_code == 200
    assert declined.get_json()["request"]["status"] == "declined"
    assert _case(db_session, cert["case"]).disclose_by == before
    assert _timers(db_session, cert["case"]) == timers_before
    assert _kinds(db_session, cert["case"])[-1] == "extension_declined"
    assert _decide(client, cert, rid, accept=True).status_code == 409  # decided once


def test_the_caps_of_the_policy_are_409_naming_the_cap(client, cert) -> None:
    too_long = _ask(client, cert, days=46)
    assert too_long.status_code == 409
    error = too_long.get_json()["error"]
    assert error["code"] == "policy_violation"
    assert "45 days of extensions in total" in error["message"]
    for _ in range(2):
        rid = _ask(client, cert, days=5).get_json()["id"]
        assert _decide(client, cert, rid, accept=True).status_code == 200
    third = _ask(client, cert, days=5)
    assert third.status_code == 409
    assert "allows 2 extension(s); 2 granted" in third.get_json()["error"]["message"]


def test_project_zero_allows_no_extension_only_grace(client, p0) -> None:
    refused = _ask(client, p0, days=10)
    assert refused.status_code == 409
    assert "project-zero v1 allows no extensions" in refused.get_json()["error"]["message"]
    misfiled = _ask(client, p0, kind="extension", days=10, patch_date="2026-06-01")
    assert misfiled.status_code == 422
    assert "patch_date" in misfiled.get_json()["error"]["fields"]


def test_caps_hold_for_requests_made_side_by_side(client, cert, db_session) -> None:
    first = _ask(client, cert, days=30).get_json()["id"]
    second = _ask(client, cert, days=30)
    assert second.status_code == 201  # each fits alone
    assert _decide(client, cert, first, accept=True).status_code == 200
    late = _decide(client, cert, second.get_json()["id"], accept=True)
    assert late.status_code == 409
    assert "45 days of extensions in total; 15 left" in late.get_json()["error"]["message"]
    db_session.expire_all()
    pending = db_session.get(ExtensionRequest, second.get_json()["id"])
    assert pending.status == "pending"  # the refusal rolled back; the reporter may decline


def test_two_acceptances_at_once_never_exceed_the_cap(app, client, cert, database_url, clock):
    if not database_url.startswith("postgresql"):
        pytest.skip("truly concurrent writers need PostgreSQL (SQLite serialises every writer)")
    ids = [_ask(client, cert, days=30).get_json()["id"] for _ in range(2)]
    services = app.extensions["disclosure"]
    start, outcomes = threading.Barrier(2), []

    def accept(request_id: int) -> None:
        engine = make_engine(database_url)
        try:
            with Session(engine, expire_on_commit=False) as session:
                reporter = session.exec(select(User).where(User.email == "r@example.org")).one()
                who = Principal(user=reporter)
                access = open_case(session, who, cert["case"], Permission.REPORTS_READ_OWN)
                start.wait()
                try:
                    extensions.decide(
                        session,
                        access,
                        services.policies,
                        request_id,
                        accept=True,
                        actor=Actor(reporter.id, reporter.email),
                        now=clock.current,
                        mail=extensions.Mail(None, "http://127.0.0.1:5000"),
                    )
                    session.commit()
                    outcomes.append("accepted")
                except PolicyViolation as exc:
                    session.rollback()
                    outcomes.append(exc.message)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=accept, args=(rid,)) for rid in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes)[0] == "accepted"
    assert "45 days of extensions in total; 15 left" in sorted(outcomes)[1]


def test_project_zero_grace_before_day_90_moves_the_deadline(client, p0, db_session, clock):
    received = _case(db_session, p0["case"]).received_at
    clock.advance(days=85)
    patch = received.date() + timedelta(days=100)
    asked = _ask(client, p0, days=14, patch_date=patch.isoformat())
    assert asked.status_code == 201, asked.get_data(as_text=True)
    assert asked.get_json()["kind"] == "grace"
    assert _decide(client, p0, asked.get_json()["id"], accept=True).status_code == 200
    case = _case(db_session, p0["case"])
    assert (case.disclose_by.date() - received.date()).days == 104
    assert _timers(db_session, p0["case"])["due"] == case.disclose_by
    assert (
        f"14-day grace granted on 2026-05-25 by owner@acme.example: patch scheduled for {patch}"
        in _explanation(client, p0)
    )
    assert _kinds(db_session, p0["case"])[-1] == "grace_granted"


def test_project_zero_grace_after_day_90_or_past_its_end_is_refused(client, p0, clock) -> None:
    clock.advance(days=85)
    outside = _ask(client, p0, days=14, patch_date=date(2026, 6, 20).isoformat())
    assert outside.status_code == 409
    assert "within the grace period" in outside.get_json()["error"]["message"]
    clock.advance(days=6)  # day 91
    late = _ask(client, p0, days=14, patch_date=date(2026, 6, 10).isoformat())
    assert late.status_code == 409
    assert "must be requested before the deadline" in late.get_json()["error"]["message"]


def test_an_admin_decides_for_an_anonymous_reporter(app, client, db_session) -> None:
    s = _arrange(app, client, "cert-cc", anonymous=True)
    admin = make_user(app, "admin@example.org", UserRole.ADMIN)
    s["admin"] = bearer(make_token(app, admin, *VENDOR_SCOPES))
    rid = _ask(client, s, days=10).get_json()["id"]
    outbox = db_session.exec(select(OutboxMessage)).all()
    assert [m for m in outbox if "more time" in m.subject] == []  # nobody to mail
    listed = client.get(f"/api/v1/cases/{s['case']}/extensions", headers=s["vendor"]).get_json()
    assert listed["reporter_is_anonymous"] is True
    assert (listed["can_request"], listed["can_decide"]) == (True, False)
    refused = _decide(client, s, rid, accept=True, who="vendor")
    assert refused.status_code == 403
    assert "administrator" in refused.get_json()["error"]["message"]
    assert _decide(client, s, rid, accept=True, who="admin").status_code == 200
    assert _case(db_session, s["case"]).disclose_by.date() == date(2026, 4, 25)


def test_who_may_ask_decide_and_see(app, client, cert) -> None:
    assert _ask(client, cert, who="reporter", days=5).status_code == 403
    viewer = make_user(app, "viewer@acme.example", UserRole.VENDOR)
    add_member(app, cert["program"], viewer, "viewer")
    cert["viewer"] = bearer(make_token(app, viewer, *VENDOR_SCOPES))
    assert _ask(client, cert, who="viewer", days=5).status_code == 403
    admin = make_user(app, "admin@example.org", UserRole.ADMIN)
    cert["admin"] = bearer(make_token(app, admin, *VENDOR_SCOPES))
    assert _ask(client, cert, who="admin", days=5).status_code == 403  # admins decide, never ask
    rid = _ask(client, cert, days=5).get_json()["id"]
    assert _decide(client, cert, rid, accept=True, who="admin").status_code == 403
    assert _decide(client, cert, rid, accept=True, who="vendor").status_code == 403
    stranger = make_user(app, "other@vendor.example", UserRole.VENDOR)
    cert["stranger"] = bearer(make_token(app, stranger, *VENDOR_SCOPES))
    base = f"/api/v1/cases/{cert['case']}"
    assert client.get(f"{base}/extensions", headers=cert["stranger"]).status_code == 404
    assert _ask(client, cert, who="stranger", days=5).status_code == 404
    withdraw = client.post(f"{base}/extensions/{rid}/withdraw", headers=cert["stranger"])
    assert withdraw.status_code == 404
    other = make_user(app, "eve@example.org")
    cert["eve"] = bearer(make_token(app, other, TokenScope.REPORTS_SUBMIT))
    assert _decide(client, cert, rid, accept=True, who="eve").status_code == 404


def test_the_vendor_may_withdraw_a_pending_request(client, cert, db_session) -> None:
    rid = _ask(client, cert, days=5).get_json()["id"]
    url = f"/api/v1/cases/{cert['case']}/extensions/{rid}/withdraw"
    assert client.post(url, headers=cert["reporter"]).status_code == 403
    withdrawn = client.post(url, headers=cert["vendor"])
    assert withdrawn.status_code == 200
    assert withdrawn.get_json()["status"] == "withdrawn"
    assert _decide(client, cert, rid, accept=True).status_code == 409
    assert client.post(url, headers=cert["vendor"]).status_code == 409


def test_in_the_wild_shortens_the_deadline_and_clearing_restores_it(
    client, p0, db_session, clock
) -> None:
    url = f"/api/v1/cases/{p0['case']}/in-the-wild"
    regular = _case(db_session, p0["case"]).disclose_by
    received = _case(db_session, p0["case"]).received_at
    assert client.post(url, json={"exploited": True}, headers=p0["reporter"]).status_code == 403
    clock.advance(days=10)
    flagged = client.post(url, json={"exploited": True, "version": 1}, headers=p0["vendor"])
    assert flagged.status_code == 200, flagged.get_data(as_text=True)
    body = flagged.get_json()
    assert (body["exploited_in_the_wild"], body["changed"], body["clock"]["in_the_wild"]) == (
        "yes",
        True,
        True,
    )
    case = _case(db_session, p0["case"])
    assert (case.disclose_by.date() - received.date()).days == 17
    assert _timers(db_session, p0["case"])["due"] == case.disclose_by
    stale = client.post(url, json={"exploited": False, "version": 1}, headers=p0["vendor"])
    assert stale.status_code == 409
    assert "version" in stale.get_json()["error"]["fields"]
    cleared = client.post(url, json={"exploited": False, "version": 2}, headers=p0["vendor"])
    assert cleared.status_code == 200
    assert _case(db_session, p0["case"]).disclose_by == regular
    assert _kinds(db_session, p0["case"])[-2:] == ["in_the_wild_set", "in_the_wild_cleared"]
    again = client.post(url, json={"exploited": False}, headers=p0["vendor"]).get_json()
    assert again["changed"] is False


# --- the HTML page --------------------------------------------------------------------------


def _form(client: FlaskClient, path: str, data: dict[str, Any], page: str) -> Any:
    return client.post(path, data={**data, "csrf_token": csrf_from(client, page)})


def test_both_sides_handle_more_time_on_the_page(app, client, cert, db_session) -> None:
    page = f"/cases/{cert['case']}/extensions"
    vendor = app.test_client()
    login(vendor, "owner@acme.example")
    shown = vendor.get(page).get_data(as_text=True)
    assert "cert-cc v1 allows up to 2 extension(s)" in shown
    assert 'name="days"' in shown
    refused = _form(vendor, page, {"kind": "extension", "days": "50", "reason": "Big"}, page)
    assert refused.status_code == 409
    text = refused.get_data(as_text=True)
    assert "45 days of extensions in total" in text
    assert 'value="50"' in text  # the input is kept
    asked = _form(vendor, page, {"kind": "extension", "days": "7", "reason": "QA"}, page)
    assert asked.status_code == 303
    reporter = app.test_client()
    login(reporter, "r@example.org")
    mine = reporter.get(page).get_data(as_text=True)
    assert 'name="days"' not in mine  # the reporter does not ask
    rid = db_session.exec(select(ExtensionRequest)).one().id
    decide = f"{page}/{rid}/decision"
    assert f'action="{decide}"' in mine
    assert f'action="{decide}"' not in vendor.get(page).get_data(as_text=True)
    assert _form(vendor, decide, {"accept": "yes"}, page).status_code == 403
    assert _form(reporter, decide, {"accept": "yes"}, page).status_code == 303
    after = reporter.get(page).get_data(as_text=True)
    assert "status-accepted" in after
    assert "2026-04-22 23:59 UTC" in after  # 45 + 7 days after 2026-03-01
    assert f'href="{page}"' in reporter.get(f"/cases/{cert['case']}").get_data(as_text=True)


def test_the_page_says_an_admin_decides_for_an_anonymous_reporter(app, client) -> None:
    s = _arrange(app, client, "cert-cc", anonymous=True)
    make_user(app, "admin@example.org", UserRole.ADMIN)
    page = f"/cases/{s['case']}/extensions"
    rid = _ask(client, s, days=3).get_json()["id"]
    vendor = app.test_client()
    login(vendor, "owner@acme.example")
    assert "The reporter is anonymous" in vendor.get(page).get_data(as_text=True)
    admin = app.test_client()
    login(admin, "admin@example.org")
    shown = admin.get(page).get_data(as_text=True)
    assert "Accept for the reporter" in shown
    assert 'name="days"' not in shown
    done = _form(admin, f"{page}/{rid}/decision", {"accept": "no"}, page)
    assert done.status_code == 303
    assert "status-declined" in admin.get(page).get_data(as_text=True)
