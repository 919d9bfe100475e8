"""The one list of periodic jobs, and the scheduler in-process or as its own process.

Jobs are idempotent module-level functions in <domain>/jobs.py that open their own unit of
work, so running them late, twice or after a crash does no harm. Every job also runs once
as soon as the scheduler starts, so a restart catches up on what fell due while it was down.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from types import FrameType

import click
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask, current_app
from flask.cli import with_appcontext

from disclosure.accounts import jobs as account_jobs
from disclosure.cases.clock import jobs as policy_jobs
from disclosure.notify import jobs as notify_jobs
from disclosure.publication import jobs as publication_jobs
from disclosure.services import Services

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[Services, datetime], object]
    every_seconds: int | None = None  # None: settings.scheduler_interval_seconds (30 s)


def _purge_ended_sessions(services: Services, now: datetime) -> int:
    return account_jobs.purge_ended_sessions(services.engine, now)


JOBS: tuple[Job, ...] = (
    Job("sweep-due-timers", policy_jobs.sweep_due_timers),
    Job("release-due-advisories", publication_jobs.release_due_advisories),
    Job("flush-outbox", notify_jobs.flush_outbox),
    Job("purge-ended-sessions", _purge_ended_sessions, 3600),
)


def run_job(job: Job, services: Services) -> None:
    """Run one job now; a failure is logged and the job runs again at its next time."""
    try:
        result = job.run(services, services.clock())
    except Exception:  # one failing job must not stop the scheduler; it runs again next time
        log.exception("job %s failed", job.name)
        return
    # Quiet when there was nothing to do: the sweep and the flush run twice a minute.
    log.log(logging.INFO if result else logging.DEBUG, "job %s done: %s", job.name, result)


def configure(scheduler: BaseScheduler, services: Services) -> BaseScheduler:
    """Add every job to the scheduler (coalesced, one instance at a time, first run now)."""
    if log.getEffectiveLevel() > logging.DEBUG:
        # APScheduler logs every run at INFO; keep its warnings (missed or skipped runs).
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    for job in JOBS:
        scheduler.add_job(
            run_job,
            "interval",
            seconds=job.every_seconds or services.settings.scheduler_interval_seconds,
            args=(job, services),
            id=job.name,
            name=job.name,
            coalesce=True,
            max_instances=1,
            replace_existing=True,
            next_run_time=datetime.now(UTC),
        )
    return scheduler


def start_in_process(app: Flask) -> BackgroundScheduler:
    """Run the jobs in a background thread of this process (development, `make run`)."""
    scheduler = BackgroundScheduler(timezone="UTC", daemon=True)
    configure(scheduler, app.extensions["disclosure"]).start()
    app.extensions["disclosure_scheduler"] = scheduler
    return scheduler


def _stop(_signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(0)  # unwinds BlockingScheduler.start(); the shutdown below waits for jobs


@click.command("scheduler")
@with_appcontext
def scheduler() -> None:
    """Run the periodic jobs in this process until stopped (production)."""
    services: Services = current_app.extensions["disclosure"]
    blocking = BlockingScheduler(timezone="UTC")
    configure(blocking, services)
    signal.signal(signal.SIGTERM, _stop)
    click.echo(f"scheduler running {len(JOBS)} job(s); Ctrl-C or SIGTERM stops it", err=True)
    try:
        blocking.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        if blocking.running:
            blocking.shutdown(wait=True)  # a job in progress finishes its unit of work
        services.engine.dispose()
    click.echo("scheduler stopped", err=True)
