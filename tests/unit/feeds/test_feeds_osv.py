"""OSV records validate against OSV schema 1.7.5 and say what the advisory says."""

from __future__ import annotations

import dataclasses
import io
import json
import re
import zipfile

import pytest

from disclosure.feeds import osv
from disclosure.feeds.document import AdvisoryDocument
from tests.unit.feeds.documents import PACKAGES, VARIANTS, document, withdrawn
from tests.unit.feeds.schemas import errors, load


@pytest.mark.parametrize("doc", VARIANTS.values(), ids=VARIANTS.keys())
def test_record_validates(doc: AdvisoryDocument) -> None:
    assert errors("osv", osv.render(doc)) == []


@pytest.mark.parametrize("example", ["GHSA-9v2f-6vcg-3hgv.json", "PYSEC-2023-74.json"])
def test_validator_accepts_official_examples(example: str) -> None:
    assert errors("osv", load(f"examples/osv/{example}")) == []


def test_validator_rejects_what_the_schema_forbids() -> None:
    record = osv.render(document())
    record["id"] = "ACME-2026-0001"  # no registered prefix, and no x_
    record["modified"] = "2026-03-02 09:30"
    assert {e.split(":")[0] for e in errors("osv", record)} == {"id", "modified"}


def test_id_uses_the_unregistered_prefix_and_matches_the_schema() -> None:
    record = osv.render(document())
    prefix = load("osv/schema.json")["$defs"]["prefix"]["pattern"]
    assert record["id"] == "x_ACME-2026-0001"
    assert re.match(prefix, record["id"])
    assert osv.file_name(document()) == "x_ACME-2026-0001.json"


def test_aliases_carry_the_cve_id_only_when_there_is_one() -> None:
    assert osv.render(document())["aliases"] == ["CVE-2026-12345"]
    assert "aliases" not in osv.render(document(cve_id=None))


def test_times_are_utc_with_z() -> None:
    record = osv.render(withdrawn(document()))
    assert record["published"] == "2026-03-02T09:30:00Z"
    assert record["modified"] == record["withdrawn"] == "2026-03-09T09:30:00Z"


def test_withdrawn_record_says_so_and_why() -> None:
    record = osv.render(withdrawn(document(), reason="Duplicate of ACME-2026-0002"))
    assert record["summary"].startswith("Withdrawn: ")
    assert "Duplicate of ACME-2026-0002" in record["summary"]
    assert "withdrawn" not in osv.render(document())


def test_severity_types_follow_the_cvss_version() -> None:
    assert osv.render(VARIANTS["CVSS 3.1"])["severity"][0]["type"] == "CVSS_V3"
    v4 = osv.render(VARIANTS["CVSS 4.0"])["severity"][0]
    assert v4 == {"type": "CVSS_V4", "score": VARIANTS["CVSS 4.0"].score.vector}
    assert "severity" not in osv.render(VARIANTS["no score"])


def test_cwe_goes_to_database_specific() -> None:
    assert osv.render(document())["database_specific"]["cwe_ids"] == ["CWE-79"]
    assert "database_specific" not in osv.render(VARIANTS["no score"])


def test_affected_groups_ranges_by_package() -> None:
    affected = osv.render(document(affected=PACKAGES))["affected"]
    pypi, crate, appliance, console = affected
    assert pypi["package"] == {
        "ecosystem": "PyPI",
        "name": "acme-widgets",
        "purl": "pkg:pypi/acme-widgets",
    }
    assert [r["type"] for r in pypi["ranges"]] == ["ECOSYSTEM", "ECOSYSTEM"]
    assert pypi["ranges"][0]["events"] == [{"introduced": "1.0"}, {"fixed": "1.4.2"}]
    # crates.io enforces SemVer, so its range is SEMVER; last_affected stands in for fixed.
    assert crate["ranges"] == [
        {"type": "SEMVER", "events": [{"introduced": "0"}, {"last_affected": "0.9.7"}]}
    ]
    # Vendor products have no OSV package: a SEMVER range only where versions are SemVer.
    assert not {"package", "ranges"} & set(appliance)
    assert appliance["database_specific"]["versions"] == "vers:generic/>=3.1|<3.2"
    assert console["ranges"] == [{"type": "SEMVER", "events": [{"introduced": "1.0.0"}]}]


def test_unknown_ecosystem_is_treated_as_a_vendor_product() -> None:
    odd = dataclasses.replace(PACKAGES[0], ecosystem="CPAN")
    record = osv.render(document(affected=(odd,)))
    assert "package" not in record["affected"][0]
    assert errors("osv", record) == []


def test_references_start_with_the_advisory_and_hold_no_duplicates() -> None:
    doc = document()
    again = dataclasses.replace(doc.references[0])
    record = osv.render(dataclasses.replace(doc, references=(*doc.references, again)))
    urls = [r["url"] for r in record["references"]]
    assert urls[0] == doc.url
    assert len(urls) == len(set(urls)) == 3


def test_ecosystems_are_those_of_the_vendored_schema() -> None:
    assert set(load("osv/schema.json")["$defs"]["ecosystemName"]["enum"]) == osv.ECOSYSTEMS


def test_archive_is_deterministic_and_holds_every_record() -> None:
    records = [osv.render(document(id=f"ACME-2026-000{n}")) for n in (3, 1, 2)]
    data = osv.archive(records)
    assert data == osv.archive(reversed(records))
    with zipfile.ZipFile(io.BytesIO(data)) as zipped:
        names = zipped.namelist()
        assert names == [f"x_ACME-2026-000{n}.json" for n in (1, 2, 3)]
        assert {i.date_time for i in zipped.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert json.loads(zipped.read(names[0])) == records[1]


def test_archive_refuses_two_records_with_one_id() -> None:
    record = osv.render(document())
    with pytest.raises(ValueError, match="two records"):
        osv.archive([record, record])
