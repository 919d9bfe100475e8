"""OSV records (schema 1.7) of advisories, and the all.zip that OSV consumers download at once.

The id is `x_<advisory id>`: `x_` is the schema's prefix for databases that have not
registered a home-database prefix of their own. A range of a package in a known OSV
ecosystem becomes an ECOSYSTEM range (SEMVER where the ecosystem itself enforces SemVer);
a vendor product without an ecosystem has no OSV package, so it is listed without one, with
a SEMVER range when its versions are SemVer and its vendor, product and vers range in
`database_specific`, so scanners skip it and people still read it.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from disclosure.feeds.document import AdvisoryDocument, AffectedRange
from disclosure.feeds.encoding import json_bytes, rfc3339
from disclosure.feeds.versions import is_semver_range, vers

SCHEMA_VERSION = "1.7.5"

# The ecosystem names of OSV schema 1.7.5 ($defs.ecosystemName); a test compares them with it.
ECOSYSTEMS = frozenset(
    {
        "AlmaLinux", "Alpaquita", "Alpine", "Android", "Azure Linux",
        "BellSoft Hardened Containers", "Bioconductor", "Bitnami", "Chainguard", "CleanStart",
        "ConanCenter", "CRAN", "crates.io", "Debian", "Docker Hardened Images", "Echo",
        "FreeBSD", "GHC", "GitHub Actions", "Go", "Hackage", "Hex", "Julia", "Kubernetes",
        "Linux", "Mageia", "Maven", "MinimOS", "npm", "NuGet", "opam", "openEuler", "openSUSE",
        "OSS-Fuzz", "Packagist", "Photon OS", "Pub", "PyPI", "Red Hat", "Rocky Linux", "Root",
        "RubyGems", "SUSE", "SwiftURL", "TuxCare", "Ubuntu", "VSCode", "Wolfi",
    }
)  # fmt: skip
# Ecosystems whose tools refuse a version that is not SemVer, as the OSV spec asks of SEMVER
# ranges; elsewhere SemVer is a convention only, and the spec says to use ECOSYSTEM.
SEMVER_ECOSYSTEMS = frozenset({"crates.io", "Go"})

_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can hold


def record_id(doc: AdvisoryDocument) -> str:
    """The OSV id of an advisory: `x_` and its own id."""
    return f"x_{doc.id}"


def file_name(doc: AdvisoryDocument) -> str:
    """The file an advisory's OSV record is served as."""
    return f"{record_id(doc)}.json"


def render(doc: AdvisoryDocument) -> dict[str, Any]:
    """The OSV record of one advisory."""
    record: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "id": record_id(doc),
        "modified": rfc3339(doc.modified),
        "published": rfc3339(doc.published),
    }
    if doc.withdrawn is not None:
        record["withdrawn"] = rfc3339(doc.withdrawn)
    if doc.cve_id:
        record["aliases"] = [doc.cve_id]
    record["summary"] = _summary(doc)
    record["details"] = _details(doc)
    if doc.score is not None:
        kind = "CVSS_V3" if doc.score.version.startswith("3") else "CVSS_V4"
        record["severity"] = [{"type": kind, "score": doc.score.vector}]
    record["affected"] = _affected(doc.affected)
    record["references"] = _references(doc)
    if doc.credits:
        record["credits"] = [{"name": c.name, "type": c.type} for c in doc.credits]
    if doc.cwe:
        specific: dict[str, Any] = {"cwe_ids": [doc.cwe]}
        if doc.cwe_name:
            specific["cwe_names"] = [doc.cwe_name]
        record["database_specific"] = specific
    return record


def archive(records: Iterable[Mapping[str, Any]]) -> bytes:
    """all.zip: one `<id>.json` per record, sorted, with fixed times: same records, same bytes."""
    by_name: dict[str, Mapping[str, Any]] = {}
    for record in records:
        name = f"{record['id']}.json"
        if name in by_name:
            raise ValueError(f"two records have the id {record['id']}")
        by_name[name] = record
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        for name in sorted(by_name):
            entry = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 3  # Unix, whatever machine writes it
            entry.external_attr = 0o644 << 16
            zipped.writestr(entry, json_bytes(by_name[name]), compresslevel=9)
    return buffer.getvalue()


@dataclass(frozen=True)
class ZipMember:
    """One record of all.zip, compressed once when it is published."""

    name: str
    deflated: bytes
    crc32: int
    size: int


