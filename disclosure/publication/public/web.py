"""The public advisory pages and files, with no sign-in.

Pages and files read through a read-only session (on SQLite it never takes the write lock),
documents come from the process's feed cache, and every response carries ETag,
Last-Modified and Cache-Control and answers a conditional GET with 304.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from flask import Blueprint, Response, current_app, render_template, request
from sqlmodel import Session, col, select

from disclosure.db import SQLITE_BEGIN
from disclosure.errors import NotFound, ValidationError
from disclosure.feeds.document import AdvisoryDocument, FeedContext
from disclosure.http.context import services
from disclosure.policy import public
from disclosure.programs.models import Program
from disclosure.publication import aggregates, browse, documents
from disclosure.publication.aggregates import FeedCache, Served
from disclosure.publication.models import Advisory, AdvisoryListing, AdvisoryRevision
from disclosure.publication.publisher import feed_context
from disclosure.reports.models import PlatformKey

blueprint = Blueprint("advisories", __name__)
_CACHE = "disclosure.feed_cache"
_FILES_MAX_AGE = 60  # seconds a client or proxy may reuse a feed file before asking again


@contextmanager
def reading() -> Iterator[Session]:
    """A read-only session for public pages (no write lock, no audit: nothing is secret)."""
    engine = services().engine.execution_options(**{SQLITE_BEGIN: "DEFERRED"})
    with Session(engine) as session:
        yield session


def feed_cache() -> FeedCache:
    extensions = current_app.extensions
    if _CACHE not in extensions:
        seconds = services().settings.feed_cache_seconds
        extensions[_CACHE] = FeedCache(services().engine, max_age_seconds=seconds)
    return extensions[_CACHE]


def send(served: Served | None, *, max_age: int = _FILES_MAX_AGE) -> Response:
    """The document with its validators, or 304 when the client has it; 404 when missing."""
    if served is None:
        raise NotFound("No such published document.")
    response = Response(served.content, content_type=served.media_type)
    response.set_etag(served.etag)
    response.last_modified = served.modified
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    return response.make_conditional(request)


def _context() -> FeedContext:
    with reading() as session:
        key = session.exec(
            select(PlatformKey.fingerprint).where(PlatformKey.is_active).order_by(PlatformKey.id)
        ).first()
    return feed_context(services(), key_fingerprint=key or "")


def serve_file(path: str) -> Response:
    """A stored file of a released advisory, from the cache, with its validators."""
    return send(feed_cache().get(f"file:{path}", lambda s, _c: aggregates.stored_file(s, path)))


# --- pages ----------------------------------------------------------------------------------


@blueprint.get("/advisories")
@public
def index() -> tuple[str, int] | Response:
    try:
        wanted = browse.parse_search(request.args.to_dict(flat=False))
    except ValidationError as exc:
        return _index_page(browse.Listing([], 0, browse.Search()), exc.fields), 422
    with reading() as session:
        listing = browse.search(session, wanted)
        programs = list(session.exec(select(Program).order_by(col(Program.name))))
    return revalidated(_index_page(listing, {}, programs), feed_cache().changed_at())


def _index_page(
    listing: browse.Listing, errors: dict[str, str], programs: list[Program] | None = None
) -> str:
    return render_template(
        "publication/index.html",
        listing=listing,
        errors=errors,
        programs=programs or [],
        severities=["Critical", "High", "Medium", "Low", "None"],
    )


@blueprint.get("/advisories/<public_id>")
@public
def page(public_id: str) -> Response:
    with reading() as session:
        doc = released_document(session, public_id)
    page_html = render_template("publication/advisory.html", doc=doc, files=_links(doc))
    return revalidated(page_html, doc.modified)


def revalidated(html: str, modified: datetime) -> Response:
    """A public page: stored by caches but revalidated each time (its ETag is its bytes')."""
    response = Response(html, content_type="text/html; charset=utf-8")
    response.cache_control.no_cache = True
    response.add_etag()
    response.last_modified = modified
    return response.make_conditional(request)


def released_document(session: Session, public_id: str) -> AdvisoryDocument:
    """The feeds' view of a released advisory; NotFound for any other id."""
    found = session.exec(
        select(AdvisoryListing, Advisory, Program)
        .join(Advisory, col(Advisory.id) == AdvisoryListing.advisory_id)
        .join(Program, col(Program.id) == AdvisoryListing.program_id)
        .where(AdvisoryListing.public_id == public_id)
    ).first()
    if found is None:
        raise NotFound(f"No published advisory {public_id!r}.")
    _listing, advisory, program = found
    revisions = list(
        session.exec(
            select(AdvisoryRevision)
            .where(AdvisoryRevision.advisory_id == advisory.id)
            .order_by(col(AdvisoryRevision.number))
        )
    )
    return documents.advisory_document(
        public_id=public_id,
        program=program,
        revisions=revisions,
        published=advisory.published_at or revisions[0].released_at,
        modified=advisory.modified_at or revisions[-1].released_at,
        withdrawn=advisory.withdrawn_at,
        withdrawn_reason=advisory.withdrawn_reason,
        base_url=services().settings.base_url,
    )


def _links(doc: AdvisoryDocument) -> list[tuple[str, str]]:
    from disclosure.feeds import csaf

    links = [
        ("OSV (JSON)", f"/advisories/{doc.id}.osv.json"),
        ("CSAF 2.0 (JSON)", f"/.well-known/csaf/white/{csaf.relative_path(doc)}"),
        ("CSAF signature", f"/.well-known/csaf/white/{csaf.relative_path(doc)}.asc"),
    ]
    if doc.cve_id:
        links.append(("CVE JSON 5", f"/api/v1/advisories/{doc.id}/cve.json"))
    return links


# --- feeds and files ------------------------------------------------------------------------


def _aggregate(name: str, build: aggregates.Builder) -> Response:
    return send(feed_cache().get(name, build))


@blueprint.get("/advisories/feed.atom")
@public
def atom_feed() -> Response:
    return _aggregate("atom", lambda s, changed: aggregates.atom_feed(s, _context(), changed))


@blueprint.get("/advisories/<public_id>.osv.json")
@public
def osv_record(public_id: str) -> Response:
    return serve_file(f"osv/x_{public_id}.json")


@blueprint.get("/advisories/osv/<name>")
@public
def osv_directory(name: str) -> Response:
    if name == "all.zip":
        return _aggregate("all.zip", aggregates.osv_zip)
    return serve_file(f"osv/{name}")


@blueprint.get("/.well-known/csaf/provider-metadata.json")
@public
def provider_metadata() -> Response:
    return _aggregate(
        "provider-metadata", lambda _s, changed: aggregates.provider_metadata(_context(), changed)
    )


@blueprint.get("/.well-known/csaf/white/<path:name>")
@public
def csaf_directory(name: str) -> Response:
    if name == "index.txt":
        return _aggregate("index.txt", aggregates.index_txt)
    if name == "changes.csv":
        return _aggregate("changes.csv", aggregates.changes_csv)
    if name == "feed-tlp-white.json":
        return _aggregate("rolie", lambda s, changed: aggregates.rolie_feed(s, _context(), changed))
    return serve_file(f"csaf/{name}")


@blueprint.get("/.well-known/csaf/openpgp/<fingerprint>.asc")
@public
def provider_key(fingerprint: str) -> Response:
    with reading() as session:
        key = session.exec(
            select(PlatformKey).where(PlatformKey.fingerprint == fingerprint.upper())
        ).first()
    if key is None:
        raise NotFound("No such key of this provider.")
    served = Served(
        key.public_key.encode(), "application/pgp-keys", key.fingerprint[-32:], key.created_at
    )
    return send(served, max_age=3600)
