"""The renderers stay pure: standard library, `cvss`, the document seam and each other only."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import disclosure

PACKAGE = Path(disclosure.__file__).parent
MODULES = sorted((PACKAGE / "feeds").rglob("*.py"))
ALLOWED = ("disclosure.feeds", "cvss")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_imports_only_what_a_pure_renderer_may(path: Path) -> None:
    foreign = {
        name
        for name in _imports(path)
        if name.split(".")[0] not in sys.stdlib_module_names
        and not any(name == a or name.startswith(f"{a}.") for a in ALLOWED)
    }
    assert foreign == set()


def test_document_imports_no_renderer() -> None:
    imports = _imports(PACKAGE / "feeds" / "document.py")
    assert not any(name.startswith(("disclosure.", "cvss")) for name in imports)
