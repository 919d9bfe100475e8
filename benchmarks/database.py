"""Database chores shared by the benchmarks: empty the tables, settle the statistics."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import SQLModel

import disclosure.models  # noqa: F401  (fills SQLModel.metadata)


def empty_tables(engine: sa.Engine) -> None:
    """Delete every row (TRUNCATE on PostgreSQL, where the audit log refuses DELETE)."""
    tables = [table.name for table in SQLModel.metadata.sorted_tables]
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in reversed(tables):
                connection.execute(sa.text(f"DELETE FROM {name}"))  # noqa: S608  (our table names)


def settle(engine: sa.Engine) -> None:
    """Fresh statistics, as a running database has them, and no autovacuum mid-measurement."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        is_postgresql = connection.dialect.name == "postgresql"
        connection.execute(sa.text("VACUUM ANALYZE" if is_postgresql else "ANALYZE"))
