"""The scheduler: its one list of jobs, the clock offset, and a `disclosure scheduler` process
that is stopped with SIGTERM, moved in time and started again without firing anything twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask
from sqlmodel import Session, col, func, select

from disclosure import create_app
from disclosure.accounts.models import TokenScope, UserRole
from disclosure.cases.clock.models import CaseTimer
from disclosure.cases.models import CaseEvent
from disclosure.notify.models import OutboxMessage
from disclosure.scheduler import JOBS, configure
from disclosure.settings import SettingsError, load_settings
from tests.conftest import TEST_SECRET
from tests.factories import add_member, bearer, make_program, make_token, make_user, report_json


def test_one_list_of_jobs_at_the_configured_interval(app: Flask) -> None:
    services = app.extensions["disclosure"]
    services.settings = services.settings.model_copy(update={"scheduler_interval_seconds": 7})
    scheduler = configure(BackgroundScheduler(timezone="UTC"), services)
    jobs = {job.id: job.trigger.interval for job in scheduler.get_jobs()}
    assert jobs == {
        "sweep-due-timers": timedelta(seconds=7),
        "release-due-advisories": timedelta(seconds=7),
        "flush-outbox": timedelta(seconds=7),
        "purge-ended-sessions": timedelta(hours=1),
    }
    assert [job.name for job in JOBS] == list(jobs)


def test_the_clock_offset_moves_the_app_clock(app_overrides: dict[str, Any]) -> None:
    moved = create_app({**app_overrides, "clock_offset_days": 2.5})
    try:
        offset = moved.extensions["disclosure"].clock() - datetime.now(UTC)
        assert abs(offset - timedelta(days=2.5)) < timedelta(seconds=5)
    finally:
        moved.extensions["disclosure"].engine.dispose()


def test_production_refuses_a_clock_offset() -> None:
    production = {
        "env": "production",
        "secret_key": TEST_SECRET,
        "key_passphrase": "a production passphrase",
        "base_url": "https://disclosure.example",
        "clock_offset_days": 1,
    }
    with pytest.raises(SettingsError, match=r"DISCLOSURE_CLOCK_OFFSET_DAYS .*must be 0"):
        load_settings(production, environ={})


def _environment(database_url: str, tmp_path: Path, gnupg_home: Path, at: datetime) -> dict:
    """The scheduler process's environment: our database, 1 s jobs, its clock set to `at`."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("DISCLOSURE_")}
    return {
        **inherited,
        "DISCLOSURE_ENV": "test",
        "DISCLOSURE_SECRET_KEY": TEST_SECRET,
        "DISCLOSURE_DATABASE_URL": database_url,
        "DISCLOSURE_INSTANCE_PATH": str(tmp_path / "scheduler-instance"),
        "DISCLOSURE_GNUPG_HOME": str(gnupg_home),
        "DISCLOSURE_KEY_PASSPHRASE": "test passphrase for the test keyring",
        "DISCLOSURE_SCHEDULER_INTERVAL_SECONDS": "1",
        "DISCLOSURE_LOG_LEVEL": "DEBUG",
        "DISCLOSURE_CLOCK_OFFSET_DAYS": str((at - datetime.now(UTC)) / timedelta(days=1)),
    }


def _run_scheduler(env: dict, log: Path, sweeps: int = 3) -> str:
    """Start `disclosure scheduler`, let it sweep `sweeps` times, stop it with SIGTERM."""
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "disclosure", "scheduler"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while log.read_text().count("job sweep-due-timers done") < sweeps:
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "the scheduler did not sweep in time"
                time.sleep(0.1)
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0, log.read_text()
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    return log.read_text()


def _counts(db: Session) -> tuple[int, int, int]:
    """(timers fired, TIMER_FIRED events, timer mails in the outbox)."""
    db.expire_all()
    fired = db.exec(select(func.count()).where(col(CaseTimer.fired_at).is_not(None))).one()
    events = db.exec(select(func.count()).where(CaseEvent.kind == "timer_fired")).one()
    mails = db.exec(
        select(func.count()).where(col(OutboxMessage.dedupe_key).startswith("timer:"))
    ).one()
    return fired, events, mails


def test_a_restarted_scheduler_fires_each_timer_exactly_once(
    app, client, clock, db_session, migrated_database, tmp_path, gnupg_home
):
    program = make_program(app, "acme")
    add_member(app, program, make_user(app, "owner@acme.example", UserRole.VENDOR), "owner")
    researcher = make_user(app, "r@example.org")
    token = make_token(app, researcher, TokenScope.REPORTS_SUBMIT)
    created = client.post(
        "/api/v1/programs/acme/reports", json=report_json(), headers=bearer(token)
    )
    assert created.status_code == 201
    breach = db_session.exec(
        select(CaseTimer).where(CaseTimer.deadline == "acknowledge_by", CaseTimer.level == "due")
    ).one()

    early = _environment(
        migrated_database, tmp_path, gnupg_home, clock.current + timedelta(hours=1)
    )
    output = _run_scheduler(early, tmp_path / "first.log")
    assert "scheduler stopped" in output
    assert _counts(db_session) == (0, 0, 0), "nothing is due an hour after receipt"

    later = breach.due_at + timedelta(hours=1)
    _run_scheduler(_environment(migrated_database, tmp_path, gnupg_home, later), tmp_path / "2.log")
    due = db_session.exec(select(CaseTimer).where(CaseTimer.due_at <= later)).all()
    assert len(due) >= 4  # the acknowledgement's three warnings and its breach
    fired, events, mails = _counts(db_session)
    assert fired == events == len(due)
    assert mails >= 1  # the escalation to the owner
    assert ("acknowledge_by", "due") in {(t.deadline, t.level) for t in due}

    again = _environment(migrated_database, tmp_path, gnupg_home, later + timedelta(minutes=5))
    _run_scheduler(again, tmp_path / "third.log")
    assert _counts(db_session) == (fired, events, mails), "a restart fires nothing twice"
