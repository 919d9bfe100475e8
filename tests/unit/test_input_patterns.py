"""The patterns the OpenAPI document states match exactly what the validators behind them accept,
in Python's `re` and in the Rust engine Schemathesis validates with (jsonschema_rs)."""

from __future__ import annotations

import base64
import re

import jsonschema_rs
import pydantic
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from disclosure.cases.coordination.cve import CVE_PATTERN, parse_cve
from disclosure.cases.cwe import CWE_PATTERN, check_cwe
from disclosure.cases.severity import VECTOR_PATTERN, score_vector
from disclosure.errors import ValidationError
from disclosure.inputs import WHITESPACE, non_blank, padded
from disclosure.reports.forms import BASE64_PATTERN, AttachmentIn

# Text rich in what trimming and patterns disagree on: every whitespace character, and others.
texts = st.text(
    alphabet=st.sampled_from(WHITESPACE) | st.characters(exclude_categories=("Cs",)), max_size=12
)


def _both(pattern: str, value: str) -> bool:
    """Whether `value` matches, asserting that both regex engines agree."""
    python = re.search(pattern, value) is not None
    rust = jsonschema_rs.validator_for({"type": "string", "pattern": pattern}).is_valid(value)
    assert python is rust, (pattern, value)
    return python


def test_whitespace_is_what_str_strip_removes() -> None:
    assert set(WHITESPACE) == {chr(c) for c in range(0x110000) if chr(c).isspace()}


@pytest.mark.parametrize("min_length", [1, 2, 3, 10])
@settings(max_examples=300)
@given(value=texts)
def test_non_blank_is_the_trimmed_length(min_length: int, value: str) -> None:
    assert _both(non_blank(min_length), value) is (len(value.strip()) >= min_length)


def _accepts(check, value: str) -> bool:
    try:
        check(value)
    except ValidationError:
        return False
    return True


@settings(max_examples=300)
@given(value=st.from_regex(padded(CWE_PATTERN), fullmatch=True) | texts)
def test_the_cwe_pattern_is_check_cwe(value: str) -> None:
    assert _both(padded(CWE_PATTERN), value) is _accepts(check_cwe, value)


@settings(max_examples=300)
@given(value=st.from_regex(padded(CVE_PATTERN), fullmatch=True) | texts)
def test_the_cve_pattern_is_parse_cve(value: str) -> None:
    assert _both(padded(CVE_PATTERN), value) is _accepts(parse_cve, value)


@settings(max_examples=300)
@given(value=st.from_regex(f"^{VECTOR_PATTERN}$", fullmatch=True))
def test_every_vector_the_pattern_allows_scores(value: str) -> None:
    assert _both(padded(VECTOR_PATTERN), value)
    score_vector(value)


@settings(max_examples=300)
@given(
    value=st.text(alphabet="AaZz09+/=", max_size=10)
    | st.binary().map(base64.b64encode).map(bytes.decode)
)
def test_the_base64_pattern_is_what_an_attachment_takes(value: str) -> None:
    try:
        AttachmentIn(filename="a", content=value)
        decodes = True
    except pydantic.ValidationError:
        decodes = False
    assert _both(BASE64_PATTERN, value) is decodes
