"""The timer sweep: every preset from receipt to publication, breaches, a paused clock, and two
sweepers at once (PostgreSQL)."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, col, select

from disclosure.accounts.models import TokenScope, UserRole
from disclosure.audit.models import AuditEvent
from disclosure.audit.service import verify_chain
from disclosure.cases.clock.jobs import dedupe_key, sweep_due_timers
from disclosure.cases.clock.models import CaseTimer
from disclosure.cases.models import CaseEvent
from disclosure.db import make_engine
from disclosure.notify.models import OutboxMessage
from tests.conftest import Clock
from tests.factories import add_member, bearer, make_program, make_token, make_user, report_json

PRESETS = ["cert-cc", "custom", "iso-29147", "project-zero", "zdi"]
LEVELS = ["warn-50", "warn-75", "warn-90", "due"]
# What each preset asks for when the disclosure deadline comes (ISO and custom: nothing).
ACTION_AT_DEADLINE = {
    "cert-cc": "publish",
    "custom": "notify",
    "project-zero": "publish",
    "zdi": "publish-limited",
}
SECOND = timedelta(seconds=1)


def _open_case(app: Flask, client: FlaskClient, policy: str, slug: str = "acme") -> dict:
    """A program under `policy` with an owner and a triager, and one report by a researcher."""
    program = make_program(app, slug, policy=policy)
    owner = make_user(app, f"owner@{slug}.example", UserRole.VENDOR)
    add_member(app, program, owner, "owner")
    add_member(app, program, make_user(app, f"triager@{slug}.example", UserRole.VENDOR), "triager")
    researcher = make_user(app, f"r@{slug}.example")
    submit = bearer(make_token(app, researcher, TokenScope.REPORTS_SUBMIT))
    created = client.post(f"/api/v1/programs/{slug}/reports", json=report_json(), headers=submit)
    assert created.status_code == 201, created.get_data(as_text=True)
    vendor = make_token(app, owner, TokenScope.CASES_READ, TokenScope.CASES_WRITE, days=3650)
    return {"case": created.get_json()["id"], "vendor": bearer(vendor)}


def _move(client: FlaskClient, world: dict, to: str) -> None:
    moved = client.post(
        f"/api/v1/cases/{world['case']}/transitions", json={"to": to}, headers=world["vendor"]
    )
    assert moved.status_code == 200, moved.get_data(as_text=True)


def _sweep(app: Flask, clock: Clock) -> int:
    return sweep_due_timers(app.extensions["disclosure"], clock.current)


def _travel(app: Flask, clock: Clock, db: Session, case_id: int, days: int) -> list[tuple]:
    """Step to each pending timer's moment, sweeping a second before it and at it."""
    until, fired = clock.current + timedelta(days=days), []
    while True:
        db.expire_all()
        pending = db.exec(
            select(CaseTimer)
            .where(CaseTimer.case_id == case_id, col(CaseTimer.fired_at).is_(None))
            .order_by(col(CaseTimer.due_at))
        ).all()
        if not pending or pending[0].due_at > until:
            return fired
        moment = pending[0].due_at
        if moment - SECOND > clock.current:
            clock.advance(seconds=(moment - SECOND - clock.current).total_seconds())
            assert _sweep(app, clock) == 0, "nothing fires before its moment"
        clock.advance(seconds=max(0.0, (moment - clock.current).total_seconds()))
        expected = [(t.deadline, t.level) for t in pending if t.due_at <= clock.current]
        assert _sweep(app, clock) == len(expected)
        assert _sweep(app, clock) == 0, "a second sweep at the same moment fires nothing"
        fired += expected


def _events(db: Session, case_id: int, kind: str) -> list[dict]:
    rows = db.exec(select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.kind == kind))
    return [json.loads(event.details) for event in rows]


def _mail(db: Session, recipient: str, contains: str = "") -> list[OutboxMessage]:
    """The timer mails to `recipient` whose subject contains `contains`."""
    rows = db.exec(select(OutboxMessage).where(OutboxMessage.recipient == recipient)).all()
    return [r for r in rows if (r.dedupe_key or "").startswith("timer:") and contains in r.subject]


def _check_fired_once(db: Session, case_id: int, fired: list[tuple]) -> None:
    db.expire_all()
    timers = db.exec(select(CaseTimer).where(CaseTimer.case_id == case_id)).all()
    assert all(timer.fired_at is not None for timer in timers)
    events = _events(db, case_id, "timer_fired")
    assert sorted(e["timer_id"] for e in events) == sorted(t.id for t in timers)
    assert len(fired) == len(set(fired)) == len(timers)
    audited = db.exec(select(AuditEvent).where(AuditEvent.action == "timer.fire")).all()
    assert len(audited) == len(timers)


@pytest.mark.parametrize("policy", PRESETS)
def test_a_silent_vendor_meets_every_timer_of_the_preset(app, client, clock, db_session, policy):
    world = _open_case(app, client, policy)
    fired = _travel(app, clock, db_session, world["case"], days=400)
    deadlines = ["acknowledge_by", "triage_by"]
    if policy in ACTION_AT_DEADLINE:
        deadlines.append("disclose_by")
    assert sorted(fired) == sorted((d, level) for d in deadlines for level in LEVELS)
    _check_fired_once(db_session, world["case"], fired)
    due = _events(db_session, world["case"], "publication_due")
    if policy in ACTION_AT_DEADLINE:
        assert due == [
            {
                "action": ACTION_AT_DEADLINE[policy],
                "deadline": "disclose_by",
                "timer_id": due[0]["timer_id"],
            }
        ]
        passed = _mail(db_session, "r@acme.example", "the disclosure deadline has passed")
        assert len(passed) == 1
        assert (
            len(_mail(db_session, "owner@acme.example", "the disclosure deadline has passed")) == 1
        )
        assert len(_mail(db_session, "r@acme.example", "the disclosure deadline is in")) == 3
    else:
        assert due == [], "ISO has no deadline: nothing is due for publication"
        assert _mail(db_session, "r@acme.example") == []
    assert len(_mail(db_session, "owner@acme.example", "Overdue")) == 2
    assert _mail(db_session, "triager@acme.example", "Overdue") == []
    assert len(_mail(db_session, "triager@acme.example", "acknowledgement due in")) == 3


