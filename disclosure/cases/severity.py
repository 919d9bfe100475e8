"""CVSS v3.1 and v4.0 vectors: validated and scored with the `cvss` library, never by hand."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cvss import CVSS3, CVSS4, constants3, constants4
from cvss.exceptions import CVSSError

from disclosure.errors import ValidationError


def _vector_pattern(prefix: str, values: dict[str, list[str]], mandatory: list[str]) -> str:
    """Every metric in the specification's order, the base ones required, each once."""
    parts = []
    for metric, choices in values.items():
        part = f"/{metric}:(?:{'|'.join(choices)})"
        parts.append(part if metric in mandatory else f"(?:{part})?")
    return re.escape(prefix) + "".join(parts)


# The vectors score_vector accepts, metrics in their canonical order (the cvss library itself
# takes any order); built from the library's tables so the two cannot disagree.
VECTOR_PATTERN = "(?:{}|{})".format(
    _vector_pattern("CVSS:3.1", constants3.METRICS_VALUES, constants3.METRICS_MANDATORY),
    _vector_pattern(
        "CVSS:4.0",
        {metric: list(v) for metric, v in constants4.METRICS_VALUE_NAMES.items()},
        constants4.METRICS_MANDATORY,
    ),
)


@dataclass(frozen=True)
class Severity:
    version: str  # "3.1" or "4.0"
    vector: str  # normalised vector
    score: float
    rating: str  # None, Low, Medium, High, Critical


def score_vector(vector: str, *, field: str = "cvss_vector") -> Severity:
    """The score and rating of a CVSS 3.1 or 4.0 vector; ValidationError naming `field`."""
    vector = vector.strip()
    try:
        if vector.startswith("CVSS:3.1/"):
            parsed3 = CVSS3(vector)
            return Severity(
                "3.1", parsed3.clean_vector(), float(parsed3.scores()[0]), parsed3.severities()[0]
            )
        if vector.startswith("CVSS:4.0/"):
            parsed4 = CVSS4(vector)
            return Severity(
                "4.0", parsed4.clean_vector(), float(parsed4.base_score), parsed4.severity
            )
    except CVSSError as exc:
        raise ValidationError(f"Invalid CVSS vector: {exc}.", fields={field: str(exc)}) from None
    raise ValidationError(
        "Invalid CVSS vector.",
        fields={field: "Give a CVSS v3.1 (CVSS:3.1/...) or v4.0 (CVSS:4.0/...) vector."},
    )
