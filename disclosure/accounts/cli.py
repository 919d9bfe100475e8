"""`disclosure user|token|incident ...` commands."""

from __future__ import annotations

import sys
from datetime import timedelta

import click
from flask.cli import AppGroup

from disclosure.accounts import service, tokens
from disclosure.accounts.models import TokenScope, UserRole
from disclosure.cli_support import cli_actor, cli_transaction, now
from disclosure.errors import NotFound


@click.group(cls=AppGroup)
def user() -> None:
    """User accounts."""


@user.command("create")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in UserRole]))
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user(email: str, role: str, password_stdin: bool) -> None:
    """Create an account (asks for the password unless --password-stdin)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with cli_transaction() as session:
        created = service.create_user(
            session, cli_actor(), email=email, password=password, role=UserRole(role), now=now()
        )
    click.echo(f"created {created.role.value} {created.email} (id {created.id})")


@click.group(cls=AppGroup)
def token() -> None:
    """API tokens."""


@token.command("create")
@click.option("--user", "email", required=True, help="The account's email.")
@click.option(
    "--scope",
    "scopes",
    required=True,
    multiple=True,
    type=click.Choice([s.value for s in TokenScope]),
)
@click.option(
    "--days",
    default=None,
    type=click.IntRange(1, 366),
    help="Lifetime in days (default: token_default_days).",
)
@click.option("--name", default="")
def create_token(email: str, scopes: tuple[str, ...], days: int | None, name: str) -> None:
    """Create a token and print it once."""
    from flask import current_app

    lifetime = timedelta(
        days=days or current_app.extensions["disclosure"].settings.token_default_days
    )
    with cli_transaction() as session:
        owner = service.find_user_by_email(session, email)
        if owner is None:
            raise NotFound(f"No account {email}.")
        raw, row = tokens.create_token(
            session, cli_actor(), owner, scopes=scopes, lifetime=lifetime, now=now(), name=name
        )
    click.echo(raw)
    click.echo(
        f"scopes {row.scopes}; expires {row.expires_at:%Y-%m-%d %H:%M} UTC; "
        "this is the only time the token is shown",
        err=True,
    )
