"""Golden journey: a demo vendor signs in with a real browser, sees the account, signs out."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.e2e


def test_demo_vendor_signs_in_and_out(live_server: dict[str, str], page) -> None:
    password = re.search(
        r"vendor@acme\.example\s+password: (\S+)", live_server["demo_output"]
    ).group(1)
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Refused" in msg.text else None)

    page.goto(live_server["url"] + "/")
    assert "Acme Widgets" in page.content()
    page.click("text=Sign in")
    page.fill("#email", "vendor@acme.example")
    page.fill("#password", "wrong password, on purpose")
    page.click("button[type=submit]")
    assert page.locator("#form-error").inner_text() == "Wrong email or password."
    assert page.input_value("#email") == "vendor@acme.example"

    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/account$"))
    assert "Signed in as vendor@acme.example (vendor)" in page.inner_text("main")

    page.click("text=Sign out")
    page.wait_for_url(re.compile(r"/login$"))
    page.goto(live_server["url"] + "/account")
    assert page.url.endswith("/login?next=/account")
    assert page.evaluate("getComputedStyle(document.body).margin") == "0px", "stylesheet applied"
    assert violations == [], f"CSP or MIME refusals: {violations}"
