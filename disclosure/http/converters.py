"""URL converters: an `<int:...>` id that cannot name a row becomes one that names none.

A number beyond what an id column holds (2**31 - 1) is read as 2**31: every lookup binds it
safely (no driver overflow) and finds nothing, so the view answers its own 404. Refusing to
match the rule instead would turn the request into a 405 wherever another method shares
the path.
"""

from __future__ import annotations

from werkzeug.routing import BaseConverter

from disclosure.limits import MAX_ROW_ID

NO_ROW = MAX_ROW_ID + 1


class RowIdConverter(BaseConverter):
    """`<int:id>`: ASCII digits, read as an id or as NO_ROW when too large for one."""

    regex = "[0-9]+"
    weight = 50
    part_isolating = True

    def to_python(self, value: str) -> int:
        if len(value) > len(str(MAX_ROW_ID)):
            return NO_ROW  # never int(): it refuses 4,300 digits and more
        return min(int(value), NO_ROW)

    def to_url(self, value: int) -> str:
        return str(int(value))
