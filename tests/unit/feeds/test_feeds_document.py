"""The advisory document refuses what no feed could express, and derives its status."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any

import pytest

from disclosure.feeds.document import (
    AdvisoryStatus,
    AffectedRange,
    Credit,
    Reference,
    Revision,
    Score,
)
from tests.unit.feeds.documents import CTX, PUBLISHED, document, revised, withdrawn


def test_status_follows_revisions_and_withdrawal() -> None:
    doc = document()
    assert doc.status is AdvisoryStatus.PUBLISHED
    assert revised(doc).status is AdvisoryStatus.REVISED
    assert revised(doc).version == 2
    assert withdrawn(doc).status is AdvisoryStatus.WITHDRAWN


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"id": "ACME 2026 0001"}, "advisory id"),
        ({"title": " "}, "title"),
        ({"affected": ()}, "affected"),
        ({"cve_id": "CVE-26-1"}, "CVE id"),
        ({"cwe": "79"}, "CWE id"),
        ({"cwe": None, "cwe_name": "Cross-site Scripting"}, "CWE name"),
        ({"published": datetime(2026, 3, 2, 9, 30)}, "timezone-aware"),
        ({"revisions": ()}, "numbered"),
        ({"revisions": (Revision(number=2, date=PUBLISHED, summary="x"),)}, "numbered"),
        ({"revisions": (Revision(number=1, date=PUBLISHED, summary=" "),)}, "what changed"),
        ({"modified": PUBLISHED - timedelta(days=1)}, "published <="),
        ({"withdrawn": PUBLISHED + timedelta(days=1)}, "withdrawn lies"),
    ],
)
def test_document_refuses(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        document(**overrides)


def test_revision_dates_must_not_go_back() -> None:
    doc = revised(document())
    early = Revision(number=3, date=PUBLISHED - timedelta(hours=1), summary="Back in time")
    with pytest.raises(ValueError, match="in order"):
        dataclasses.replace(doc, revisions=(*doc.revisions, early))


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: AffectedRange(vendor="", product="Widgets"), "vendor and product"),
        (lambda: AffectedRange(vendor="Acme", product="W", introduced=""), "introduced"),
        (lambda: AffectedRange(vendor="A", product="W", fixed="2", last_affected="1"), "not both"),
        (lambda: AffectedRange(vendor="A", product="W", purl="pypi/w"), "pkg:"),
        (lambda: _score(version="3.0", vector="CVSS:3.0/AV:N"), "3.0"),
        (lambda: _score(vector="CVSS:4.0/AV:N"), "starts"),
        (lambda: _score(severity="LOW"), "one of"),
        (lambda: Reference(url="https://x.example", type="BLOG"), "reference type"),
        (lambda: Credit(name="Jo", type="HERO"), "credit type"),
        (lambda: Credit(name=" "), "names someone"),
    ],
)
def test_parts_refuse(build: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


def _score(**fields: Any) -> Score:
    return Score(
        **(
            {"version": "3.1", "vector": "CVSS:3.1/AV:N", "base_score": 1.0, "severity": "Low"}
            | fields
        )
    )


def test_context_urls_have_no_trailing_slash() -> None:
    with pytest.raises(ValueError, match="trailing slash"):
        dataclasses.replace(CTX, csaf_directory_url=CTX.csaf_directory_url + "/")
