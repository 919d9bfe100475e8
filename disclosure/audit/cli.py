"""`disclosure audit ...` commands."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from disclosure.audit.service import Checkpoint, chain_head, verify_chain
from disclosure.cli_support import cli_transaction


@click.group(cls=AppGroup)
def audit() -> None:
    """The tamper-evident audit log."""


@audit.command("verify")
@click.option(
    "--checkpoint",
    "checkpoint_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A head written earlier by `audit checkpoint`: also detects truncation and rewrites.",
)
def verify(checkpoint_file: Path | None) -> None:
    """Recompute the hash chain; exit 1 and name each broken event if it was altered."""
    checkpoint = None
    if checkpoint_file is not None:
        try:
            checkpoint = Checkpoint.from_json(checkpoint_file.read_text())
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--checkpoint") from None
    with cli_transaction() as session:
        breaks = verify_chain(session, checkpoint=checkpoint)
    if breaks:
        for problem in breaks:
            click.echo(f"event {problem.event_id}: {problem.reason}", err=True)
        raise SystemExit(1)
    click.echo("audit chain intact")


@audit.command("checkpoint")
def checkpoint() -> None:
    """Print the chain's head (event id and hash) as JSON, to keep outside the database."""
    with cli_transaction() as session:
        head = chain_head(session)
    if head is None:
        raise click.ClickException("the audit log is empty: nothing to checkpoint yet")
    click.echo(head.to_json())
