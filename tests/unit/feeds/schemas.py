"""Offline validators for the vendored OSV, CSAF and CVE schemas in tests/schemas."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import validators
from jsonschema.protocols import Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4, DRAFT7, DRAFT202012

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
FILES = {
    "osv": "osv/schema.json",
    "csaf": "csaf/csaf_json_schema.json",
    "provider": "csaf/provider_json_schema.json",
    "cve": "cve/CVE_Record_Format_bundled.json",
}
# FIRST's CVSS schemas as CSAF refers to them: the bare URL, and each file's own versioned id.
_FIRST = (("cvss-v2.0", DRAFT4, "id"), ("cvss-v3.0", DRAFT4, "id"), ("cvss-v3.1", DRAFT7, "$id"))


def load(relative: str) -> Any:
    """A JSON file below tests/schemas."""
    return json.loads((SCHEMAS / relative).read_text(encoding="utf-8"))


@cache
def registry() -> Registry:
    """Every schema a $ref can reach, from local files only: no retriever, so no network."""
    pairs: list[tuple[str, Resource]] = []
    for name, spec, id_key in _FIRST:
        contents = load(f"csaf/first/{name}.json")
        resource = Resource.from_contents(contents, default_specification=spec)
        pairs += [
            (f"https://www.first.org/cvss/{name}.json", resource),
            (contents[id_key], resource),
        ]
    for name in ("csaf", "provider"):
        contents = load(FILES[name])
        pairs.append((contents["$id"], Resource.from_contents(contents, DRAFT202012)))
    return Registry().with_resources(pairs).crawl()


@cache
def validator(name: str) -> Validator:
    """The validator its schema's $schema asks for, with format checking on (date-time, uri)."""
    schema = load(FILES[name])
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, registry=registry(), format_checker=cls.FORMAT_CHECKER)


def errors(name: str, instance: Any) -> list[str]:
    """Every schema error of a document, as `path: message` lines (empty when it is valid)."""
    found = validator(name).iter_errors(instance)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in found]
