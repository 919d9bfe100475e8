"""CSAF 2.0 documents and distribution files validate and agree with each other."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from disclosure.feeds import csaf
from disclosure.feeds.document import AdvisoryDocument
from disclosure.feeds.encoding import json_bytes
from tests.unit.feeds.documents import (
    CTX,
    PACKAGES,
    PUBLISHED,
    VARIANTS,
    document,
    revised,
    withdrawn,
)
from tests.unit.feeds.schemas import errors, load


@pytest.mark.parametrize("doc", VARIANTS.values(), ids=VARIANTS.keys())
def test_document_validates(doc: AdvisoryDocument) -> None:
    assert errors("csaf", csaf.render(doc, CTX)) == []


@pytest.mark.parametrize("doc", VARIANTS.values(), ids=VARIANTS.keys())
def test_every_product_id_used_is_defined_once(doc: AdvisoryDocument) -> None:
    rendered = csaf.render(doc, CTX)
    defined = Counter(_product_ids(rendered["product_tree"]["branches"]))
    assert max(defined.values()) == 1  # 6.1.2: no product id defined twice
    vulnerability = rendered["vulnerabilities"][0]
    used = {p for ids in vulnerability["product_status"].values() for p in ids}
    used |= {p for r in vulnerability["remediations"] for p in r["product_ids"]}
    used |= {p for s in vulnerability.get("scores", []) for p in s["products"]}
    assert used <= set(defined)  # 6.1.1: every id referenced is defined


def _product_ids(branches: list[dict[str, Any]]) -> list[str]:
    ids = []
    for branch in branches:
        if "product" in branch:
            ids.append(branch["product"]["product_id"])
        else:
            ids += _product_ids(branch["branches"])
    return ids


def test_validator_accepts_official_examples() -> None:
    assert errors("csaf", load("examples/csaf/bsi-2022-0001.json")) == []
    assert errors("provider", load("examples/csaf/example-01-provider-metadata.json")) == []


def test_validator_resolves_first_cvss_schemas_and_checks_formats() -> None:
    rendered = csaf.render(document(), CTX)
    rendered["vulnerabilities"][0]["scores"][0]["cvss_v3"]["baseSeverity"] = "SEVERE"
    assert errors("csaf", rendered)  # only FIRST's cvss-v3.1 schema knows the severities
    rendered = csaf.render(document(), CTX)
    rendered["document"]["tracking"]["current_release_date"] = "2026-13-45T00:00:00Z"
    assert errors("csaf", rendered)  # no pattern there: only the date-time format catches it


def test_tracking_follows_the_revisions() -> None:
    doc = revised(document())
    tracking = csaf.render(doc, CTX)["document"]["tracking"]
    assert tracking["id"] == "ACME-2026-0001"
    assert tracking["status"] == "final"
    assert tracking["version"] == "2"
    assert [r["number"] for r in tracking["revision_history"]] == ["1", "2"]
    assert tracking["revision_history"][1]["summary"] == "Fix for 2.x"
    assert tracking["initial_release_date"] == "2026-03-02T09:30:00Z"
    assert tracking["current_release_date"] == "2026-03-07T09:30:00Z"


def test_first_release_is_version_1() -> None:
    tracking = csaf.render(document(), CTX)["document"]["tracking"]
    assert tracking["version"] == "1"
    assert len(tracking["revision_history"]) == 1


def test_withdrawn_document_says_so_in_title_notes_and_revision() -> None:
    rendered = csaf.render(withdrawn(document(), reason="Not reproducible"), CTX)
    assert rendered["document"]["title"] == "WITHDRAWN: Stored XSS in the widget editor"
    assert rendered["document"]["category"] == "csaf_security_advisory"
    for notes in (rendered["document"]["notes"], rendered["vulnerabilities"][0]["notes"]):
        assert notes[0]["title"] == "Withdrawn"
        assert "Not reproducible" in notes[0]["text"]
    history = rendered["document"]["tracking"]["revision_history"]
    assert history[-1]["summary"] == "Withdrawn: Not reproducible"


def test_cvss31_is_expanded_and_cvss40_becomes_a_note() -> None:
    v3 = csaf.render(VARIANTS["CVSS 3.1"], CTX)["vulnerabilities"][0]
    metric = v3["scores"][0]["cvss_v3"]
    assert (metric["attackVector"], metric["scope"]) == ("NETWORK", "CHANGED")
    assert (metric["baseScore"], metric["baseSeverity"]) == (6.1, "MEDIUM")
    v4 = csaf.render(VARIANTS["CVSS 4.0"], CTX)
    assert "scores" not in v4["vulnerabilities"][0]
    note = v4["vulnerabilities"][0]["notes"][-1]
    assert note["title"] == "CVSS v4.0"
    assert note["text"].startswith(VARIANTS["CVSS 4.0"].score.vector)
    assert v4["document"]["aggregate_severity"] == {"text": "Critical"}


def test_a_score_its_vector_does_not_give_is_refused() -> None:
    wrong = dataclasses.replace(VARIANTS["CVSS 3.1"].score, base_score=9.8)
    with pytest.raises(ValueError, match=r"scores 6\.1"):
        csaf.render(document(score=wrong), CTX)


def test_cwe_needs_its_name() -> None:
    assert csaf.render(document(), CTX)["vulnerabilities"][0]["cwe"]["id"] == "CWE-79"
    assert "cwe" not in csaf.render(document(cwe_name=None), CTX)["vulnerabilities"][0]


def test_product_tree_and_statuses_of_several_products() -> None:
    rendered = csaf.render(document(affected=PACKAGES), CTX)
    (vendor,) = rendered["product_tree"]["branches"]
    assert vendor["name"] == "Acme"
    assert [p["name"] for p in vendor["branches"]] == [
        "acme-widgets",
        "widget-core",
        "Widget Appliance",
        "Widget Console",
    ]
    widgets = vendor["branches"][0]["branches"]
    assert [(b["category"], b["name"]) for b in widgets] == [
        ("product_version_range", "vers:pypi/>=1.0|<1.4.2"),
        ("product_version", "1.4.2"),
        ("product_version_range", "vers:pypi/>=2.0|<2.0.3"),
        ("product_version", "2.0.3"),
    ]
    helper = widgets[1]["product"]["product_identification_helper"]
    assert helper == {"purl": "pkg:pypi/acme-widgets@1.4.2"}
    status = rendered["vulnerabilities"][0]["product_status"]
    assert len(status["known_affected"]) == 5  # every range
    assert len(status["fixed"]) == 3  # the three fixed versions
    categories = [r["category"] for r in rendered["vulnerabilities"][0]["remediations"]]
    assert categories.count("vendor_fix") == 3
    assert categories.count("none_available") == 2
    assert categories[-1] == "workaround"


def test_product_ids_are_stable_across_revisions() -> None:
    doc = document(affected=PACKAGES)
    first = csaf.render(doc, CTX)["vulnerabilities"][0]["product_status"]
    later = csaf.render(revised(doc), CTX)["vulnerabilities"][0]["product_status"]
    assert first == later
    widgets = csaf.product_id("Acme", "Widgets", "2.4.1")
    assert widgets == csaf.product_id("Acme", "Widgets", "2.4.1")
    assert widgets != csaf.product_id("Acme", "Widget", "s2.4.1")  # fields never run together


@pytest.mark.parametrize(
    ("tracking_id", "name"),
    [
        ("Example Company - 2019-YH3234", "example_company_-_2019-yh3234.json"),
        ("RHBA-2019:0024", "rhba-2019_0024.json"),
        ("cisco-sa-20190513-secureboot", "cisco-sa-20190513-secureboot.json"),
        ("ACME-2026-0001", "acme-2026-0001.json"),
        ("a+b__c", "a+b_c.json"),
    ],
)
def test_file_name_follows_section_5_1(tracking_id: str, name: str) -> None:
    assert csaf.file_name(tracking_id) == name


def test_document_is_filed_under_its_initial_release_year() -> None:
    doc = revised(document(), days=400)  # revised the next year: stays in the first year's folder
    assert csaf.relative_path(doc) == "2026/acme-2026-0001.json"
    url = csaf.document_url(CTX, doc)
    assert url == "https://disclosure.example.org/.well-known/csaf/white/2026/acme-2026-0001.json"
    references = csaf.render(doc, CTX)["document"]["references"]
    assert url in {r["url"] for r in references if r["category"] == "self"}


def _three() -> list[AdvisoryDocument]:
    old = document(id="ACME-2025-0007", published=PUBLISHED - timedelta(days=300))
    old = dataclasses.replace(
        old,
        modified=old.published,
        revisions=(dataclasses.replace(old.revisions[0], date=old.published),),
    )
    return [document(), revised(document(id="ACME-2026-0002"), days=1), old]


def test_index_changes_and_rolie_list_the_same_documents() -> None:
    docs = _three()
    index = csaf.index_txt(docs).splitlines()
    changes = list(csv.reader(io.StringIO(csaf.changes_csv(docs))))
    feed = csaf.rolie_feed(CTX, docs)["feed"]
    expected = {"2025/acme-2025-0007.json", "2026/acme-2026-0001.json", "2026/acme-2026-0002.json"}
    assert set(index) == expected
    assert index == sorted(index)
    assert {path for path, _ in changes} == expected
    base = f"{CTX.csaf_directory_url}/"
    assert {e["content"]["src"].removeprefix(base) for e in feed["entry"]} == expected


def test_changes_csv_is_quoted_and_newest_first() -> None:
    text = csaf.changes_csv(_three())
    assert text.splitlines() == [
        '"2026/acme-2026-0002.json","2026-03-03T09:30:00Z"',
        '"2026/acme-2026-0001.json","2026-03-02T09:30:00Z"',
        '"2025/acme-2025-0007.json","2025-05-06T09:30:00Z"',
    ]


def test_rolie_feed_has_the_shape_of_the_spec_example() -> None:
    example = load("examples/csaf/example-01-feed-tlp-white.json")["feed"]
    feed = csaf.rolie_feed(CTX, _three())["feed"]
    assert set(example) <= set(feed)
    assert set(example["entry"][0]) <= set(feed["entry"][0])
    assert feed["category"] == example["category"]
    assert feed["updated"] == "2026-03-03T09:30:00Z"
    assert feed["link"] == [{"rel": "self", "href": csaf.rolie_feed_url(CTX)}]
    entry = feed["entry"][0]
    assert entry["id"] == "ACME-2026-0002"
    assert entry["format"] == example["entry"][0]["format"]
    src = entry["content"]["src"]
    assert [(link["rel"], link["href"]) for link in entry["link"]] == [
        ("self", src),
        ("hash", f"{src}.sha256"),
        ("hash", f"{src}.sha512"),
        ("signature", f"{src}.asc"),
    ]


def test_empty_rolie_feed_is_still_a_feed() -> None:
    feed = csaf.rolie_feed(CTX, [])["feed"]
    assert feed["entry"] == []
    assert feed["updated"] == "1970-01-01T00:00:00Z"


def test_provider_metadata_validates_and_points_at_the_feed_and_key() -> None:
    metadata = csaf.provider_metadata(CTX, last_updated=PUBLISHED)
    assert errors("provider", metadata) == []
    assert metadata["canonical_url"] == csaf.provider_metadata_url(CTX)
    assert metadata["canonical_url"].endswith("/.well-known/csaf/provider-metadata.json")
    (distribution,) = metadata["distributions"]
    assert distribution["directory_url"] == CTX.csaf_directory_url
    assert distribution["rolie"]["feeds"][0]["url"] == csaf.rolie_feed_url(CTX)
    (key,) = metadata["public_openpgp_keys"]
    assert key == {"fingerprint": CTX.key_fingerprint, "url": CTX.key_url}
    assert metadata["role"] == "csaf_trusted_provider"


def test_hashes_are_sha256sum_lines() -> None:
    data = json_bytes(csaf.render(document(), CTX))
    sha256, sha512 = csaf.hashes(data, "acme-2026-0001.json")
    assert sha256 == f"{hashlib.sha256(data).hexdigest()}  acme-2026-0001.json\n"
    assert sha512 == f"{hashlib.sha512(data).hexdigest()}  acme-2026-0001.json\n"


def test_rendering_is_deterministic() -> None:
    doc = VARIANTS["several products"]
    assert json_bytes(csaf.render(doc, CTX)) == json_bytes(csaf.render(doc, CTX))
