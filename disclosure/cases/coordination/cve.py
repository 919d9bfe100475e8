"""CVE ids: a CNA's reserved block, imported once, handed out so no id goes to two cases."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from disclosure.audit.service import Actor, record
from disclosure.cases.coordination.models import CveId
from disclosure.cases.models import Case
from disclosure.cases.timeline import EventKind, log_event
from disclosure.db import is_postgresql
from disclosure.errors import Conflict, ValidationError

# At most 9 digits: the number is kept in a 32-bit INTEGER column (and CVE numbers are far
# shorter); ASCII digits only, as in CVE_PATTERN, which the API documents.
_CVE = re.compile(r"^CVE-([0-9]{4})-([0-9]{4,9})$")
CVE_PATTERN = "[Cc][Vv][Ee]-[0-9]{4}-[0-9]{4,9}"


def parse_cve(value: str, *, field: str = "cve_id") -> tuple[str, int, int]:
    """(id, year, number) of a well-formed CVE id; ValidationError naming `field`."""
    normalised = value.strip().upper()
    match = _CVE.match(normalised)
    if not match:
        raise ValidationError(
            "Invalid CVE id.", fields={field: "Give an id such as CVE-2026-12345."}
        )
    return normalised, int(match[1]), int(match[2])


def read_reservation(text: str) -> list[str]:
    """The ids in a reservation file: CVE Services JSON ({"cve_ids": [{"cve_id"}]}) or lines."""
    stripped = text.strip()
    if stripped.startswith(("{", "[")):
        data = json.loads(stripped)
        entries = data.get("cve_ids", []) if isinstance(data, dict) else data
        return [e["cve_id"] if isinstance(e, dict) else str(e) for e in entries]
    return [
        line.split("#", 1)[0].strip()
        for line in stripped.splitlines()
        if line.split("#", 1)[0].strip()
    ]


def import_block(
    session: Session, ids: Iterable[str], *, actor: Actor, now: datetime
) -> tuple[int, int]:
    """Store reserved ids; returns (new, already known). Every id is checked first."""
    parsed = [parse_cve(raw, field=f"entry {n} ({raw!r})") for n, raw in enumerate(ids, start=1)]
    known = set(session.exec(select(CveId.id).where(col(CveId.id).in_([p[0] for p in parsed]))))
    new = [p for p in dict.fromkeys(parsed) if p[0] not in known]
    for cve_id, year, number in new:
        session.add(CveId(id=cve_id, year=year, number=number, reserved_at=now))
    record(session, actor, "cve.import", now=now, details={"new": len(new), "known": len(known)})
    return len(new), len(known)


def assign(
    session: Session, case: Case, *, actor: Actor, now: datetime, cve_id: str | None = None
) -> str:
    """Give the case the next free reserved id, or `cve_id` (entered by hand)."""
    if case.cve_id:
        raise Conflict(
            f"Case #{case.id} already has {case.cve_id}.", fields={"cve_id": "Already assigned."}
        )
    row = _claim_next(session) if cve_id is None else _claim_given(session, cve_id, now)
    row.case_id, row.assigned_at, row.assigned_by_id = case.id, now, actor.user_id
    case.cve_id = row.id
    try:
        with session.begin_nested():
            session.add(row)
            session.add(case)
            session.flush()
    except sa.exc.IntegrityError:
        raise Conflict(
            "That id was assigned to another case a moment ago; try again.",
            fields={"cve_id": "Taken."},
        ) from None
    log_event(
        session,
        case,
        EventKind.CVE_ASSIGNED,
        "case.cve_assign",
        actor=actor,
        now=now,
        details={"cve_id": row.id, "manual": row.is_manual},
        audit_details={"cve_id": row.id},
    )
    return row.id


def _claim_next(session: Session) -> CveId:
    query = (
        select(CveId)
        .where(col(CveId.case_id).is_(None))
        .order_by(col(CveId.year), col(CveId.number))
        .limit(1)
    )
    if is_postgresql(session):
        query = query.with_for_update(skip_locked=True)  # two assigners never take the same id
    row = session.exec(query).first()
    if row is None:
        raise Conflict(
            "No reserved CVE id is left: import a new block "
            "(disclosure cve import FILE) or enter one by hand."
        )
    return row


def _claim_given(session: Session, cve_id: str, now: datetime) -> CveId:
    normalised, year, number = parse_cve(cve_id)
    row = session.get(CveId, normalised)
    if row is None:
        return CveId(id=normalised, year=year, number=number, is_manual=True, reserved_at=now)
    if row.case_id is not None:
        raise Conflict(
            f"{normalised} is already assigned to another case.",
            fields={"cve_id": "Already assigned."},
        )
    return row


def free_count(session: Session) -> int:
    return session.exec(
        select(sa.func.count()).select_from(CveId).where(col(CveId.case_id).is_(None))
    ).one()
