"""Alembic, driven from our settings: upgrade, downgrade, current and drift checks."""

from __future__ import annotations

import io
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy.engine import Engine

from disclosure.settings import PROJECT_ROOT

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"


def alembic_config(database_url: str, output: io.StringIO | None = None) -> Config:
    """An Alembic configuration for this project's migrations and the given database."""
    config = Config(stdout=output) if output else Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Apply migrations up to `revision`."""
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    """Revert migrations down to `revision` ("base" removes every table)."""
    command.downgrade(alembic_config(database_url), revision)


def current(database_url: str) -> str:
    """The revision the database is at, as Alembic prints it."""
    output = io.StringIO()
    command.current(alembic_config(database_url, output), verbose=False)
    return output.getvalue().strip() or "(none: the database has no migrations applied)"


def schema_drift(engine: Engine) -> list[object]:
    """Differences between the models and the migrated database; empty when in step."""
    from sqlmodel import SQLModel

    import disclosure.models  # noqa: F401  (fills SQLModel.metadata)

    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, SQLModel.metadata))


def versions_dir() -> Path:
    return MIGRATIONS_DIR / "versions"
