"""The Atom feed parses as Atom 1.0, escapes what it carries and is the same for the same input."""

from __future__ import annotations

import dataclasses

import feedparser
import pytest

from disclosure.feeds import atom
from disclosure.feeds.document import AdvisoryDocument
from tests.unit.feeds.documents import CTX, VARIANTS, document, revised, withdrawn


@pytest.mark.parametrize("doc", VARIANTS.values(), ids=VARIANTS.keys())
def test_every_variant_is_an_atom_10_entry(doc: AdvisoryDocument) -> None:
    parsed = feedparser.parse(atom.render([doc], CTX))
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    (entry,) = parsed.entries
    assert entry.id == atom.entry_id(doc, CTX)
    assert entry.updated == doc.modified.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert [t.term for t in entry.get("tags", [])] == (
        [doc.score.severity.lower()] if doc.score else []
    )


def _docs() -> list[AdvisoryDocument]:
    return [
        document(),
        revised(document(id="ACME-2026-0002", url=f"{CTX.base_url}/advisories/ACME-2026-0002")),
        withdrawn(document(id="ACME-2026-0003", score=None)),
    ]


def test_feed_parses_as_atom_10_with_every_entry() -> None:
    parsed = feedparser.parse(atom.render(_docs(), CTX))
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.title == "Security advisories"
    assert parsed.feed.updated == "2026-03-09T09:30:00Z"  # the newest change
    assert [e.id for e in parsed.entries] == [
        "tag:disclosure.example.org,2026-03-02:advisory:ACME-2026-0003",
        "tag:disclosure.example.org,2026-03-02:advisory:ACME-2026-0002",
        "tag:disclosure.example.org,2026-03-02:advisory:ACME-2026-0001",
    ]
    assert [e.updated for e in parsed.entries] == [
        "2026-03-09T09:30:00Z",
        "2026-03-07T09:30:00Z",
        "2026-03-02T09:30:00Z",
    ]
    assert parsed.entries[0].title.startswith("WITHDRAWN: ")


def test_entry_links_to_the_page_and_the_osv_record() -> None:
    (entry,) = feedparser.parse(atom.render([document()], CTX)).entries
    links = {(link.rel, link.type): link.href for link in entry.links}
    assert links[("alternate", "text/html")] == document().url
    assert links[("alternate", "application/json")] == f"{CTX.base_url}/osv/x_ACME-2026-0001.json"
    assert entry.published == "2026-03-02T09:30:00Z"
    assert entry.summary == document().summary
    assert entry.content[0].type == "text/html"
    assert entry.content[0].value == document().details_html
    assert [t.term for t in entry.tags] == ["medium"]


def test_feed_links_and_author() -> None:
    parsed = feedparser.parse(atom.render([document()], CTX))
    links = {link.rel: link.href for link in parsed.feed.links}
    assert links == {"self": CTX.atom_url, "alternate": CTX.html_url}
    assert parsed.feed.id == CTX.atom_url
    assert parsed.feed.author == CTX.publisher_name


def test_markup_in_a_title_is_escaped_not_interpreted() -> None:
    doc = document(title="<script>alert(1)</script> & friends", summary="a < b && c > d")
    data = atom.render([doc], CTX)
    assert b"<script>" not in data
    assert b"&lt;script&gt;alert(1)&lt;/script&gt; &amp; friends" in data
    parsed = feedparser.parse(data)
    assert not parsed.bozo  # well-formed XML
    (entry,) = parsed.entries
    assert entry.title == "<script>alert(1)</script> & friends"
    assert entry.summary == "a < b && c > d"


def test_characters_xml_cannot_carry_are_dropped() -> None:
    parsed = feedparser.parse(atom.render([document(title="bell\x07 and tab\t")], CTX))
    assert not parsed.bozo  # a raw \x07 would make the document ill-formed
    assert parsed.entries[0].title == "bell and tab"


def test_withdrawn_entry_says_why_in_its_content() -> None:
    doc = withdrawn(document(), reason="Reporter's <mistake>")
    (entry,) = feedparser.parse(atom.render([doc], CTX)).entries
    assert entry.content[0].value.startswith("<p><strong>Withdrawn</strong> on 2026-03-09")
    assert "Reporter's &lt;mistake&gt;" in entry.content[0].value


def test_same_advisories_give_the_same_bytes() -> None:
    docs = list(VARIANTS.values())[:1] + _docs()[1:]
    assert atom.render(docs, CTX) == atom.render(reversed(docs), CTX)


def test_empty_feed_is_valid() -> None:
    parsed = feedparser.parse(atom.render([], CTX))
    assert parsed.version == "atom10"
    assert parsed.entries == []
    assert parsed.feed.updated == "1970-01-01T00:00:00Z"


def test_per_program_feed_takes_its_own_title() -> None:
    ctx = dataclasses.replace(CTX, title="Acme advisories", atom_url=f"{CTX.base_url}/acme.atom")
    parsed = feedparser.parse(atom.render([document()], ctx))
    assert parsed.feed.title == "Acme advisories"
    assert parsed.feed.id == ctx.atom_url
