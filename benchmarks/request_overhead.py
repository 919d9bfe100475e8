"""What our request pipeline costs: an authenticated API call against a bare Flask route.

Both run in-process through Flask's test client on the same machine in the same run, so the
ratio shows the price of token lookup, deny-by-default, CSRF, headers and the transaction.
"""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

from flask import Flask
from sqlmodel import Session

from benchmarks.database import Database, empty_tables
from benchmarks.results import Figure, at_most
from benchmarks.settings import BENCH_SETTINGS
from benchmarks.timing import measure_interleaved
from disclosure import create_app, migrations
from disclosure.accounts import service, tokens
from disclosure.accounts.models import TokenScope, UserRole
from disclosure.audit.service import Actor


def _bare_app() -> Flask:
    bare = Flask("baseline")

    @bare.get("/api/v1/me")
    def me() -> dict[str, str]:
        return {"email": "bench@example.org"}

    return bare


def run(db: Database, is_quick: bool) -> list[Figure]:
    """The median authenticated request against the bare route (target: at most 3x)."""
    with tempfile.TemporaryDirectory(prefix="dbench") as folder:
        url = db.url(Path(folder), "request")
        migrations.upgrade(url)
        app = create_app(
            {**BENCH_SETTINGS, "database_url": url, "instance_path": str(Path(folder) / "i")}
        )
        services = app.extensions["disclosure"]
        empty_tables(services.engine)
        with Session(services.engine) as session:
            user = service.create_user(
                session,
                Actor.system("bench"),
                email="bench@example.org",
                password="benchmark password",
                role=UserRole.VENDOR,
                now=services.clock(),
            )
            raw, _ = tokens.create_token(
                session,
                Actor.system("bench"),
                user,
                scopes=[TokenScope.CASES_READ],
                lifetime=timedelta(days=1),
                now=services.clock(),
            )
            session.commit()
        ours, bare = app.test_client(), _bare_app().test_client()
        headers = {"Authorization": f"Bearer {raw}"}
        assert ours.get("/api/v1/me", headers=headers).status_code == 200
        repeat = 100 if is_quick else 300
        timings = measure_interleaved(
            {
                "bare": lambda: bare.get("/api/v1/me"),
                "ours": lambda: ours.get("/api/v1/me", headers=headers),
            },
            repeat=repeat,
        )
        baseline, measured = timings["bare"], timings["ours"]
        print(f"  bare Flask route (baseline)      {baseline}")
        print(f"  GET /api/v1/me with bearer token {measured}")
        services.engine.dispose()
    return [
        Figure(
            "request-overhead",
            "GET /api/v1/me, bearer token",
            measured.median_ms,
            "bare Flask route",
            baseline.median_ms,
            target=at_most(3),
        )
    ]
