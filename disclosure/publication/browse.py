"""Searching and paging the released advisories (the public listing only)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, func, or_, select

from disclosure.errors import ValidationError
from disclosure.feeds.document import SEVERITIES
from disclosure.programs.models import Program
from disclosure.publication.models import AdvisoryListing

PAGE_SIZE = 25
MAX_PAGE = 10_000
_YEAR = re.compile(r"^(19|20)\d\d$")


@dataclass(frozen=True)
class Search:
    q: str = ""
    program: str = ""  # a slug
    severity: str = ""
    year: int | None = None
    page: int = 1

    def query_args(self) -> list[tuple[str, str]]:
        args = [(k, v) for k, v in (("q", self.q), ("program", self.program)) if v]
        args += [("severity", self.severity)] if self.severity else []
        return args + ([("year", str(self.year))] if self.year else [])


@dataclass(frozen=True)
class Listing:
    rows: list[tuple[AdvisoryListing, Program]]
    total: int
    search: Search

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def parse_search(args: Mapping[str, Sequence[str]]) -> Search:
    """The search from query arguments; ValidationError naming every bad one at once."""

    def first(name: str) -> str:
        return (args.get(name) or [""])[0].strip()

    errors: dict[str, str] = {}
    severity = first("severity").capitalize()
    if severity and severity not in SEVERITIES:
        errors["severity"] = f"Choose from {', '.join(SEVERITIES)}."
    year = first("year")
    if year and not _YEAR.match(year):
        errors["year"] = "Give a year such as 2026."
    page = first("page") or "1"
    if not (page.isascii() and page.isdigit() and 1 <= int(page[:6]) <= MAX_PAGE):
        errors["page"] = f"Give a page number from 1 to {MAX_PAGE}."
    q = first("q")
    if len(q) > 200:
        errors["q"] = "Search with at most 200 characters."
    if errors:
        raise ValidationError("Some search fields are invalid.", fields=errors)
    return Search(q, first("program").lower(), severity, int(year) if year else None, int(page))


def search(session: Session, wanted: Search) -> Listing:
    """Released advisories matching the search, newest change first."""
    query = select(AdvisoryListing, Program).join(
        Program, col(Program.id) == AdvisoryListing.program_id
    )
    if wanted.q:
        pattern = "%" + wanted.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        fields = (
            AdvisoryListing.public_id,
            AdvisoryListing.title,
            AdvisoryListing.summary,
            AdvisoryListing.products,
            AdvisoryListing.cve_id,
        )
        query = query.where(or_(*(col(f).ilike(pattern, escape="\\") for f in fields)))
    if wanted.program:
        query = query.where(Program.slug == wanted.program)
    if wanted.severity:
        query = query.where(AdvisoryListing.severity == wanted.severity)
    if wanted.year:
        query = query.where(AdvisoryListing.year == wanted.year)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    page = query.order_by(
        col(AdvisoryListing.modified_at).desc(), col(AdvisoryListing.public_id)
    ).offset((wanted.page - 1) * PAGE_SIZE)
    rows = [(listing, program) for listing, program in session.exec(page.limit(PAGE_SIZE))]
    return Listing(rows, total, wanted)
