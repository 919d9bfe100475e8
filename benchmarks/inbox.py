"""The first inbox page (50 rows) with 100,000 cases: titles not decrypted, cold, and warm.

Cases, report blobs and affected products are bulk-inserted with SQLAlchemy core. 500
distinct report documents are encrypted for real to the program's key and shared round-robin
by all 100,000 report blobs (a shared ciphertext decrypts exactly like its own would); their
titles are sealed for real to the program's title key, as intake seals them. Each page is a
real request through Flask's test client, signed in, audited and committed.

Measured: the JSON page without titles (the query and the request alone: the baseline), the
HTML page cold (before every request the process forgets every title and the unwrapped title
key: one gpg decryption of the title key, then 50 sealed titles opened), the same page warm
(title key unwrapped), filtered and searched pages, a page 1,000 pages deep through the keyset
cursor, and last the cold page as it was before sealed titles (the seals dropped: 50 reports
decrypted by gpg, 4 at a time). Runs on a SQLite file, and on PostgreSQL when
DISCLOSURE_BENCH_DATABASE_URL names one (its tables are emptied first).
"""

from __future__ import annotations

import json
import random
import re
import secrets
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlmodel import Session, select

import disclosure.models  # noqa: F401  (fills SQLModel.metadata)
from benchmarks.database import Database, empty_tables, settle
from benchmarks.results import Figure, below
from benchmarks.settings import BENCH_SETTINGS
from benchmarks.timing import Timing, measure, measure_interleaved
from disclosure import create_app, migrations
from disclosure.accounts import service as accounts
from disclosure.accounts.models import UserRole
from disclosure.audit.service import Actor
from disclosure.cases.console import title_keys
from disclosure.cases.console.inbox import Cursor
from disclosure.cases.models import AffectedProduct, Case, CaseBlob
from disclosure.db import make_engine
from disclosure.programs import service as programs
from disclosure.programs.models import MemberRole

CASES = 100_000
TITLES = 500
CHUNK = 10_000
PASSWORD = secrets.token_urlsafe(16)  # a throwaway account in a throwaway database
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PRODUCTS = ["widget-server", "gadget", "acme-cli", "portal", "billing", "sensor-fw", "mobile"]
RATINGS = ["Critical", "High", "Medium", "Low", None, None]
STATES = ["new", "acknowledged", "accepted", "needs_info", "fixed", "spam", "disclosed"]


def run(db: Database, is_quick: bool) -> list[Figure]:
    """The first page at 100,000 cases: cold (target < 250 ms) and warm (< 50 ms)."""
    with tempfile.TemporaryDirectory(prefix="dbi") as folder:
        return _bench(db.label, db.url(Path(folder), "inbox"), Path(folder), is_quick)


