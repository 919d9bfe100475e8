"""One published advisory as the feeds see it: frozen plain data, no database and no web.

The publication service builds an `AdvisoryDocument` from its tables and hands it to the
renderers in `disclosure.feeds`; they never see a row. Every time is timezone-aware (the
renderers write it in UTC), and the checks below keep the invariants that OSV, CSAF and
CVE JSON 5 all rely on, so a renderer cannot be handed a document none of them can express.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

# The OSV vocabularies (schema 1.7): the other formats map from these.
REFERENCE_TYPES = frozenset(
    {
        "ADVISORY",
        "ARTICLE",
        "DETECTION",
        "DISCUSSION",
        "REPORT",
        "FIX",
        "INTRODUCED",
        "GIT",
        "PACKAGE",
        "EVIDENCE",
        "WEB",
    }
)
CREDIT_TYPES = frozenset(
    {
        "FINDER",
        "REPORTER",
        "ANALYST",
        "COORDINATOR",
        "REMEDIATION_DEVELOPER",
        "REMEDIATION_REVIEWER",
        "REMEDIATION_VERIFIER",
        "TOOL",
        "SPONSOR",
        "OTHER",
    }
)
SEVERITIES = ("None", "Low", "Medium", "High", "Critical")

_ADVISORY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]*")
_CVE_ID = re.compile(r"CVE-[0-9]{4}-[0-9]{4,19}")
_CWE_ID = re.compile(r"CWE-[1-9][0-9]{0,5}")


class AdvisoryStatus(StrEnum):
    """Where an advisory stands, as the feeds show it."""

    PUBLISHED = "published"
    REVISED = "revised"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True, kw_only=True)
class AffectedRange:
    """One product (or package) and the range of its versions that the advisory affects."""

    vendor: str
    product: str
    ecosystem: str = ""  # an OSV ecosystem ("PyPI", "npm", "Maven"), "" for a vendor product
    package: str = ""  # the package's name in that ecosystem
    purl: str = ""  # package URL without a version, e.g. "pkg:pypi/django"
    introduced: str = "0"  # the first affected version; "0": from the very first
    fixed: str = ""  # the first version with the fix, if there is one
    last_affected: str = ""  # the last affected version, when no fixed version is known

    def __post_init__(self) -> None:
        if not self.vendor.strip() or not self.product.strip():
            raise ValueError("an affected range names its vendor and product")
        if not self.introduced:
            raise ValueError('introduced is a version, or "0" for from the start')
        if self.fixed and self.last_affected:
            raise ValueError("give fixed or last_affected, not both")
        if self.purl and not self.purl.startswith("pkg:"):
            raise ValueError("a package URL starts with pkg:")


@dataclass(frozen=True, kw_only=True)
class Score:
    """A CVSS v3.1 or v4.0 vector with the base score and rating computed from it."""

    version: str  # "3.1" or "4.0"
    vector: str  # "CVSS:3.1/AV:N/..."
    base_score: float
    severity: str  # "None", "Low", "Medium", "High", "Critical"

    def __post_init__(self) -> None:
        if self.version not in ("3.1", "4.0"):
            raise ValueError(f"CVSS version {self.version!r} is not 3.1 or 4.0")
        if not self.vector.startswith(f"CVSS:{self.version}/"):
            raise ValueError(f"a CVSS {self.version} vector starts with CVSS:{self.version}/")
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity {self.severity!r} is not one of {SEVERITIES}")


@dataclass(frozen=True, kw_only=True)
class Reference:
    """A link the advisory cites, typed with OSV's reference types."""

    url: str
    type: str = "WEB"  # ADVISORY, ARTICLE, REPORT, FIX, PACKAGE, WEB, ...

    def __post_init__(self) -> None:
        if self.type not in REFERENCE_TYPES:
            raise ValueError(f"reference type {self.type!r} is not an OSV reference type")


@dataclass(frozen=True, kw_only=True)
class Credit:
    """Someone the advisory thanks, typed with OSV's credit types."""

    name: str
    type: str = "FINDER"  # FINDER, REPORTER, COORDINATOR, REMEDIATION_DEVELOPER, ...

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValueError("a credit names someone")
        if self.type not in CREDIT_TYPES:
            raise ValueError(f"credit type {self.type!r} is not an OSV credit type")


@dataclass(frozen=True, kw_only=True)
class Revision:
    """One released version of the advisory; numbers count 1, 2, 3 ..."""

    number: int
    date: datetime
    summary: str  # what changed, e.g. "Initial release", "Fixed version for 2.x added"


