"""The same disclosure clock on every page: vendor, reporter, case list and anonymous tracking."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from disclosure.accounts.models import TokenScope, UserRole
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

_ROW = re.compile(
    r'class="clock-row level-(?P<level>[\w-]+)" id="clock-(?P<case>\d+)-(?P<name>\w+)">'
    r'.*?class="clock-at">(?P<at>[^<]+)<'
    r'.*?class="clock-left">\(?(?P<left>[^<]+?)\)?<',
    re.DOTALL,
)
_CLOCK = re.compile(r'<div class="clock" id="clock-\d+">.*?</div>', re.DOTALL)


def clock_of(page: str, case_id: int) -> dict[str, tuple[str, str, str]]:
    """{deadline: (level, when, time left)} as the page shows the case's clock."""
    return {
        m["name"]: (m["level"], m["at"], m["left"])
        for m in _ROW.finditer(page)
        if int(m["case"]) == case_id
    }


@pytest.fixture
def sides(app: Flask, client: FlaskClient) -> dict:
    program = make_program(app)
    owner = make_user(app, "owner@acme.example", UserRole.VENDOR)
    add_member(app, program, owner, "owner")
    researcher = make_user(app, "r@example.org")
    token = make_token(app, researcher, TokenScope.REPORTS_SUBMIT)
    created = client.post(
        "/api/v1/programs/acme/reports", json=report_json(), headers=bearer(token)
    )
    return {
        "app": app,
        "case": created.get_json()["id"],
        "vendor_token": bearer(make_token(app, owner, TokenScope.CASES_WRITE, days=365)),
    }


def signed_in(app: Flask, email: str) -> FlaskClient:
    """A browser signed in now (sessions end after a day idle; the tests move the clock)."""
    browser = app.test_client()
    login(browser, email)
    return browser


def _pages(sides: dict) -> dict[str, str]:
    case_id = sides["case"]
    vendor = signed_in(sides["app"], "owner@acme.example")
    reporter = signed_in(sides["app"], "r@example.org")
    return {
        "vendor case page": vendor.get(f"/cases/{case_id}").get_data(as_text=True),
        "reporter case page": reporter.get(f"/cases/{case_id}").get_data(as_text=True),
        "reporter case list": reporter.get("/my/cases").get_data(as_text=True),
    }


def _same_everywhere(sides: dict) -> dict[str, tuple[str, str, str]]:
    pages = _pages(sides)
    clocks = {name: clock_of(page, sides["case"]) for name, page in pages.items()}
    first = clocks["vendor case page"]
    assert first, "no clock on the vendor's page"
    for name, found in clocks.items():
        assert found == first, name
    return first


def test_both_sides_show_the_same_clock(sides) -> None:
    clock = _same_everywhere(sides)
    assert set(clock) == {"acknowledge_by", "triage_by", "disclose_by"}
    assert clock["disclose_by"] == ("ok", "2026-05-30 23:59 UTC", "90 days 14 hours left")
    pages = _pages(sides)
    for name in ("vendor case page", "reporter case page"):
        assert "day 90 after receipt on 2026-03-01 under project-zero v1" in pages[name], name
        assert 'style="' not in _CLOCK.search(pages[name]).group(0)


@pytest.mark.parametrize(
    ("days", "level", "left"),
    [
        (44, "ok", "46 days 14 hours left"),
        (46, "warn-50", "44 days 14 hours left"),
        (70, "warn-75", "20 days 14 hours left"),
        (82, "warn-90", "8 days 14 hours left"),
        (92, "overdue", "overdue by 1 day 9 hours"),
    ],
)
def test_the_level_follows_the_policy_fractions(sides, clock, days, level, left) -> None:
    clock.advance(days=days)
    shown = _same_everywhere(sides)
    assert shown["disclose_by"][0::2] == (level, left)
    assert shown["acknowledge_by"][0] == "overdue"  # 3 business days, never acknowledged


def test_a_grant_and_the_in_the_wild_flag_show_on_both_sides(client, sides, clock) -> None:
    clock.advance(days=2)
    url = f"/api/v1/cases/{sides['case']}/in-the-wild"
    flagged = client.post(url, json={"exploited": True}, headers=sides["vendor_token"])
    assert flagged.status_code == 200
    shown = _same_everywhere(sides)
    assert shown["disclose_by"][1] == "2026-03-10 23:59 UTC"  # day 2 + 7
    for name in ("vendor case page", "reporter case page"):
        page = _pages(sides)[name]
        assert "The in-the-wild deadline is in force." in page, name
        assert "exploitation in the wild was reported on 2026-03-03" in page, name


def test_the_anonymous_tracking_page_shows_the_vendor_numbers(app: Flask, sides, clock) -> None:
    anonymous = app.test_client()
    created = anonymous.post("/api/v1/programs/acme/reports", json=report_json()).get_json()
    clock.advance(days=50)
    tracked = anonymous.post(
        "/track",
        data={
            "tracking_code": created["tracking_code"],
            "csrf_token": csrf_from(anonymous, "/track"),
        },
    ).get_data(as_text=True)
    vendor = signed_in(app, "owner@acme.example").get(f"/cases/{created['id']}")
    vendor = vendor.get_data(as_text=True)
    shown = clock_of(tracked, created["id"])
    assert shown == clock_of(vendor, created["id"])
    assert shown["disclose_by"][0] == "warn-50"
    assert "day 90 after receipt on 2026-03-01 under project-zero v1" in tracked


def test_a_closed_case_shows_no_running_deadline(client, sides) -> None:
    url = f"/api/v1/cases/{sides['case']}/transitions"
    assert client.post(url, json={"to": "spam"}, headers=sides["vendor_token"]).status_code == 200
    for name, page in _pages(sides).items():
        assert clock_of(page, sides["case"]) == {}, name
        assert "No deadline is running for this case." in page, name


def test_the_inbox_shows_the_warning_level_of_the_nearest_deadline(app: Flask, clock) -> None:
    from tests.factories import add_member, login, make_program, make_user, report_json

    program = make_program(app, "inboxed")
    add_member(app, program, make_user(app, "owner@inboxed.example", UserRole.VENDOR), "owner")
    created = app.test_client().post("/api/v1/programs/inboxed/reports", json=report_json())
    case_id = created.get_json()["id"]
    vendor = app.test_client()
    login(vendor, "owner@inboxed.example")
    fresh = vendor.get("/console").get_data(as_text=True)
    assert 'class="level level-ok">on track<' in fresh
    clock.advance(days=30)  # past the acknowledgement deadline, which is the nearest
    login(vendor, "owner@inboxed.example")  # the session went idle meanwhile
    late = vendor.get("/console").get_data(as_text=True)
    assert f"#{case_id}" in late
    assert 'class="level level-overdue">overdue<' in late
