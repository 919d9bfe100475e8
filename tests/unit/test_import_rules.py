"""Import rules that import-linter's contracts (pyproject.toml) cannot state.

A domain's web and API modules stand on the web floor: they may import any domain's models
and verbs, but never another domain's web or API module. Presentation that two domains
share lives in the lower domain's view module (e.g. cases.clock.view).
"""

from __future__ import annotations

import grimp
import pytest

WEB_MODULES = ("web", "api")


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("disclosure", exclude_type_checking_imports=True)


def _domain(module: str) -> str:
    return module.split(".")[1]


def _is_web(module: str) -> bool:
    """web.py and api.py anywhere in a domain, and the view.py at the domain's top."""
    depth, last = module.count("."), module.rsplit(".", 1)[-1]
    return (depth >= 2 and last in WEB_MODULES) or (depth == 2 and last == "view")


def test_no_web_module_imports_another_domains_web_module(graph: grimp.ImportGraph) -> None:
    crossings = sorted(
        f"{importer} -> {imported}"
        for importer in graph.modules
        if _is_web(importer) and not importer.startswith("disclosure.http.")
        for imported in graph.find_modules_directly_imported_by(importer)
        if _is_web(imported)
        and not imported.startswith("disclosure.http.")
        and _domain(imported) != _domain(importer)
    )
    assert crossings == []


def test_the_rules_see_every_domain(graph: grimp.ImportGraph) -> None:
    """A rule over no modules holds trivially: make sure the graph has the web modules."""
    web = {m for m in graph.modules if _is_web(m)}
    assert {"disclosure.cases.web", "disclosure.reports.web", "disclosure.accounts.api"} <= web
