"""URL converters: an `<int:...>` that cannot name a row does not match, so it is a 404."""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter, Map

from disclosure.limits import MAX_ROW_ID


class RowIdConverter(IntegerConverter):
    """`<int:id>` bounded to what an id column holds (a larger number would overflow)."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ROW_ID)
        super().__init__(map, *args, **kwargs)
