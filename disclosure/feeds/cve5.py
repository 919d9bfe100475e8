"""CVE JSON 5 records (CVE Record Format 5.2.0) of advisories that have a CVE id.

The record is a whole one, valid against the bundled schema, whose top level is one of two
shapes. A live advisory is a PUBLISHED record: `cveMetadata` needs only cveId, assignerOrgId
and state, and the CNA container needs providerMetadata, descriptions, affected and
references. A withdrawn advisory is a REJECTED record, the CVE Program's way to say an id
should no longer be used: its CNA container holds only providerMetadata and rejectedReasons.
`datePublished`, `dateUpdated` and `serial` are left out of `cveMetadata`: CVE Services sets
them when it publishes. What a CNA submits is `record["containers"]["cna"]` (CVE Services
takes it as `{"cnaContainer": ...}`); the rest makes the file a record that validates alone.
"""

from __future__ import annotations

from typing import Any

from disclosure.feeds.document import AdvisoryDocument, AffectedRange
from disclosure.feeds.encoding import rfc3339
from disclosure.feeds.scores import cvss_v31, cvss_v40
from disclosure.feeds.versions import describe, is_semver_range

DATA_VERSION = "5.2.0"

_TITLE_MAX = 256
_TEXT_MAX = 4096
# CVE reference tags for OSV reference types; WEB, GIT and INTRODUCED have no fitting tag.
_TAGS = {
    "ADVISORY": "third-party-advisory",  # our own advisory is the first reference
    "ARTICLE": "technical-description",
    "DETECTION": "signature",
    "DISCUSSION": "mailing-list",
    "REPORT": "issue-tracking",
    "FIX": "patch",
    "PACKAGE": "product",
    "EVIDENCE": "exploit",
}
# Package collections of the OSV ecosystems that CVE records commonly name.
_COLLECTIONS = {
    "crates.io": "https://crates.io",
    "Go": "https://pkg.go.dev",
    "Hex": "https://hex.pm",
    "Maven": "https://repo.maven.apache.org/maven2",
    "npm": "https://www.npmjs.com",
    "NuGet": "https://www.nuget.org",
    "Packagist": "https://packagist.org",
    "Pub": "https://pub.dev",
    "PyPI": "https://pypi.org",
    "RubyGems": "https://rubygems.org",
}


def render(
    doc: AdvisoryDocument, *, assigner_org_id: str, assigner_short_name: str
) -> dict[str, Any]:
    """The CVE record of an advisory (REJECTED once withdrawn); ValueError without a CVE id."""
    if doc.cve_id is None:
        raise ValueError(f"advisory {doc.id} has no CVE id")
    metadata: dict[str, Any] = {
        "cveId": doc.cve_id,
        "assignerOrgId": assigner_org_id,
        "assignerShortName": assigner_short_name,
    }
    provider = {
        "orgId": assigner_org_id,
        "shortName": assigner_short_name,
        "dateUpdated": rfc3339(doc.modified),
    }
    if doc.withdrawn is not None:
        metadata |= {"state": "REJECTED", "dateRejected": rfc3339(doc.withdrawn)}
        reason = doc.withdrawn_reason or "The advisory for this CVE id was withdrawn."
        cna: dict[str, Any] = {
            "providerMetadata": provider,
            "rejectedReasons": [{"lang": "en", "value": _clip(reason, _TEXT_MAX)}],
        }
    else:
        metadata["state"] = "PUBLISHED"
        cna = {"providerMetadata": provider, **_published(doc)}
    return {
        "dataType": "CVE_RECORD",
        "dataVersion": DATA_VERSION,
        "cveMetadata": metadata,
        "containers": {"cna": cna},
    }


def _published(doc: AdvisoryDocument) -> dict[str, Any]:
    description = f"{doc.summary.strip()}\n\n{doc.details_markdown.strip()}".strip()
    cna: dict[str, Any] = {
        "datePublic": rfc3339(doc.published),
        "title": _clip(doc.title, _TITLE_MAX),
        "descriptions": [{"lang": "en", "value": _clip(description, _TEXT_MAX)}],
        "affected": _affected(doc.affected),
    }
    if doc.cwe:
        name = f"{doc.cwe} {doc.cwe_name}" if doc.cwe_name else doc.cwe
        cna["problemTypes"] = [
            {"descriptions": [{"lang": "en", "cweId": doc.cwe, "description": name, "type": "CWE"}]}
        ]
    if doc.score is not None:
        key, metric = (
            ("cvssV3_1", cvss_v31(doc.score))
            if doc.score.version == "3.1"
            else ("cvssV4_0", cvss_v40(doc.score))
        )
        cna["metrics"] = [
            {"format": "CVSS", "scenarios": [{"lang": "en", "value": "GENERAL"}], key: metric}
        ]
    cna["references"] = _references(doc)
    if doc.workarounds.strip():
        cna["workarounds"] = [{"lang": "en", "value": _clip(doc.workarounds, _TEXT_MAX)}]
    solutions = [
        f"{a.product} {describe(a)}: update to {a.fixed} or later." for a in doc.affected if a.fixed
    ]
    if solutions:
        text = "\n".join(dict.fromkeys(solutions))
        cna["solutions"] = [{"lang": "en", "value": _clip(text, _TEXT_MAX)}]
    if doc.credits:
        cna["credits"] = [
            {"lang": "en", "value": c.name, "type": c.type.lower().replace("_", " ")}
            for c in doc.credits
        ]
    return cna


def _affected(ranges: tuple[AffectedRange, ...]) -> list[dict[str, Any]]:
    # One product entry per vendor, product and package; each range is one of its versions.
    products: dict[tuple[str, str, str, str, str], dict[str, Any]] = {}
    for affected in ranges:
        key = (
            affected.vendor,
            affected.product,
            affected.ecosystem,
            affected.package,
            affected.purl,
        )
        if key not in products:
            products[key] = _product(affected)
        version = _version(affected)
        if version not in products[key]["versions"]:
            products[key]["versions"].append(version)
    return list(products.values())


def _product(affected: AffectedRange) -> dict[str, Any]:
    product: dict[str, Any] = {"vendor": affected.vendor, "product": affected.product}
    collection = _COLLECTIONS.get(affected.ecosystem)
    if collection and affected.package:
        product |= {"collectionURL": collection, "packageName": affected.package}
    if affected.purl:
        product["packageURL"] = affected.purl
    # The versions list every affected range; whatever it does not list is unaffected.
    product |= {"versions": [], "defaultStatus": "unaffected"}
    return product


def _version(affected: AffectedRange) -> dict[str, str]:
    version = {
        "version": affected.introduced,
        "status": "affected",
        "versionType": "semver" if is_semver_range(affected) else "custom",
    }
    if affected.fixed:
        version["lessThan"] = affected.fixed
    elif affected.last_affected:
        version["lessThanOrEqual"] = affected.last_affected
    else:
        version["lessThan"] = "*"  # the schema's "arbitrarily large": every later version too
    return version


def _references(doc: AdvisoryDocument) -> list[dict[str, Any]]:
    references: dict[str, dict[str, Any]] = {
        doc.url: {"url": doc.url, "name": doc.title[:512], "tags": ["vendor-advisory"]}
    }
    for reference in doc.references:
        if reference.url in references:
            continue
        entry: dict[str, Any] = {"url": reference.url}
        if reference.type in _TAGS:
            entry["tags"] = [_TAGS[reference.type]]
        references[reference.url] = entry
    return list(references.values())


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
