"""The public content of a release, and the AdvisoryDocument the feed renderers take.

A release freezes the public content as JSON in its revision (public from that moment), so
every feed renders the same words, and a later edit of the case changes nothing published.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from disclosure.cases.cwe import COMMON_WEAKNESSES
from disclosure.cases.models import AffectedProduct, Case
from disclosure.feeds.document import (
    AdvisoryDocument,
    AffectedRange,
    Credit,
    Reference,
    Revision,
    Score,
)
from disclosure.programs.models import Program
from disclosure.publication import content
from disclosure.publication.content import AdvisoryIn, AffectedIn, CreditIn
from disclosure.publication.models import AdvisoryRevision

MISSED_DEADLINE = (
    "The vendor did not publish a fix by the disclosure deadline of {deadline} that its "
    "policy ({policy}) sets; this advisory is published under that policy."
)
NO_ADVISORY = (
    "The vendor released a fix but published no advisory by the disclosure deadline of "
    "{deadline} that its policy ({policy}) sets; this advisory is published under that policy."
)


def public_content(draft: AdvisoryIn, program: Program) -> dict[str, Any]:
    """What a release makes public, from the vendor's (checked) draft."""
    severity = content.severity_of(draft)
    return {
        "title": draft.title,
        "summary": draft.summary,
        "details_markdown": draft.details,
        "details_html": content.render_markdown(draft.details),
        "workarounds": draft.workarounds,
        "cve_id": draft.cve_id,
        "cwe": draft.cwe,
        "cwe_name": COMMON_WEAKNESSES.get(draft.cwe or ""),
        "score": (
            {
                "version": severity.version,
                "vector": severity.vector,
                "base_score": severity.score,
                "severity": severity.rating,
            }
            if severity
            else None
        ),
        "affected": [_range(row, program) for row in draft.affected],
        "references": [ref.model_dump() for ref in draft.references],
        "credits": [credit.model_dump() for credit in draft.credits],
    }


def prefill(
    case: Case, program: Program, affected: Sequence[AffectedProduct], report: dict[str, Any]
) -> AdvisoryIn:
    """A first draft from what triage knows and the report says (the editor's starting point)."""
    credit = (report.get("credit") or "").strip()
    return AdvisoryIn.model_construct(
        title=(report.get("title") or f"Vulnerability in {program.name}")[:200],
        summary="",
        details="",
        workarounds="",
        cve_id=case.cve_id,
        cwe=case.cwe,
        cvss_vector=case.cvss_vector,
        affected=[_affected_in(row) for row in affected],
        references=[],
        credits=[CreditIn(name=credit[:200], type="FINDER")] if credit else [],
    )


def minimal_content(
    case: Case,
    program: Program,
    affected: Sequence[AffectedProduct],
    *,
    credit: str,
    policy_label: str,
    workarounds: str = "",
    is_fixed: bool = False,
) -> dict[str, Any]:
    """The advisory the deadline publishes when the vendor wrote none: triage metadata only
    (product, versions, CWE, severity, credit), saying the vendor missed the deadline."""
    products = ", ".join(dict.fromkeys(row.product for row in affected)) or program.name
    weakness = COMMON_WEAKNESSES.get(case.cwe or "")
    what = f"A {weakness.lower()} vulnerability" if weakness else "A vulnerability"
    missed = (NO_ADVISORY if is_fixed else MISSED_DEADLINE).format(
        deadline=f"{case.disclose_by:%Y-%m-%d}" if case.disclose_by else "?", policy=policy_label
    )
    draft = AdvisoryIn.model_construct(
        title=f"Vulnerability in {products}"[:200],
        summary=f"{what} affects {products}. {missed}",
        details=missed,
        workarounds=workarounds,
        cve_id=case.cve_id,
        cwe=case.cwe,
        cvss_vector=case.cvss_vector,
        affected=[_affected_in(row) for row in affected]
        or [AffectedIn(vendor=program.name, product=program.name)],
        references=[],
        credits=[CreditIn(name=credit, type="FINDER")] if credit else [],
    )
    return public_content(draft, program)


def advisory_document(
    *,
    public_id: str,
    program: Program,
    revisions: Sequence[AdvisoryRevision],
    published: datetime,
    modified: datetime,
    withdrawn: datetime | None,
    withdrawn_reason: str,
    base_url: str,
) -> AdvisoryDocument:
    """The feeds' view of a released advisory: its latest revision's content and history."""
    data = json.loads(revisions[-1].document)
    score = data.get("score")
    return AdvisoryDocument(
        id=public_id,
        program_slug=program.slug,
        publisher_name=program.name,
        publisher_namespace=base_url,
        title=data["title"],
        summary=data["summary"],
        details_html=data["details_html"],
        details_markdown=data["details_markdown"],
        affected=tuple(AffectedRange(**row) for row in data["affected"]),
        workarounds=data["workarounds"],
        score=Score(**score) if score else None,
        cwe=data["cwe"],
        cwe_name=data["cwe_name"] if data["cwe"] else None,
        cve_id=data["cve_id"],
        references=tuple(Reference(**ref) for ref in data["references"]),
        credits=tuple(Credit(**credit) for credit in data["credits"]),
        published=published,
        modified=modified,
        withdrawn=withdrawn,
        withdrawn_reason=withdrawn_reason,
        revisions=tuple(
            Revision(number=r.number, date=r.released_at, summary=r.summary) for r in revisions
        ),
        url=f"{base_url}/advisories/{public_id}",
    )


def _range(row: AffectedIn, program: Program) -> dict[str, str]:
    return {
        "vendor": row.vendor or program.name,
        "product": row.product,
        "ecosystem": row.ecosystem,
        "package": row.package,
        "purl": row.purl,
        "introduced": row.introduced or "0",
        "fixed": row.fixed,
        "last_affected": "" if row.fixed else row.last_affected,
    }


def _affected_in(row: AffectedProduct) -> AffectedIn:
    return AffectedIn(
        vendor=row.vendor,
        product=row.product,
        ecosystem=row.ecosystem,
        package=row.package_name,
        purl=row.purl,
        introduced=row.introduced or "0",
        fixed=row.fixed,
        last_affected="" if row.fixed else row.last_affected,
    )