def _bench(label: str, url: str, folder: Path, is_quick: bool) -> list[Figure]:
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
    app.extensions["disclosure"].clock = lambda: START
    started = time.perf_counter()
    owner_id = _fill(app)
    filled = time.perf_counter() - started
    client = app.test_client()
    _login(client)
    reader = _reader(client)
    print(f"  {label}: {CASES:,} cases inserted and analysed in {filled:.1f} s", flush=True)

    def page(path: str, *, cold: bool = False) -> None:
        if cold:
            reader.forget()
        response = client.get(path)
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        assert "the title cannot be decrypted" not in response.get_data(as_text=True)

    repeat = 20 if is_quick else 60
    unwraps, decryptions = reader.keys.unwraps, reader.decryptions
    # In turn, round after round: a cold page (the process forgets every title and the
    # unwrapped title key first), then the same page warm, then the page without titles.
    timings = measure_interleaved(
        {
            "cold": lambda: page("/console", cold=True),
            "warm": lambda: page("/console"),
            "plain": lambda: page("/api/v1/cases?titles=false"),
        },
        repeat=repeat // 2,
        warmup=2,
    )
    cold, warm, plain = timings["cold"], timings["warm"], timings["plain"]
    cold_pages = repeat // 2 + 2
    print(
        f"  per cold page: {(reader.keys.unwraps - unwraps) / cold_pages:.1f} title key "
        f"unwrapped, {(reader.decryptions - decryptions) / cold_pages:.1f} reports decrypted"
    )
    warm_api = measure(lambda: page("/api/v1/cases"), repeat=repeat, warmup=2)
    deep = Cursor(*_row_at(app, 50_000)).encode()
    rows = {
        "JSON page, titles not decrypted": plain,
        "HTML page, cold (sealed titles)": cold,
        "HTML page, warm (title key unwrapped)": warm,
        "JSON page, warm": warm_api,
        "  state=new&severity=Critical": _warm(page, "/console?state=new&severity=Critical"),
        f"  assignee={owner_id} (me)": _warm(page, "/console?assignee=me"),
        "  overdue=1": _warm(page, "/console?overdue=1"),
        "  q=gadget (product search)": _warm(page, "/console?q=gadget"),
        "  q=CWE-79": _warm(page, "/console?q=CWE-79"),
        "  page 1,001 (keyset cursor)": _warm(page, f"/console?cursor={deep}"),
    }
    for name, timing in rows.items():
        print(f"  {name:38} {timing}")
    before = _unsealed_cold(app, page, reader)
    print(f"  {'HTML page, cold, titles from reports':38} {before}", flush=True)
    home = str(app.extensions["disclosure"].keyring().home)
    subprocess.run(["gpgconf", "--homedir", home, "--kill", "all"], check=False)
    app.extensions["disclosure"].engine.dispose()
    baseline = "page without titles"
    return [
        Figure(
            "inbox",
            "first page of 50 at 100,000, cold titles",
            cold.median_ms,
            baseline,
            plain.median_ms,
            target=below(250),
        ),
        Figure(
            "inbox",
            "first page of 50 at 100,000, warm titles",
            warm.median_ms,
            baseline,
            plain.median_ms,
            target=below(50),
        ),
        Figure(
            "inbox",
            "the cold page before sealed titles (gpg per title)",
            before.median_ms,
            baseline,
            plain.median_ms,
        ),
    ]


def _unsealed_cold(app: object, page: object, reader: object) -> Timing:
    """The cold page as cases from before sealed titles get it: 50 reports decrypted by gpg."""
    engine = app.extensions["disclosure"].engine  # type: ignore[attr-defined]
    with engine.begin() as connection:
        connection.execute(sa.update(Case).values(title_sealed=None, title_key_id=None))
    before = reader.decryptions  # type: ignore[attr-defined]
    timing = measure(lambda: page("/console", cold=True), repeat=3, warmup=1)  # type: ignore[operator]
    per_page = (reader.decryptions - before) / 4  # type: ignore[attr-defined]
    print(f"  per cold page without sealed titles: {per_page:.1f} reports decrypted")
    return timing


def _warm(page: object, path: str) -> Timing:
    return measure(lambda: page(path), repeat=25, warmup=3)  # type: ignore[operator]


def _reader(client: FlaskClient) -> object:
    client.get("/console")  # makes the app's title reader
    return client.application.extensions["disclosure.titles"]


def _login(client: FlaskClient) -> None:
    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    signed_in = client.post(
        "/login", data={"email": "owner@bench.example", "password": PASSWORD, "csrf_token": token}
    )
    assert signed_in.status_code == 302, signed_in.get_data(as_text=True)


def _row_at(app: object, offset: int) -> tuple[datetime | None, int]:
    engine = app.extensions["disclosure"].engine  # type: ignore[attr-defined]
    with Session(engine) as session:
        case = session.exec(
            select(Case)
            .order_by(Case.next_deadline_at.is_(None), Case.next_deadline_at, Case.id)  # type: ignore[union-attr]
            .offset(offset)
            .limit(1)
        ).one()
        return case.next_deadline_at, case.id or 0


