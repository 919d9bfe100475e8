"""The program metrics page at 100,000 cases (target: median under 500 ms).

One program holds 100,000 cases received over 400 days, with the timestamps, deadlines,
severities and reporters their states imply, 5,000 reporter accounts and 10,000 requests for
more time, bulk-inserted with SQLAlchemy core (metrics read metadata only, so no report is
encrypted). A second program holds 100 cases: the same page there is the baseline, measured
in the same run, so the ratio says what the 100,000 cases cost over the page's fixed work
(six charts drawn, the template, sign-in and the transaction).

Measured, each a real signed-in request through Flask's test client: the HTML page at both
sizes, the JSON answer and one CSV export at 100,000, and the administrators' overview of
every program. Runs on a SQLite file, and on PostgreSQL when DISCLOSURE_BENCH_DATABASE_URL
names one (its tables are emptied first).
"""

from __future__ import annotations

import random
import re
import secrets
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlmodel import Session

import disclosure.models  # noqa: F401  (fills SQLModel.metadata)
from benchmarks.database import Database, empty_tables, settle
from benchmarks.results import Figure, below
from benchmarks.settings import BENCH_SETTINGS
from benchmarks.timing import Timing, measure_interleaved
from disclosure import create_app, migrations
from disclosure.accounts import service as accounts
from disclosure.accounts.models import User, UserRole
from disclosure.audit.service import Actor
from disclosure.cases.models import Case, ExtensionRequest
from disclosure.db import make_engine
from disclosure.programs.models import MemberRole, Program, ProgramMember

CASES = 100_000
SMALL = 100
REPORTERS = 5_000
EXTENSIONS = 10_000
CHUNK = 10_000
TARGET_MS = 500
PASSWORD = secrets.token_urlsafe(16)  # throwaway accounts in a throwaway database
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
RATINGS = ["Critical", "High", "Medium", "Low", "None", None]
# how far each state got: (acknowledged, triaged, fixed, disclosed)
STATES = {
    "new": (False, False, False, False),
    "acknowledged": (True, False, False, False),
    "needs_info": (True, False, False, False),
    "accepted": (True, True, False, False),
    "fixed": (True, True, True, False),
    "disclosed": (True, True, True, True),
    "spam": (False, False, False, False),
    "informative": (True, False, False, False),
}


def run(db: Database, is_quick: bool) -> list[Figure]:
    """The program metrics page at 100,000 cases against the same page at 100 (and < 500 ms)."""
    with tempfile.TemporaryDirectory(prefix="dbm") as folder:
        return _bench(db.url(Path(folder), "metrics"), Path(folder), rounds=8 if is_quick else 15)


def _bench(url: str, folder: Path, *, rounds: int) -> list[Figure]:
    migrations.upgrade(url)
    engine = make_engine(url)
    empty_tables(engine)
    engine.dispose()
    app = create_app(
        {
            **BENCH_SETTINGS,
            "database_url": url,
            "instance_path": str(folder / "i"),
            "gnupg_home": str(folder / "g"),
        }
    )
    app.extensions["disclosure"].clock = lambda: NOW
    started = time.perf_counter()
    _fill(app)
    print(f"  {CASES:,} cases inserted and analysed in {time.perf_counter() - started:.1f} s")
    member, admin = app.test_client(), app.test_client()
    _login(member, "owner@bench.example")
    _login(admin, "admin@bench.example")

    def get(client: FlaskClient, path: str) -> Callable[[], None]:
        def call() -> None:
            response = client.get(path)
            assert response.status_code == 200, response.get_data(as_text=True)[:500]

        return call

    timings: dict[str, Timing] = measure_interleaved(
        {
            "small": get(member, "/programs/small/metrics"),
            "page": get(member, "/programs/bench/metrics"),
            "json": get(member, "/api/v1/metrics?program=bench"),
            "csv": get(member, "/programs/bench/metrics/sla.csv"),
            "overview": get(admin, "/metrics"),
        },
        repeat=rounds,
        warmup=2,
    )
    app.extensions["disclosure"].engine.dispose()
    for name, timing in timings.items():
        print(f"  {name:10} {timing}")
    small = timings["small"].median_ms
    baseline = f"the page at {SMALL:,} cases"
    return [
        Figure(
            "metrics",
            f"program metrics page, {CASES:,} cases",
            timings["page"].median_ms,
            baseline,
            small,
            target=below(TARGET_MS),
        ),
        Figure(
            "metrics",
            f"GET /api/v1/metrics, {CASES:,} cases",
            timings["json"].median_ms,
            baseline,
            small,
        ),
        Figure(
            "metrics", f"one CSV export, {CASES:,} cases", timings["csv"].median_ms, baseline, small
        ),
        Figure(
            "metrics",
            "overview of every program (admin)",
            timings["overview"].median_ms,
            baseline,
            small,
        ),
    ]


