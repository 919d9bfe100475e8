"""The release itself: what every publication shares, whoever triggers it.

A release takes the feed's generation row first (on PostgreSQL a row lock, so releases queue
and advisory numbers never collide; on SQLite the write lock is already held), assigns the
public id, freezes the content as a revision, writes the public listing and every file,
discloses the case and tells both sides. It is all one transaction: nothing is half public.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from disclosure.audit.service import Actor
from disclosure.cases import triage
from disclosure.cases.access import CaseAccess
from disclosure.cases.timeline import EventKind, log_event
from disclosure.crypto import Keyring
from disclosure.feeds.document import AdvisoryDocument, FeedContext
from disclosure.notify import service as notify
from disclosure.policies.presets import DisclosurePolicy
from disclosure.programs.models import Program
from disclosure.publication import documents, lifecycle
from disclosure.publication.content import AdvisoryIn
from disclosure.publication.files import Cna, Signer, bump_generation, store_files
from disclosure.publication.lifecycle import Move
from disclosure.publication.models import Advisory, AdvisoryListing, AdvisoryRevision
from disclosure.reports.receipts import platform_key
from disclosure.services import Services


def feed_context(services: Services, *, key_fingerprint: str = "") -> FeedContext:
    """Where this deployment's feeds live, from its settings."""
    cfg = services.settings
    base = cfg.base_url
    return FeedContext(
        base_url=base,
        publisher_name=cfg.provider_name,
        publisher_namespace=base,
        contact=cfg.provider_contact or f"mailto:{cfg.mail_from}",
        csaf_directory_url=f"{base}/.well-known/csaf/white",
        osv_directory_url=f"{base}/advisories/osv",
        atom_url=f"{base}/advisories/feed.atom",
        html_url=f"{base}/advisories",
        key_fingerprint=key_fingerprint or "0" * 40,
        key_url=f"{base}/.well-known/csaf/openpgp/{key_fingerprint or '0' * 40}.asc",
    )


@dataclass(frozen=True)
class Publisher:
    """What releasing needs from the deployment."""

    keyring: Keyring
    policies: Mapping[str, DisclosurePolicy]
    services: Services

    @property
    def base_url(self) -> str:
        return self.services.settings.base_url

    def context(self, session: Session, now: datetime) -> tuple[FeedContext, Signer]:
        """The feed context with the provider key (made on first use) that signs CSAF files."""
        fingerprint = platform_key(session, self.keyring, base_url=self.base_url, now=now)
        return feed_context(self.services, key_fingerprint=fingerprint), Signer(
            self.keyring, fingerprint
        )

    def cna(self) -> Cna:
        cfg = self.services.settings
        return Cna(cfg.cve_assigner_org_id, cfg.cve_assigner_short_name)

    def public_content(self, draft: AdvisoryIn, program: Program) -> dict[str, Any]:
        return documents.public_content(draft, program)

    # --- releases ---------------------------------------------------------------------------

    def release(
        self,
        session: Session,
        access: CaseAccess,
        advisory: Advisory,
        public: dict[str, Any],
        summary: str,
        *,
        actor: Actor,
        now: datetime,
        trigger: str = "vendor",
    ) -> None:
        """First publication: id, revision 1, listing, files, the case disclosed, mails."""
        bump_generation(session, now)  # first: it serialises releases
        public_id = _next_id(session, access.program, now)  # (a query: autoflush)
        lifecycle.apply(advisory, Move.PUBLISH)
        advisory.public_id, advisory.published_at, advisory.modified_at = public_id, now, now
        advisory.version += 1
        advisory.updated_at = now
        session.add(advisory)
        session.flush()
        self._store_revision(session, access, advisory, public, summary, now)
        triage.disclose(
            session,
            access.case,
            self.policies,
            advisory=advisory.public_id,
            actor=actor,
            now=now,
        )
        details = {"advisory": advisory.public_id, "trigger": trigger}
        log_event(
            session,
            access.case,
            EventKind.ADVISORY_PUBLISHED,
            "advisory.publish",
            actor=actor,
            now=now,
            details=details,
        )
        self._tell_both_sides(session, access, advisory, "was published", now)

    def revise(
        self,
        session: Session,
        access: CaseAccess,
        advisory: Advisory,
        public: dict[str, Any],
        summary: str,
        *,
        actor: Actor,
        now: datetime,
    ) -> None:
        bump_generation(session, now)
        lifecycle.apply(advisory, Move.REVISE)
        advisory.modified_at, advisory.updated_at = now, now
        advisory.version += 1
        number = self._store_revision(session, access, advisory, public, summary, now)
        details = {"advisory": advisory.public_id, "revision": number}
        log_event(
            session,
            access.case,
            EventKind.ADVISORY_REVISED,
            "advisory.revise",
            actor=actor,
            now=now,
            details=details,
        )
        self._tell_both_sides(session, access, advisory, f"was revised (revision {number})", now)

    def withdraw(
        self,
        session: Session,
        access: CaseAccess,
        advisory: Advisory,
        reason: str,
        *,
        actor: Actor,
        now: datetime,
    ) -> None:
        bump_generation(session, now)
        lifecycle.apply(advisory, Move.WITHDRAW)
        advisory.withdrawn_at = advisory.modified_at = advisory.updated_at = now
        advisory.withdrawn_reason = reason
        advisory.version += 1
        public = _latest(session, advisory)
        self._store_revision(session, access, advisory, public, f"Withdrawn: {reason}", now)
        log_event(
            session,
            access.case,
            EventKind.ADVISORY_WITHDRAWN,
            "advisory.withdraw",
            actor=actor,
            now=now,
            details={"advisory": advisory.public_id},
        )
        self._tell_both_sides(session, access, advisory, "was withdrawn", now)

    def _store_revision(
        self,
        session: Session,
        access: CaseAccess,
        advisory: Advisory,
        public: dict[str, Any],
        summary: str,
        now: datetime,
    ) -> int:
        """Freeze `public` as the next revision, then rewrite the listing and every file."""
        revisions = _revisions(session, advisory)
        number = len(revisions) + 1
        revision = AdvisoryRevision(
            advisory_id=advisory.id or 0,
            number=number,
            released_at=now,
            summary=summary[:500],
            document=json.dumps(public, sort_keys=True),
        )
        session.add(revision)
        session.flush()
        doc = self.document(advisory, access.program, [*revisions, revision])
        _write_listing(session, advisory, doc)
        ctx, signer = self.context(session, now)
        store_files(session, advisory.id or 0, doc, ctx, signer=signer, cna=self.cna(), now=now)
        return number

    def document(
        self, advisory: Advisory, program: Program, revisions: list[AdvisoryRevision]
    ) -> AdvisoryDocument:
        return documents.advisory_document(
            public_id=advisory.public_id or "",
            program=program,
            revisions=revisions,
            published=advisory.published_at or revisions[0].released_at,
            modified=advisory.modified_at or revisions[-1].released_at,
            withdrawn=advisory.withdrawn_at,
            withdrawn_reason=advisory.withdrawn_reason,
            base_url=self.base_url,
        )

    def _tell_both_sides(
        self, session: Session, access: CaseAccess, advisory: Advisory, what: str, now: datetime
    ) -> None:
        url = f"{self.base_url}/advisories/{advisory.public_id}"
        subject = f"[{access.program.name}] Advisory {advisory.public_id} {what}"
        body = f"The advisory {advisory.public_id} of case #{access.case.id} {what}: {url}"
        recipients = notify.program_members(session, access.program.id or 0)
        if reporter := notify.reporter(session, access.case.reporter_id):
            recipients.append(reporter)
        for recipient in recipients:
            notify.enqueue(
                session,
                self.keyring,
                recipient,
                now=now,
                subject=subject,
                body=body,
                dedupe_key=f"advisory:{advisory.id}:{advisory.version}:{recipient.email}",
            )

    def mail_reporter(
        self,
        session: Session,
        access: CaseAccess,
        *,
        subject: str,
        body: str,
        key: str,
        now: datetime,
    ) -> None:
        """A mail to the reporter (if they have an account: an anonymous one reads /track)."""
        reporter = notify.reporter(session, access.case.reporter_id)
        if reporter is None:
            return
        url = f"{self.base_url}/cases/{access.case.id}"
        notify.enqueue(
            session,
            self.keyring,
            reporter,
            now=now,
            subject=subject,
            body=f"{body}\n\n{url}",
            dedupe_key=f"{key}:{reporter.email}",
        )