@dataclass(frozen=True, kw_only=True)
class AdvisoryDocument:
    """A published (possibly revised or withdrawn) advisory, as every feed renders it."""

    id: str  # "ACME-2026-0001": stable for the advisory's whole life
    program_slug: str
    publisher_name: str  # the vendor who publishes it
    publisher_namespace: str  # the platform's base URL: the CSAF publisher namespace
    title: str  # one line
    summary: str  # one plain-text paragraph: what is wrong and who is affected
    details_html: str  # the full write-up, already sanitised; renderers never sanitise
    details_markdown: str  # the same write-up as CommonMark (OSV details, CSAF notes)
    affected: tuple[AffectedRange, ...]
    workarounds: str = ""  # plain text; "" when there is none
    score: Score | None = None
    cwe: str | None = None  # "CWE-79"
    cwe_name: str | None = None  # the CWE entry's name; CSAF needs it beside the id
    cve_id: str | None = None
    references: tuple[Reference, ...] = ()
    credits: tuple[Credit, ...] = ()
    published: datetime  # first release
    modified: datetime  # last change: not before the last revision
    withdrawn: datetime | None = None
    withdrawn_reason: str = ""
    revisions: tuple[Revision, ...]  # 1..n; the last one is the current version
    url: str  # the HTML page

    def __post_init__(self) -> None:
        if not _ADVISORY_ID.fullmatch(self.id):
            raise ValueError(f"advisory id {self.id!r} is not letters, digits and - . _ :")
        if not self.title.strip() or not self.summary.strip():
            raise ValueError("an advisory has a title and a summary")
        if not self.affected:
            raise ValueError("an advisory names at least one affected product")
        if self.cve_id is not None and not _CVE_ID.fullmatch(self.cve_id):
            raise ValueError(f"{self.cve_id!r} is not a CVE id")
        if self.cwe is not None and not _CWE_ID.fullmatch(self.cwe):
            raise ValueError(f"{self.cwe!r} is not a CWE id")
        if self.cwe_name is not None and self.cwe is None:
            raise ValueError("a CWE name needs its CWE id")
        self._check_times()

    def _check_times(self) -> None:
        moments = [self.published, self.modified, *(r.date for r in self.revisions)]
        if self.withdrawn is not None:
            moments.append(self.withdrawn)
        if any(m.tzinfo is None or m.utcoffset() is None for m in moments):
            raise ValueError("advisory times are timezone-aware")
        numbers = [r.number for r in self.revisions]
        if not numbers or numbers != list(range(1, len(numbers) + 1)):
            raise ValueError(f"revisions are numbered 1..n, not {numbers}")
        if any(not r.summary.strip() for r in self.revisions):
            raise ValueError("every revision says what changed")
        dates = [self.published, *(r.date for r in self.revisions), self.modified]
        if dates != sorted(dates):
            raise ValueError("published <= each revision date, in order, <= modified")
        if self.withdrawn is not None and not self.published <= self.withdrawn <= self.modified:
            raise ValueError("withdrawn lies between published and modified")

    @property
    def status(self) -> AdvisoryStatus:
        """Withdrawn, revised (more than one revision) or published; derived, never stored twice."""
        if self.withdrawn is not None:
            return AdvisoryStatus.WITHDRAWN
        if len(self.revisions) > 1:
            return AdvisoryStatus.REVISED
        return AdvisoryStatus.PUBLISHED

    @property
    def version(self) -> int:
        """The current version: the last revision's number."""
        return self.revisions[-1].number


@dataclass(frozen=True, kw_only=True)
class FeedContext:
    """Who serves the feeds and where they live: what CSAF and Atom need beyond one advisory."""

    base_url: str  # the platform's public URL, "https://disclosure.example.org"
    publisher_name: str  # who operates the feeds: the CSAF provider, the Atom author
    publisher_namespace: str  # that publisher's namespace URI (usually base_url)
    contact: str  # how to reach the publisher's security team (CSAF contact_details)
    csaf_directory_url: str  # holds <year>/<file>.json, index.txt, changes.csv, the ROLIE feed
    osv_directory_url: str  # holds <OSV id>.json and all.zip
    atom_url: str  # the Atom feed's own address
    html_url: str  # the HTML list of advisories
    key_fingerprint: str  # the OpenPGP key that signs the CSAF files
    key_url: str  # where that public key can be fetched
    title: str = "Security advisories"

    def __post_init__(self) -> None:
        urls = (self.base_url, self.csaf_directory_url, self.osv_directory_url)
        if any(u.endswith("/") for u in urls):
            raise ValueError("base and directory URLs have no trailing slash")
