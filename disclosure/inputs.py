"""Field types shared by the models that validate input, each stating its rule in JSON Schema.

Ids and counts fit the 32-bit INTEGER columns of PostgreSQL.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

MAX_INT = 2**31 - 1  # PostgreSQL INTEGER, the type of every id and count column

Id = Annotated[int, Field(ge=1, le=MAX_INT)]


def is_id(value: int) -> bool:
    """Whether `value` can be a row id at all (anything else cannot exist)."""
    return 1 <= value <= MAX_INT
