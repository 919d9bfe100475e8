"""The attachment's base64 check accepts exactly what the OpenAPI document's pattern does."""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from disclosure.reports.forms import BASE64_PATTERN, is_canonical_base64

PATTERN = re.compile(BASE64_PATTERN)


@settings(deadline=None)  # what it checks is agreement; a busy machine is not a failure
@given(st.text(alphabet="AZaz09+/=-_ \n\u00e9", max_size=14))
@example("")
@example("AAAA")
@example("AA==")
@example("AAA=")
@example("AAAA=")
@example("A===")
@example("====")
@example("AA=A")
@example("AAAA\n")
def test_the_fast_check_agrees_with_the_documented_pattern(value: str) -> None:
    assert is_canonical_base64(value) == bool(PATTERN.fullmatch(value))
