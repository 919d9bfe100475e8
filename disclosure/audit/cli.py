"""`disclosure audit ...` commands."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from disclosure.audit.service import verify_chain
from disclosure.cli_support import cli_transaction


@click.group(cls=AppGroup)
def audit() -> None:
    """The tamper-evident audit log."""


@audit.command("verify")
def verify() -> None:
    """Recompute the hash chain; exit 1 and name each broken event if it was altered."""
    with cli_transaction() as session:
        breaks = verify_chain(session)
    if breaks:
        for problem in breaks:
            click.echo(f"event {problem.event_id}: {problem.reason}", err=True)
        raise SystemExit(1)
    click.echo("audit chain intact")
