"""What the vendor writes in an advisory: the input shape, every rule checked at once, and
the Markdown of the details rendered to safe HTML.

Markdown goes through markdown-it-py with raw HTML off, then nh3 (a maintained HTML
sanitiser) with a short list of tags and the http, https and mailto schemes only: no script,
no iframe, no `javascript:` link and no image at all (a remote image would tell its host who
read the advisory before anyone else; images become links).
"""

from __future__ import annotations

import re
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token
from packaging.version import InvalidVersion, Version
from pydantic import BaseModel, ConfigDict, Field

from disclosure.cases.cwe import check_cwe
from disclosure.cases.severity import Severity, score_vector
from disclosure.errors import ValidationError
from disclosure.feeds.document import CREDIT_TYPES, REFERENCE_TYPES

CVE_ID = re.compile(r"^CVE-\d{4}-\d{4,19}$")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "strong", "em", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip


class AffectedIn(BaseModel):
    """One affected product or package and its version range."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    vendor: str = Field(default="", max_length=200, description="Defaults to the program")
    product: str = Field(min_length=1, max_length=200)
    ecosystem: str = Field(default="", max_length=64, description='An OSV ecosystem, e.g. "PyPI"')
    package: str = Field(default="", max_length=200)
    purl: str = Field(default="", max_length=500, pattern=r"^(pkg:\S+)?$")
    introduced: str = Field(default="0", max_length=100, description='"0": from the start')
    fixed: str = Field(default="", max_length=100)
    last_affected: str = Field(default="", max_length=100)


class ReferenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    url: str = Field(max_length=1000)
    type: str = Field(default="WEB", description="An OSV reference type: ADVISORY, FIX, WEB...")


class CreditIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200)
    type: str = Field(default="FINDER", description="An OSV credit type: FINDER, REPORTER...")


class AdvisoryIn(BaseModel):
    """The advisory as the vendor edits it; kept encrypted until it is published."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=3, max_length=200)
    summary: str = Field(min_length=10, max_length=2000, description="One plain paragraph")
    details: str = Field(default="", max_length=50_000, description="Markdown (CommonMark)")
    workarounds: str = Field(default="", max_length=5000)
    cve_id: str | None = Field(default=None, max_length=32, description='e.g. "CVE-2026-1234"')
    cwe: str | None = Field(default=None, max_length=16, description='e.g. "CWE-79"')
    cvss_vector: str | None = Field(default=None, max_length=200, description="CVSS 3.1 or 4.0")
    affected: list[AffectedIn] = Field(default_factory=list, max_length=100)
    references: list[ReferenceIn] = Field(default_factory=list, max_length=50)
    credits: list[CreditIn] = Field(default_factory=list, max_length=20)


def checked(advisory: AdvisoryIn, *, for_release: bool = False) -> AdvisoryIn:
    """The advisory with normalised ids, or ValidationError naming every bad field at once.

    A draft may be incomplete; a release needs at least one affected product."""
    errors: dict[str, str] = {}
    updates: dict[str, Any] = {}
    if advisory.cve_id:
        cve = advisory.cve_id.upper()
        if CVE_ID.match(cve):
            updates["cve_id"] = cve
        else:
            errors["cve_id"] = "Give a CVE id such as CVE-2026-1234."
    else:
        updates["cve_id"] = None
    if advisory.cwe:
        try:
            updates["cwe"] = check_cwe(advisory.cwe)
        except ValidationError as exc:
            errors.update(exc.fields)
    else:
        updates["cwe"] = None
    if advisory.cvss_vector:
        try:
            updates["cvss_vector"] = score_vector(advisory.cvss_vector).vector
        except ValidationError as exc:
            errors.update(exc.fields)
    else:
        updates["cvss_vector"] = None
    errors.update(_range_problems(advisory.affected))
    errors.update(_reference_problems(advisory.references))
    for n, credit in enumerate(advisory.credits):
        if credit.type not in CREDIT_TYPES:
            errors[f"credits.{n}.type"] = f"Use one of {', '.join(sorted(CREDIT_TYPES))}."
    if for_release and not advisory.affected:
        errors["affected"] = "Name at least one affected product before it is published."
    if errors:
        raise ValidationError("Some fields of the advisory are invalid.", fields=errors)
    return advisory.model_copy(update=updates)


def severity_of(advisory: AdvisoryIn) -> Severity | None:
    """The vector's score and rating (the vector was checked by `checked`)."""
    return score_vector(advisory.cvss_vector) if advisory.cvss_vector else None


def _range_problems(affected: list[AffectedIn]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for n, row in enumerate(affected):
        if row.fixed and row.last_affected:
            errors[f"affected.{n}.fixed"] = "Give the fixed version or the last affected one."
        if row.package and not row.ecosystem:
            errors[f"affected.{n}.ecosystem"] = "A package needs its ecosystem (PyPI, npm, ...)."
        if row.fixed and _is_before(row.fixed, row.introduced):
            errors[f"affected.{n}.fixed"] = (
                f"The fixed version {row.fixed} comes before the first affected one "
                f"({row.introduced})."
            )
    return errors


def _is_before(version: str, other: str) -> bool:
    """Whether `version` sorts before `other`, where both are comparable version numbers."""
    if other in ("", "0"):
        return False
    try:
        return Version(version) < Version(other)
    except InvalidVersion:
        return False  # not PEP 440-like (a date, a build name): no order to check


def _reference_problems(references: list[ReferenceIn]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for n, ref in enumerate(references):
        if not _URL.match(ref.url):
            errors[f"references.{n}.url"] = "Give an http:// or https:// address."
        if ref.type not in REFERENCE_TYPES:
            errors[f"references.{n}.type"] = f"Use one of {', '.join(sorted(REFERENCE_TYPES))}."
    return errors


# --- Markdown -------------------------------------------------------------------------------


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")

    def image_as_link(_self: Any, tokens: list[Token], idx: int, _opts: Any, _env: Any) -> str:
        token = tokens[idx]
        src = escapeHtml(str(token.attrGet("src") or ""))
        alt = escapeHtml(token.content or "image")
        return f'<a href="{src}">{alt}</a>'

    md.add_render_rule("image", image_as_link)
    return md


_MD = _markdown()


def render_markdown(text: str) -> str:
    """Safe HTML for the details: never raw HTML, scripts, frames, images or script links."""
    return nh3.clean(
        _MD.render(text),
        tags=_ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "code": {"class"}, "th": {"align"}, "td": {"align"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
