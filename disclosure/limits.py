"""What input may be before it reaches a parser or a query: row ids and JSON nesting.

An id beyond what an INTEGER column holds cannot name a row (it is a 404, not an overflow in the
driver), and JSON nested deeper than any of our bodies needs is refused before Python's
recursion limit turns it into a 500.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import Field

# Ids are INTEGER columns: 32-bit signed on PostgreSQL, the smaller of the two databases.
MAX_ROW_ID = 2**31 - 1
RowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]

# Our deepest body (a case patch's affected list) nests three levels; 32 leaves room.
MAX_JSON_DEPTH = 32


class JsonTooDeep(ValueError):
    """The JSON text nests deeper than MAX_JSON_DEPTH."""


NUL_MESSAGE = "The request contains a NUL character (\\u0000), which no field accepts; remove it."


class ContainsNul(ValueError):
    """Text holds a NUL character, which no field takes and PostgreSQL cannot store."""


def is_row_id(value: int) -> bool:
    """Whether `value` can be the id of a row."""
    return 1 <= value <= MAX_ROW_ID


def parse_row_id(text: str) -> int | None:
    """The id that `text` names (ASCII digits only), or None when it cannot name a row.

    `str.isdigit` is no guard: it accepts "²", which `int` refuses."""
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if is_row_id(value) else None


def loads_json(text: str | bytes, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse JSON, refusing nesting deeper than `max_depth` (JsonTooDeep), a NUL in any string
    (ContainsNul) or malformed text (ValueError), so that no input can exhaust the recursion
    limit here or downstream, or reach the database as text it cannot store."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise JsonTooDeep(f"nested deeper than {max_depth} levels") from None
    _check_tree(data, max_depth)
    return data


def _check_tree(data: Any, max_depth: int) -> None:
    """Walk the parsed value without recursion; raise at the first problem."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                raise ContainsNul("a string holds a NUL character")
            continue
        if isinstance(value, dict):
            children = [*value.keys(), *value.values()]
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > max_depth:
            raise JsonTooDeep(f"nested deeper than {max_depth} levels")
        stack.extend((child, depth + 1) for child in children)
