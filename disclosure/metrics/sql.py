"""Two SQL expressions that SQLite and PostgreSQL spell differently: the seconds between two
timestamps and the UTC month of one. Everything else in the metrics is portable SQL."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class seconds_between(FunctionElement[float]):  # noqa: N801  (a SQL function, named like one)
    """`later - earlier` in seconds, as a float."""

    type = sa.Float()
    name = "seconds_between"
    inherit_cache = True


class utc_month(FunctionElement[str]):  # noqa: N801  (a SQL function, named like one)
    """The month of a timestamp in UTC, as 'YYYY-MM'."""

    type = sa.String()
    name = "utc_month"
    inherit_cache = True


def _args(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> list[str]:
    return [compiler.process(arg, **kw) for arg in element.clauses]


@compiles(seconds_between, "postgresql")
def _seconds_pg(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = _args(element, compiler, **kw)
    return f"EXTRACT(EPOCH FROM ({later} - {earlier}))"


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    # Timestamps are stored as UTC text; julianday() reads it, in days.
    later, earlier = _args(element, compiler, **kw)
    return f"((julianday({later}) - julianday({earlier})) * 86400.0)"


@compiles(utc_month, "postgresql")
def _month_pg(element: utc_month, compiler: SQLCompiler, **kw: Any) -> str:
    (at,) = _args(element, compiler, **kw)
    return f"to_char({at} AT TIME ZONE 'UTC', 'YYYY-MM')"


@compiles(utc_month, "sqlite")
def _month_sqlite(element: utc_month, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLAlchemy stores a SQLite timestamp as UTC text 'YYYY-MM-DD HH:MM:SS.ffffff' (see
    # disclosure.db.UtcDateTime): its first seven characters are the month, and reading them
    # costs far less than strftime's date parsing, row after row.
    (at,) = _args(element, compiler, **kw)
    return f"substr({at}, 1, 7)"
