"""The CSAF product tree of an advisory: vendor, product name, then versions and version ranges.

Each affected range is a `product_version_range` leaf named by its vers string; its fixed
version, when there is one, is a `product_version` leaf. A product id is `CSAFPID-` and 16
hex digits of the SHA-256 of vendor, product and leaf name: the same product and version
keep their id across revisions of the advisory and across advisories, and two different
ones never share one (CSAF mandatory tests 6.1.1 and 6.1.2).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from disclosure.feeds.document import AffectedRange
from disclosure.feeds.versions import vers


@dataclass(frozen=True)
class Products:
    """The product tree and the product ids that the vulnerability's status and fixes name."""

    tree: dict[str, Any]
    known_affected: tuple[str, ...]  # the ranges' ids, in the advisory's order
    fixed: tuple[str, ...]  # the fixed versions' ids
    ranges: tuple[tuple[AffectedRange, str], ...]  # each range with its product id


def product_id(vendor: str, product: str, leaf: str) -> str:
    """The stable product id of one version (or version range) of a vendor's product."""
    digest = hashlib.sha256("\x1f".join((vendor, product, leaf)).encode("utf-8")).hexdigest()
    return f"CSAFPID-{digest[:16]}"


def products(affected: Iterable[AffectedRange]) -> Products:
    """The product tree of these affected ranges, each leaf once."""
    leaves: dict[str, dict[str, dict[str, dict[str, Any]]]] = {}  # vendor, product, id -> leaf
    known_affected: list[str] = []
    fixed: list[str] = []
    ranges: list[tuple[AffectedRange, str]] = []
    for item in affected:
        by_id = leaves.setdefault(item.vendor, {}).setdefault(item.product, {})
        name = vers(item)
        range_id = product_id(item.vendor, item.product, name)
        by_id.setdefault(range_id, _leaf("product_version_range", item, name, range_id, ""))
        _add(known_affected, range_id)
        ranges.append((item, range_id))
        if item.fixed:
            fixed_id = product_id(item.vendor, item.product, item.fixed)
            purl = _versioned(item.purl, item.fixed) if item.purl else ""
            by_id.setdefault(fixed_id, _leaf("product_version", item, item.fixed, fixed_id, purl))
            _add(fixed, fixed_id)
    branches = [
        _branch(
            "vendor", vendor, [_branch("product_name", p, [*ids.values()]) for p, ids in ps.items()]
        )
        for vendor, ps in leaves.items()
    ]
    return Products({"branches": branches}, tuple(known_affected), tuple(fixed), tuple(ranges))


def _add(ids: list[str], product: str) -> None:
    if product not in ids:
        ids.append(product)


def _branch(category: str, name: str, branches: list[dict[str, Any]]) -> dict[str, Any]:
    return {"category": category, "name": name, "branches": branches}


def _leaf(category: str, item: AffectedRange, name: str, pid: str, purl: str) -> dict[str, Any]:
    product: dict[str, Any] = {"name": f"{item.vendor} {item.product} {name}", "product_id": pid}
    if purl:
        product["product_identification_helper"] = {"purl": purl}
    return {"category": category, "name": name, "product": product}


def _versioned(purl: str, version: str) -> str:
    # A purl's version sits between the name and any ?qualifiers or #subpath, percent-encoded.
    cut = min((i for i in (purl.find("?"), purl.find("#")) if i >= 0), default=len(purl))
    return f"{purl[:cut]}@{quote(version, safe='.-_~')}{purl[cut:]}"
