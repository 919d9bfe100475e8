"""`disclosure receipt ...` commands."""

from __future__ import annotations

from typing import TextIO

import click
from flask import current_app
from flask.cli import AppGroup

from disclosure.cli_support import cli_transaction
from disclosure.reports.receipts import verify_receipt


@click.group(cls=AppGroup)
def receipt() -> None:
    """Signed receipts given to researchers."""


@receipt.command("verify")
@click.argument("file", type=click.File("r", encoding="utf-8", errors="replace"))
def verify(file: TextIO) -> None:
    """Check a receipt's signature and compare its hashes with the stored report.

    Exits 1 when the signature is not a valid platform signature or the hashes do not match.
    """
    keyring = current_app.extensions["disclosure"].keyring()
    with cli_transaction() as session:
        check = verify_receipt(session, keyring, file.read())
    click.echo(
        f"valid: signed by {check.signer} (platform key); "
        f"case {check.case_id} received at {check.received_at}"
    )
    if check.matches_stored is None:
        click.echo("case not in this database")
    elif not check.matches_stored:
        raise click.ClickException("the receipt's hashes do NOT match what is stored")
    elif check.is_reencrypted:
        click.echo(
            "matches the stored report (as received; it has been re-encrypted to a new key since)"
        )
    else:
        click.echo("matches the stored report")
