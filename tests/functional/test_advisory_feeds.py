"""The public feed after releases: every document validates against its official schema,
hashes and signatures verify with gpg against the key provider-metadata names, the indexes
agree, and every document answers conditional GETs."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import zipfile
from pathlib import Path

import feedparser
import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import Clock
from tests.publication_world import World, draft, make_world
from tests.unit.feeds.schemas import errors

CVSS40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"


def release(world: World, body: dict) -> str:
    world.move("acknowledged", "accepted", "fixed")
    assert world.put(body).status_code == 200
    world.post("review")
    world.post("approve", {"credit_consent": True}, headers=world.reporter)
    published = world.post("publish")
    assert published.status_code == 201, published.get_data(as_text=True)
    return published.get_json()["public_id"]


@pytest.fixture
def published(app: Flask, client: FlaskClient, clock: Clock) -> dict:
    world = make_world(app, client)
    two_products = [
        *draft()["affected"],
        {
            "vendor": "Acme",
            "product": "Widgets Cloud",
            "introduced": "0",
            "last_affected": "2026.3",
        },
    ]
    first = release(world, draft(cve_id="CVE-2026-1234", affected=two_products))
    clock.advance(days=1)
    revised = client.post(
        f"/api/v1/advisories/{first}/revise",
        json={**draft(cve_id="CVE-2026-1234", cvss_vector=CVSS40),
              "summary_of_changes": "Scored with CVSS 4.0"},
        headers=world.owner,
    )  # fmt: skip
    assert revised.status_code == 200, revised.get_data(as_text=True)
    return {"world": world, "ids": [first]}


def get(client: FlaskClient, path: str, **headers: str):
    answer = client.get(path, headers=headers)
    assert answer.status_code == 200, (
        path,
        answer.status_code,
        answer.get_data(as_text=True)[:300],
    )
    return answer


def test_osv_csaf_cve_and_provider_metadata_validate(client: FlaskClient, published) -> None:
    advisory_id = published["ids"][0]
    osv = get(client, f"/advisories/{advisory_id}.osv.json").get_json()
    assert errors("osv", osv) == []
    assert osv["id"] == f"x_{advisory_id}"
    assert osv["aliases"] == ["CVE-2026-1234"]
    assert osv["severity"][0]["type"] == "CVSS_V4"
    metadata = get(client, "/.well-known/csaf/provider-metadata.json").get_json()
    assert errors("provider", metadata) == []
    index = get(client, "/.well-known/csaf/white/index.txt").get_data(as_text=True).split()
    assert len(index) == 1
    csaf = get(client, f"/.well-known/csaf/white/{index[0]}").get_json()
    assert errors("csaf", csaf) == []
    assert csaf["document"]["tracking"]["version"] == "2"
    assert len(csaf["document"]["tracking"]["revision_history"]) == 2
    cve = get(client, f"/api/v1/advisories/{advisory_id}/cve.json").get_json()
    assert errors("cve", cve) == []
    metric = cve["containers"]["cna"]["metrics"][0]["cvssV4_0"]
    assert metric["version"] == "4.0"
    assert metric["baseSeverity"] == "CRITICAL"


def test_hashes_and_signature_verify_with_gpg(client: FlaskClient, published, short_tmp) -> None:
    metadata = get(client, "/.well-known/csaf/provider-metadata.json").get_json()
    key = metadata["public_openpgp_keys"][0]
    key_path = key["url"].split("://", 1)[1].split("/", 1)[1]
    armored = get(client, f"/{key_path}").get_data()
    home = short_tmp / "verify"
    home.mkdir(mode=0o700)
    gpg = ["gpg", "--homedir", str(home), "--batch", "--quiet"]
    subprocess.run([*gpg, "--import"], input=armored, check=True, capture_output=True)
    path = get(client, "/.well-known/csaf/white/index.txt").get_data(as_text=True).split()[0]
    data = get(client, f"/.well-known/csaf/white/{path}").get_data()
    name = path.rsplit("/", 1)[1]
    sha256 = get(client, f"/.well-known/csaf/white/{path}.sha256").get_data(as_text=True)
    sha512 = get(client, f"/.well-known/csaf/white/{path}.sha512").get_data(as_text=True)
    assert sha256 == f"{hashlib.sha256(data).hexdigest()}  {name}\n"
    assert sha512 == f"{hashlib.sha512(data).hexdigest()}  {name}\n"
    (home / name).write_bytes(data)
    (home / f"{name}.asc").write_bytes(
        get(client, f"/.well-known/csaf/white/{path}.asc").get_data()
    )
    verified = subprocess.run(
        [*gpg, "--status-fd", "1", "--verify", str(home / f"{name}.asc"), str(home / name)],
        capture_output=True,
        text=True,
    )
    assert verified.returncode == 0, verified.stderr
    assert f"VALIDSIG {key['fingerprint']}" in verified.stdout.replace(" ", "", 0) or (
        key["fingerprint"] in verified.stdout
    )
    (home / name).write_bytes(data + b" ")
    tampered = subprocess.run(
        [*gpg, "--verify", str(home / f"{name}.asc"), str(home / name)], capture_output=True
    )
    assert tampered.returncode != 0


def test_the_indexes_list_the_same_documents(client: FlaskClient, published, app, clock) -> None:
    index = get(client, "/.well-known/csaf/white/index.txt").get_data(as_text=True).split()
    changes = get(client, "/.well-known/csaf/white/changes.csv").get_data(as_text=True)
    rolie = get(client, "/.well-known/csaf/white/feed-tlp-white.json").get_json()
    listed = [line.split(",")[0].strip('"') for line in changes.splitlines()]
    hrefs = [
        e["content"]["src"].split("/.well-known/csaf/white/")[1] for e in rolie["feed"]["entry"]
    ]
    assert sorted(index) == sorted(listed) == sorted(hrefs)


def test_atom_and_all_zip(client: FlaskClient, published) -> None:
    feed = feedparser.parse(get(client, "/advisories/feed.atom").get_data())
    assert feed.version == "atom10"
    assert not feed.bozo
    assert [e.title for e in feed.entries] == [draft()["title"]]
    archive = zipfile.ZipFile(io.BytesIO(get(client, "/advisories/osv/all.zip").get_data()))
    assert archive.testzip() is None
    names = archive.namelist()
    assert names == [f"x_{published['ids'][0]}.json"]
    assert errors("osv", json.loads(archive.read(names[0]))) == []


@pytest.mark.parametrize(
    "path",
    [
        "/advisories/feed.atom",
        "/advisories/osv/all.zip",
        "/.well-known/csaf/provider-metadata.json",
        "/.well-known/csaf/white/index.txt",
        "/advisories",
    ],
)
def test_documents_answer_conditional_gets(client: FlaskClient, published, path: str) -> None:
    first = get(client, path)
    assert first.headers["ETag"]
    assert first.headers["Last-Modified"]
    assert "Cache-Control" in first.headers
    again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.get_data() == b""


def test_a_withdrawn_advisory_stays_listed_and_validates(client: FlaskClient, published) -> None:
    world, advisory_id = published["world"], published["ids"][0]
    withdrawn = client.post(
        f"/api/v1/advisories/{advisory_id}/withdraw", json={"reason": "not a bug"},
        headers=world.owner,
    )  # fmt: skip
    assert withdrawn.status_code == 200
    osv = get(client, f"/advisories/{advisory_id}.osv.json").get_json()
    assert errors("osv", osv) == []
    assert "withdrawn" in osv
    path = get(client, "/.well-known/csaf/white/index.txt").get_data(as_text=True).split()[0]
    csaf = get(client, f"/.well-known/csaf/white/{path}").get_json()
    assert errors("csaf", csaf) == []
    cve = get(client, f"/api/v1/advisories/{advisory_id}/cve.json").get_json()
    assert errors("cve", cve) == []
    assert cve["cveMetadata"]["state"] == "REJECTED"
    page = get(client, f"/advisories/{advisory_id}").get_data(as_text=True)
    assert "Withdrawn" in page
    listed = get(client, "/api/v1/advisories").get_json()["items"]
    assert [(i["id"], i["withdrawn"]) for i in listed] == [(advisory_id, True)]


def test_markdown_is_sanitised_on_the_page(app, client: FlaskClient) -> None:
    world = make_world(app, client)
    hostile = (
        "<script>alert(1)</script> <iframe src=//evil.example></iframe> "
        "[x](javascript:alert(2)) ![img](https://evil.example/p.png) **bold**"
    )
    advisory_id = release(world, draft(details=hostile))
    page = get(client, f"/advisories/{advisory_id}").get_data(as_text=True)
    details = page.split('id="details">', 1)[1].split("</div>", 1)[0]
    assert "<script" not in details
    assert "<iframe" not in details
    assert 'href="javascript:' not in details
    assert "<img" not in details
    assert "<strong>bold</strong>" in details
    assert 'href="https://evil.example/p.png"' in details  # an image became a link
    csp = client.get(f"/advisories/{advisory_id}").headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp


def test_provider_key_file_is_served(client: FlaskClient, published, tmp_path: Path) -> None:
    metadata = get(client, "/.well-known/csaf/provider-metadata.json").get_json()
    url = metadata["public_openpgp_keys"][0]["url"]
    assert url.endswith(".asc")
    assert b"BEGIN PGP PUBLIC KEY BLOCK" in get(client, "/" + url.split("/", 3)[3]).get_data()


def test_the_feed_cache_rebuilds_once_per_change(app: Flask, clock: Clock) -> None:
    from sqlmodel import Session

    from disclosure.publication.aggregates import FeedCache, Served
    from disclosure.publication.files import bump_generation

    engine = app.extensions["disclosure"].engine
    builds: list[int] = []

    def build(_session, changed) -> Served:
        builds.append(1)
        return Served(b"x", "text/plain", "e", changed)

    patient, eager = FeedCache(engine, max_age_seconds=3600), FeedCache(engine, max_age_seconds=0)
    for cache in (patient, eager):
        cache.get("doc", build)
        cache.get("doc", build)
    assert len(builds) == 2  # once each: the second read is served from memory
    with Session(engine) as session:
        bump_generation(session, clock.current)
        session.commit()
    patient.get("doc", build)  # still within its age: it has not asked the database
    eager.get("doc", build)  # asks every time: the feed changed, so it rebuilds
    assert len(builds) == 3
