"""Aggregates assembled from stored parts are the documents rendered whole, byte for byte."""

from __future__ import annotations

import io
import json
import zipfile

from disclosure.feeds import atom, csaf, osv
from disclosure.feeds.encoding import json_bytes
from tests.unit.feeds import documents as d


def _docs() -> list:
    return [d.document(id=f"ACME-2026-000{n}") for n in range(1, 4)]


def test_atom_from_stored_entries_is_the_whole_feed() -> None:
    docs = sorted(_docs(), key=lambda doc: doc.modified, reverse=True)
    entries = [atom.render_entry(doc, d.CTX) for doc in docs]
    assert atom.assemble(entries, updated=docs[0].modified, ctx=d.CTX) == atom.render(docs, d.CTX)
    assert atom.assemble([], updated=None, ctx=d.CTX) == atom.render([], d.CTX)


def test_rolie_from_stored_entries_is_the_whole_feed() -> None:
    docs = _docs()
    entries = [json.dumps(csaf.rolie_entry(d.CTX, doc)).encode() for doc in docs]
    assembled = json.loads(csaf.assemble_rolie(d.CTX, entries, updated=docs[0].modified))
    assert assembled == csaf.rolie_feed(d.CTX, docs)


def test_all_zip_from_members_deflated_once() -> None:
    docs = _docs()
    members = [osv.zip_member(osv.file_name(doc), json_bytes(osv.render(doc))) for doc in docs]
    archive = zipfile.ZipFile(io.BytesIO(osv.assemble_zip(members)))
    assert archive.testzip() is None
    assert archive.namelist() == sorted(osv.file_name(doc) for doc in docs)
    for doc in docs:
        assert json.loads(archive.read(osv.file_name(doc))) == osv.render(doc)
    assert zipfile.ZipFile(io.BytesIO(osv.assemble_zip([]))).namelist() == []
