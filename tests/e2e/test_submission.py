"""Golden journeys: an anonymous report with a file, tracked by its code; the vendor reads it."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.e2e

MARK = "E2E-4c1d-submission"
POC = b"proof of concept bytes \x00\x01\x02 " + MARK.encode()


def _password(demo_output: str, email: str) -> str:
    return re.search(rf"{re.escape(email)}\s+password: (\S+)", demo_output).group(1)


def test_anonymous_report_tracked_then_read_by_the_vendor(
    live_server: dict[str, str], page
) -> None:
    url = live_server["url"]
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Refused" in msg.text else None)

    page.goto(url + "/")
    page.click("text=Acme Widgets")
    page.wait_for_url(re.compile(r"/programs/acme$"))
    assert "Anonymous reports are accepted" in page.inner_text("main")
    page.click("text=Report a vulnerability")
    page.fill("#title", f"Stored XSS {MARK}")
    page.fill("#product", "acme-widgets")
    page.fill("#versions", "< 2.4.1")
    page.select_option("#cwe", "CWE-79")
    page.fill("#description", "The widget name is rendered without escaping.\nSecond line.")
    page.fill("#steps_to_reproduce", "1. Name a widget <script>alert(1)</script>")
    page.fill("#cvss_vector", "CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:H/I:L/A:N")
    page.check("#itw-no")
    page.fill("#proposed_disclosure_date", "2026-12-01")
    page.fill("#credit", "E2E Tester")
    page.set_input_files(
        "#attachments",
        files=[{"name": "poc.bin", "mimeType": "application/octet-stream", "buffer": POC}],
    )
    page.click("#report-form button[type=submit]")

    code = page.inner_text("#tracking-code")
    assert re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){7}", code)
    case_id = re.search(r"case #(\d+)", page.inner_text("#case-id")).group(1)
    assert code not in page.url
    receipt = page.input_value("#receipt")

    page.click("header >> text=Track a report")
    page.fill("#tracking_code", code)
    page.click("main button[type=submit]")
    assert f"#{case_id}" in page.inner_text("#tracked-case")
    assert page.inner_text("#case-state") == "new"
    assert code not in page.url

    page.goto(url + "/receipts/verify")
    page.fill("#receipt", receipt)
    page.click("main button[type=submit]")
    assert page.locator("#receipt-valid").is_visible()
    assert "Matches what is stored" in page.inner_text("#receipt-match")

    page.goto(url + "/login")
    page.fill("#email", "vendor@acme.example")
    page.fill("#password", _password(live_server["demo_output"], "vendor@acme.example"))
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/account$"))
    page.goto(f"{url}/cases/{case_id}")
    assert page.inner_text("#report-title") == f"Stored XSS {MARK}"
    assert "<script>alert(1)</script>" in page.inner_text("#report-steps")
    with page.expect_download() as download:
        page.click("text=poc.bin")
    assert download.value.suggested_filename == "poc.bin"
    with open(download.value.path(), "rb") as saved:
        assert saved.read() == POC
    assert violations == [], f"CSP or MIME refusals: {violations}"
