"""A factory of advisory documents for the feed tests, and the variants every renderer meets."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

from disclosure.feeds.document import (
    AdvisoryDocument,
    AffectedRange,
    Credit,
    FeedContext,
    Reference,
    Revision,
    Score,
)

BASE = "https://disclosure.example.org"
PUBLISHED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
CVSS31 = Score(
    version="3.1",
    vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N",
    base_score=6.1,
    severity="Medium",
)
CVSS40 = Score(
    version="4.0",
    vector="CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
    base_score=9.3,
    severity="Critical",
)
CTX = FeedContext(
    base_url=BASE,
    publisher_name="Acme Widgets PSIRT",
    publisher_namespace=BASE,
    contact="security@acme.example",
    csaf_directory_url=f"{BASE}/.well-known/csaf/white",
    osv_directory_url=f"{BASE}/osv",
    atom_url=f"{BASE}/advisories.atom",
    html_url=f"{BASE}/advisories",
    key_fingerprint="8F5F267907B2C4559DB360DB2294BA7D2B2298B1",
    key_url=f"{BASE}/.well-known/csaf/openpgp/8F5F267907B2C4559DB360DB2294BA7D2B2298B1.asc",
)
WIDGETS = AffectedRange(vendor="Acme", product="Widgets", introduced="0", fixed="2.4.1")
PACKAGES = (
    AffectedRange(
        vendor="Acme",
        product="acme-widgets",
        ecosystem="PyPI",
        package="acme-widgets",
        purl="pkg:pypi/acme-widgets",
        introduced="1.0",
        fixed="1.4.2",
    ),
    AffectedRange(
        vendor="Acme",
        product="acme-widgets",
        ecosystem="PyPI",
        package="acme-widgets",
        purl="pkg:pypi/acme-widgets",
        introduced="2.0",
        fixed="2.0.3",
    ),
    AffectedRange(
        vendor="Acme", product="widget-core", ecosystem="crates.io", package="widget-core",
        purl="pkg:cargo/widget-core", introduced="0", last_affected="0.9.7",
    ),
    AffectedRange(vendor="Acme", product="Widget Appliance", introduced="3.1", fixed="3.2"),
    AffectedRange(vendor="Acme", product="Widget Console", introduced="1.0.0"),
)  # fmt: skip


def document(**overrides: Any) -> AdvisoryDocument:
    """A published advisory with every field filled; overrides replace fields by name."""
    fields: dict[str, Any] = {
        "id": "ACME-2026-0001",
        "program_slug": "acme",
        "publisher_name": "Acme Widgets",
        "publisher_namespace": BASE,
        "title": "Stored XSS in the widget editor",
        "summary": "The widget editor stores HTML from a widget's name without escaping it.",
        "details_html": "<p>A widget named <code>&lt;img onerror&gt;</code> runs script.</p>",
        "details_markdown": "A widget named `<img onerror>` runs script.",
        "affected": (WIDGETS,),
        "workarounds": "Allow only trusted users to rename widgets.",
        "score": CVSS31,
        "cwe": "CWE-79",
        "cwe_name": "Improper Neutralization of Input During Web Page Generation "
        "('Cross-site Scripting')",
        "cve_id": "CVE-2026-12345",
        "references": (
            Reference(url="https://git.acme.example/widgets/commit/abc123", type="FIX"),
            Reference(url="https://acme.example/blog/widget-xss", type="ARTICLE"),
        ),
        "credits": (Credit(name="Jo Researcher", type="FINDER"),),
        "published": PUBLISHED,
        "modified": PUBLISHED,
        "revisions": (Revision(number=1, date=PUBLISHED, summary="Initial release"),),
        "url": f"{BASE}/advisories/ACME-2026-0001",
    }
    fields |= overrides
    return AdvisoryDocument(**fields)


def revised(doc: AdvisoryDocument, days: int = 5, summary: str = "Fix for 2.x") -> AdvisoryDocument:
    """The advisory with one more revision, `days` after its last change."""
    at = doc.modified + timedelta(days=days)
    revision = Revision(number=doc.version + 1, date=at, summary=summary)
    return dataclasses.replace(doc, modified=at, revisions=(*doc.revisions, revision))


def withdrawn(doc: AdvisoryDocument, reason: str = "Not a vulnerability") -> AdvisoryDocument:
    """The advisory withdrawn a week after its last change, in a revision that says so."""
    later = revised(doc, days=7, summary=f"Withdrawn: {reason}")
    return dataclasses.replace(later, withdrawn=later.modified, withdrawn_reason=reason)


VARIANTS: dict[str, AdvisoryDocument] = {
    "one product": document(),
    "several products": document(affected=PACKAGES),
    "no CVE id": document(cve_id=None),
    "CVSS 3.1": document(score=CVSS31),
    "CVSS 4.0": document(score=CVSS40),
    "no score": document(score=None, cwe=None, cwe_name=None),
    "revised": revised(document()),
    "withdrawn": withdrawn(document()),
    "bare": document(
        workarounds="", references=(), credits=(), cwe="CWE-20", cwe_name=None, details_markdown=""
    ),
}
WITH_CVE = {name: doc for name, doc in VARIANTS.items() if doc.cve_id}
