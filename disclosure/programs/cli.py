"""`disclosure program ...` commands."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from disclosure.accounts.service import find_user_by_email
from disclosure.cases import rotation
from disclosure.cli_support import cli_actor, cli_transaction, now
from disclosure.crypto import CryptoError
from disclosure.errors import DomainError, NotFound
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


@program.command("rotate-key")
@click.argument("slug")
@click.option(
    "--delete-old-secret",
    is_flag=True,
    help="Delete the old secret key from the GnuPG home once nothing needs it.",
)
@click.option(
    "--import-key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Offline-only programs: encrypt new submissions to this public key from now on.",
)
def rotate_key(slug: str, delete_old_secret: bool, import_key: Path | None) -> None:
    """Give a program a new key and re-encrypt its stored reports to it, case by case.

    New submissions use the new key at once. Each case is re-encrypted in its own
    transaction, so an interrupted run can simply be started again: it finishes the
    pending rotation instead of generating another key. The old key is retired when every
    case is done; its secret stays in the GnuPG home (backups made before the rotation need
    it) unless --delete-old-secret is given.
    """
    services = current_app.extensions["disclosure"]
    keyring = services.keyring()
    if import_key is not None:
        with cli_transaction() as session:
            key = rotation.import_offline_key(
                session, keyring, cli_actor(), slug, import_key.read_text(), now=now()
            )
        click.echo(f"{slug}: new submissions are encrypted to {key.fingerprint}")
        click.echo("note: stored reports stay encrypted to the old key; decrypt them with it.")
        return
    with cli_transaction() as session:
        started = rotation.start_rotation(session, keyring, cli_actor(), slug, now=now())
    verb = "resuming the rotation of" if started.is_resumed else "rotating"
    replaced = ", ".join(started.old_fingerprints) or "no previous key"
    click.echo(f"{verb} {slug} to key {started.new_fingerprint} (from {replaced})")
    try:
        with click.progressbar(length=started.pending_cases, label="re-encrypting cases") as bar:
            for _case_id in rotation.reencrypt_pending(
                services.engine, keyring, cli_actor(), started, clock=services.clock
            ):
                bar.update(1)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    with cli_transaction() as session:
        retired = rotation.finish_rotation(
            session, keyring, cli_actor(), started, now=now(), delete_old_secret=delete_old_secret
        )
    click.echo(f"done: every case of {slug} is encrypted to {started.new_fingerprint}")
    for fingerprint in retired.retired:
        click.echo(f"retired key {fingerprint}")
    for fingerprint in retired.secrets_deleted:
        click.echo(f"deleted secret key {fingerprint} from the GnuPG home")
    for fingerprint in retired.secrets_kept:
        click.echo(
            f"note: the old secret key stays in {keyring.home}: backups made before the "
            "rotation need it. Once none does: "
            f"gpg --homedir {keyring.home} --delete-secret-keys {fingerprint}"
        )
