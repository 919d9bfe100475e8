"""The CSAF 2.0 document of an advisory, profile `csaf_security_advisory`, and where it is filed.

CSAF 2.0 has no withdrawn status (2.1 adds a profile for it). A withdrawn advisory stays a
final security advisory that still validates: a new revision says so, its title starts with
"WITHDRAWN:", and notes on the document and the vulnerability give the reason. Its product
tree and statuses stay as last published, so the ids that earlier versions used still resolve.

CSAF 2.0 scores only CVSS v2 and v3 (`cvss_v3` refers to FIRST's v3.0 and v3.1 schemas); a
v4.0 vector goes into a vulnerability note instead, and `aggregate_severity` carries its rating.
A CWE goes into `cwe` only with its name, which the schema requires (and test 6.1.11 checks).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import cache
from importlib.metadata import version
from typing import Any

from disclosure.feeds.csaf.products import Products, products
from disclosure.feeds.document import AdvisoryDocument, FeedContext
from disclosure.feeds.encoding import rfc3339
from disclosure.feeds.scores import cvss_v31

CSAF_SCHEMA_URL = "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json"
TLP = {"label": "WHITE", "url": "https://www.first.org/tlp/"}  # published advisories are public

_NOT_IN_FILE_NAMES = re.compile(r"[^+\-a-z0-9]+")
_REFERENCE_SUMMARIES = {
    "ADVISORY": "Advisory",
    "ARTICLE": "Article",
    "DETECTION": "Detection",
    "DISCUSSION": "Discussion",
    "REPORT": "Report",
    "FIX": "Fix",
    "INTRODUCED": "Change that introduced the vulnerability",
    "GIT": "Source repository",
    "PACKAGE": "Package",
    "EVIDENCE": "Evidence",
    "WEB": "Web page",
}


def file_name(tracking_id: str) -> str:
    """The file name CSAF section 5.1 derives from /document/tracking/id."""
    return _NOT_IN_FILE_NAMES.sub("_", tracking_id.lower()) + ".json"


def relative_path(doc: AdvisoryDocument) -> str:
    """`<year>/<file>` below the CSAF directory, the year of the initial release (7.1.11)."""
    return f"{doc.published.astimezone(UTC).year}/{file_name(doc.id)}"


def document_url(ctx: FeedContext, doc: AdvisoryDocument) -> str:
    """Where the advisory's CSAF document is served."""
    return f"{ctx.csaf_directory_url}/{relative_path(doc)}"


def title(doc: AdvisoryDocument) -> str:
    """The CSAF (and ROLIE) title: the advisory's, marked when it is withdrawn."""
    return f"WITHDRAWN: {doc.title}" if doc.withdrawn is not None else doc.title


def render(doc: AdvisoryDocument, ctx: FeedContext) -> dict[str, Any]:
    """The CSAF 2.0 security advisory of one advisory."""
    tree = products(doc.affected)
    return {
        "document": _document(doc, ctx),
        "product_tree": tree.tree,
        "vulnerabilities": [_vulnerability(doc, tree)],
    }


def _document(doc: AdvisoryDocument, ctx: FeedContext) -> dict[str, Any]:
    document: dict[str, Any] = {
        "category": "csaf_security_advisory",
        "csaf_version": "2.0",
        "distribution": {"tlp": TLP},
        "lang": "en",
        "notes": _document_notes(doc),
        "publisher": {
            "category": "vendor",
            "name": doc.publisher_name,
            "namespace": doc.publisher_namespace,
            "contact_details": ctx.contact,
        },
        "references": [
            {"category": "self", "summary": "This CSAF document", "url": document_url(ctx, doc)},
            {"category": "self", "summary": "The advisory's web page", "url": doc.url},
            *(
                {"category": "external", "summary": _REFERENCE_SUMMARIES[r.type], "url": r.url}
                for r in doc.references
            ),
        ],
        "title": title(doc),
        "tracking": _tracking(doc),
    }
    if doc.score is not None:
        document["aggregate_severity"] = {"text": doc.score.severity}
    return document


