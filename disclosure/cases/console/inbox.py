"""The vendor inbox: the cases a member may see, filtered, searched and paged by keyset.

Rows come sorted by the next deadline (cases without one last), then by id. A page ends with
a cursor naming its last row's (next_deadline_at, id); the next page starts strictly after it,
so paging stays as fast on page 2,000 as on page 1 and never skips or repeats a row when
cases change in between. The dated and the undated cases are read by two index-friendly
queries instead of one `NULLS LAST` sort, which neither SQLite nor PostgreSQL can take
from the single-column index on next_deadline_at.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, func, or_, select
from sqlmodel.sql.expression import SelectOfScalar

from disclosure.accounts.models import User
from disclosure.audit.service import Actor
from disclosure.cases.console import titles as titles_
from disclosure.cases.models import AffectedProduct, Case, CaseState, InTheWild
from disclosure.crypto import Keyring
from disclosure.db import is_postgresql
from disclosure.errors import ValidationError
from disclosure.inputs import is_id
from disclosure.limits import is_row_id, loads_json, parse_row_id
from disclosure.policy import Permission, Principal, can_on_case, case_role
from disclosure.programs.models import Program, ProgramMember

PAGE_SIZE = 50
SEVERITIES = ("Critical", "High", "Medium", "Low", "None")
UNSCORED = "unscored"
_CASE_ID = re.compile(r"^#?(\d{1,12})$")
_CVE = re.compile(r"^CVE-\d{4}-\d{4,}$", re.IGNORECASE)
_CWE = re.compile(r"^CWE-\d{1,5}$", re.IGNORECASE)
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})
FLAG_VALUES = _TRUE | _FALSE  # in any case; empty or absent: the default


def _is_id(text: str) -> bool:
    return parse_row_id(text) is not None


@dataclass(frozen=True)
class InboxFilter:
    """What the inbox shows; empty fields do not filter."""

    states: tuple[CaseState, ...] = ()
    severities: tuple[str, ...] = ()  # SEVERITIES and/or UNSCORED
    assignee: str = ""  # "me", "unassigned" or a user id
    program: str = ""  # a program slug
    is_overdue: bool = False
    in_the_wild: bool = False
    q: str = ""  # a case id, CVE id, CWE id, or part of a product or package name

    def query_args(self) -> list[tuple[str, str]]:
        """The filter as query arguments, for links to other pages of the same view."""
        args = [("state", s.value) for s in self.states]
        args += [("severity", s) for s in self.severities]
        args += [(k, v) for k, v in (("assignee", self.assignee), ("program", self.program)) if v]
        args += [("overdue", "1")] if self.is_overdue else []
        args += [("in_the_wild", "1")] if self.in_the_wild else []
        return args + ([("q", self.q)] if self.q else [])


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: its last row's next deadline and id."""

    deadline: datetime | None
    case_id: int

    def encode(self) -> str:
        """The opaque `cursor` query value (base64url JSON: nothing secret, nothing trusted)."""
        data = {"d": self.deadline.isoformat() if self.deadline else None, "i": self.case_id}
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, raw: str) -> Cursor:
        """The cursor a page handed out; ValidationError naming `cursor` for anything else."""
        try:
            data = loads_json(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)), max_depth=1)
            deadline = datetime.fromisoformat(data["d"]) if data["d"] is not None else None
            if deadline is not None and deadline.tzinfo is None:
                raise ValueError("naive")
            case_id = int(data["i"])
            if not is_row_id(case_id):
                raise ValueError("no such row")
            return cls(deadline, case_id)
        except (binascii.Error, ValueError, TypeError, KeyError):
            raise ValidationError(
                "Invalid cursor.", fields={"cursor": "Use the next_cursor of the previous page."}
            ) from None


@dataclass(frozen=True)
class InboxRow:
    case: Case
    program: Program
    assignee: User | None
    is_overdue: bool


@dataclass(frozen=True)
class InboxPage:
    rows: list[InboxRow]
    next_cursor: str | None
    titles: Mapping[int, titles_.Title] = field(default_factory=dict)  # by case id


