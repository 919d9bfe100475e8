"""URL converters: an `<int:...>` id that cannot name a row becomes one that names none.

A number beyond what an id column holds (2**31 - 1) is read as 0, which no row has (ids
start at 1) and every database binds: each lookup finds nothing, so the view answers its own
404. Refusing to match the rule instead would turn the request into a 405 wherever another
method shares the path.
"""

from __future__ import annotations

from werkzeug.routing import BaseConverter

from disclosure.limits import MAX_ROW_ID

NO_ROW = 0  # ids start at 1; 0 fits every integer column of both databases


class RowIdConverter(BaseConverter):
    """`<int:id>`: ASCII digits, read as an id or as NO_ROW when too large for one."""

    regex = "[0-9]+"
    weight = 50
    part_isolating = True

    def to_python(self, value: str) -> int:
        if len(value) > len(str(MAX_ROW_ID)):
            return NO_ROW  # never int(): it refuses 4,300 digits and more
        number = int(value)
        return number if number <= MAX_ROW_ID else NO_ROW

    def to_url(self, value: int) -> str:
        return str(int(value))