def _tracking(doc: AdvisoryDocument) -> dict[str, Any]:
    return {
        "current_release_date": rfc3339(doc.modified),
        "generator": {"engine": {"name": "disclosure", "version": _engine_version()}},
        "id": doc.id,
        "initial_release_date": rfc3339(doc.published),
        "revision_history": [
            {"date": rfc3339(r.date), "number": str(r.number), "summary": r.summary}
            for r in doc.revisions
        ],
        "status": "final",
        "version": str(doc.version),
    }


@cache
def _engine_version() -> str:
    return version("disclosure")


def _document_notes(doc: AdvisoryDocument) -> list[dict[str, str]]:
    notes = [{"category": "summary", "title": "Summary", "text": doc.summary}]
    if doc.details_markdown.strip():
        notes.append({"category": "details", "title": "Details", "text": doc.details_markdown})
    if doc.withdrawn is not None:
        notes.insert(0, _withdrawn_note(doc.withdrawn, doc.withdrawn_reason))
    return notes


def _withdrawn_note(withdrawn: datetime, reason: str) -> dict[str, str]:
    text = f"This advisory was withdrawn on {rfc3339(withdrawn)}" + (
        f": {reason}" if reason else "."
    )
    return {"category": "general", "title": "Withdrawn", "text": text}


def _vulnerability(doc: AdvisoryDocument, tree: Products) -> dict[str, Any]:
    vulnerability: dict[str, Any] = {}
    if doc.cve_id:
        vulnerability["cve"] = doc.cve_id
    if doc.cwe and doc.cwe_name:
        vulnerability["cwe"] = {"id": doc.cwe, "name": doc.cwe_name}
    vulnerability["notes"] = _vulnerability_notes(doc)
    status: dict[str, list[str]] = {"known_affected": list(tree.known_affected)}
    if tree.fixed:
        status["fixed"] = list(tree.fixed)
    vulnerability["product_status"] = status
    vulnerability["release_date"] = rfc3339(doc.published)
    vulnerability["remediations"] = _remediations(doc, tree)
    if doc.score is not None and doc.score.version == "3.1":
        vulnerability["scores"] = [
            {"products": list(tree.known_affected), "cvss_v3": cvss_v31(doc.score)}
        ]
    if doc.credits:
        vulnerability["acknowledgments"] = [
            {"names": [c.name], "summary": c.type.lower().replace("_", " ")} for c in doc.credits
        ]
    return vulnerability


def _vulnerability_notes(doc: AdvisoryDocument) -> list[dict[str, str]]:
    notes = [{"category": "description", "title": "Description", "text": doc.summary}]
    if doc.score is not None and doc.score.version == "4.0":
        text = f"{doc.score.vector} (base score {doc.score.base_score}, {doc.score.severity})"
        notes.append({"category": "other", "title": "CVSS v4.0", "text": text})
    if doc.withdrawn is not None:
        notes.insert(0, _withdrawn_note(doc.withdrawn, doc.withdrawn_reason))
    return notes


def _remediations(doc: AdvisoryDocument, tree: Products) -> list[dict[str, Any]]:
    fix_url = next((r.url for r in doc.references if r.type == "FIX"), None)
    remediations: list[dict[str, Any]] = []
    for affected, product in tree.ranges:
        if affected.fixed:
            fix: dict[str, Any] = {
                "category": "vendor_fix",
                "details": f"Update {affected.product} to {affected.fixed} or later.",
                "product_ids": [product],
            }
            if fix_url:
                fix["url"] = fix_url
        else:
            fix = {
                "category": "none_available",
                "details": f"No fixed version of {affected.product} is available yet.",
                "product_ids": [product],
            }
        remediations.append(fix)
    if doc.workarounds.strip():
        remediations.append(
            {
                "category": "workaround",
                "details": doc.workarounds,
                "product_ids": list(tree.known_affected),
            }
        )
    return remediations
