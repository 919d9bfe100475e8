"""One timer sweep with 1,000 and with 100,000 open cases; 100 timers due in both.

Cases and timers are bulk-inserted with SQLAlchemy core. The due timers are real ones (the
sweep recomputes each case's deadlines before it fires, so their moments come from the
policy), one per due case, and each mails the program's owner; every other case has four
timers in the future. A sweep reads only the (fired_at, due_at) index, so its time should
not depend on the number of open cases: the ratio 100,000 / 1,000 should stay at most 2.

Runs on a SQLite file, and on PostgreSQL when DISCLOSURE_BENCH_DATABASE_URL names one (its
tables are emptied first).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session

import disclosure.models  # noqa: F401  (fills SQLModel.metadata)
from benchmarks.database import Database, empty_tables, settle
from benchmarks.results import Figure, at_most
from disclosure import migrations
from disclosure.accounts.models import User, UserRole
from disclosure.cases.clock.jobs import sweep_due_timers
from disclosure.cases.clock.models import CaseTimer
from disclosure.cases.models import Case
from disclosure.db import make_engine
from disclosure.policies import timers
from disclosure.policies.deadlines import compute_deadlines
from disclosure.policies.events import Received
from disclosure.policies.presets import DisclosurePolicy, load_policies
from disclosure.programs.models import MemberRole, Program, ProgramMember
from disclosure.services import Services
from disclosure.settings import load_settings

SIZES = (1_000, 100_000)
DUE = 100
ROUNDS = 7  # sweeps per size: median and fastest are reported
CHUNK = 10_000
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
POLICY = "project-zero"


def run(db: Database, is_quick: bool) -> list[Figure]:
    """One sweep among 100,000 open cases against one among 1,000 (target: at most 2x)."""
    del is_quick  # already bounded: the time goes into filling 100,000 cases
    with tempfile.TemporaryDirectory(prefix="dbt") as folder:
        samples = {
            size: _bench(db.url(Path(folder), f"sweep-{size}"), size, Path(folder))
            for size in SIZES
        }
    for size, times in samples.items():
        print(
            f"  one sweep firing {DUE} timers, {size:>7,} open cases   "
            f"median {statistics.median(times):7.1f} ms   fastest {min(times):7.1f} ms"
        )
    small, large = samples[SIZES[0]], samples[SIZES[-1]]
    return [
        Figure(
            "timer-sweep",
            f"one sweep firing {DUE} timers, {SIZES[-1]:,} open cases",
            statistics.median(large),
            f"{SIZES[0]:,} open cases",
            statistics.median(small),
            target=at_most(2),
        )
    ]


def _bench(url: str, size: int, folder: Path) -> list[float]:
    """The times (ms) of ROUNDS sweeps that each fire DUE timers among `size` open cases."""
    migrations.upgrade(url)
    engine = make_engine(url)
    empty_tables(engine)
    policies = load_policies()
    moments = _fill(engine, size, policies[POLICY])
    settle(engine)
    settings = load_settings(
        {"database_url": url, "instance_path": str(folder / "instance")}, environ={}
    )
    services = Services(settings=settings, engine=engine, clock=lambda: START, policies=policies)
    samples = []
    for moment in moments:
        started = time.perf_counter()
        fired = sweep_due_timers(services, moment)
        samples.append((time.perf_counter() - started) * 1000)
        assert fired == DUE, f"expected {DUE} timers to fire, got {fired}"
    engine.dispose()
    return samples


def _fill(engine: sa.Engine, size: int, policy: DisclosurePolicy) -> list[datetime]:
    """A program with an owner, `size` open cases and their timers; the sweep moments."""
    with Session(engine) as session:
        owner = User(
            email="owner@bench.example", password_hash="-", role=UserRole.VENDOR, created_at=START
        )
        program = Program(slug="bench", name="Bench", policy_name=POLICY, created_at=START)
        session.add_all([owner, program])
        session.flush()
        session.add(
            ProgramMember(
                program_id=program.id, user_id=owner.id, role=MemberRole.OWNER, created_at=START
            )
        )
        session.commit()
        program_id = program.id or 0
    # Round k: DUE cases received k hours apart, each with its real acknowledge_by warn-50.
    rounds = []
    for k in range(ROUNDS):
        received = START + timedelta(hours=k)
        deadlines = compute_deadlines(policy, [Received(received)])
        live = timers.live_deadlines(deadlines, is_fixed=False, is_done=False)
        planned = {
            (t.deadline, t.level): t.due_at for t in timers.plan(live, policy.warnings.fractions)
        }
        rounds.append((received, planned[("acknowledge_by", "warn-50")]))
    later = rounds[-1][1] + timedelta(days=1)
    cases, timer_rows = [], []
    for number in range(size):
        case_id = number + 1
        k = number // DUE if number < DUE * ROUNDS else None
        received = rounds[k][0] if k is not None else START
        cases.append(_case(case_id, program_id, received))
        if k is not None:
            timer_rows.append(_timer(case_id, "acknowledge_by", "warn-50", rounds[k][1]))
            continue
        for offset, deadline in enumerate(("acknowledge_by", "triage_by", "disclose_by")):
            timer_rows.append(_timer(case_id, deadline, "due", later + timedelta(days=offset + 1)))
        timer_rows.append(_timer(case_id, "disclose_by", "warn-50", later))
    with engine.begin() as connection:
        for table, rows in ((Case.__table__, cases), (CaseTimer.__table__, timer_rows)):
            for chunk in range(0, len(rows), CHUNK):
                connection.execute(sa.insert(table), rows[chunk : chunk + CHUNK])  # type: ignore[arg-type]
    return [moment for _received, moment in rounds]


def _case(case_id: int, program_id: int, received: datetime) -> dict[str, object]:
    return {
        "id": case_id,
        "program_id": program_id,
        "state": "new",
        "tracking_code_hash": f"{case_id:064x}",
        "policy_name": POLICY,
        "policy_version": 1,
        "exploited_in_the_wild": "no",
        "is_pre_encrypted": False,
        "attachment_count": 0,
        "received_at": received,
        "updated_at": received,
        "version": 1,
    }


def _timer(case_id: int, deadline: str, level: str, due_at: datetime) -> dict[str, object]:
    return {
        "case_id": case_id,
        "deadline": deadline,
        "level": level,
        "due_at": due_at,
        "created_at": START,
    }
