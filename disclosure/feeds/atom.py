"""The Atom 1.0 feed (RFC 4287) of advisories, built with ElementTree so escaping is its job.

An entry's id is a tag URI (RFC 4151) of the platform's host, the day of first publication and
the advisory id: it survives a change of URL layout and never names two advisories. Entries
come newest change first, ties by id, so the same advisories give the same bytes.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from html import escape
from urllib.parse import urlsplit

from disclosure.feeds import osv
from disclosure.feeds.document import AdvisoryDocument, FeedContext
from disclosure.feeds.encoding import EPOCH, rfc3339

ATOM_NS = "http://www.w3.org/2005/Atom"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# Characters XML 1.0 cannot carry at all, not even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def entry_id(doc: AdvisoryDocument, ctx: FeedContext) -> str:
    """The advisory's Atom id: `tag:<host>,<first published day>:advisory:<id>`."""
    host = urlsplit(ctx.base_url).hostname or "localhost"
    return f"tag:{host},{doc.published.astimezone(UTC):%Y-%m-%d}:advisory:{doc.id}"


def render(docs: Iterable[AdvisoryDocument], ctx: FeedContext) -> bytes:
    """The feed of these advisories as UTF-8 XML; `updated` is the newest change (or 1970)."""
    ordered = sorted(sorted(docs, key=lambda d: d.id), key=lambda d: d.modified, reverse=True)
    feed = ET.Element("feed", {"xmlns": ATOM_NS, _XML_LANG: "en"})
    _text(feed, "id", ctx.atom_url)
    _text(feed, "title", ctx.title)
    _text(feed, "updated", rfc3339(ordered[0].modified if ordered else EPOCH))
    _link(feed, "self", "application/atom+xml", ctx.atom_url)
    _link(feed, "alternate", "text/html", ctx.html_url)
    author = ET.SubElement(feed, "author")
    _text(author, "name", ctx.publisher_name)
    _text(author, "uri", ctx.publisher_namespace)
    for doc in ordered:
        _entry(feed, doc, ctx)
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"


def render_entry(doc: AdvisoryDocument, ctx: FeedContext) -> bytes:
    """One advisory's <entry>, to be stored and spliced into the feed by `assemble`."""
    holder = ET.Element("feed")
    _entry(holder, doc, ctx)
    entry = holder[0]
    ET.indent(entry, space="  ", level=1)
    return b"  " + ET.tostring(entry, encoding="utf-8").strip() + b"\n"


def assemble(entries: Sequence[bytes], *, updated: datetime | None, ctx: FeedContext) -> bytes:
    """The feed from entries that `render_entry` made, newest change first: a new advisory
    costs one entry's rendering, never the whole feed's."""
    head = render([], ctx)
    if not entries:
        return head
    head = head.replace(
        f"<updated>{rfc3339(EPOCH)}</updated>".encode(),
        f"<updated>{rfc3339(updated or EPOCH)}</updated>".encode(),
        1,
    )
    close = head.rindex(b"</feed>")
    return head[:close] + b"".join(entries) + head[close:]


def _entry(feed: ET.Element, doc: AdvisoryDocument, ctx: FeedContext) -> None:
    entry = ET.SubElement(feed, "entry")
    _text(entry, "id", entry_id(doc, ctx))
    _text(entry, "title", f"WITHDRAWN: {doc.title}" if doc.withdrawn else doc.title)
    _text(entry, "updated", rfc3339(doc.modified))
    _text(entry, "published", rfc3339(doc.published))
    author = ET.SubElement(entry, "author")
    _text(author, "name", doc.publisher_name)
    _link(entry, "alternate", "text/html", doc.url)
    _link(entry, "alternate", "application/json", f"{ctx.osv_directory_url}/{osv.file_name(doc)}")
    if doc.score is not None:
        ET.SubElement(
            entry,
            "category",
            {
                "term": doc.score.severity.lower(),
                "label": f"{doc.score.severity} (CVSS {doc.score.version} {doc.score.base_score})",
            },
        )
    _text(entry, "summary", doc.summary, type="text")
    _text(entry, "content", _content(doc), type="html")


def _content(doc: AdvisoryDocument) -> str:
    # details_html is sanitised upstream and goes in as it is; only our own words are escaped.
    if doc.withdrawn is None:
        return doc.details_html
    reason = f": {escape(doc.withdrawn_reason, quote=False)}" if doc.withdrawn_reason else "."
    notice = (
        f"<p><strong>Withdrawn</strong> on {doc.withdrawn.astimezone(UTC):%Y-%m-%d}{reason}</p>\n"
    )
    return notice + doc.details_html


def _text(parent: ET.Element, tag: str, text: str, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    element.text = _NOT_XML.sub("", text)
    return element


def _link(parent: ET.Element, rel: str, media_type: str, href: str) -> None:
    ET.SubElement(parent, "link", {"rel": rel, "type": media_type, "href": href})