def _revisions(session: Session, advisory: Advisory) -> list[AdvisoryRevision]:
    return list(
        session.exec(
            select(AdvisoryRevision)
            .where(AdvisoryRevision.advisory_id == advisory.id)
            .order_by(col(AdvisoryRevision.number))
        )
    )


def _latest(session: Session, advisory: Advisory) -> dict[str, Any]:
    return json.loads(_revisions(session, advisory)[-1].document)


def _next_id(session: Session, program: Program, now: datetime) -> str:
    """<prefix>-<year>-<n>: n counts this program's releases of the year, from 0001."""
    prefix = f"{program.id_prefix}-{now.astimezone(UTC).year}-"
    taken = session.exec(
        select(Advisory.public_id).where(
            Advisory.program_id == program.id, col(Advisory.public_id).startswith(prefix)
        )
    ).all()
    numbers = [int(p.removeprefix(prefix)) for p in taken if p and p.removeprefix(prefix).isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"


def _write_listing(session: Session, advisory: Advisory, doc: AdvisoryDocument) -> None:
    listing = session.get(AdvisoryListing, advisory.id) or AdvisoryListing(
        advisory_id=advisory.id or 0,
        public_id=doc.id,
        program_id=advisory.program_id,
        title=doc.title,
        summary=doc.summary,
        year=doc.published.astimezone(UTC).year,
        published_at=doc.published,
        modified_at=doc.modified,
    )
    listing.title, listing.summary, listing.modified_at = doc.title, doc.summary, doc.modified
    listing.products = " ".join(
        dict.fromkeys(f"{a.vendor} {a.product} {a.package}".strip() for a in doc.affected)
    )
    listing.cve_id = doc.cve_id
    listing.severity = doc.score.severity if doc.score else None
    listing.score = doc.score.base_score if doc.score else None
    listing.withdrawn = doc.withdrawn is not None
    session.add(listing)


def publisher_of(services: Services) -> Publisher:
    """The publisher of this deployment (opens the keyring)."""
    return Publisher(keyring=services.keyring(), policies=services.policies, services=services)
