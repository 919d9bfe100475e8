"""`disclosure program ...` commands."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from disclosure.accounts.service import find_user_by_email
from disclosure.cli_support import cli_actor, cli_transaction, now
from disclosure.crypto import CryptoError
from disclosure.errors import NotFound
from disclosure.programs import service
from disclosure.programs.models import MemberRole


@click.group(cls=AppGroup)
def program() -> None:
    """Disclosure programs, their keys and members."""


@program.command("create")
@click.option("--slug", required=True)
@click.option("--name", required=True)
@click.option("--policy", "policy_name", required=True, help="A policy preset name.")
@click.option("--contact-email", default="")
@click.option("--scope", "scope_text", default="", help="What is in scope, in plain words.")
@click.option("--no-anonymous", is_flag=True, help="Refuse reports without an account.")
@click.option("--generate-key", is_flag=True, help="Generate the program's key on the server.")
@click.option(
    "--import-key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Use this public key; the program is then offline-only.",
)
def create(
    slug: str,
    name: str,
    policy_name: str,
    contact_email: str,
    scope_text: str,
    no_anonymous: bool,
    generate_key: bool,
    import_key: Path | None,
) -> None:
    """Create a program with a generated key or an imported public key."""
    if generate_key == bool(import_key):
        raise click.UsageError("Give exactly one of --generate-key and --import-key FILE.")
    policies = current_app.extensions["disclosure"].policies
    if policy_name not in policies:
        raise click.BadParameter(
            f"unknown policy {policy_name!r}; choose one of {', '.join(sorted(policies))}",
            param_hint="--policy",
        )
    keyring = current_app.extensions["disclosure"].keyring()
    try:
        key = (
            keyring.import_public_key(import_key.read_text())
            if import_key
            else keyring.generate_key(name, contact_email or f"security@{slug}.invalid")
        )
    except CryptoError as exc:
        raise click.ClickException(str(exc)) from None
    with cli_transaction() as session:
        created = service.create_program(
            session,
            cli_actor(),
            slug=slug,
            name=name,
            policy_name=policy_name,
            key=key,
            has_secret_key=keyring.has_secret_key(key.fingerprint),
            now=now(),
            known_policies=policies,
            contact_email=contact_email,
            scope_text=scope_text,
            accepts_anonymous=not no_anonymous,
        )
    mode = "offline-only" if created.is_offline_only else "server-side key"
    click.echo(f"created program {created.slug} ({mode}), key {key.fingerprint}")


@program.command("add-member")
@click.argument("slug")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in MemberRole]))
def add_member(slug: str, email: str, role: str) -> None:
    """Give a vendor account a role in a program."""
    with cli_transaction() as session:
        found = service.get_program(session, slug)
        user = find_user_by_email(session, email)
        if user is None:
            raise NotFound(f"No account {email}.")
        service.add_member(session, cli_actor(), found, user, role=MemberRole(role), now=now())
    click.echo(f"{email} is now {role} of {slug}")


@program.command("remove-member")
@click.argument("slug")
@click.option("--email", required=True)
def remove_member(slug: str, email: str) -> None:
    """Take a member out of a program."""
    with cli_transaction() as session:
        found = service.get_program(session, slug)
        user = find_user_by_email(session, email)
        if user is None:
            raise NotFound(f"No account {email}.")
        service.remove_member(session, cli_actor(), found, user, now=now())
    click.echo(f"{email} removed from {slug}")
