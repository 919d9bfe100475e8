"""The advisory workflow over the API: draft (encrypted), review, embargo, release, revision,
withdrawal, and the rules that refuse a release, each named."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from disclosure.audit.models import AuditEvent
from disclosure.cases.models import CaseEvent
from disclosure.programs.models import Program
from disclosure.publication.models import Advisory
from tests.conftest import Clock
from tests.publication_world import World, draft, make_world

CANARY = "CANARY-7f3a19-advisory-draft-never-at-rest"


@pytest.fixture
def world(app: Flask, client: FlaskClient) -> World:
    return make_world(app, client)


def _fixed(world: World) -> None:
    world.move("acknowledged", "accepted", "fixed")


def test_the_draft_is_ciphertext_at_rest_and_reads_back_audited(
    world: World, db_session, database_url
) -> None:
    saved = world.put(draft(details=f"Details {CANARY}"))
    assert saved.status_code == 200, saved.get_data(as_text=True)
    body = saved.get_json()
    assert body["state"] == "draft"
    assert CANARY in body["draft"]["details"]
    row = db_session.exec(select(Advisory)).one()
    assert row.draft_ciphertext is not None
    assert CANARY.encode() not in row.draft_ciphertext
    from tests.functional.test_intake_canary import _database_bytes

    assert CANARY.encode() not in _database_bytes(world.app, database_url)
    read = world.client.get(f"/api/v1/cases/{world.case}/advisory", headers=world.owner)
    assert CANARY in read.get_json()["draft"]["details"]
    decrypts = db_session.exec(select(AuditEvent).where(AuditEvent.action == "case.decrypt")).all()
    assert any('"what":"advisory_draft"' in e.details for e in decrypts)


def test_every_bad_field_is_named_at_once(world: World) -> None:
    bad = draft(
        cve_id="CVE-26-1",
        cvss_vector="CVSS:3.1/AV:X",
        affected=[{"product": "Widgets", "introduced": "2.4.0", "fixed": "2.3.9"}],
        references=[{"url": "javascript:alert(1)", "type": "WEB"}],
    )
    answer = world.put(bad)
    assert answer.status_code == 422
    fields = answer.get_json()["error"]["fields"]
    assert {"cve_id", "cvss_vector", "affected.0.fixed", "references.0.url"} <= set(fields)
    assert "comes before" in fields["affected.0.fixed"]


def test_a_release_is_refused_with_the_rule_that_forbids_it(world: World) -> None:
    world.put(draft())
    unfixed = world.post("publish")
    assert unfixed.status_code == 409
    assert "not fixed yet" in unfixed.get_json()["error"]["message"]
    _fixed(world)
    unreviewed = world.post("publish")
    assert unreviewed.status_code == 409
    assert "review" in unreviewed.get_json()["error"]["message"]
    assert world.post("review").get_json()["state"] == "in_review"
    waiting = world.post("publish")
    assert waiting.status_code == 409
    assert "review runs until" in waiting.get_json()["error"]["message"]


def test_review_approve_publish_revise_withdraw(world: World, db_session, clock: Clock) -> None:
    _fixed(world)
    assert world.put(draft()).status_code == 200
    assert world.post("review").status_code == 200
    review = world.client.get(f"/api/v1/cases/{world.case}/advisory/review", headers=world.reporter)
    assert review.status_code == 200
    assert review.get_json()["draft"]["title"] == draft()["title"]
    approved = world.post("approve", {"credit_consent": True}, headers=world.reporter)
    assert approved.status_code == 200, approved.get_data(as_text=True)
    assert approved.get_json()["credit_consent"] is True
    triager = world.post("publish", headers=world.triager)
    assert triager.status_code == 403
    published = world.post("publish")
    assert published.status_code == 201, published.get_data(as_text=True)
    advisory = published.get_json()
    assert advisory["state"] == "published"
    assert advisory["public_id"] == f"ACME-{clock.current.year}-0001"
    again = world.post("publish")
    assert again.status_code == 409
    case = world.client.get(f"/api/v1/cases/{world.case}", headers=world.owner).get_json()
    assert case["state"] == "disclosed"

    clock.advance(days=1)
    public_id = advisory["public_id"]
    revised = world.client.post(
        f"/api/v1/advisories/{public_id}/revise",
        json={**draft(summary="Also affects the 1.x line of Acme Widgets."),
              "summary_of_changes": "1.x added"},
        headers=world.owner,
    )  # fmt: skip
    assert revised.status_code == 200, revised.get_data(as_text=True)
    assert revised.get_json()["state"] == "revised"
    assert revised.get_json()["modified_at"] > advisory["published_at"]
    clock.advance(days=1)
    withdrawn = world.client.post(
        f"/api/v1/advisories/{public_id}/withdraw",
        json={"reason": "a duplicate of ACME-2025-0007"},
        headers=world.owner,
    )
    assert withdrawn.status_code == 200
    assert withdrawn.get_json()["state"] == "withdrawn"
    twice = world.client.post(
        f"/api/v1/advisories/{public_id}/withdraw", json={"reason": "again"}, headers=world.owner
    )
    assert twice.status_code == 409
    kinds = [e.kind for e in db_session.exec(select(CaseEvent).order_by(CaseEvent.id))]
    for kind in ("advisory_review_requested", "advisory_approved", "advisory_published",
                 "advisory_revised", "advisory_withdrawn"):  # fmt: skip
        assert kind in kinds


def test_the_anonymous_reporter_approves_with_the_tracking_code(app, client) -> None:
    world = make_world(app, client, anonymous=True)
    world.put(draft())
    world.post("review")
    code = world.tracking_code
    assert code
    seen = client.get("/api/v1/track/advisory", headers={"X-Tracking-Code": code})
    assert seen.status_code == 200
    wrong = client.post(
        "/api/v1/track/advisory/approve",
        json={"credit_consent": False},
        headers={"X-Tracking-Code": "WRONG-CODE"},
    )
    assert wrong.status_code == 404
    approved = client.post(
        "/api/v1/track/advisory/approve",
        json={"credit_consent": False},
        headers={"X-Tracking-Code": code},
    )
    assert approved.status_code == 200
    assert approved.get_json()["approved_at"] is not None


def test_the_embargo_needs_a_zone_and_a_future(world: World, clock: Clock) -> None:
    _fixed(world)
    world.put(draft())
    world.post("review")
    world.post("approve", {"credit_consent": True}, headers=world.reporter)
    naive = world.post("schedule", {"publish_at": "2026-04-01T10:00:00"})
    assert naive.status_code == 422
    assert "publish_at" in naive.get_json()["error"]["fields"]
    past = world.post("schedule", {"publish_at": "2020-01-01T10:00:00+00:00"})
    assert past.status_code == 409
    assert "future" in past.get_json()["error"]["message"]
    bad_zone = world.post("schedule", {"publish_at": "2026-04-01T10:00:00+02:00", "zone": "Mars"})
    assert bad_zone.status_code == 422
    at = (clock.current + timedelta(days=3)).astimezone(UTC).isoformat()
    scheduled = world.post("schedule", {"publish_at": at, "zone": "Europe/Berlin"})
    assert scheduled.status_code == 200, scheduled.get_data(as_text=True)
    assert scheduled.get_json()["state"] == "scheduled"
    assert scheduled.get_json()["embargo_zone"] == "Europe/Berlin"
    assert datetime.fromisoformat(scheduled.get_json()["embargo_at"]) == datetime.fromisoformat(at)


def test_the_two_person_rule(world: World, db_session) -> None:
    program = db_session.exec(select(Program)).one()
    program.needs_second_approval = True
    db_session.add(program)
    db_session.commit()
    _fixed(world)
    world.put(draft())
    world.post("review")
    world.post("approve", {"credit_consent": True}, headers=world.reporter)
    asked = world.post("publish")
    assert asked.status_code == 202
    assert asked.get_json()["waiting_for_second_member"] is True
    same = world.post("publish")
    assert same.status_code == 409
    assert "another member" in same.get_json()["error"]["message"]
    approved = world.post("publish", headers=world.second_owner)
    assert approved.status_code == 201, approved.get_data(as_text=True)
    kinds = [e.kind for e in db_session.exec(select(CaseEvent))]
    assert "advisory_release_requested" in kinds
