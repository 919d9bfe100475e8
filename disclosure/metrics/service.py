"""The metrics verbs: who may see which programs' figures (asked of `policy`), then the
figures. Read-only: they decrypt nothing, so there is no decryption to audit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from disclosure.errors import Forbidden, NotFound, ValidationError
from disclosure.metrics import queries
from disclosure.metrics.period import Period
from disclosure.metrics.queries import Metrics, Scope
from disclosure.policy import Principal, can_read_all_metrics, can_read_program_metrics
from disclosure.programs.models import Program, ProgramMember


@dataclass(frozen=True)
class MetricsReport:
    """The figures of some programs over a period, and what they cover."""

    programs: list[Program]  # the programs counted; every program when `is_all`
    is_all: bool
    period: Period
    now: datetime
    metrics: Metrics


def open_program(session: Session, principal: Principal, slug: str) -> Program:
    """The program if the principal may read its metrics; NotFound otherwise (never 403)."""
    program = session.exec(select(Program).where(Program.slug == slug.lower())).first()
    role = _member_role(session, principal, program) if program else None
    if program is None or not can_read_program_metrics(principal, role):
        raise NotFound(f"No program {slug!r}.")
    return program


def readable_programs(session: Session, principal: Principal) -> list[Program]:
    """Every program whose metrics the principal may read, by name."""
    programs = list(session.exec(select(Program).order_by(col(Program.name))))
    if can_read_all_metrics(principal):
        return programs
    roles = dict(
        session.exec(
            select(ProgramMember.program_id, ProgramMember.role).where(
                ProgramMember.user_id == principal.user_id
            )
        ).all()
    )
    return [
        p
        for p in programs
        if p.id in roles and can_read_program_metrics(principal, roles[p.id].value)
    ]


def program_report(
    session: Session, principal: Principal, slug: str, period: Period, *, now: datetime
) -> MetricsReport:
    """One program's figures, for its owners, triagers and viewers, and for admins."""
    program = open_program(session, principal, slug)
    return _report(session, [program], period, now=now, is_all=False)


def overview_programs(session: Session, principal: Principal) -> list[Program]:
    """Every program, by name, for the overview's filter: administrators only."""
    if not can_read_all_metrics(principal):
        raise Forbidden("Metrics across programs are for administrators.")
    return list(session.exec(select(Program).order_by(col(Program.name))))


def overview_report(
    session: Session, principal: Principal, slug: str, period: Period, *, now: datetime
) -> MetricsReport:
    """Figures across every program, or the one named by `slug`: administrators only."""
    programs = overview_programs(session, principal)
    if not slug.strip():
        return _report(session, programs, period, now=now, is_all=True)
    chosen = [p for p in programs if p.slug == slug.strip().lower()]
    if not chosen:
        raise ValidationError(
            "There is no such program.", fields={"program": "Choose a program from the list."}
        )
    return _report(session, chosen, period, now=now, is_all=False)


def readable_report(
    session: Session, principal: Principal, slug: str, period: Period, *, now: datetime
) -> MetricsReport:
    """The program named by `slug`, or else every program the principal may read (all of
    them for administrators)."""
    if slug.strip():
        return program_report(session, principal, slug.strip(), period, now=now)
    if can_read_all_metrics(principal):
        return overview_report(session, principal, "", period, now=now)
    return _report(session, readable_programs(session, principal), period, now=now, is_all=False)


def _report(
    session: Session, programs: list[Program], period: Period, *, now: datetime, is_all: bool
) -> MetricsReport:
    ids = None if is_all else tuple(p.id or 0 for p in programs)
    metrics = queries.compute(session, Scope(ids, period, now))
    return MetricsReport(programs, is_all, period, now, metrics)


def _member_role(session: Session, principal: Principal, program: Program) -> str | None:
    if principal.user_id is None:
        return None
    role = session.exec(
        select(ProgramMember.role).where(
            ProgramMember.program_id == program.id, ProgramMember.user_id == principal.user_id
        )
    ).first()
    return role.value if role else None
