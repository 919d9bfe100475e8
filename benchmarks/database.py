"""Database chores shared by the benchmarks: where they run, empty tables, settled statistics."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

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


@dataclass(frozen=True)
class Database:
    """Where a benchmark runs: a fresh SQLite file per name, or the one PostgreSQL database."""

    label: str
    postgresql_url: str = ""

    def url(self, folder: Path, name: str) -> str:
        """The database URL for `name` (on PostgreSQL always the same, emptied by its user)."""
        return self.postgresql_url or f"sqlite:///{folder}/{name}.sqlite3"


def databases(environ: Mapping[str, str]) -> list[Database]:
    """SQLite, and PostgreSQL when DISCLOSURE_BENCH_DATABASE_URL names one."""
    found = [Database("SQLite")]
    if (url := environ.get("DISCLOSURE_BENCH_DATABASE_URL", "")).startswith("postgresql"):
        found.append(Database("PostgreSQL", url))
    return found
