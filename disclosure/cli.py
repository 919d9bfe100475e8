"""The `disclosure` command: database, serving and demo data; domain commands live with them."""

from __future__ import annotations

import sys
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup

from disclosure import migrations
from disclosure.policies.presets import PolicyError
from disclosure.services import Services
from disclosure.settings import SettingsError


def services() -> Services:
    return current_app.extensions["disclosure"]


def _create_app() -> Flask:
    from disclosure import create_app

    try:
        return create_app()
    except (SettingsError, PolicyError) as exc:
        click.echo(f"configuration error: {exc}", err=True)
        sys.exit(2)


@click.group(
    cls=FlaskGroup,
    create_app=_create_app,
    add_default_commands=False,
    add_version_option=False,
    load_dotenv=False,
)
def main() -> None:
    """disclosure: coordinated vulnerability disclosure you host yourself."""


@main.group()
def db() -> None:
    """Database migrations (Alembic)."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION."""
    migrations.upgrade(services().settings.sqlalchemy_url, revision)
    click.echo(f"database at {migrations.current(services().settings.sqlalchemy_url)}")


@db.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION ("base" drops every table)."""
    migrations.downgrade(services().settings.sqlalchemy_url, revision)
    click.echo(f"database at {migrations.current(services().settings.sqlalchemy_url)}")


@db.command("current")
def db_current() -> None:
    """Print the revision the database is at."""
    click.echo(migrations.current(services().settings.sqlalchemy_url))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--debug", is_flag=True, help="Werkzeug's development server with the debugger.")
def serve(host: str, port: int, debug: bool) -> None:
    """Serve the app: gunicorn with several workers, or Werkzeug with --debug."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if debug:
        if services().settings.is_production:
            raise click.UsageError("--debug is refused in production: it exposes a debugger.")
        if services().settings.scheduler_in_process:
            from disclosure.scheduler import start_in_process

            start_in_process(app)
        app.run(host=host, port=port, debug=True, use_reloader=False)
        return
    from disclosure.serving import run_gunicorn

    run_gunicorn(host=host, port=port, workers=services().settings.workers)


@main.command()
def demo() -> None:
    """Seed a demo program, vendor and researcher (idempotent) and print their credentials."""
    from disclosure.demo import seed_demo

    for line in seed_demo(services()):
        click.echo(line)


def register(group: Any) -> None:
    from disclosure.accounts.cli import token, user
    from disclosure.audit.cli import audit
    from disclosure.cases.cli import cve
    from disclosure.incident.cli import incident
    from disclosure.programs.cli import program
    from disclosure.reports.cli import receipt
    from disclosure.scheduler import scheduler

    for command in (user, token, incident, audit, program, receipt, scheduler, cve):
        group.add_command(command)


register(main)
