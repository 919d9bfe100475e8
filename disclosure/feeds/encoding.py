"""How every feed writes times and JSON, so that the same advisory always gives the same bytes."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # "updated" of a feed that lists nothing yet


def rfc3339(moment: datetime) -> str:
    """An RFC 3339 UTC timestamp ending in Z, to the second (OSV, CSAF, CVE and Atom accept it)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def json_bytes(document: Mapping[str, Any]) -> bytes:
    """The UTF-8 JSON file of a rendered document: key order as built, two-space indent."""
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