@pytest.mark.parametrize("policy", PRESETS)
def test_a_fix_leads_to_publication_due_once(app, client, clock, db_session, policy):
    world = _open_case(app, client, policy)
    clock.advance(hours=1)
    _move(client, world, "acknowledged")
    _move(client, world, "accepted")
    clock.advance(days=20)
    _move(client, world, "fixed")
    fired = _travel(app, clock, db_session, world["case"], days=400)
    assert {deadline for deadline, _level in fired} == {"publish_at"}
    assert ("publish_at", "due") in fired
    _check_fired_once(db_session, world["case"], fired)
    (due,) = _events(db_session, world["case"], "publication_due")
    expected = "notify" if policy in {"custom", "iso-29147"} else "publish"
    assert (due["deadline"], due["action"]) == ("publish_at", expected)
    assert len(_mail(db_session, "r@acme.example", "publication is due")) == 1
    assert len(_mail(db_session, "owner@acme.example", "publication is due")) == 1
    assert _mail(db_session, "owner@acme.example", "Overdue") == []


def test_acknowledging_in_time_means_no_escalation(app, client, clock, db_session):
    world = _open_case(app, client, "project-zero")
    clock.advance(days=1)
    _sweep(app, clock)
    _move(client, world, "acknowledged")
    fired = _travel(app, clock, db_session, world["case"], days=30)
    assert ("acknowledge_by", "due") not in fired
    assert ("triage_by", "due") in fired  # triage is its own deadline, still unmet
    assert _mail(db_session, "owner@acme.example", "was not acknowledged") == []
    assert len(_mail(db_session, "owner@acme.example", "was not triaged")) == 1


def test_a_breach_escalates_to_the_owner_exactly_once(app, client, clock, db_session):
    world = _open_case(app, client, "project-zero")
    db_session.expire_all()
    due = db_session.exec(
        select(CaseTimer).where(CaseTimer.deadline == "acknowledge_by", CaseTimer.level == "due")
    ).one()
    clock.advance(seconds=(due.due_at - clock.current).total_seconds() + 3600)
    assert _sweep(app, clock) == 4  # the scheduler was away: three warnings and the breach
    for _ in range(5):
        assert _sweep(app, clock) == 0
    (escalation,) = _mail(db_session, "owner@acme.example", "was not acknowledged")
    assert escalation.subject.startswith("[Acme] Overdue: case #")
    assert escalation.dedupe_key == f"timer:{due.id}:owner@acme.example"
    assert "overdue by 1 hour" in escalation.body
    # Warnings that fell due while the scheduler was away are recorded, not mailed.
    assert _mail(db_session, "owner@acme.example", "acknowledgement due") == []
    quiet = [e for e in _events(db_session, world["case"], "timer_fired") if not e["mailed"]]
    assert {(e["deadline"], e["level"]) for e in quiet} == {
        ("acknowledge_by", "warn-50"),
        ("acknowledge_by", "warn-75"),
        ("acknowledge_by", "warn-90"),
    }
    assert _mail(db_session, "triager@acme.example", "Overdue") == []


def test_a_paused_clock_holds_the_disclosure_deadline(app, client, clock, db_session):
    world = _open_case(app, client, "custom")  # pause_while_needs_info = true
    clock.advance(hours=2)
    _move(client, world, "needs_info")
    db_session.expire_all()
    planned = db_session.exec(
        select(CaseTimer).where(CaseTimer.deadline == "disclose_by", CaseTimer.level == "due")
    ).one()
    clock.advance(seconds=(planned.due_at - clock.current).total_seconds() + 60)
    _sweep(app, clock)
    assert _events(db_session, world["case"], "publication_due") == []
    db_session.expire_all()
    moved = db_session.exec(
        select(CaseTimer).where(
            CaseTimer.deadline == "disclose_by",
            CaseTimer.level == "due",
            col(CaseTimer.fired_at).is_(None),
        )
    ).one()
    assert moved.due_at > clock.current, "the paused days moved the deadline later"


def test_two_sweepers_fire_every_timer_once(app, client, clock, database_url, db_session):
    if not database_url.startswith("postgresql"):
        pytest.skip("concurrent sweepers need PostgreSQL: SQLite has no row locks to skip")
    cases = [_open_case(app, client, "project-zero", f"p{n}")["case"] for n in range(12)]
    clock.advance(days=400)
    services = app.extensions["disclosure"]
    start, results, errors = threading.Barrier(2), [], []

    def sweeper() -> None:
        mine = replace(services, engine=make_engine(database_url))
        try:
            start.wait()
            results.append(sweep_due_timers(mine, clock.current, batch=7))
        except Exception as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            mine.engine.dispose()

    threads = [threading.Thread(target=sweeper) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sum(results) == 12 * len(cases)
    fired = [e["timer_id"] for case in cases for e in _events(db_session, case, "timer_fired")]
    assert len(fired) == len(set(fired)) == 12 * len(cases)
    assert verify_chain(db_session) == []


def test_a_mail_key_always_fits_its_column() -> None:
    assert dedupe_key(17, "owner@acme.example") == "timer:17:owner@acme.example"
    long = dedupe_key(17, "x" * 240 + "@acme.example")
    assert long.startswith("timer:17:sha256:")
    assert len(long) <= 200