def zip_member(name: str, data: bytes) -> ZipMember:
    """The record's bytes deflated as a zip entry holds them (raw deflate, level 9)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return ZipMember(name, packer.compress(data) + packer.flush(), zlib.crc32(data), len(data))


def assemble_zip(members: Sequence[ZipMember]) -> bytes:
    """all.zip from members deflated beforehand: local headers, data, central directory.

    Building it copies bytes and compresses nothing, so publishing one advisory costs one
    record's compression, whatever the number of advisories."""
    out, directory = bytearray(), bytearray()
    dos_time, dos_date = 0, (0 << 9) | (1 << 5) | 1  # 1980-01-01 00:00, as `archive` writes
    for member in sorted(members, key=lambda m: m.name):
        name = member.name.encode()
        offset = len(out)
        common = struct.pack(
            "<HHHHHIII",
            20, 0, zipfile.ZIP_DEFLATED, dos_time, dos_date,
            member.crc32, len(member.deflated), member.size,
        )  # fmt: skip
        out += b"PK\x03\x04" + common + struct.pack("<HH", len(name), 0) + name
        out += member.deflated
        directory += (
            b"PK\x01\x02"
            + struct.pack("<H", (3 << 8) | 20)
            + common
            + struct.pack("<HHHHHII", len(name), 0, 0, 0, 0, 0o644 << 16, offset)
            + name
        )
    end = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(directory), len(out), 0
    )
    return bytes(out + directory + end)


def _summary(doc: AdvisoryDocument) -> str:
    # The spec asks for a one-line summary, and for a withdrawal's rationale to go in it.
    if doc.withdrawn is None:
        return doc.title
    reason = f" ({doc.withdrawn_reason})" if doc.withdrawn_reason else ""
    return f"Withdrawn: {doc.title}{reason}"


def _details(doc: AdvisoryDocument) -> str:
    parts = [doc.summary, doc.details_markdown]
    if doc.workarounds:
        parts.append(f"## Workarounds\n\n{doc.workarounds}")
    if doc.withdrawn is not None:
        reason = f": {doc.withdrawn_reason}" if doc.withdrawn_reason else "."
        parts.insert(0, f"**Withdrawn** on {doc.withdrawn.astimezone(UTC):%Y-%m-%d}{reason}")
    return "\n\n".join(p.strip() for p in parts if p.strip())


def _has_package(affected: AffectedRange) -> bool:
    return bool(affected.package) and affected.ecosystem.split(":", 1)[0] in ECOSYSTEMS


def _affected(ranges: Iterable[AffectedRange]) -> list[dict[str, Any]]:
    # One entry per package (the spec's advice), in the order the advisory lists them.
    packages: dict[tuple[str, str], dict[str, Any]] = {}
    entries: list[dict[str, Any]] = []
    for affected in ranges:
        if not _has_package(affected):
            entries.append(_vendor_product(affected))
            continue
        key = (affected.ecosystem, affected.package)
        if key not in packages:
            package = {"ecosystem": affected.ecosystem, "name": affected.package}
            if affected.purl:
                package["purl"] = affected.purl
            packages[key] = {"package": package, "ranges": []}
            entries.append(packages[key])
        semver = affected.ecosystem in SEMVER_ECOSYSTEMS and is_semver_range(affected)
        packages[key]["ranges"].append(_range(affected, "SEMVER" if semver else "ECOSYSTEM"))
    return entries


def _vendor_product(affected: AffectedRange) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    if is_semver_range(affected):
        entry["ranges"] = [_range(affected, "SEMVER")]
    entry["database_specific"] = {
        "vendor": affected.vendor,
        "product": affected.product,
        "versions": vers(affected),
    }
    return entry


def _range(affected: AffectedRange, kind: str) -> dict[str, Any]:
    events: list[dict[str, str]] = [{"introduced": affected.introduced}]
    if affected.fixed:
        events.append({"fixed": affected.fixed})
    elif affected.last_affected:
        events.append({"last_affected": affected.last_affected})
    return {"type": kind, "events": events}


def _references(doc: AdvisoryDocument) -> list[dict[str, str]]:
    seen = {doc.url}
    references = [{"type": "ADVISORY", "url": doc.url}]
    for reference in doc.references:
        if reference.url not in seen:
            seen.add(reference.url)
            references.append({"type": reference.type, "url": reference.url})
    return references
