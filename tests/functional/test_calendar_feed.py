"""The secret calendar feed: tokens stored as hashes, RFC 5545 output, only metadata inside."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from disclosure.accounts.calendar.feed import fold
from disclosure.accounts.calendar.models import CalendarFeed
from disclosure.accounts.models import TokenScope, UserRole
from disclosure.audit.models import AuditEvent
from tests.factories import (
    add_member,
    bearer,
    csrf_from,
    login,
    make_program,
    make_token,
    make_user,
    report_json,
)

CANARY = "CANARY-5f1c7e2a-calendar"
_URL = re.compile(r'id="calendar-url">http://127\.0\.0\.1:5000(/calendar/[^<]+\.ics)<')
PAGE = "/account/calendar"


def parse_ics(raw: bytes) -> list[dict[str, str]]:
    """The VEVENTs of a feed, after checking CRLF endings and 75-octet folding by hand."""
    text = raw.decode("utf-8")
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:")
    assert text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", ""), "a line ends without CR"
    assert "\r" not in text.replace("\r\n", ""), "a CR without LF"
    physical = text.split("\r\n")[:-1]
    for line in physical:
        assert len(line.encode("utf-8")) <= 75, line
    logical: list[str] = []
    for line in physical:
        if line.startswith(" "):
            logical[-1] += line[1:]
        else:
            logical.append(line)
    events, current = [], None
    for line in logical:
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            events.append(current)
            current = None
        elif current is not None:
            name, _, value = line.partition(":")
            current[name] = value
    return events


def unescape(value: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], value)


def _browser(app: Flask, email: str) -> FlaskClient:
    browser = app.test_client()
    login(browser, email)
    return browser


def _make_feed(browser: FlaskClient, action: str = PAGE) -> tuple[Any, str]:
    response = browser.post(action, data={"csrf_token": csrf_from(browser, PAGE)})
    found = _URL.search(response.get_data(as_text=True))
    return response, found.group(1) if found else ""


@pytest.fixture
def world(app: Flask, client: FlaskClient) -> dict:
    program = make_program(app, policy="cert-cc")
    owner = make_user(app, "owner@acme.example", UserRole.VENDOR)
    add_member(app, program, owner, "owner")
    ada = make_user(app, "ada@example.org")
    token = make_token(app, ada, TokenScope.REPORTS_SUBMIT)
    report = report_json(title=f"Title {CANARY}", description=f"Text {CANARY}")
    created = client.post("/api/v1/programs/acme/reports", json=report, headers=bearer(token))
    return {
        "case": created.get_json()["id"],
        "program": program,
        "vendor": bearer(make_token(app, owner, TokenScope.CASES_READ, TokenScope.CASES_WRITE)),
        "ada": bearer(token),
    }


def test_a_vendor_subscribes_to_the_deadlines_of_their_cases(app, client, world, db_session):
    vendor = _browser(app, "owner@acme.example")
    assert "You have no calendar address" in vendor.get(PAGE).get_data(as_text=True)
    assert vendor.post(PAGE).status_code == 400  # no CSRF token
    made, path = _make_feed(vendor)
    assert made.status_code == 200
    assert path.startswith("/calendar/cal_")
    token = path.removeprefix("/calendar/").removesuffix(".ics")
    stored = db_session.exec(select(CalendarFeed)).one()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in vendor.get(PAGE).get_data(as_text=True)  # shown once

    feed = app.test_client().get(path)  # calendar apps send no cookie
    assert feed.status_code == 200
    assert feed.mimetype == "text/calendar"
    assert CANARY.encode() not in feed.data
    assert b"Stored XSS" not in feed.data
    events = {event["UID"]: event for event in parse_ics(feed.data)}
    case = world["case"]
    assert set(events) == {
        f"case-{case}-{name}@127.0.0.1" for name in ("acknowledge_by", "triage_by", "disclose_by")
    }
    disclose = events[f"case-{case}-disclose_by@127.0.0.1"]
    assert disclose["SUMMARY"] == f"Case #{case}: disclosure deadline"
    assert (disclose["DTSTART"], disclose["DTEND"]) == ("20260415T235959Z", "20260416T002959Z")
    assert disclose["DTSTAMP"] == "20260301T090000Z"
    description = unescape(disclose["DESCRIPTION"])
    assert "day 45 after receipt on 2026-03-01 under cert-cc v1" in description
    assert description.endswith(f"http://127.0.0.1:5000/cases/{case}")
    assert disclose["URL"] == f"http://127.0.0.1:5000/cases/{case}"


def test_uids_stay_while_deadlines_move(app, client, world, clock) -> None:
    _response, path = _make_feed(_browser(app, "owner@acme.example"))
    first = {e["UID"]: e["DTSTART"] for e in parse_ics(app.test_client().get(path).data)}
    clock.advance(hours=2)
    reason = "Coordinated release; vendors A, B and C — naïve 🛡 fix\nsecond line " * 3
    asked = client.post(
        f"/api/v1/cases/{world['case']}/extensions",
        json={"days": 10, "reason": reason},
        headers=world["vendor"],
    )
    rid = asked.get_json()["id"]
    decided = client.post(
        f"/api/v1/cases/{world['case']}/extensions/{rid}/decision",
        json={"accept": True},
        headers=world["ada"],
    )
    assert decided.status_code == 200
    raw = app.test_client().get(path).data
    second = {e["UID"]: e for e in parse_ics(raw)}
    assert set(second) == set(first)
    disclose = second[f"case-{world['case']}-disclose_by@127.0.0.1"]
    assert disclose["DTSTART"] == "20260425T235959Z"  # moved by the 10 days, same UID
    assert reason.rstrip() in unescape(disclose["DESCRIPTION"])  # folded, escaped, intact
    assert max(len(line) for line in raw.split(b"\r\n")) == 75  # long lines were folded


def test_regenerate_replaces_the_address_and_revoke_deletes_it(app, world, db_session) -> None:
    vendor = _browser(app, "owner@acme.example")
    _response, old = _make_feed(vendor)
    assert "Regenerate the address" in vendor.get(PAGE).get_data(as_text=True)
    _response, new = _make_feed(vendor)
    assert new != old
    assert app.test_client().get(old).status_code == 404
    assert app.test_client().get(new).status_code == 200
    revoked = vendor.post(f"{PAGE}/revoke", data={"csrf_token": csrf_from(vendor, PAGE)})
    assert revoked.status_code == 303
    assert app.test_client().get(new).status_code == 404
    db_session.expire_all()
    assert db_session.exec(select(CalendarFeed)).all() == []
    actions = [a.action for a in db_session.exec(select(AuditEvent)).all()]
    assert [a for a in actions if a.startswith("calendar_feed.")] == [
        "calendar_feed.create",
        "calendar_feed.regenerate",
        "calendar_feed.revoke",
    ]
    assert app.test_client().get("/calendar/cal_not-a-real-token.ics").status_code == 404


def test_each_feed_holds_only_the_cases_its_owner_follows(app, client, world) -> None:
    bob = make_user(app, "bob@example.org")
    bob_token = make_token(app, bob, TokenScope.REPORTS_SUBMIT)
    other = client.post(
        "/api/v1/programs/acme/reports", json=report_json(), headers=bearer(bob_token)
    )
    make_program(app, "elsewhere")
    stranger = make_user(app, "owner@elsewhere.example", UserRole.VENDOR)
    add_member(app, make_program(app, "third"), stranger, "owner")

    def uids(email: str) -> set[str]:
        _response, path = _make_feed(_browser(app, email))
        return {event["UID"].split("-")[1] for event in parse_ics(app.test_client().get(path).data)}

    assert uids("ada@example.org") == {str(world["case"])}
    assert uids("bob@example.org") == {str(other.get_json()["id"])}
    assert uids("owner@acme.example") == {str(world["case"]), str(other.get_json()["id"])}
    assert uids("owner@elsewhere.example") == set()


def test_closed_cases_leave_the_feed(app, client, world) -> None:
    _response, path = _make_feed(_browser(app, "ada@example.org"))
    assert parse_ics(app.test_client().get(path).data)
    closed = client.post(
        f"/api/v1/cases/{world['case']}/transitions", json={"to": "spam"}, headers=world["vendor"]
    )
    assert closed.status_code == 200
    assert parse_ics(app.test_client().get(path).data) == []


@pytest.mark.parametrize(
    "line",
    [
        "DESCRIPTION:" + "x" * 200,
        "DESCRIPTION:" + "é" * 100,  # two octets each: never split inside a character
        "SUMMARY:" + "🛡" * 40,  # four octets each
        "SHORT:ok",
    ],
)
def test_folding_keeps_lines_within_75_octets(line: str) -> None:
    folded = fold(line)
    physical = folded.split("\r\n")
    assert all(len(part.encode()) <= 75 for part in physical)
    assert all(part.startswith(" ") for part in physical[1:])
    assert physical[0] + "".join(part[1:] for part in physical[1:]) == line
