"""The advisory journey in Chromium: the vendor drafts on the case page and sends it for
review, and the public pages of the demo's published advisory fit a phone and a desktop."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.e2e


def _password(demo_output: str, email: str) -> str:
    return re.search(rf"{re.escape(email)}\s+password: (\S+)", demo_output).group(1)


@pytest.mark.parametrize("width", [1280, 390])
def test_the_public_feed_pages_fit_and_link_every_format(live_server, page, width: int) -> None:
    url = live_server["url"]
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(url + "/advisories")
    page.click("#advisories a")
    page.wait_for_url(re.compile(r"/advisories/ACME-\d{4}-\d{4}$"))
    assert page.inner_text("#advisory-id").startswith("ACME-")
    assert "2.4.1" in page.inner_text("#affected")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    formats = page.locator("#formats a")
    assert formats.count() >= 3
    assert errors == []
    feed = page.request.get(url + "/advisories/feed.atom")
    assert feed.status == 200
    assert feed.headers["content-type"].startswith("application/atom+xml")


def test_the_vendor_drafts_and_sends_for_review(live_server, page) -> None:
    url = live_server["url"]
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(url + "/login")
    page.fill("#email", "vendor@acme.example")
    page.fill("#password", _password(live_server["demo_output"], "vendor@acme.example"))
    page.click("button[type=submit]")
    page.goto(url + "/console")
    page.click("table a[href^='/cases/']")
    page.click("#advisory-link")
    # The click only starts the navigation: measure the editor, not the case page still shown.
    page.wait_for_url(re.compile(r"/cases/\d+/advisory$"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    if page.locator("#request-review").count() == 0:  # a case whose advisory is published
        assert page.locator("#public-link").count() == 1
        return
    page.fill("#summary", "too short")
    page.click("#save-advisory")
    assert (
        "summary" in page.inner_text("#form-error").lower()
        or page.locator("#summary-error").count()
    )
    page.fill("#summary", "Widget names are rendered without escaping on the dashboard.")
    page.click("#save-advisory")
    page.click("#request-review")
    assert page.inner_text("#advisory-state") == "in review"
