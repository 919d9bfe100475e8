"""The vendor inbox: sorting, filters, search, keyset pages, program isolation, titles, bulk."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from disclosure.accounts.models import TokenScope, User, UserRole
from disclosure.audit.models import AuditEvent
from disclosure.cases.console.titles import TitleCache, TitleReader
from disclosure.cases.envelope import FORMAT
from disclosure.cases.models import AffectedProduct, BlobKind, Case, CaseBlob, CaseEvent, CaseState
from disclosure.programs.models import Program, ProgramKey
from tests.factories import (
    add_member,
    bearer,
    csrf_from,
    login,
    make_program,
    make_token,
    make_user,
)

S = CaseState


def insert_cases(app: Flask, program: Program, specs: Sequence[dict[str, Any]]) -> list[int]:
    """Case rows with one encrypted report blob each, inserted directly (no intake, no receipt).

    One gpg encryption per distinct title: a title shared by many rows shares its ciphertext,
    which decrypts just the same.
    """
    services = app.extensions["disclosure"]
    keyring, now = services.keyring(), services.clock()
    ciphertexts: dict[str, bytes] = {}
    ids = []
    with Session(services.engine, expire_on_commit=False) as session:
        fingerprint = session.exec(
            select(ProgramKey.fingerprint).where(ProgramKey.program_id == program.id)
        ).first()
        for spec in specs:
            columns = dict(spec)
            title = columns.pop("title", "Untitled report")
            products = columns.pop("products", ())
            case = Case(
                program_id=program.id,
                tracking_code_hash=secrets.token_hex(32),
                policy_name=columns.pop("policy_name", "project-zero"),
                received_at=now,
                updated_at=now,
                **columns,
            )
            session.add(case)
            session.flush()
            if title not in ciphertexts:
                document = json.dumps({"format": FORMAT, "report": {"title": title}}).encode()
                ciphertexts[title] = keyring.encrypt(document, [fingerprint], armor=False)
            ciphertext = ciphertexts[title]
            session.add(
                CaseBlob(
                    case_id=case.id,
                    kind=BlobKind.REPORT,
                    ciphertext=ciphertext,
                    sha256=hashlib.sha256(ciphertext).hexdigest(),
                    recipients=fingerprint,
                )
            )
            for product, package in products:
                session.add(
                    AffectedProduct(
                        case_id=case.id, vendor="Acme", product=product, package_name=package
                    )
                )
            ids.append(case.id)
        session.commit()
    return ids


@dataclass
class World:
    acme: Program
    other: Program
    owner: User
    triager: User
    outsider: User
    owner_token: dict[str, str]
    outsider_token: dict[str, str]


@pytest.fixture
def world(app: Flask) -> World:
    acme, other = make_program(app, "acme"), make_program(app, "other")
    owner = make_user(app, "owner@acme.example", UserRole.VENDOR)
    triager = make_user(app, "triager@acme.example", UserRole.VENDOR)
    outsider = make_user(app, "owner@other.example", UserRole.VENDOR)
    add_member(app, acme, owner, "owner")
    add_member(app, acme, triager, "triager")
    add_member(app, other, outsider, "owner")
    scopes = (TokenScope.CASES_READ, TokenScope.CASES_WRITE)
    return World(
        acme,
        other,
        owner,
        triager,
        outsider,
        bearer(make_token(app, owner, *scopes)),
        bearer(make_token(app, outsider, *scopes)),
    )


def _ids(client: FlaskClient, headers: dict[str, str], query: str = "") -> list[int]:
    response = client.get(f"/api/v1/cases?titles=false&{query}", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return [case["id"] for case in response.get_json()["cases"]]


def test_pages_follow_the_next_deadline_undated_last_then_id(
    app: Flask, client: FlaskClient, world: World, clock
) -> None:
    start = clock.current
    specs = [{"next_deadline_at": start + timedelta(hours=(n * 7) % 23)} for n in range(50)]
    specs += [{"next_deadline_at": None} for _ in range(10)]
    ids = insert_cases(app, world.acme, specs)
    expected = sorted(ids[:50], key=lambda i: (specs[ids.index(i)]["next_deadline_at"], i))
    expected += ids[50:]

    first = client.get("/api/v1/cases?titles=false", headers=world.owner_token).get_json()
    assert [c["id"] for c in first["cases"]] == expected[:50]
    assert first["next_cursor"]
    second = client.get(
        f"/api/v1/cases?titles=false&cursor={first['next_cursor']}", headers=world.owner_token
    ).get_json()
    assert [c["id"] for c in second["cases"]] == expected[50:]
    assert second["next_cursor"] is None

    # A page boundary inside the undated cases, and one exactly between dated and undated.
    small = [{"next_deadline_at": None} for _ in range(3)]
    more = insert_cases(app, world.acme, small)
    everything = expected + more
    seen, cursor = [], ""
    while True:
        page = client.get(
            f"/api/v1/cases?titles=false&cursor={cursor}", headers=world.owner_token
        ).get_json()
        seen += [c["id"] for c in page["cases"]]
        if not (cursor := page["next_cursor"]):
            break
    assert seen == everything
    bad = client.get("/api/v1/cases?cursor=not-a-cursor", headers=world.owner_token)
    assert bad.status_code == 422
    assert "cursor" in bad.get_json()["error"]["fields"]


def test_filters_and_search_narrow_the_inbox(
    app: Flask, client: FlaskClient, world: World, clock
) -> None:
    now = clock.current
    past, soon = now - timedelta(hours=1), now + timedelta(days=2)
    (new, acked, fixed, spam, wild, mine, theirs) = insert_cases(
        app,
        world.acme,
        [
            {
                "state": S.NEW,
                "next_deadline_at": past,
                "cvss_rating": "Critical",
                "cvss_score": 9.8,
            },
            {"state": S.ACKNOWLEDGED, "next_deadline_at": soon, "cwe": "CWE-79"},
            {"state": S.FIXED, "cve_id": "CVE-2026-1234", "products": [("widget-server", "")]},
            {"state": S.SPAM, "cvss_rating": "Low", "cvss_score": 2.0},
            {"state": S.ACCEPTED, "exploited_in_the_wild": "yes", "products": [("Gadget", "g_5%")]},
            {"state": S.ACCEPTED, "assignee_id": world.owner.id, "cvss_rating": "High"},
            {"state": S.ACCEPTED, "assignee_id": world.triager.id},
        ],
    )
    (elsewhere,) = insert_cases(app, world.other, [{"cwe": "CWE-79"}])
    owner = world.owner_token
    cases = {
        "state=new&state=fixed": {new, fixed},
        "state=acknowledged": {acked},
        "severity=critical&severity=High": {new, mine},
        "severity=unscored": {acked, fixed, wild, theirs},
        "assignee=me": {mine},
        f"assignee={world.triager.id}": {theirs},
        "assignee=unassigned": {new, acked, fixed, spam, wild},
        "overdue=true": {new},
        "in_the_wild=1": {wild},
        "program=acme&state=spam": {spam},
        "program=other": set(),  # not a member of it: nothing, not an error
        f"q=%23{fixed}": {fixed},
        f"q={acked}": {acked},
        "q=cve-2026-1234": {fixed},
        "q=CWE-79": {acked},
        "q=WIDGET": {fixed},
        "q=g_5": {wild},
        "q=%25": {wild},  # a LIKE wildcard is searched for literally, not as "anything"
        "q=report": set(),  # titles are ciphertext: not searchable
    }
    for query, expected in cases.items():
        assert set(_ids(client, owner, query)) == expected, query
    assert set(_ids(client, world.outsider_token, "q=CWE-79")) == {elsewhere}
    for query, field in (("state=bogus", "state"), ("severity=huge", "severity")):
        refused = client.get(f"/api/v1/cases?{query}", headers=owner)
        assert refused.status_code == 422
        assert field in refused.get_json()["error"]["fields"]
    assert client.get("/api/v1/cases?assignee=someone", headers=owner).status_code == 422


def test_a_member_of_one_program_never_sees_another_programs_cases(
    app: Flask, client: FlaskClient, world: World
) -> None:
    (ours,) = insert_cases(app, world.acme, [{"title": "Ours"}])
    (theirs,) = insert_cases(app, world.other, [{"title": "Theirs"}])
    assert _ids(client, world.owner_token) == [ours]
    assert _ids(client, world.outsider_token) == [theirs]
    for method, path, body in (
        ("get", f"/api/v1/cases/{theirs}", None),
        ("patch", f"/api/v1/cases/{theirs}", {"cwe": "CWE-79"}),
        ("get", f"/api/v1/cases/{theirs}/messages", None),
        ("post", f"/api/v1/cases/{theirs}/notes", {"body": "hello"}),
        ("get", f"/api/v1/cases/{theirs}/notes", None),
    ):
        response = getattr(client, method)(path, json=body, headers=world.owner_token)
        assert response.status_code == 404, (method, path)
    login(client, "owner@acme.example")
    page = client.get("/console").get_data(as_text=True)
    assert f'id="case-{ours}"' in page
    assert f'id="case-{theirs}"' not in page
    assert "Theirs" not in page
    assert client.get(f"/cases/{theirs}").status_code == 404

    admin = make_user(app, "admin@example.org", UserRole.ADMIN)
    assert set(_ids(client, bearer(make_token(app, admin, TokenScope.CASES_READ)))) == {
        ours,
        theirs,
    }


def test_titles_are_decrypted_for_members_once_and_audited_per_page(
    app: Flask, client: FlaskClient, world: World, db_session
) -> None:
    ids = insert_cases(app, world.acme, [{"title": f"Title number {n}"} for n in range(5)])
    (offline,) = insert_cases(app, world.other, [{"title": "Offline secret"}])
    (pre,) = insert_cases(app, world.acme, [{"title": "Pre", "is_pre_encrypted": True}])
    login(client, "owner@acme.example")
    assert "Title number 0" in client.get(f"/cases/{ids[0]}").get_data(as_text=True)
    page = client.get("/console").get_data(as_text=True)
    for n in range(5):
        assert f"Title number {n}" in page
    assert "encrypted by the researcher" in page
    reader: TitleReader = app.extensions["disclosure.titles"]
    # The case page had decrypted #0's report already; the pre-encrypted one is not decrypted.
    assert reader.decryptions == 4

    again = client.get("/console").get_data(as_text=True)
    assert "Title number 4" in again
    assert reader.decryptions == 4  # the cache answered: no gpg at all
    audits = db_session.exec(
        select(AuditEvent).where(AuditEvent.action == "case.list_titles")
    ).all()
    assert len(audits) == 2  # one per inbox view, naming every case whose title was shown
    assert json.loads(audits[-1].details) == {"cases": sorted(ids), "decrypted": 0}
    assert audits[-1].actor == "owner@acme.example"

    # A key rotation re-encrypts the blob: its hash changes, so the cached title is not used.
    keyring = app.extensions["disclosure"].keyring()
    blob = db_session.exec(select(CaseBlob).where(CaseBlob.case_id == ids[0])).one()
    document = json.dumps({"format": FORMAT, "report": {"title": "Renamed"}}).encode()
    blob.ciphertext = keyring.encrypt(document, blob.recipients.split(), armor=False)
    blob.sha256 = hashlib.sha256(blob.ciphertext).hexdigest()
    db_session.add(blob)
    db_session.commit()
    assert "Renamed" in client.get("/console").get_data(as_text=True)
    assert reader.decryptions == 5

    # Offline-only programs: the server cannot decrypt, and says so instead of a title.
    program = db_session.get(Program, world.other.id)
    program.is_offline_only = True
    db_session.commit()
    outsider = app.test_client()
    login(outsider, "owner@other.example")
    listed = outsider.get("/api/v1/cases").get_json()["cases"]
    assert listed[0]["id"] == offline
    assert listed[0]["title"] is None
    assert "offline-only" in listed[0]["title_note"]
    assert pre not in [case["id"] for case in listed]


def test_the_title_cache_is_bounded_and_expires() -> None:
    now = [0.0]
    cache = TitleCache(max_entries=2, ttl_seconds=60, clock=lambda: now[0])
    cache.put((1, "a"), "one")
    cache.put((2, "b"), "two")
    assert cache.get((1, "a")) == "one"  # now the most recently used
    cache.put((3, "c"), "three")
    assert cache.get((2, "b")) is None  # the least recently used went first
    assert cache.get((1, "a")) == "one"
    assert cache.get((1, "other hash")) is None
    now[0] = 61
    assert cache.get((1, "a")) is None
    assert len(cache) == 1
    cache.clear()
    assert len(cache) == 0


def _bulk(client: FlaskClient, **form: Any) -> Any:
    form["csrf_token"] = csrf_from(client, "/console")
    return client.post("/console/bulk", data=form)


def test_bulk_state_change_is_per_case_audited_and_never_half_applied(
    app: Flask, client: FlaskClient, world: World, db_session
) -> None:
    fresh = insert_cases(app, world.acme, [{"state": S.NEW}, {"state": S.NEW}])
    (fixed,) = insert_cases(app, world.acme, [{"state": S.FIXED}])
    (orphan,) = insert_cases(app, world.acme, [{"policy_name": "retired-policy"}])
    (foreign,) = insert_cases(app, world.other, [{}])
    login(client, "owner@acme.example")
    response = _bulk(
        client, action="state", to="acknowledged", case=[*fresh, fixed, orphan, foreign]
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "2 of 5 cases changed" in page
    assert re.search(rf'id="outcome-{fixed}" class="failed">.*?cannot go from fixed', page, re.S)
    assert re.search(rf'id="outcome-{orphan}" class="failed">.*?retired-policy', page, re.S)
    assert re.search(rf'id="outcome-{foreign}" class="failed">.*?No such case', page, re.S)

    db_session.expire_all()
    states = {i: db_session.get(Case, i).state for i in [*fresh, fixed, orphan]}
    assert states == {
        fresh[0]: S.ACKNOWLEDGED,
        fresh[1]: S.ACKNOWLEDGED,
        fixed: S.FIXED,
        orphan: S.NEW,
    }
    # The orphan's move got as far as the clock before failing: the savepoint undid all of it.
    assert db_session.exec(select(CaseEvent).where(CaseEvent.case_id == orphan)).all() == []
    moved = db_session.exec(select(AuditEvent).where(AuditEvent.action == "case.transition")).all()
    assert sorted(int(a.subject_id) for a in moved) == sorted(fresh)


def test_bulk_assign_goes_through_the_edit_verb_for_each_case(
    app: Flask, client: FlaskClient, world: World, db_session
) -> None:
    ids = insert_cases(app, world.acme, [{}, {}, {"assignee_id": world.triager.id}])
    login(client, "owner@acme.example")
    response = _bulk(client, action="assign", assignee=str(world.triager.id), case=ids)
    page = response.get_data(as_text=True)
    assert "2 of 3 cases changed" not in page  # the third is already so: done, unchanged
    assert "3 of 3 cases changed" in page
    assert "already so" in page
    audits = db_session.exec(select(AuditEvent).where(AuditEvent.action == "case.assign")).all()
    assert sorted(int(a.subject_id) for a in audits) == sorted(ids[:2])
    assert set(_ids(client, world.owner_token, f"assignee={world.triager.id}")) == set(ids)

    outsider_member = make_user(app, "viewer@acme.example", UserRole.VENDOR)
    add_member(app, world.acme, outsider_member, "viewer")
    viewer = app.test_client()
    login(viewer, "viewer@acme.example")
    refused = _bulk(viewer, action="assign", assignee="", case=ids[:1])
    assert "may see this case but not change it" in refused.get_data(as_text=True)
    nobody = _bulk(client, action="assign", assignee="stranger@example.org", case=ids[:1])
    assert "member of this case" in nobody.get_data(as_text=True)


def test_the_console_page_filters_and_pages_in_html(
    app: Flask, client: FlaskClient, world: World, clock
) -> None:
    specs = [{"next_deadline_at": clock.current + timedelta(days=n)} for n in range(52)]
    ids = insert_cases(app, world.acme, specs)
    login(client, "owner@acme.example")
    page = client.get("/console?state=new").get_data(as_text=True)
    assert f'id="case-{ids[49]}"' in page
    assert f'id="case-{ids[50]}"' not in page
    next_link = re.search(r'id="next-page"', page) and re.search(
        r'href="(/console\?[^"]+)" id="next-page"', page
    ).group(1)
    assert "state=new" in next_link
    following = client.get(next_link.replace("&amp;", "&")).get_data(as_text=True)
    assert f'id="case-{ids[50]}"' in following
    assert f'id="case-{ids[0]}"' not in following
    assert 'id="next-page"' not in following
    assert client.get("/console?state=nope").status_code == 422
    assert 'id="nav-inbox"' in page
    researcher = make_user(app, "r@example.org")
    other = app.test_client()
    login(other, researcher.email)
    assert other.get("/console").status_code == 403
    assert 'id="nav-inbox"' not in other.get("/my/cases").get_data(as_text=True)
