"""The public advisory list and CVE records as JSON, with no sign-in."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from flask import Blueprint, Response, request
from pydantic import BaseModel

from disclosure.feeds.document import SEVERITIES
from disclosure.http.api import Param, operation
from disclosure.http.context import services
from disclosure.policy import public
from disclosure.publication import browse
from disclosure.publication.public.web import reading, serve_file

blueprint = Blueprint("advisories_api", __name__, url_prefix="/api/v1")


class AdvisoryItem(BaseModel):
    id: str
    title: str
    summary: str
    program: str
    published: datetime
    modified: datetime
    severity: str | None
    score: float | None
    cve_id: str | None
    withdrawn: bool
    url: str


class AdvisoryList(BaseModel):
    items: list[AdvisoryItem]
    total: int
    next: str | None  # the URL of the next page; null on the last one


SEARCH_PARAMS = (
    Param("q", "query", {"type": "string", "maxLength": 200}, "Text, an advisory or CVE id"),
    Param("program", "query", {"type": "string"}, "A program slug"),
    Param("severity", "query", {"enum": ["", *SEVERITIES]}, "The CVSS rating"),
    Param(
        "year", "query", {"type": "string", "pattern": "^$|^(19|20)[0-9]{2}$"}, "First published"
    ),
    Param("page", "query", {"type": "string", "pattern": "^$|^[1-9][0-9]{0,3}$|^10000$"}, "1.."),
)


@blueprint.get("/advisories")
@public
@operation(
    "Published advisories, newest change first, 25 a page (public)",
    response=AdvisoryList,
    params=SEARCH_PARAMS,
    errors={422: "A search field is invalid"},
)
def list_advisories() -> AdvisoryList:
    wanted = browse.parse_search(request.args.to_dict(flat=False))
    with reading() as session:
        listing = browse.search(session, wanted)
    base = services().settings.base_url
    items = [
        AdvisoryItem(
            id=row.public_id,
            title=row.title,
            summary=row.summary,
            program=program.slug,
            published=row.published_at,
            modified=row.modified_at,
            severity=row.severity,
            score=row.score,
            cve_id=row.cve_id,
            withdrawn=row.withdrawn,
            url=f"{base}/advisories/{row.public_id}",
        )
        for row, program in listing.rows
    ]
    more = wanted.page < listing.pages
    query = urlencode([*wanted.query_args(), ("page", str(wanted.page + 1))])
    return AdvisoryList(
        items=items, total=listing.total, next=f"/api/v1/advisories?{query}" if more else None
    )


@blueprint.get("/advisories/<public_id>/cve.json")
@public
@operation(
    "The CVE JSON 5 record of a published advisory with a CVE id (public)",
    errors={404: "No published advisory with this id, or it has no CVE id"},
)
def cve_record(public_id: str) -> Response:
    return serve_file(f"cve/{public_id}.json")
