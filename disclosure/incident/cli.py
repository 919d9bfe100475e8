"""`disclosure incident ...`: lock-down, and the granular verbs for one account or everyone."""

from __future__ import annotations

from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup

from disclosure.accounts import incident as lockdown
from disclosure.cli_support import cli_actor, cli_transaction, now
from disclosure.incident import service


@click.group(cls=AppGroup)
def incident() -> None:
    """Incident response."""


@incident.command("lock-down")
@click.option("--reason", required=True, help="Recorded in the audit log.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def lock_down(reason: str, yes: bool) -> None:
    """Revoke every session and API token and force every user to choose a new password."""
    if not yes:
        click.confirm("Sign everybody out and force new passwords?", abort=True)
    with cli_transaction() as session:
        outcome = lockdown.lock_down(session, cli_actor(), now=now(), reason=reason)
    for what, count in outcome.items():
        click.echo(f"{what.replace('_', ' ')}: {count}")


def _run(action: service.Action, *, everyone: bool, email: str | None, reason: str) -> None:
    if everyone == bool(email):
        raise click.UsageError("Give either --all or --user EMAIL.")
    services = current_app.extensions["disclosure"]
    request = service.IncidentRequest(
        action=action, scope="all" if everyone else "user", email=email or "", reason=reason
    )
    with cli_transaction() as session:
        outcome = service.respond(session, _context(services), request)
    for line in outcome.lines():
        click.echo(line)


def _context(services: Any) -> service.Context:
    return service.Context(
        actor=cli_actor(),
        now=now(),
        keyring=services.keyring(),
        base_url=services.settings.base_url,
        instance_path=services.settings.instance_path,
    )


_TARGET = (
    click.option("--all", "everyone", is_flag=True, help="Every account."),
    click.option("--user", "email", default=None, help="One account, by its email."),
    click.option("--reason", required=True, help="Recorded in the audit log and mailed."),
)


def _targeted(fn: Any) -> Any:
    for option in reversed(_TARGET):
        fn = option(fn)
    return fn


@incident.command("revoke-sessions")
@_targeted
def revoke_sessions(everyone: bool, email: str | None, reason: str) -> None:
    """End the browser sessions of one account or of everyone."""
    _run("revoke-sessions", everyone=everyone, email=email, reason=reason)


@incident.command("revoke-tokens")
@_targeted
def revoke_tokens(everyone: bool, email: str | None, reason: str) -> None:
    """Revoke the API tokens of one account or of everyone."""
    _run("revoke-tokens", everyone=everyone, email=email, reason=reason)


@incident.command("force-password-reset")
@_targeted
def force_password_reset(everyone: bool, email: str | None, reason: str) -> None:
    """Void passwords at once and mail each user a one-time link to choose a new one."""
    _run("force-password-reset", everyone=everyone, email=email, reason=reason)


@incident.command("revoke-integrations")
@_targeted
def revoke_integrations(everyone: bool, email: str | None, reason: str) -> None:
    """Revoke calendar feed addresses (the platform's only integrations so far)."""
    _run("revoke-integrations", everyone=everyone, email=email, reason=reason)


@incident.command("rotate-secret-key")
@click.option("--reason", required=True, help="Recorded in the audit log and mailed.")
def rotate_secret_key(reason: str) -> None:
    """Write a new secret key (CSRF tokens, sign-in tickets, form keys) and end every session.

    The key goes to <instance>/secret-key, which takes precedence over the configured one;
    restart the web workers and the scheduler so that they load it."""
    _run("rotate-secret-key", everyone=True, email=None, reason=reason)
    click.echo("restart `disclosure serve` and `disclosure scheduler` to load the new key")
