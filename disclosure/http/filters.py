"""Template filters every page uses: UTC timestamps and byte counts in words."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask


def format_utc(value: datetime | None) -> str:
    """A timestamp as "2026-05-30 23:59 UTC", or a dash when there is none."""
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"


def format_size(size: int) -> str:
    """A byte count as people read it: 10 MiB, 1.5 KiB, 900 bytes."""
    for unit, factor in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if size >= factor:
            return f"{size / factor:.3g} {unit}"
    return f"{size} bytes"


def format_local(value: datetime | None, zone: str) -> str:
    """A timestamp in the named zone: "2026-05-30 09:00 Europe/Berlin"."""
    if value is None:
        return "—"
    try:
        return value.astimezone(ZoneInfo(zone)).strftime(f"%Y-%m-%d %H:%M {zone}")
    except (ZoneInfoNotFoundError, ValueError):
        return format_utc(value)


def register_filters(app: Flask) -> None:
    app.add_template_filter(format_utc, "utc")
    app.add_template_filter(format_size, "size")
    app.add_template_filter(format_local, "localtime")
