"""The feed's aggregate documents, assembled from the stored per-advisory parts.

Atom, the ROLIE feed, index.txt, changes.csv, all.zip and provider-metadata.json are never
rendered per request: each process assembles one from `PublishedFile` rows (copying bytes,
compressing nothing) the first time it is asked after the feed's generation moved, and serves
that until the next change. A process asks the database for the generation at most every
`feed_cache_seconds`; until then it serves what it has.
"""

from __future__ import annotations

import csv
import hashlib
import io
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from disclosure.db import SQLITE_BEGIN
from disclosure.feeds import atom, csaf, osv
from disclosure.feeds.document import FeedContext
from disclosure.feeds.encoding import EPOCH, json_bytes, rfc3339
from disclosure.publication.models import FeedState, PublishedFile

ATOM_ENTRIES = 100  # the feed lists the latest changes; the HTML list and ROLIE list all


@dataclass(frozen=True)
class Served:
    """A document as served: its bytes, media type, validator and last change."""

    content: bytes
    media_type: str
    etag: str
    modified: datetime


def _served(content: bytes, media_type: str, modified: datetime) -> Served:
    return Served(content, media_type, hashlib.sha256(content).hexdigest()[:32], modified)


def _rows(session: Session, kind: str, *, newest_first: bool = False, limit: int | None = None):
    query = select(PublishedFile.path, PublishedFile.content, PublishedFile.modified_at).where(
        PublishedFile.kind == kind
    )
    if newest_first:
        query = query.order_by(col(PublishedFile.modified_at).desc(), col(PublishedFile.path))
    else:
        query = query.order_by(col(PublishedFile.path))
    return session.exec(query.limit(limit) if limit else query).all()


def atom_feed(session: Session, ctx: FeedContext, changed: datetime) -> Served:
    rows = _rows(session, "atom-entry", newest_first=True, limit=ATOM_ENTRIES)
    updated = rows[0][2] if rows else None
    content = atom.assemble([r[1] for r in rows], updated=updated, ctx=ctx)
    return _served(content, "application/atom+xml; charset=utf-8", updated or changed)


def rolie_feed(session: Session, ctx: FeedContext, changed: datetime) -> Served:
    rows = _rows(session, "rolie-entry", newest_first=True)
    updated = rows[0][2] if rows else None
    content = csaf.assemble_rolie(ctx, [r[1] for r in rows], updated=updated)
    return _served(content, "application/json", updated or changed)


def _paths(session: Session, kind: str) -> list[tuple[str, datetime]]:
    query = select(PublishedFile.path, PublishedFile.modified_at).where(PublishedFile.kind == kind)
    return list(
        session.exec(query.order_by(col(PublishedFile.modified_at).desc(), col(PublishedFile.path)))
    )


def index_txt(session: Session, changed: datetime) -> Served:
    paths = sorted(path.removeprefix("csaf/") for path, _at in _paths(session, "csaf"))
    return _served("".join(f"{p}\n" for p in paths).encode(), "text/plain; charset=utf-8", changed)


def changes_csv(session: Session, changed: datetime) -> Served:
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    for path, modified in _paths(session, "csaf"):
        writer.writerow([path.removeprefix("csaf/"), rfc3339(modified)])
    return _served(out.getvalue().encode(), "text/csv; charset=utf-8", changed)


def osv_zip(session: Session, changed: datetime) -> Served:
    rows = session.exec(
        select(
            PublishedFile.path,
            PublishedFile.deflated,
            PublishedFile.crc32,
            sa.func.length(PublishedFile.content),
        ).where(PublishedFile.kind == "osv")
    ).all()
    members = [
        osv.ZipMember(path.removeprefix("osv/"), deflated or b"", crc or 0, size)
        for path, deflated, crc, size in rows
    ]
    return _served(osv.assemble_zip(members), "application/zip", changed)


def stored_file(session: Session, path: str) -> Served | None:
    """One advisory's rendered file as served; None when no release wrote it."""
    row = session.exec(select(PublishedFile).where(PublishedFile.path == path)).first()
    if row is None:
        return None
    return Served(row.content, row.media_type, row.etag, row.modified_at)


def provider_metadata(ctx: FeedContext, changed: datetime) -> Served:
    document = csaf.provider_metadata(ctx, last_updated=changed)
    return _served(json_bytes(document), "application/json", changed)


Builder = Callable[[Session, datetime], Served | None]
MAX_CACHED = 4096  # documents kept per process (aggregates and single files), least used out


class FeedCache:
    """The aggregate documents of this process, rebuilt when the feed's generation moves."""

    def __init__(self, engine: Engine, *, max_age_seconds: float) -> None:
        # Reads only: on SQLite they never take the write lock the releases hold.
        self._engine = engine.execution_options(**{SQLITE_BEGIN: "DEFERRED"})
        self._max_age = max_age_seconds
        self._lock = threading.Lock()
        self._generation: int | None = None
        self._changed = EPOCH
        self._checked = float("-inf")
        self._documents: OrderedDict[str, Served | None] = OrderedDict()

    def get(self, name: str, build: Builder) -> Served | None:
        """The document `name` (None: there is none), built at most once per feed change."""
        with self._lock:
            self._refresh()
            generation, changed = self._generation, self._changed
            if name in self._documents:
                self._documents.move_to_end(name)
                return self._documents[name]
        with Session(self._engine) as session:
            built = build(session, changed)
        with self._lock:
            if generation == self._generation:  # else the feed moved on while this was built
                self._documents[name] = built
                while len(self._documents) > MAX_CACHED:
                    self._documents.popitem(last=False)
            return built

    def changed_at(self) -> datetime:
        with self._lock:
            self._refresh()
            return self._changed

    def _refresh(self) -> None:
        if time.monotonic() - self._checked < self._max_age:
            return
        with Session(self._engine) as session:
            row = session.exec(select(FeedState.generation, FeedState.changed_at)).first()
        generation, changed = row if row else (0, EPOCH)
        if generation != self._generation:
            self._generation, self._changed = generation, changed
            self._documents.clear()
        self._checked = time.monotonic()
