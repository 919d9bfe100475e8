"""A real server (gunicorn via `disclosure serve`) and Debian's chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import SERVER_ENV

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        pytest.skip("browser tests need Debian's chromium (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="module")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, migrated_database: str, gnupg_home: Path
) -> Iterator[dict[str, str]]:
    """`disclosure demo` then `disclosure serve` in a subprocess; yields its URL and output."""
    instance = tmp_path_factory.mktemp("e2e-instance")
    env = {
        **os.environ,
        "DISCLOSURE_INSTANCE_PATH": str(instance),
        "DISCLOSURE_DATABASE_URL": migrated_database,
        "DISCLOSURE_GNUPG_HOME": str(gnupg_home),
        "DISCLOSURE_WORKERS": "1",
        **SERVER_ENV,  # the journeys sign in as the demo vendor, from one address
    }
    demo = subprocess.run(
        [sys.executable, "-m", "disclosure", "demo"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "disclosure", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.2)
    yield {"url": url, "demo_output": demo.stdout}
    server.terminate()
    server.wait(timeout=10)
    from sqlalchemy import create_engine

    from tests.conftest import _empty_tables

    engine = create_engine(migrated_database)
    _empty_tables(engine)
    engine.dispose()


@pytest.fixture
def page(chromium_path: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        context = browser.new_context()
        yield context.new_page()
        context.close()
        browser.close()
