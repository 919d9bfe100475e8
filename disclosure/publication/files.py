"""Every public file of one advisory, rendered once per release and stored.

At each release (first publication, revision, withdrawal) the advisory's OSV record (with
its deflated bytes for all.zip), CSAF document with `.sha256`, `.sha512` and a detached
OpenPGP signature, CVE JSON 5 record, Atom entry and ROLIE entry are rendered and upserted
by path; then the feed's generation moves on, which tells every process to reassemble the
aggregate documents from these stored parts.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from disclosure.crypto import CryptoError, Keyring
from disclosure.errors import ServiceUnavailable
from disclosure.feeds import atom, csaf, cve5, osv
from disclosure.feeds.document import AdvisoryDocument, FeedContext
from disclosure.feeds.encoding import json_bytes
from disclosure.publication.models import FeedState, PublishedFile

# Used when no CNA is configured: the record is then a draft for a CNA to complete.
PLACEHOLDER_ORG_ID = "00000000-0000-4000-8000-000000000000"
JSON = "application/json"


@dataclass(frozen=True)
class Signer:
    """What signs the CSAF files: the keyring and the provider key's fingerprint."""

    keyring: Keyring
    fingerprint: str


@dataclass(frozen=True)
class Cna:
    org_id: str
    short_name: str


def osv_path(doc: AdvisoryDocument) -> str:
    return f"osv/{osv.file_name(doc)}"


def csaf_path(doc: AdvisoryDocument) -> str:
    return f"csaf/{csaf.relative_path(doc)}"


def cve_path(doc: AdvisoryDocument) -> str:
    return f"cve/{doc.id}.json"


def store_files(
    session: Session,
    advisory_id: int,
    doc: AdvisoryDocument,
    ctx: FeedContext,
    *,
    signer: Signer,
    cna: Cna,
    now: datetime,
) -> None:
    """Render and store every file of the advisory (the caller moves the generation on)."""
    osv_bytes = json_bytes(osv.render(doc))
    member = osv.zip_member(osv.file_name(doc), osv_bytes)
    _put(session, advisory_id, osv_path(doc), "osv", JSON, osv_bytes, now, member)
    _store_csaf(session, advisory_id, doc, ctx, signer, now)
    if doc.cve_id:
        record = cve5.render(
            doc,
            assigner_org_id=cna.org_id or PLACEHOLDER_ORG_ID,
            assigner_short_name=cna.short_name or doc.program_slug[:32].ljust(2, "_"),
        )
        _put(session, advisory_id, cve_path(doc), "cve", JSON, json_bytes(record), now)
    entry = atom.render_entry(doc, ctx)
    _put(session, advisory_id, f"atom/{doc.id}.xml", "atom-entry", "application/xml", entry, now)
    rolie = json.dumps(csaf.rolie_entry(ctx, doc), separators=(",", ":"), sort_keys=True)
    _put(session, advisory_id, f"rolie/{doc.id}.json", "rolie-entry", JSON, rolie.encode(), now)


def _store_csaf(
    session: Session,
    advisory_id: int,
    doc: AdvisoryDocument,
    ctx: FeedContext,
    signer: Signer,
    now: datetime,
) -> None:
    path = csaf_path(doc)
    data = json_bytes(csaf.render(doc, ctx))
    name = path.rsplit("/", 1)[1]
    sha256, sha512 = csaf.hashes(data, name)
    try:
        signature = signer.keyring.sign_detached(data, signer.fingerprint)
    except CryptoError:
        raise ServiceUnavailable(
            "The CSAF document cannot be signed right now; nothing was published."
        ) from None
    _put(session, advisory_id, path, "csaf", JSON, data, now)
    _put(session, advisory_id, f"{path}.sha256", "csaf-sha256", "text/plain", sha256.encode(), now)
    _put(session, advisory_id, f"{path}.sha512", "csaf-sha512", "text/plain", sha512.encode(), now)
    asc = signature.encode()
    _put(session, advisory_id, f"{path}.asc", "csaf-asc", "application/pgp-signature", asc, now)


def _put(
    session: Session,
    advisory_id: int,
    path: str,
    kind: str,
    media_type: str,
    content: bytes,
    now: datetime,
    member: osv.ZipMember | None = None,
) -> None:
    row = session.exec(select(PublishedFile).where(PublishedFile.path == path)).first()
    if row is None:
        row = PublishedFile(
            advisory_id=advisory_id, path=path, kind=kind, media_type=media_type, content=b""
        )
    row.content, row.media_type, row.modified_at = content, media_type, now
    row.etag = hashlib.sha256(content).hexdigest()[:32]
    if member is not None:
        row.deflated, row.crc32 = member.deflated, member.crc32
    session.add(row)


def bump_generation(session: Session, now: datetime) -> int:
    """Move the feed's generation on (the row is locked until commit: releases queue)."""
    updated = session.execute(
        sa.update(FeedState)
        .where(FeedState.id == 1)
        .values(generation=FeedState.generation + 1, changed_at=now)
    )
    if updated.rowcount == 0:  # type: ignore[attr-defined]
        session.add(FeedState(id=1, generation=1, changed_at=now))
        session.flush()
        return 1
    return session.exec(select(FeedState.generation).where(FeedState.id == 1)).one()
