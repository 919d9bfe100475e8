"""CVSS v3.1 and v4.0 vectors: validated and scored with the `cvss` library, never by hand."""

from __future__ import annotations

from dataclasses import dataclass

from cvss import CVSS3, CVSS4
from cvss.exceptions import CVSSError

from disclosure.errors import ValidationError


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
