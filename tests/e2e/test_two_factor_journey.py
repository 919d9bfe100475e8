"""Golden journey on a phone-sized screen: the demo researcher turns on two-factor sign-in,
then signs in again with the password and a recovery code, all by keyboard and labels."""

from __future__ import annotations

import re

import pyotp
import pytest

pytestmark = pytest.mark.e2e

WIDTH = 360


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH, "no sideways scroll"


def _tab_to(page, element_id: str, presses: int = 40) -> None:
    """Reach the element with the keyboard alone."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == element_id:
            return
    raise AssertionError(f"#{element_id} is not reachable with Tab")


def test_researcher_turns_on_two_factor_and_signs_in_with_a_recovery_code(
    live_server: dict[str, str], page
) -> None:
    password = re.search(
        r"researcher@example\.org\s+password: (\S+)", live_server["demo_output"]
    ).group(1)
    page.set_viewport_size({"width": WIDTH, "height": 800})
    page.goto(live_server["url"] + "/login")
    page.get_by_label("Email").fill("researcher@example.org")
    page.get_by_label("Password").fill(password)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/account$"))

    page.goto(live_server["url"] + "/account/two-factor")
    _fits(page)
    qr = page.locator("figure.qr svg")
    assert qr.is_visible()
    assert qr.bounding_box()["width"] <= WIDTH
    secret = page.inner_text("#totp-secret")
    _tab_to(page, "code")
    page.keyboard.type(pyotp.TOTP(secret).now())
    page.keyboard.press("Enter")
    page.wait_for_selector("#recovery-codes")
    _fits(page)
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10

    page.click("text=Sign out")
    page.wait_for_url(re.compile(r"/login$"))
    page.get_by_label("Email").fill("researcher@example.org")
    page.get_by_label("Password").fill(password)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/login/code"))
    _fits(page)
    # The field has the focus: Chromium applies autofocus at its next rendering opportunity,
    # which may come after the load event the URL wait ends on.
    page.wait_for_function("document.activeElement && document.activeElement.id === 'code'")
    page.keyboard.type(codes[0])
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/account$"))
    assert "Signed in as researcher@example.org" in page.inner_text("main")

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server["url"] + "/account/two-factor")
    assert page.inner_text("#recovery-remaining") == "9"
