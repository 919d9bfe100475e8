"""`disclosure cve ...` commands."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from disclosure.cases.coordination import cve as cve_ids
from disclosure.cli_support import cli_actor, cli_transaction, now


@click.group(cls=AppGroup)
def cve() -> None:
    """CVE ids reserved by this CNA."""


@cve.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_ids(file: Path) -> None:
    """Import reserved ids: CVE Services JSON, or one id per line ('#' starts a comment)."""
    try:
        ids = cve_ids.read_reservation(file.read_text())
    except ValueError as exc:
        raise click.ClickException(f"{file}: not a reservation file ({exc})") from None
    with cli_transaction() as session:
        new, known = cve_ids.import_block(session, ids, actor=cli_actor(), now=now())
        free = cve_ids.free_count(session)
    click.echo(f"imported {new} new id(s), {known} already known; {free} free")