def _login(client: FlaskClient, email: str) -> None:
    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    signed_in = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert signed_in.status_code == 302, signed_in.get_data(as_text=True)


def _fill(app: Any) -> None:
    """The two programs, an owner of both, an admin, the reporters, cases and extensions."""
    services = app.extensions["disclosure"]
    actor = Actor.system("bench")
    with Session(services.engine) as session:
        programs = [
            Program(slug=slug, name=slug.title(), policy_name="project-zero")
            for slug in ("bench", "small")
        ]
        session.add_all(programs)
        people = [
            accounts.create_user(session, actor, email=email, password=PASSWORD, role=role, now=NOW)
            for email, role in (
                ("owner@bench.example", UserRole.VENDOR),
                ("admin@bench.example", UserRole.ADMIN),
            )
        ]
        session.flush()
        session.add_all(
            ProgramMember(program_id=p.id, user_id=people[0].id, role=MemberRole.OWNER)
            for p in programs
        )
        session.commit()
        bench, small = (p.id or 0 for p in programs)
    rng = random.Random(11)
    reporters = [
        {
            "id": 1000 + n,
            "email": f"r{n}@researchers.example",
            "password_hash": "!",  # cannot sign in
            "role": "researcher",
            "display_name": "",
            "is_active": True,
            "must_change_password": False,
            "failed_login_count": 0,
            "password_changed_at": NOW,
            "created_at": NOW,
        }
        for n in range(REPORTERS)
    ]
    cases = [_case(rng, n + 1, bench if n < CASES else small) for n in range(CASES + SMALL)]
    extensions = [
        {
            "case_id": rng.randint(1, CASES),
            "is_grace": rng.random() < 0.2,
            "days": rng.choice([7, 14, 30]),
            "reason": "the release train",
            "status": rng.choice(["accepted", "accepted", "declined", "pending", "withdrawn"]),
            "requested_at": NOW - timedelta(days=rng.randint(0, 300)),
        }
        for _ in range(EXTENSIONS)
    ]
    with services.engine.begin() as connection:
        for table, rows in (
            (User.__table__, reporters),
            (Case.__table__, cases),
            (ExtensionRequest.__table__, extensions),
        ):
            for chunk in range(0, len(rows), CHUNK):
                connection.execute(sa.insert(table), rows[chunk : chunk + CHUNK])  # type: ignore[arg-type]
    settle(services.engine)


def _case(rng: random.Random, case_id: int, program_id: int) -> dict[str, object]:
    received = NOW - timedelta(days=rng.uniform(0, 400))
    state = rng.choice(list(STATES))
    acknowledged, triaged, fixed, disclosed = STATES[state]
    at = received
    stamps: dict[str, datetime | None] = {}
    for name, reached, days in (
        ("acknowledged_at", acknowledged, 3),
        ("triaged_at", triaged, 10),
        ("fixed_at", fixed, 60),
        ("disclosed_at", disclosed, 20),
    ):
        at = min(at + timedelta(days=rng.expovariate(1 / days)), NOW)
        stamps[name] = at if reached else None
    anonymous = rng.random() < 0.3
    rating = rng.choice(RATINGS)
    return {
        "id": case_id,
        "program_id": program_id,
        "state": state,
        "reporter_id": None if anonymous else 1000 + rng.randrange(REPORTERS),
        "tracking_code_hash": f"{case_id:064x}" if anonymous else None,
        "policy_name": "project-zero",
        "policy_version": 1,
        "exploited_in_the_wild": "no",
        "is_pre_encrypted": False,
        "attachment_count": 0,
        "received_at": received,
        "acknowledge_by": received + timedelta(days=3),
        "triage_by": received + timedelta(days=14),
        "disclose_by": received + timedelta(days=90),
        "closed_at": stamps["acknowledged_at"] or received
        if state in ("spam", "informative")
        else None,
        "updated_at": NOW,
        "version": 1,
        "cvss_rating": rating,
        "cvss_score": {"Critical": 9.8, "High": 7.5, "Medium": 5.0, "Low": 2.0}.get(rating or ""),
        **stamps,
    }
