"""The release trigger: never earlier than the policy allows, exactly once, and nothing of
an unpublished advisory in any public answer until then (the embargo canary)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from disclosure.cases.models import CaseEvent
from disclosure.db import make_engine
from disclosure.notify.models import OutboxMessage
from disclosure.publication.jobs import release_due_advisories
from disclosure.publication.models import Advisory, AdvisoryRevision
from tests.conftest import Clock
from tests.publication_world import World, draft, make_world

CANARY = "CANARYe7b41"

PUBLIC = [
    "/advisories",
    "/api/v1/advisories",
    "/advisories/feed.atom",
    "/advisories/osv/all.zip",
    "/.well-known/csaf/provider-metadata.json",
    "/.well-known/csaf/white/index.txt",
    "/.well-known/csaf/white/changes.csv",
    "/.well-known/csaf/white/feed-tlp-white.json",
    "/.well-known/security.txt",
    "/programs/acme/security.txt",
]


def canary_draft() -> dict:
    return draft(
        title=f"Title {CANARY}",
        summary=f"Summary {CANARY} of the widget flaw in Acme Widgets.",
        details=f"Details {CANARY}",
        workarounds=f"Workaround {CANARY}",
        affected=[{"vendor": "Acme", "product": f"Widgets{CANARY}", "fixed": "2.4.1"}],
        references=[{"url": f"https://acme.example/{CANARY}", "type": "FIX"}],
        credits=[{"name": f"Ada {CANARY}", "type": "FINDER"}],
    )


def _run(app: Flask, clock: Clock) -> int:
    return release_due_advisories(app.extensions["disclosure"], clock.current)


def _public_bytes(client: FlaskClient, ids: list[str]) -> dict[str, bytes]:
    paths = [*PUBLIC]
    for public_id in ids:
        paths += [
            f"/advisories/{public_id}",
            f"/advisories/{public_id}.osv.json",
            f"/advisories/osv/x_{public_id}.json",
            f"/api/v1/advisories/{public_id}/cve.json",
        ]
    return {path: client.get(path).get_data() for path in paths}


def test_the_embargo_canary(app: Flask, client: FlaskClient, clock: Clock, db_session) -> None:
    world = make_world(app, client)
    world.move("acknowledged", "accepted", "fixed")
    assert world.put(canary_draft()).status_code == 200
    world.post("review")
    world.post("approve", {"credit_consent": True}, headers=world.reporter)
    at = (clock.current + timedelta(days=2)).isoformat()
    assert world.post("schedule", {"publish_at": at, "zone": "UTC"}).status_code == 200
    guessed = [f"ACME-{clock.current.year}-0001"]
    before = _public_bytes(client, guessed)
    leaks = [path for path, body in before.items() if CANARY.encode() in body]
    assert leaks == []
    assert client.get(f"/advisories/{guessed[0]}").status_code == 404
    found = client.get(f"/api/v1/advisories?q={CANARY}").get_json()
    assert (found["total"], found["items"]) == (0, [])
    assert 'id="no-advisories"' in client.get(f"/advisories?q={CANARY}").get_data(as_text=True)
    assert _run(app, clock) == 0  # the embargo has not passed
    clock.advance(days=2, seconds=1)
    assert _run(app, clock) == 1
    assert _run(app, clock) == 0  # exactly once
    after = _public_bytes(client, guessed)
    missing = [
        path
        for path, body in after.items()
        if CANARY.encode() not in body
        and "security.txt" not in path
        and "provider-metadata" not in path
        and "index.txt" not in path
        and "changes.csv" not in path
        and "all.zip" not in path  # deflated: checked below
        and "cve.json" not in path  # no CVE id
    ]
    assert missing == []
    import io
    import zipfile

    archive = zipfile.ZipFile(io.BytesIO(after["/advisories/osv/all.zip"]))
    assert CANARY.encode() in archive.read(archive.namelist()[0])
    advisory = db_session.exec(select(Advisory)).one()
    assert advisory.state.value == "published"
    assert advisory.public_id == guessed[0]
    assert client.get(f"/api/v1/advisories?q={CANARY}").get_json()["total"] == 1


def test_the_deadline_publishes_a_minimal_advisory_without_a_draft(
    app: Flask, client: FlaskClient, clock: Clock, db_session
) -> None:
    world = make_world(app, client, policy="cert-cc")
    world.move("acknowledged", "accepted")
    clock.advance(days=44)
    assert _run(app, clock) == 0
    clock.advance(days=2)
    assert _run(app, clock) == 1
    advisory = db_session.exec(select(Advisory)).one()
    assert advisory.is_minimal
    assert advisory.missed_deadline
    page = client.get(f"/advisories/{advisory.public_id}").get_data(as_text=True)
    assert "did not publish a fix by the disclosure deadline" in page
    assert "Ada L." in page  # the credit the reporter asked for in the report
    kinds = [e.kind for e in db_session.exec(select(CaseEvent))]
    assert "deadline_missed" in kinds
    assert "advisory_published" in kinds
    case = client.get(f"/api/v1/cases/{world.case}", headers=world.owner).get_json()
    assert case["state"] == "disclosed"


def test_the_deadline_publishes_the_vendors_draft(app, client, clock: Clock, db_session) -> None:
    world = make_world(app, client, policy="cert-cc")
    world.move("acknowledged", "accepted")
    world.put(draft())
    clock.advance(days=46)
    assert _run(app, clock) == 1
    advisory = db_session.exec(select(Advisory)).one()
    assert not advisory.is_minimal
    assert advisory.missed_deadline
    revision = db_session.exec(select(AdvisoryRevision)).one()
    assert draft()["title"] in revision.document


def test_a_limited_policy_publishes_mitigations_only(app, client, clock: Clock, db_session) -> None:
    world = make_world(app, client, policy="zdi")
    world.move("acknowledged", "accepted")
    world.put(draft(details="Full technical write-up", workarounds="Turn off widget names."))
    clock.advance(days=200)
    assert _run(app, clock) == 1
    revision = db_session.exec(select(AdvisoryRevision)).one()
    assert "Turn off widget names." in revision.document
    assert "Full technical write-up" not in revision.document


def test_the_patch_window_publishes_after_the_fix(app, client, clock: Clock, db_session) -> None:
    world = make_world(app, client, policy="project-zero")
    world.move("acknowledged", "accepted")
    clock.advance(days=10)
    world.move("fixed")
    saved = world.put(draft())
    assert saved.status_code == 200, saved.get_data(as_text=True)
    clock.advance(days=29)
    assert _run(app, clock) == 0
    clock.advance(days=2)
    assert _run(app, clock) == 1
    advisory = db_session.exec(select(Advisory)).one()
    assert not advisory.missed_deadline
    assert not advisory.is_minimal


def test_a_notify_policy_publishes_nothing_and_says_so(app, client, clock: Clock, db_session):
    from disclosure.cases.clock.jobs import sweep_due_timers

    world = make_world(app, client, policy="custom")
    world.move("acknowledged")
    clock.advance(days=90)  # 60 business days
    sweep_due_timers(app.extensions["disclosure"], clock.current)
    assert _run(app, clock) == 0
    assert db_session.exec(select(Advisory)).first() is None
    bodies = [m.body for m in db_session.exec(select(OutboxMessage))]
    assert any("free to disclose" in body for body in bodies), bodies


def test_a_closed_case_is_never_published(app, client, clock: Clock, db_session) -> None:
    world = make_world(app, client, policy="cert-cc")
    world.put(draft())
    world.move("acknowledged", "informative")
    clock.advance(days=100)
    assert _run(app, clock) == 0


@pytest.mark.postgres_only
def test_two_schedulers_publish_exactly_once(
    app: Flask, client: FlaskClient, clock: Clock, database_url, db_session
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("several schedulers share the work on PostgreSQL (SQLite: run one)")
    worlds: list[World] = []
    for _ in range(1):
        worlds.append(make_world(app, client, policy="cert-cc"))
    for _case_id in range(2, 7):  # more cases of the same program, all past the deadline
        created = client.post("/api/v1/programs/acme/reports", json={**_report()})
        assert created.status_code == 201
    clock.advance(days=46)
    from dataclasses import replace

    services = app.extensions["disclosure"]
    results: list[int] = []
    barrier = threading.Barrier(2)

    def scheduler() -> None:
        mine = replace(services, engine=make_engine(database_url), _keyring=None)
        barrier.wait()
        results.append(release_due_advisories(mine, clock.current))
        mine.engine.dispose()

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = db_session.exec(select(Advisory)).all()
    assert sum(results) == len(total) == 6
    assert len({a.public_id for a in total}) == 6
    revisions = db_session.exec(select(AdvisoryRevision)).all()
    assert len(revisions) == 6


def _report() -> dict:
    from tests.factories import report_json

    return report_json()
