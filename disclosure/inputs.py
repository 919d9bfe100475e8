"""Field types shared by the models that validate input, each stating its rule in JSON Schema.

Text is trimmed with Python's `str.strip()`, and the patterns name exactly the characters it
removes, so the OpenAPI document says which strings count as blank. Ids and counts fit the
32-bit INTEGER columns of PostgreSQL. Patterns use only syntax that ECMA-262, Python's `re`
and Rust's `regex` read alike (character classes, no `\\s` or `\\d`, whose meaning differs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, GetJsonSchemaHandler, StringConstraints
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

from disclosure.limits import MAX_ROW_ID as MAX_INT  # PostgreSQL INTEGER: every id and count
from disclosure.limits import RowId as Id
from disclosure.limits import is_row_id as is_id

__all__ = ["MAX_INT", "Id", "is_id", "non_blank", "padded", "trimmed"]

# What str.strip() removes: every character for which str.isspace() is true.
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + "\u2028\u2029\u202f\u205f\u3000"
)
SPACE = f"[{WHITESPACE}]"
NOT_SPACE = f"[^{WHITESPACE}]"
ANY = "[\\s\\S]"  # any character, newlines included, in every regex dialect


def non_blank(min_length: int = 1) -> str:
    """An unanchored pattern: at least `min_length` characters once trimmed."""
    if min_length <= 1:
        return NOT_SPACE
    return f"{NOT_SPACE}{ANY}{{{min_length - 2},}}{NOT_SPACE}"


def padded(pattern: str, *, optional: bool = False) -> str:
    """An anchored pattern: `pattern` with whitespace around it (or only whitespace)."""
    inner = f"(?:{pattern}){SPACE}*"
    return f"^{SPACE}*{f'(?:{inner})?' if optional else inner}$"


@dataclass(frozen=True)
class _Trim:
    min_length: int

    def __call__(self, value: str) -> str:
        trimmed = value.strip()
        if len(trimmed) < self.min_length:
            raise PydanticCustomError(
                "string_too_short",
                "String should have at least {min_length} characters besides surrounding spaces",
                {"min_length": self.min_length},
            )
        return trimmed

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        if self.min_length:
            schema["pattern"] = non_blank(self.min_length)
        return schema


def trimmed(max_length: int, *, min_length: int = 0) -> Any:
    """A string stored trimmed: at most `max_length` as sent, `min_length` once trimmed."""
    trim = _Trim(min_length)
    return Annotated[
        str,
        StringConstraints(min_length=min_length or None, max_length=max_length),
        AfterValidator(trim),
        trim,
    ]