def parse_filter(args: Mapping[str, Sequence[str]]) -> InboxFilter:
    """The filter from query arguments (each a list of values); 422 naming a bad one."""

    def values(name: str) -> list[str]:
        return [v.strip() for v in args.get(name, ()) if v.strip()]

    def first(name: str) -> str:
        found = values(name)
        return found[0] if found else ""

    errors: dict[str, str] = {}
    states = []
    for value in values("state"):
        try:
            states.append(CaseState(value))
        except ValueError:
            errors["state"] = f"Unknown state {value!r}."
    by_lower = {s.lower(): s for s in (*SEVERITIES, UNSCORED)}
    severities = [by_lower.get(v.lower(), "") for v in values("severity")]
    if "" in severities:
        errors["severity"] = f"Choose from {', '.join(by_lower.values())}."
    assignee = first("assignee").lower()
    if assignee and assignee not in {"me", "unassigned"} and not _is_id(assignee):
        errors["assignee"] = "Use me, unassigned or a user id."
    flags = {}
    for name in ("overdue", "in_the_wild"):
        try:
            flags[name] = parse_flag(first(name), name=name, default=False)
        except ValidationError as exc:
            errors.update(exc.fields)
    if errors:
        raise ValidationError("Some filters are invalid.", fields=errors)
    return InboxFilter(
        states=tuple(dict.fromkeys(states)),
        severities=tuple(dict.fromkeys(severities)),
        assignee=assignee,
        program=first("program").lower(),
        is_overdue=flags["overdue"],
        in_the_wild=flags["in_the_wild"],
        q=first("q")[:200],
    )


def parse_flag(value: str | None, *, name: str, default: bool) -> bool:
    """A true/false query argument (1/0, yes/no, on/off too); empty or absent: `default`."""
    flag = (value or "").strip().lower()
    if not flag:
        return default
    if flag not in FLAG_VALUES:
        raise ValidationError("Some filters are invalid.", fields={name: "Use true or false."})
    return flag in _TRUE


def _is_user_id(value: str) -> bool:
    return value.isascii() and value.isdigit() and is_id(int(value))


def visible_programs(session: Session, principal: Principal) -> list[int] | None:
    """The ids of the programs whose cases the principal may read; None means all (admins)."""
    if can_on_case(
        principal, case_role(principal, reporter_id=None, member_role=None), Permission.CASES_READ
    ):
        return None
    memberships = session.exec(
        select(ProgramMember.program_id, ProgramMember.role).where(
            ProgramMember.user_id == principal.user_id
        )
    ).all()
    return [
        program_id
        for program_id, role in memberships
        if can_on_case(
            principal,
            case_role(principal, reporter_id=None, member_role=role.value),
            Permission.CASES_READ,
        )
    ]


def programs_of(session: Session, principal: Principal) -> list[Program]:
    """The programs whose cases the principal may read, by name (for the program filter)."""
    visible = visible_programs(session, principal)
    query = select(Program).order_by(col(Program.name))
    if visible is not None:
        query = query.where(col(Program.id).in_(visible))
    return list(session.exec(query))


def list_cases(
    session: Session,
    principal: Principal,
    filters: InboxFilter,
    *,
    now: datetime,
    cursor: Cursor | None = None,
    limit: int = PAGE_SIZE,
) -> InboxPage:
    """One page of the cases the principal may read, without their (encrypted) titles."""
    query = _filtered(session, principal, filters, now)
    if query is None:
        return InboxPage([], None)
    deadline = col(Case.next_deadline_at)
    found: list[Case] = []
    if cursor is None or cursor.deadline is not None:
        dated = query.where(deadline.is_not(None))
        if cursor is not None:
            dated = dated.where(
                sa.tuple_(deadline, col(Case.id)) > sa.tuple_(cursor.deadline, cursor.case_id)
            )
        found = list(session.exec(dated.order_by(deadline, col(Case.id)).limit(limit + 1)))
    if len(found) <= limit:
        undated = query.where(deadline.is_(None))
        if cursor is not None and cursor.deadline is None:
            undated = undated.where(col(Case.id) > cursor.case_id)
        found += session.exec(undated.order_by(col(Case.id)).limit(limit + 1 - len(found)))
    more, cases = len(found) > limit, found[:limit]
    following = Cursor(cases[-1].next_deadline_at, cases[-1].id or 0).encode() if more else None
    return InboxPage(_rows(session, cases, now), following)


