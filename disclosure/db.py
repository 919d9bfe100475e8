"""Database engine, metadata naming convention, UTC timestamps and the unit of work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel

# Set before any model is declared so every constraint gets a stable, predictable name.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class UtcDateTime(sa.TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC, on SQLite as on PostgreSQL."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(
        self,
        value: datetime | None,
        dialect: sa.Dialect,  # noqa: ARG002  (SQLAlchemy's signature)
    ) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column; pass an aware datetime")
        return value.astimezone(UTC)

    def process_result_value(
        self,
        value: datetime | None,
        dialect: sa.Dialect,  # noqa: ARG002  (SQLAlchemy's signature)
    ) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def timestamp_field(*, nullable: bool = False, index: bool = False, **kwargs: Any) -> Any:
    """A SQLModel field for a UTC timestamp column (nullable ones default to None)."""
    if nullable and "default" not in kwargs and "default_factory" not in kwargs:
        kwargs["default"] = None
    return Field(sa_column=sa.Column(UtcDateTime(), nullable=nullable, index=index), **kwargs)


# How a SQLite transaction begins, as the execution option `sqlite_begin`:
#   "IMMEDIATE" (the default) takes the write lock at BEGIN, so a transaction that reads and
#     then writes (an audit append reads the chain's tail first) never works from a snapshot
#     that another writer has moved on; writers queue on the busy timeout instead of failing.
#   "DEFERRED" reads without the lock (WAL readers never block the writer); it must not write.
#   None runs every statement on its own (inspecting the database from outside, as tests do).
SQLITE_BEGIN = "sqlite_begin"
_SQLITE_BEGIN_MODES = {"IMMEDIATE", "DEFERRED", None}


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for SQLite (foreign keys on, WAL, busy timeout) or PostgreSQL (psycopg 3)."""
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 30}, **kwargs)
        sa.event.listen(engine, "connect", _configure_sqlite)
        sa.event.listen(engine, "begin", _begin_sqlite)
        return engine
    return sa.create_engine(url, pool_pre_ping=True, **kwargs)


def _begin_sqlite(connection: sa.Connection) -> None:
    """Begin explicitly: the driver's own implicit BEGIN comes only before DML, so a SELECT ran
    outside any transaction and a SAVEPOINT opened (and its RELEASE committed) one of its own."""
    mode = connection.get_execution_options().get(SQLITE_BEGIN, "IMMEDIATE")
    if mode not in _SQLITE_BEGIN_MODES:
        raise ValueError(f"{SQLITE_BEGIN} must be one of {_SQLITE_BEGIN_MODES}, not {mode!r}")
    if mode is not None:
        connection.exec_driver_sql(f"BEGIN {mode}")


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # SQLAlchemy emits BEGIN itself (_begin_sqlite); the driver must not begin on its own.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Session]:
    """A session that commits when the block succeeds and rolls back when it raises."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def is_postgresql(session_or_engine: Session | Engine) -> bool:
    """Whether the database behind this session or engine is PostgreSQL."""
    bind = (
        session_or_engine.get_bind()
        if isinstance(session_or_engine, Session)
        else (session_or_engine)
    )
    return bind.dialect.name == "postgresql"


def enum_field(enum_type: type[Any], *, default: Any = ..., index: bool = False) -> Any:
    """A StrEnum stored by value in a VARCHAR with a CHECK constraint (no native enum type)."""
    column = sa.Column(
        sa.Enum(
            enum_type,
            name=enum_type.__name__.lower(),
            native_enum=False,
            create_constraint=True,
            length=max(len(member.value) for member in enum_type),
            values_callable=lambda members: [member.value for member in members],
            validate_strings=True,
        ),
        nullable=False,
        index=index,
    )
    return Field(default=default, sa_column=column)
