"""Migrations go up to head and down to base on SQLite and PostgreSQL, with no drift."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from disclosure import migrations
from disclosure.db import make_engine


@pytest.fixture
def empty_database(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A brand-new database of the same kind as the suite's."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    name = f"disclosure_mig_{secrets.token_hex(4)}"
    admin = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_check_downgrade_upgrade(empty_database: str) -> None:
    migrations.upgrade(empty_database)
    assert {
        "user_account",
        "login_session",
        "api_token",
        "program",
        "program_key",
        "program_member",
        "audit_event",
    } <= _tables(empty_database)
    engine = make_engine(empty_database)
    try:
        assert migrations.schema_drift(engine) == []
    finally:
        engine.dispose()
    assert "(head)" in migrations.current(empty_database)

    migrations.downgrade(empty_database, "base")
    assert _tables(empty_database) <= {"alembic_version"}
    migrations.upgrade(empty_database)
    assert "audit_event" in _tables(empty_database)


def test_timestamps_come_back_timezone_aware_utc(migrated_database: str, app) -> None:
    engine = app.extensions["disclosure"].engine
    from disclosure.db import UtcDateTime

    column = sa.Column("at", UtcDateTime())
    table = sa.Table("tz_probe", sa.MetaData(), column)
    with engine.begin() as connection:
        table.create(connection)
        try:
            moment = datetime(2026, 7, 1, 12, 30, tzinfo=UTC)
            connection.execute(table.insert().values(at=moment))
            stored = connection.execute(sa.select(table.c.at)).scalar_one()
            assert stored == moment
            assert stored.tzinfo is not None
            with pytest.raises(sa.exc.StatementError, match="naive datetime"):
                connection.execute(table.insert().values(at=datetime(2026, 7, 1)))
        finally:
            table.drop(connection)


def test_sqlite_runs_with_foreign_keys_and_wal(database_url: str, app) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite pragmas")
    with app.extensions["disclosure"].engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
