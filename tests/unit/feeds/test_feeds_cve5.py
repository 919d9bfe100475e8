"""CVE JSON 5 records validate against the bundled 5.2.0 schema, published or rejected."""

from __future__ import annotations

from typing import Any

import pytest
from cvss import CVSS4

from disclosure.feeds import cve5
from disclosure.feeds.document import AdvisoryDocument
from tests.unit.feeds.documents import CVSS40, PACKAGES, WITH_CVE, document, withdrawn
from tests.unit.feeds.schemas import errors, load

ORG = "b3476cb9-2e3d-41a6-98d0-0f47421a65b6"


def record(doc: AdvisoryDocument) -> dict[str, Any]:
    return cve5.render(doc, assigner_org_id=ORG, assigner_short_name="acme")


@pytest.mark.parametrize("doc", WITH_CVE.values(), ids=WITH_CVE.keys())
def test_record_validates(doc: AdvisoryDocument) -> None:
    assert errors("cve", record(doc)) == []


@pytest.mark.parametrize("example", ["full-record-basic-example", "full-record-advanced-example"])
def test_validator_accepts_official_examples(example: str) -> None:
    assert errors("cve", load(f"examples/cve/{example}.json")) == []


def test_validator_checks_the_assigner_uuid() -> None:
    bad = cve5.render(document(), assigner_org_id="acme", assigner_short_name="acme")
    assert errors("cve", bad)


def test_only_advisories_with_a_cve_id_have_a_record() -> None:
    with pytest.raises(ValueError, match="no CVE id"):
        record(document(cve_id=None))


def test_live_advisory_is_a_published_record() -> None:
    rendered = record(document())
    assert rendered["dataType"] == "CVE_RECORD"
    assert rendered["dataVersion"] == "5.2.0"
    assert rendered["cveMetadata"] == {
        "cveId": "CVE-2026-12345",
        "assignerOrgId": ORG,
        "assignerShortName": "acme",
        "state": "PUBLISHED",
    }
    cna = rendered["containers"]["cna"]
    assert cna["providerMetadata"]["orgId"] == ORG
    assert cna["datePublic"] == "2026-03-02T09:30:00Z"
    assert cna["descriptions"][0]["lang"] == "en"
    assert cna["problemTypes"][0]["descriptions"][0]["cweId"] == "CWE-79"
    assert cna["credits"] == [{"lang": "en", "value": "Jo Researcher", "type": "finder"}]


def test_withdrawn_advisory_is_a_rejected_record() -> None:
    rendered = record(withdrawn(document(), reason="Duplicate of CVE-2026-11111"))
    assert rendered["cveMetadata"]["state"] == "REJECTED"
    assert rendered["cveMetadata"]["dateRejected"] == "2026-03-09T09:30:00Z"
    cna = rendered["containers"]["cna"]
    assert set(cna) == {"providerMetadata", "rejectedReasons"}
    assert cna["rejectedReasons"] == [{"lang": "en", "value": "Duplicate of CVE-2026-11111"}]


def test_cvss40_metric_is_built_by_hand_because_the_library_shape_does_not_validate() -> None:
    rendered = record(document(score=CVSS40))
    (metric,) = rendered["containers"]["cna"]["metrics"]
    assert metric["cvssV4_0"] == {
        "version": "4.0",
        "vectorString": CVSS40.vector,
        "baseScore": 9.3,
        "baseSeverity": "CRITICAL",
    }
    metric["cvssV4_0"] = CVSS4(CVSS40.vector).as_json()
    assert errors("cve", rendered)


def test_cvss31_metric_comes_from_the_library() -> None:
    (metric,) = record(document())["containers"]["cna"]["metrics"]
    assert metric["cvssV3_1"]["vectorString"] == document().score.vector
    assert metric["cvssV3_1"]["baseSeverity"] == "MEDIUM"
    assert "metrics" not in record(document(score=None))["containers"]["cna"]


def test_affected_versions_of_several_products() -> None:
    affected = record(document(affected=PACKAGES))["containers"]["cna"]["affected"]
    assert [(a["product"], a["defaultStatus"]) for a in affected] == [
        ("acme-widgets", "unaffected"),
        ("widget-core", "unaffected"),
        ("Widget Appliance", "unaffected"),
        ("Widget Console", "unaffected"),
    ]
    pypi, crate, appliance, console = affected
    assert pypi["collectionURL"] == "https://pypi.org"
    assert pypi["packageURL"] == "pkg:pypi/acme-widgets"
    assert [(v["version"], v["lessThan"]) for v in pypi["versions"]] == [
        ("1.0", "1.4.2"),
        ("2.0", "2.0.3"),
    ]
    assert crate["versions"] == [
        {"version": "0", "status": "affected", "versionType": "semver", "lessThanOrEqual": "0.9.7"}
    ]
    assert "packageURL" not in appliance
    assert console["versions"][0]["lessThan"] == "*"  # no fix yet: every later version


def test_references_start_with_the_advisory_as_vendor_advisory() -> None:
    references = record(document())["containers"]["cna"]["references"]
    assert references[0]["url"] == document().url
    assert references[0]["tags"] == ["vendor-advisory"]
    assert references[1]["tags"] == ["patch"]


def test_long_title_is_clipped_to_what_the_schema_allows() -> None:
    rendered = record(document(title="Overflow " * 40))
    assert len(rendered["containers"]["cna"]["title"]) == 256
    assert errors("cve", rendered) == []
