"""What the vendor writes: every rule checked at once, and Markdown that cannot run."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from disclosure.errors import ValidationError
from disclosure.publication.content import AdvisoryIn, checked, render_markdown


def advisory(**overrides: object) -> AdvisoryIn:
    fields: dict[str, object] = {
        "title": "Stored XSS",
        "summary": "Widget names are not escaped on the dashboard.",
        "affected": [{"product": "Widgets", "introduced": "2.0", "fixed": "2.4.1"}],
    }
    fields.update(overrides)
    return AdvisoryIn.model_validate(fields)


def test_ids_are_normalised() -> None:
    good = checked(
        advisory(
            cve_id="cve-2026-1234",
            cwe="79",
            cvss_vector=" CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H ",
        )
    )
    assert good.cve_id == "CVE-2026-1234"
    assert good.cwe == "CWE-79"
    assert good.cvss_vector == "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"


def test_every_problem_is_reported_at_once() -> None:
    bad = advisory(
        cve_id="CVE-1-1",
        cwe="XSS",
        cvss_vector="CVSS:3.1/AV:Q",
        affected=[
            {"product": "W", "introduced": "3.0", "fixed": "2.0"},
            {"product": "P", "package": "widgets"},
            {"product": "L", "fixed": "1", "last_affected": "2"},
        ],
        references=[
            {"url": "ftp://x", "type": "WEB"},
            {"url": "https://x.example", "type": "BLOG"},
        ],
        credits=[{"name": "Ada", "type": "HERO"}],
    )
    with pytest.raises(ValidationError) as failed:
        checked(bad)
    assert set(failed.value.fields) == {
        "cve_id", "cwe", "cvss_vector", "affected.0.fixed", "affected.1.ecosystem",
        "affected.2.fixed", "references.0.url", "references.1.type", "credits.0.type",
    }  # fmt: skip


def test_versions_that_do_not_compare_are_not_refused() -> None:
    assert checked(advisory(affected=[{"product": "W", "introduced": "build-7", "fixed": "r12"}]))


def test_a_release_needs_an_affected_product() -> None:
    draft = advisory(affected=[])
    assert checked(draft) == draft.model_copy(
        update={"cve_id": None, "cwe": None, "cvss_vector": None}
    )
    with pytest.raises(ValidationError) as failed:
        checked(draft, for_release=True)
    assert "affected" in failed.value.fields


class _Elements(HTMLParser):
    """Every element and attribute of an HTML fragment (text is text, whatever it says)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, {k: v or "" for k, v in attrs}))


def elements(html: str) -> list[tuple[str, dict[str, str]]]:
    parser = _Elements()
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize(
    "markdown",
    [
        "<script>alert(1)</script>",
        '<iframe src="https://evil.example"></iframe>',
        "[click](javascript:alert(1))",
        "![pixel](https://evil.example/p.png)",
        '<a href="https://x" onclick="steal()">x</a>',
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "<img src=x onerror=alert(1)>",
    ],
)
def test_markdown_never_runs_anything(markdown: str) -> None:
    for tag, attrs in elements(render_markdown(markdown)):
        assert tag not in {"script", "iframe", "img", "object", "embed", "style"}
        assert not any(name.startswith("on") for name in attrs)
        assert not attrs.get("href", "").lower().startswith(("javascript:", "data:"))


def test_markdown_keeps_what_an_advisory_needs() -> None:
    html = render_markdown(
        "## Impact\n\n**Bold** `code` [link](https://a.example)\n\n| a |\n|---|\n| b |"
    )
    assert "<h2>Impact</h2>" in html
    assert "<strong>Bold</strong>" in html
    assert "<code>code</code>" in html
    assert 'href="https://a.example"' in html
    assert "<table>" in html
