"""The one list of periodic jobs, and the scheduler in-process or as its own process.

Jobs are idempotent module-level functions in <domain>/jobs.py that open their own unit of
work, so running them late, twice or after a crash does no harm.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import click
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask, current_app
from flask.cli import with_appcontext

from disclosure.accounts import jobs as account_jobs
from disclosure.http.context import Services

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[Services, datetime], object]
    every_seconds: int


JOBS: tuple[Job, ...] = (
    Job(
        "purge-ended-sessions",
        lambda services, now: account_jobs.purge_ended_sessions(services.engine, now),
        3600,
    ),
)


def _run(job: Job, services: Services) -> None:
    try:
        result = job.run(services, services.clock())
        log.info("job %s done: %s", job.name, result)
    except Exception:  # one failing job must not stop the scheduler; it runs again next time
        log.exception("job %s failed", job.name)


def configure(scheduler: BaseScheduler, services: Services) -> BaseScheduler:
    """Add every job to the scheduler (coalesced, one instance at a time)."""
    for job in JOBS:
        scheduler.add_job(
            _run,
            "interval",
            seconds=job.every_seconds,
            args=(job, services),
            id=job.name,
            coalesce=True,
            max_instances=1,
            replace_existing=True,
        )
    return scheduler


def start_in_process(app: Flask) -> BackgroundScheduler:
    """Run the jobs in a background thread of this process (development, `make run`)."""
    scheduler = BackgroundScheduler(timezone="UTC", daemon=True)
    configure(scheduler, app.extensions["disclosure"]).start()
    app.extensions["disclosure_scheduler"] = scheduler
    return scheduler


@click.command("scheduler")
@with_appcontext
def scheduler() -> None:
    """Run the periodic jobs in this process until stopped (production)."""
    services: Services = current_app.extensions["disclosure"]
    blocking = BlockingScheduler(timezone="UTC")
    configure(blocking, services)
    click.echo(f"scheduler running {len(JOBS)} job(s); Ctrl-C stops it")
    try:
        blocking.start()
    except (KeyboardInterrupt, SystemExit):
        blocking.shutdown(wait=False)
