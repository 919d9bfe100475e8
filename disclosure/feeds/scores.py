"""CVSS objects in the JSON shapes CSAF and CVE JSON 5 embed, computed by the `cvss` library."""

from __future__ import annotations

from typing import Any

from cvss import CVSS3, CVSS4

from disclosure.feeds.document import Score


def cvss_v31(score: Score) -> dict[str, Any]:
    """FIRST's cvss-v3.1 object of a 3.1 score; ValueError when its vector gives another score."""
    if score.version != "3.1":
        raise ValueError(f"a CVSS {score.version} score has no cvss-v3.1 object")
    parsed = CVSS3(score.vector)
    _check(score, float(parsed.scores()[0]), parsed.severities()[0])
    return parsed.as_json(minimal=True)


def cvss_v40(score: Score) -> dict[str, Any]:
    """The cvssV4_0 object of CVE JSON 5 (version, vector, base score, SEVERITY), built by hand.

    `CVSS4.as_json()` says version "4" and names some metrics differently from FIRST's
    cvss-v4.0 schema, so it does not validate; the four required members are enough.
    """
    if score.version != "4.0":
        raise ValueError(f"a CVSS {score.version} score has no cvss-v4.0 object")
    parsed = CVSS4(score.vector)
    _check(score, float(parsed.base_score), parsed.severity)
    return {
        "version": "4.0",
        "vectorString": parsed.clean_vector(),
        "baseScore": float(parsed.base_score),
        "baseSeverity": parsed.severity.upper(),
    }


def _check(score: Score, computed: float, severity: str) -> None:
    # CSAF's mandatory test 6.1.9 rejects a score that its vector does not give.
    if computed != score.base_score or severity != score.severity:
        raise ValueError(
            f"{score.vector} scores {computed} ({severity}), "
            f"not {score.base_score} ({score.severity})"
        )
