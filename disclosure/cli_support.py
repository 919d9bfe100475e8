"""Small helpers shared by the domain CLI modules."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import click
from flask import current_app
from sqlmodel import Session

from disclosure.audit.service import Actor
from disclosure.db import unit_of_work
from disclosure.errors import DomainError


def cli_actor() -> Actor:
    """The audit actor for a command run on the server."""
    return Actor(user_id=None, label=f"cli:{getpass.getuser()}")


@contextmanager
def cli_transaction() -> Iterator[Session]:
    """A unit of work whose domain errors become one clear CLI error line."""
    try:
        with unit_of_work(current_app.extensions["disclosure"].engine) as session:
            yield session
    except DomainError as exc:
        detail = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
        raise click.ClickException(f"{exc.message} {detail}".strip()) from None


def now() -> datetime:
    """The app's clock (timezone-aware UTC)."""
    return current_app.extensions["disclosure"].clock()
