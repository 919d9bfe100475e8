"""What our request pipeline costs: an authenticated API call against a bare Flask route.

Both run in-process through Flask's test client on the same machine in the same run, so the
ratio shows the price of token lookup, deny-by-default, CSRF, headers and the transaction.
"""

from __future__ import annotations

import os
import tempfile
from datetime import timedelta
from pathlib import Path

from flask import Flask
from sqlmodel import Session

from benchmarks.settings import BENCH_SETTINGS
from benchmarks.timing import measure
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


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="dbench") as folder:
        url = os.environ.get("DISCLOSURE_BENCH_DATABASE_URL") or f"sqlite:///{folder}/b.sqlite3"
        migrations.upgrade(url)
        app = create_app(
            {"database_url": url, "instance_path": str(Path(folder) / "i"), **BENCH_SETTINGS}
        )
        services = app.extensions["disclosure"]
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
        baseline = measure(lambda: bare.get("/api/v1/me"))
        measured = measure(lambda: ours.get("/api/v1/me", headers=headers))
        print(f"bare Flask route (baseline)      {baseline}")
        print(f"GET /api/v1/me with bearer token {measured}")
        print(f"ratio (median)                   {measured.median_ms / baseline.median_ms:7.2f}x")
        services.engine.dispose()
