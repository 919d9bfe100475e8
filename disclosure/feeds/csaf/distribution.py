"""How a CSAF trusted provider serves its documents: provider metadata, directory and ROLIE.

The layout follows CSAF 2.0 section 7.1: `provider-metadata.json` under `/.well-known/csaf/`
(requirement 9), documents in `<directory>/<year>/<file>.json` (11), `index.txt` (12) and
`changes.csv` (13) in the directory, and a ROLIE feed of TLP:WHITE documents beside them (15).
Signing is the publication service's part (with the crypto facade); `hashes` writes the
`.sha256` and `.sha512` files (18).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from disclosure.feeds.csaf.advisory import CSAF_SCHEMA_URL, document_url, relative_path, title
from disclosure.feeds.document import AdvisoryDocument, FeedContext
from disclosure.feeds.encoding import EPOCH, rfc3339

ROLIE_FEED_NAME = "feed-tlp-white.json"


def provider_metadata_url(ctx: FeedContext) -> str:
    """The canonical URL of provider-metadata.json, where CSAF requirement 9 puts it."""
    return f"{ctx.base_url}/.well-known/csaf/provider-metadata.json"


def rolie_feed_url(ctx: FeedContext) -> str:
    """Where the ROLIE feed of the (TLP:WHITE) advisories is served."""
    return f"{ctx.csaf_directory_url}/{ROLIE_FEED_NAME}"


def provider_metadata(
    ctx: FeedContext, *, last_updated: datetime, role: str = "csaf_trusted_provider"
) -> dict[str, Any]:
    """provider-metadata.json: who publishes, where the documents are and which key signs them."""
    return {
        "canonical_url": provider_metadata_url(ctx),
        "distributions": [
            {
                "directory_url": ctx.csaf_directory_url,
                "rolie": {
                    "feeds": [
                        {
                            "summary": f"All TLP:WHITE advisories of {ctx.publisher_name}.",
                            "tlp_label": "WHITE",
                            "url": rolie_feed_url(ctx),
                        }
                    ]
                },
            }
        ],
        "last_updated": rfc3339(last_updated),
        "list_on_CSAF_aggregators": True,
        "metadata_version": "2.0",
        "mirror_on_CSAF_aggregators": True,
        "public_openpgp_keys": [{"fingerprint": ctx.key_fingerprint, "url": ctx.key_url}],
        "publisher": {
            "category": "vendor",
            "name": ctx.publisher_name,
            "namespace": ctx.publisher_namespace,
            "contact_details": ctx.contact,
        },
        "role": role,
    }


def index_txt(entries: Iterable[AdvisoryDocument]) -> str:
    """index.txt: the path of every document below the directory, one a line, sorted."""
    return "".join(f"{path}\n" for path in sorted(relative_path(doc) for doc in entries))


def changes_csv(entries: Iterable[AdvisoryDocument]) -> str:
    """changes.csv: `"<year>/<file>","<current_release_date>"`, newest change first (7.1.13)."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    for doc in _newest_first(entries):
        writer.writerow([relative_path(doc), rfc3339(doc.modified)])
    return out.getvalue()


def rolie_feed(ctx: FeedContext, entries: Iterable[AdvisoryDocument]) -> dict[str, Any]:
    """The ROLIE feed (JSON, RFC 8322) of the documents, newest change first."""
    docs = _newest_first(entries)
    feed_url = rolie_feed_url(ctx)
    return {
        "feed": {
            "id": feed_url,
            "title": f"{ctx.publisher_name} CSAF advisories (TLP:WHITE)",
            "link": [{"rel": "self", "href": feed_url}],
            "category": [
                {"scheme": "urn:ietf:params:rolie:category:information-type", "term": "csaf"}
            ],
            "updated": rfc3339(docs[0].modified if docs else EPOCH),
            "entry": [_rolie_entry(ctx, doc) for doc in docs],
        }
    }


def rolie_entry(ctx: FeedContext, doc: AdvisoryDocument) -> dict[str, Any]:
    """One document's ROLIE entry, to be stored and spliced into the feed by `assemble_rolie`."""
    return _rolie_entry(ctx, doc)


def assemble_rolie(
    ctx: FeedContext, entries: Sequence[bytes], *, updated: datetime | None
) -> bytes:
    """The ROLIE feed from stored entries (JSON, newest change first), without parsing them."""
    shell = rolie_feed(ctx, [])
    shell["feed"]["updated"] = rfc3339(updated or EPOCH)
    marker = '"entry":[]'
    text = json.dumps(shell, separators=(",", ":"), sort_keys=True)
    before, after = text.split(marker)
    return (before + '"entry":[').encode() + b",".join(entries) + ("]" + after).encode()


def hashes(data: bytes, filename: str) -> tuple[str, str]:
    """The contents of `<filename>.sha256` and `<filename>.sha512`: `<hex>  <filename>` lines."""
    return (
        f"{hashlib.sha256(data).hexdigest()}  {filename}\n",
        f"{hashlib.sha512(data).hexdigest()}  {filename}\n",
    )


def _rolie_entry(ctx: FeedContext, doc: AdvisoryDocument) -> dict[str, Any]:
    url = document_url(ctx, doc)
    return {
        "id": doc.id,
        "title": title(doc),
        "link": [
            {"rel": "self", "href": url},
            {"rel": "hash", "href": f"{url}.sha256"},
            {"rel": "hash", "href": f"{url}.sha512"},
            {"rel": "signature", "href": f"{url}.asc"},
        ],
        "published": rfc3339(doc.published),
        "updated": rfc3339(doc.modified),
        "summary": {"content": doc.summary},
        "content": {"type": "application/json", "src": url},
        "format": {"schema": CSAF_SCHEMA_URL, "version": "2.0"},
    }


def _newest_first(entries: Iterable[AdvisoryDocument]) -> list[AdvisoryDocument]:
    docs = sorted(entries, key=relative_path)
    return sorted(docs, key=lambda doc: doc.modified, reverse=True)  # stable: ties by path
