"""Calendar feed pages: make, regenerate or revoke the secret URL, and serve the feed."""

from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template, url_for

from disclosure.accounts.calendar import feed as calendar_feed
from disclosure.cases.clock import calendar
from disclosure.http.context import actor, current_user, db, now, principal, services, settings
from disclosure.policy import Permission, public, requires

blueprint = Blueprint("calendar", __name__)


@blueprint.get("/account/calendar")
@requires(Permission.ACCOUNT_SELF)
def page() -> str:
    return _page()


@blueprint.post("/account/calendar")
@requires(Permission.ACCOUNT_SELF)
def create() -> str:
    raw = calendar_feed.create_feed(db(), actor(), current_user(), now=now())
    return _page(url=feed_url(raw))


@blueprint.post("/account/calendar/revoke")
@requires(Permission.ACCOUNT_SELF)
def revoke() -> Response:
    calendar_feed.revoke_feed(db(), actor(), principal().user_id or 0, now=now())
    return redirect(url_for("calendar.page"), code=303)


@blueprint.get("/calendar/<token>.ics")
@public  # the secret token in the URL is the credential (calendar apps send no cookies)
def feed(token: str) -> Response:
    user = calendar_feed.user_of_token(db(), token)
    events = calendar.deadline_events(
        db(), user, services().policies, base_url=settings().base_url, now=now()
    )
    body = calendar_feed.render_calendar(events, now=now())
    response = Response(body, content_type="text/calendar; charset=utf-8")
    response.headers.set("Content-Disposition", "inline", filename="disclosure.ics")
    return response


def feed_url(raw: str) -> str:
    """The secret feed URL as calendar apps subscribe to it."""
    return f"{settings().base_url}/calendar/{raw}.ics"


def _page(url: str = "") -> str:
    return render_template(
        "accounts/calendar.html",
        feed=calendar_feed.feed_of(db(), principal().user_id or 0),
        url=url,
    )
