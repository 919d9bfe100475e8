"""One report submission (4 KiB of text and a 1 MiB attachment) against gpg alone.

Baselines measured in the same run: `gpg --version` (what starting a gpg process costs) and
`gpg --encrypt` of the same bytes to the same key. Measured: a whole submission through the
JSON API and through the multipart form, in-process with Flask's test client, committed to
the database.
"""

from __future__ import annotations

import base64
import io
import os
import subprocess
import tempfile
from pathlib import Path

from sqlmodel import Session

from benchmarks.database import Database, empty_tables
from benchmarks.results import Figure, at_most
from benchmarks.settings import BENCH_SETTINGS
from benchmarks.timing import measure_interleaved
from disclosure import create_app, migrations
from disclosure.audit.service import Actor
from disclosure.programs import service as programs

REPEAT = 25
TEXT = os.urandom(3072).hex()[:4096]
ATTACHMENT = os.urandom(2**20)


def _report(description: str) -> dict[str, str]:
    return {
        "title": "Benchmark report",
        "product": "bench",
        "description": description,
        "steps_to_reproduce": "n/a",
        "impact": "n/a",
        "exploited_in_the_wild": "no",
    }


def run(db: Database, is_quick: bool) -> list[Figure]:
    """Form and API submissions against `gpg --encrypt` of the same bytes (target 1.5x)."""
    repeat = 10 if is_quick else REPEAT
    with tempfile.TemporaryDirectory(prefix="dbs") as folder:
        url = db.url(Path(folder), "submission")
        migrations.upgrade(url)
        app = create_app(
            {
                **BENCH_SETTINGS,
                "database_url": url,
                "instance_path": str(Path(folder) / "i"),
                "gnupg_home": str(Path(folder) / "g"),
            }
        )
        services = app.extensions["disclosure"]
        empty_tables(services.engine)
        keyring = services.keyring()
        key = keyring.generate_key("Bench", "bench@example.org")
        with Session(services.engine) as session:
            programs.create_program(
                session,
                Actor.system("bench"),
                slug="bench",
                name="Bench",
                policy_name="project-zero",
                key=key,
                has_secret_key=True,
                now=services.clock(),
                known_policies=services.policies,
            )
            session.commit()
        home = str(keyring.home)
        gpg = ["gpg", "--homedir", home, "--batch", "--no-tty", "--quiet"]
        payload = TEXT.encode() + ATTACHMENT
        # Binary output, as the platform stores it.
        encrypt = [*gpg, "--trust-model", "always", "--encrypt", "-r", key.fingerprint]
        client = app.test_client()
        api_body = {
            **_report(TEXT),
            "attachments": [
                {"filename": "poc.bin", "content": base64.b64encode(ATTACHMENT).decode()}
            ],
        }

        def api() -> None:
            response = client.post("/api/v1/programs/bench/reports", json=api_body)
            assert response.status_code == 201, response.get_data(as_text=True)

        def form() -> None:
            data = {**_report(TEXT), "attachments": (io.BytesIO(ATTACHMENT), "poc.bin")}
            response = client.post(
                "/api/v1/programs/bench/reports", data=data, content_type="multipart/form-data"
            )
            assert response.status_code == 201, response.get_data(as_text=True)

        timings = measure_interleaved(
            {
                "start": lambda: subprocess.run(
                    [*gpg, "--version"], check=True, capture_output=True
                ),
                "direct": lambda: subprocess.run(
                    encrypt, input=payload, check=True, capture_output=True
                ),
                "api": api,
                "form": form,
            },
            repeat=repeat,
            warmup=3,
        )
        start, direct, via_api, via_form = (
            timings[name] for name in ("start", "direct", "api", "form")
        )
        print(f"  gpg --version (process start)          {start}")
        print(f"  gpg --encrypt 4 KiB + 1 MiB (baseline) {direct}")
        print(f"  submission via JSON API                {via_api}")
        print(f"  submission via multipart form          {via_form}")
        subprocess.run(["gpgconf", "--homedir", home, "--kill", "all"], check=False)
        services.engine.dispose()
    baseline = "gpg --encrypt, same bytes"
    return [
        Figure(
            "submission",
            "multipart form, 4 KiB + 1 MiB",
            via_form.median_ms,
            baseline,
            direct.median_ms,
            target=at_most(1.5),
        ),
        Figure(
            "submission",
            "JSON API, 4 KiB + 1 MiB (base64)",
            via_api.median_ms,
            baseline,
            direct.median_ms,
            target=at_most(1.5),
        ),
        Figure("submission", "gpg process start", start.median_ms, baseline, direct.median_ms),
    ]
