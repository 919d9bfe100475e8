"""Version ranges as the formats spell them: SemVer recognition, vers strings, plain words."""

from __future__ import annotations

import re
from urllib.parse import quote

from disclosure.feeds.document import AffectedRange

# semver.org's recommended expression, without the leading "v" that SemVer 2.0 does not allow.
_SEMVER = re.compile(
    r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?"
)


def is_semver(version: str) -> bool:
    """Whether a version string is a SemVer 2.0 version."""
    return _SEMVER.fullmatch(version) is not None


def is_semver_range(affected: AffectedRange) -> bool:
    """Whether every bound of the range is SemVer ("0" stands for the start, as in OSV)."""
    bounds = [affected.fixed, affected.last_affected]
    if affected.introduced != "0":
        bounds.append(affected.introduced)
    return all(is_semver(b) for b in bounds if b)


def vers(affected: AffectedRange) -> str:
    """The range as a vers string (purl's version range spec), e.g. "vers:pypi/>=1.0|<2.4.1"."""
    scheme = affected.purl[len("pkg:") :].split("/", 1)[0].lower() if affected.purl else "generic"
    constraints = []
    if affected.introduced != "0":
        constraints.append(f">={_escape(affected.introduced)}")
    if affected.fixed:
        constraints.append(f"<{_escape(affected.fixed)}")
    elif affected.last_affected:
        constraints.append(f"<={_escape(affected.last_affected)}")
    return f"vers:{scheme}/{'|'.join(constraints) or '*'}"


def describe(affected: AffectedRange) -> str:
    """The range in words, e.g. "1.0 up to (not including) 2.4.1"."""
    start = affected.introduced != "0"
    if affected.fixed:
        end = f"up to (not including) {affected.fixed}"
        return f"{affected.introduced} {end}" if start else f"versions before {affected.fixed}"
    if affected.last_affected:
        end = f"up to and including {affected.last_affected}"
        return f"{affected.introduced} {end}" if start else f"all versions {end}"
    return f"{affected.introduced} and later" if start else "all versions"


def _escape(version: str) -> str:
    # vers percent-encodes a version the way purl does; its separators | < > = must not leak in.
    return quote(version, safe=".-_~+!")