def _fill(app: object) -> int:
    """A program with its key, its owner, and CASES cases with their blobs; the owner's id."""
    services = app.extensions["disclosure"]  # type: ignore[attr-defined]
    keyring = services.keyring()
    key = keyring.generate_key("Bench Security", "security@bench.example")
    with Session(services.engine) as session:
        actor = Actor.system("bench")
        program = programs.create_program(
            session,
            actor,
            slug="bench",
            name="Bench",
            policy_name="project-zero",
            key=key,
            has_secret_key=True,
            now=START,
            known_policies=services.policies,
        )
        owner = accounts.create_user(
            session,
            actor,
            email="owner@bench.example",
            password=PASSWORD,
            role=UserRole.VENDOR,
            now=START,
        )
        programs.add_member(session, actor, program, owner, role=MemberRole.OWNER, now=START)
        title_key = title_keys.title_key_for(
            session, keyring, program.id or 0, [key.fingerprint], START
        )
        session.commit()
        program_id, owner_id = program.id or 0, owner.id or 0
        sealed = [
            (title_keys.seal_title(title_key, _title(n)), title_key.id) for n in range(TITLES)
        ]
    ciphertexts = _ciphertexts(keyring, key.fingerprint)
    rng = random.Random(7)
    cases, blobs, products = [], [], []
    for number in range(CASES):
        case_id = number + 1
        cases.append(_case(rng, case_id, program_id, owner_id, sealed[number % TITLES]))
        ciphertext, digest = ciphertexts[number % TITLES]
        blobs.append(
            {
                "id": case_id,
                "case_id": case_id,
                "kind": "report",
                "ciphertext": ciphertext,
                "sha256": digest,
                "recipients": key.fingerprint,
                "created_at": START,
            }
        )
        product = rng.choice(PRODUCTS)
        products.append(
            {
                "case_id": case_id,
                "vendor": "Bench",
                "product": product,
                "ecosystem": "PyPI",
                "package_name": f"bench-{product}",
                "purl": f"pkg:pypi/bench-{product}",
                "introduced": "0",
                "fixed": "",
                "last_affected": "",
            }
        )
    with services.engine.begin() as connection:
        for table, rows in (
            (Case.__table__, cases),
            (CaseBlob.__table__, blobs),
            (AffectedProduct.__table__, products),
        ):
            for chunk in range(0, len(rows), CHUNK):
                connection.execute(sa.insert(table), rows[chunk : chunk + CHUNK])  # type: ignore[arg-type]
    settle(services.engine)
    return owner_id


def _ciphertexts(keyring: object, fingerprint: str) -> list[tuple[bytes, str]]:
    """TITLES report documents (title and a paragraph of text), each encrypted for real."""
    import hashlib

    def one(n: int) -> tuple[bytes, str]:
        report = {
            "title": _title(n),
            "product": "bench",
            "description": "The widget name is rendered without escaping. " * 12,
            "exploited_in_the_wild": "no",
        }
        document = json.dumps({"format": "disclosure-report/1", "report": report}).encode()
        ciphertext = keyring.encrypt(document, [fingerprint], armor=False)  # type: ignore[attr-defined]
        return ciphertext, hashlib.sha256(ciphertext).hexdigest()

    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(one, range(TITLES)))


def _title(n: int) -> str:
    return f"Benchmark finding {n}: stored XSS in the widget name"


def _case(
    rng: random.Random,
    case_id: int,
    program_id: int,
    owner_id: int,
    sealed: tuple[bytes, int | None],
) -> dict[str, object]:
    has_deadline = rng.random() < 0.9
    rating = rng.choice(RATINGS)
    return {
        "id": case_id,
        "program_id": program_id,
        "state": rng.choice(STATES),
        "tracking_code_hash": f"{case_id:064x}",
        "policy_name": "project-zero",
        "policy_version": 1,
        "exploited_in_the_wild": "yes" if rng.random() < 0.02 else "no",
        "is_pre_encrypted": False,
        "attachment_count": 0,
        "received_at": START - timedelta(days=rng.randint(0, 400)),
        "updated_at": START,
        "version": 1,
        "title_sealed": sealed[0],
        "title_key_id": sealed[1],
        "next_deadline_at": (
            START + timedelta(minutes=rng.randint(-60 * 24 * 30, 60 * 24 * 120))
            if has_deadline
            else None
        ),
        "assignee_id": owner_id if rng.random() < 0.1 else None,
        "cvss_rating": rating,
        "cvss_score": {"Critical": 9.8, "High": 7.5, "Medium": 5.0, "Low": 2.0}.get(rating or ""),
        "cwe": rng.choice(["CWE-79", "CWE-89", "CWE-22", None]),
    }