def open_inbox(
    session: Session,
    principal: Principal,
    filters: InboxFilter,
    *,
    reader: titles_.TitleReader | None,
    keyring: Callable[[], Keyring],
    actor: Actor,
    now: datetime,
    cursor: Cursor | None = None,
) -> InboxPage:
    """A page of the inbox with its titles decrypted (audited), unless `reader` is None."""
    page = list_cases(session, principal, filters, now=now, cursor=cursor)
    if reader is None or not page.rows:
        return page
    shown = titles_.show_titles(
        session,
        reader,
        [(row.case, row.program) for row in page.rows],
        keyring,
        actor=actor,
        now=now,
    )
    return replace(page, titles=shown)


def _filtered(
    session: Session, principal: Principal, filters: InboxFilter, now: datetime
) -> SelectOfScalar[Case] | None:
    """The query for the filter, or None when it cannot match anything the principal sees."""
    programs = visible_programs(session, principal)
    if filters.program:
        wanted = session.exec(select(Program.id).where(Program.slug == filters.program)).first()
        if wanted is None or (programs is not None and wanted not in programs):
            return None
        programs = [wanted]
    if programs == []:
        return None
    query = select(Case)
    if programs is not None:
        program = col(Case.program_id)
        if not is_postgresql(session):
            # SQLite without ANALYZE statistics takes any indexed equality for a selective one
            # and would sort every case of the program; "+ 0" keeps it on the deadline index,
            # which yields rows already in order. PostgreSQL's planner has statistics.
            program = program + 0
        query = query.where(program.in_(programs))
    if filters.states:
        query = query.where(col(Case.state).in_(filters.states))
    if filters.severities:
        ratings = [s for s in filters.severities if s != UNSCORED]
        rated = col(Case.cvss_rating).in_(ratings)
        query = query.where(
            or_(rated, col(Case.cvss_rating).is_(None)) if UNSCORED in filters.severities else rated
        )
    if filters.assignee == "me":
        query = query.where(Case.assignee_id == principal.user_id)
    elif filters.assignee == "unassigned":
        query = query.where(col(Case.assignee_id).is_(None))
    elif filters.assignee:
        query = query.where(Case.assignee_id == int(filters.assignee))
    if filters.is_overdue:
        query = query.where(col(Case.next_deadline_at) < now)
    if filters.in_the_wild:
        query = query.where(Case.exploited_in_the_wild == InTheWild.YES)
    return query.where(_search(filters.q)) if filters.q else query


def _search(q: str) -> sa.ColumnElement[bool]:
    """A case id, a CVE or CWE id (exact), else part of an affected product or package name."""
    if match := _CASE_ID.match(q):
        return col(Case.id) == int(match.group(1))
    if _CVE.match(q):
        return col(Case.cve_id) == q.upper()
    if _CWE.match(q):
        return col(Case.cwe) == q.upper()
    term = q.lower()
    products = select(AffectedProduct.case_id).where(
        or_(
            func.lower(AffectedProduct.product).contains(term, autoescape=True),
            func.lower(AffectedProduct.package_name).contains(term, autoescape=True),
        )
    )
    return col(Case.id).in_(products)


def _rows(session: Session, cases: list[Case], now: datetime) -> list[InboxRow]:
    program_ids = {case.program_id for case in cases}
    user_ids = {case.assignee_id for case in cases if case.assignee_id is not None}
    programs = {
        p.id: p for p in session.exec(select(Program).where(col(Program.id).in_(program_ids)))
    }
    users = {u.id: u for u in session.exec(select(User).where(col(User.id).in_(user_ids)))}
    return [
        InboxRow(
            case=case,
            program=programs[case.program_id],
            assignee=users.get(case.assignee_id),
            is_overdue=case.next_deadline_at is not None and case.next_deadline_at < now,
        )
        for case in cases
    ]
