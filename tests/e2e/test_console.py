"""Golden journey: the demo vendor triages a new report from the inbox in a real browser."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.e2e

MARK = "E2E-7a2f-console"
VECTOR = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"


def _submit(page: object, url: str) -> int:
    """An anonymous report through the API, sent by the browser context (no cookie yet)."""
    body = {
        "title": f"SQL injection in search {MARK}",
        "product": "acme-widgets",
        "description": "The q parameter reaches the SQL query unescaped.",
        "exploited_in_the_wild": "no",
    }
    response = page.request.post(url + "/api/v1/programs/acme/reports", data=body)  # type: ignore[attr-defined]
    assert response.status == 201, response.text()
    return response.json()["id"]


def test_demo_vendor_acknowledges_and_scores_a_case(live_server: dict[str, str], page) -> None:
    url = live_server["url"]
    case_id = _submit(page, url)
    password = re.search(
        r"vendor@acme\.example\s+password: (\S+)", live_server["demo_output"]
    ).group(1)
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Refused" in msg.text else None)

    page.goto(url + "/login")
    page.fill("#email", "vendor@acme.example")
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/account$"))
    page.click("#nav-inbox")
    page.wait_for_url(re.compile(r"/console$"))
    row = page.locator(f"#case-{case_id}")
    assert MARK in row.inner_text()  # the title, decrypted for a member
    row.locator(f"a[href='/cases/{case_id}']").click()
    page.wait_for_url(re.compile(rf"/cases/{case_id}$"))
    assert page.inner_text("#case-state") == "new"

    page.click("#move-acknowledged")
    page.wait_for_url(re.compile(rf"/cases/{case_id}#state$"))
    assert page.inner_text("#case-state") == "acknowledged"

    page.fill("#cvss_vector", VECTOR)
    page.click("#score-cvss")
    assert page.inner_text("#cvss-score-value") == "9.8"
    assert page.inner_text("#cvss-rating") == "Critical"
    assert "not saved yet" in page.inner_text("#cvss-score")
    assert page.input_value("#cvss_vector") == VECTOR

    page.click("#save-triage")
    page.wait_for_url(re.compile(rf"/cases/{case_id}#triage$"))
    assert page.inner_text("#cvss-score-value") == "9.8"
    assert "not saved yet" not in page.inner_text("#cvss-score")
    assert "severity set" in page.inner_text("#timeline")

    page.click("#nav-inbox")
    assert "9.8 Critical" in page.locator(f"#case-{case_id}").inner_text()
    assert violations == [], f"CSP or MIME refusals: {violations}"
