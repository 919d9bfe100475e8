"""Fixtures: a real database (SQLite file, or PostgreSQL via DISCLOSURE_TEST_DATABASE_URL)
migrated by Alembic once per run, a real GnuPG home, and the Flask app, client and CLI runner.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from hypothesis import settings as hypothesis_settings
from sqlmodel import SQLModel

import disclosure.models  # noqa: F401  (fills SQLModel.metadata)
from disclosure import create_app, migrations
from disclosure.db import make_engine

TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"

# Property tests check behaviour, never speed: Hypothesis's per-example deadline (200 ms) is a
# timing assertion that a busy CI machine fails. Speed is measured in benchmarks/.
hypothesis_settings.register_profile("disclosure", deadline=None)
hypothesis_settings.load_profile("disclosure")
# Every test signs in and submits from 127.0.0.1: limits only test_rate_limits spends.
GENEROUS_LIMITS = dict.fromkeys(
    (
        "ratelimit_sign_in",
        "ratelimit_sign_in_account",
        "ratelimit_submission",
        "ratelimit_submission_account",
        "ratelimit_lookup",
        "ratelimit_token",
        "ratelimit_token_account",
    ),
    "100000 per minute",
)
# The same for a server the tests start as a process (settings from the environment).
SERVER_ENV = {
    "DISCLOSURE_REQUIRE_2FA_FOR": "",
    **{f"DISCLOSURE_{name.upper()}": rate for name, rate in GENEROUS_LIMITS.items()},
}

# A temp directory of this run's own: the app and its gpg processes write their temporary
# files here, so the canary tests can scan exactly what this run left behind.
_SYSTEM_TMP = Path(tempfile.gettempdir())
if _SYSTEM_TMP.name.startswith("dt-"):  # started from inside another run's TMPDIR: no nesting
    _SYSTEM_TMP = _SYSTEM_TMP.parent
SESSION_TMP = Path(tempfile.mkdtemp(prefix="dt-", dir=_SYSTEM_TMP))
os.environ["TMPDIR"] = str(SESSION_TMP)
tempfile.tempdir = None


@pytest.fixture(scope="session", autouse=True)
def _remove_session_tmp() -> Iterator[None]:
    yield
    shutil.rmtree(SESSION_TMP, ignore_errors=True)


class Clock:
    """A clock the tests move by hand; the app reads it through Services.clock."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("DISCLOSURE_TEST_DATABASE_URL", "")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def migrated_database(database_url: str) -> Iterator[str]:
    """The test database, emptied and migrated to head once for the whole run."""
    engine = make_engine(database_url)
    with engine.begin() as connection:
        if sa.inspect(connection).get_table_names():
            SQLModel.metadata.drop_all(connection)
            connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
            if connection.dialect.name == "postgresql":
                connection.execute(
                    sa.text("DROP FUNCTION IF EXISTS audit_event_refuse_change() CASCADE")
                )
    engine.dispose()
    migrations.upgrade(database_url)
    return database_url


@pytest.fixture(scope="session")
def gnupg_home() -> Iterator[Path]:
    """One GnuPG home for the run (short path: gpg-agent sockets have a length limit)."""
    home = Path(tempfile.mkdtemp(prefix="dgpg"))
    yield home
    subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "all"], check=False)
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def short_tmp() -> Iterator[Path]:
    """A folder with a short path, for extra GnuPG homes (agent sockets have a length limit)."""
    folder = Path(tempfile.mkdtemp(prefix="g", dir=SESSION_TMP))
    yield folder
    subprocess.run(
        ["gpgconf", "--homedir", str(folder / "gpg"), "--kill", "all"],
        check=False,
        capture_output=True,
    )
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))


@pytest.fixture
def app_overrides(migrated_database: str, tmp_path: Path, gnupg_home: Path) -> dict[str, Any]:
    return {
        "env": "test",
        "secret_key": TEST_SECRET,
        "database_url": migrated_database,
        "instance_path": str(tmp_path / "instance"),
        "gnupg_home": str(gnupg_home),
        "key_passphrase": "test passphrase for the test keyring",
        "log_level": "INFO",
        "feed_cache_seconds": 0,  # the feed as of each request (FeedCache has its own tests)
        # Signing in as staff takes a code only where a test asks for it (test_two_factor).
        "require_2fa_for": [],
        **GENEROUS_LIMITS,
    }


@pytest.fixture
def app(app_overrides: dict[str, Any], clock: Clock) -> Iterator[Flask]:
    application = create_app(app_overrides)
    application.config["TESTING"] = True
    services = application.extensions["disclosure"]
    services.clock = clock
    yield application
    _empty_tables(services.engine)
    services.engine.dispose()


def _empty_tables(engine: sa.Engine) -> None:
    tables = [table.name for table in SQLModel.metadata.sorted_tables]
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # TRUNCATE, not DELETE: the audit log refuses row deletes by design.
            connection.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in reversed(tables):
                connection.execute(sa.text(f"DELETE FROM {name}"))  # noqa: S608  (our table names)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def db_session(app: Flask) -> Iterator[Any]:
    """A session on the app's database for arranging and inspecting rows.

    On SQLite each of its statements runs on its own (no BEGIN): it looks at the database from
    outside, as another process would, and never holds the write lock the app's requests take.
    """
    from sqlmodel import Session

    from disclosure.db import SQLITE_BEGIN

    engine = app.extensions["disclosure"].engine.execution_options(**{SQLITE_BEGIN: None})
    with Session(engine, expire_on_commit=False) as session:
        yield session
