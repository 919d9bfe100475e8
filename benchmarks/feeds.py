"""The public feed at 10,000 advisories: documents against the same bytes as a static file.

Ten thousand published advisories are seeded as a release leaves them (every per-advisory
file rendered and stored; the CSAF signature of one real release reused, as nothing here
verifies it). Then, in one process and one run, through the same app:

- `/advisories/feed.atom` and one OSV record, plain and with If-None-Match (304), against the
  same bytes served by the app's own static route, plain and conditional (target: at least
  0.8 of the static file's requests per second);
- what one more release costs in feed work (render and store its files) at 1,000 and at
  10,000 advisories (target: the same: it grows with the change, not the feed), and what
  assembling all.zip and index.txt from the stored parts then costs (copying bytes only).
"""

from __future__ import annotations

import json
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import Session, select

from benchmarks.database import Database, empty_tables
from benchmarks.results import Figure, at_least, at_most
from benchmarks.settings import BENCH_SETTINGS
from benchmarks.timing import measure_interleaved
from disclosure import create_app, migrations
from disclosure.audit.service import Actor
from disclosure.cases.models import Case
from disclosure.feeds import atom, csaf, osv
from disclosure.feeds.document import AdvisoryDocument, AffectedRange, Revision, Score
from disclosure.feeds.encoding import json_bytes
from disclosure.programs import service as programs
from disclosure.publication import aggregates
from disclosure.publication.files import bump_generation, store_files
from disclosure.publication.models import Advisory, AdvisoryListing, AdvisoryState, PublishedFile
from disclosure.publication.publisher import Publisher

ADVISORIES = 10_000
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _doc(n: int, base: str) -> AdvisoryDocument:
    at = START + timedelta(minutes=n)
    return AdvisoryDocument(
        id=f"ACME-2026-{n:05d}",
        program_slug="acme",
        publisher_name="Acme",
        publisher_namespace=base,
        title=f"Advisory {n}: stored XSS in widget {n}",
        summary=f"Widget {n} renders names without escaping them.",
        details_html=f"<p>Details of advisory {n}.</p>",
        details_markdown=f"Details of advisory {n}.",
        affected=(AffectedRange(vendor="Acme", product=f"widget-{n % 50}", fixed="2.4.1"),),
        score=Score(
            version="3.1",
            vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            base_score=9.8,
            severity="Critical",
        ),
        cve_id=f"CVE-2026-{10000 + n}",
        published=at,
        modified=at,
        revisions=(Revision(number=1, date=at, summary="Initial release"),),
        url=f"{base}/advisories/ACME-2026-{n:05d}",
    )


def _seed(session: Session, program_id: int, count: int, ctx, signature: bytes, first: int) -> None:
    """`count` released advisories with every file a release stores (signature reused)."""
    for n in range(first, first + count):
        doc = _doc(n, ctx.base_url)
        case = Case(
            program_id=program_id,
            tracking_code_hash=f"{n:064d}",
            policy_name="cert-cc",
            state="disclosed",
            received_at=doc.published,
            updated_at=doc.published,
        )
        session.add(case)
        session.flush()
        advisory = Advisory(
            case_id=case.id,
            program_id=program_id,
            state=AdvisoryState.PUBLISHED,
            public_id=doc.id,
            published_at=doc.published,
            modified_at=doc.modified,
        )
        session.add(advisory)
        session.flush()
        session.add(
            AdvisoryListing(
                advisory_id=advisory.id,
                public_id=doc.id,
                program_id=program_id,
                title=doc.title,
                summary=doc.summary,
                year=2026,
                published_at=doc.published,
                modified_at=doc.modified,
            )
        )
        data = json_bytes(osv.render(doc))
        member = osv.zip_member(osv.file_name(doc), data)
        path = csaf.relative_path(doc)
        csaf_data = json_bytes(csaf.render(doc, ctx))
        sha256, sha512 = csaf.hashes(csaf_data, path.rsplit("/", 1)[1])
        rolie = json.dumps(csaf.rolie_entry(ctx, doc), separators=(",", ":"), sort_keys=True)
        for file_path, kind, body, extra in (
            (f"osv/{osv.file_name(doc)}", "osv", data, member),
            (f"csaf/{path}", "csaf", csaf_data, None),
            (f"csaf/{path}.sha256", "csaf-sha256", sha256.encode(), None),
            (f"csaf/{path}.sha512", "csaf-sha512", sha512.encode(), None),
            (f"csaf/{path}.asc", "csaf-asc", signature, None),
            (f"atom/{doc.id}.xml", "atom-entry", atom.render_entry(doc, ctx), None),
            (f"rolie/{doc.id}.json", "rolie-entry", rolie.encode(), None),
        ):
            session.add(
                PublishedFile(
                    advisory_id=advisory.id,
                    path=file_path,
                    kind=kind,
                    media_type="application/json",
                    content=body,
                    etag=str(n),
                    modified_at=doc.modified,
                    deflated=extra.deflated if extra else None,
                    crc32=extra.crc32 if extra else None,
                )
            )
        if n % 1000 == 0:
            session.commit()
    session.commit()


def _one_more_release(session: Session, pub: Publisher, ctx, signer, n: int) -> float:
    """Milliseconds of feed work one more release costs: its files, then the generation."""
    doc = _doc(n, ctx.base_url)
    case = Case(
        program_id=1,
        tracking_code_hash=f"{n:064d}",
        policy_name="cert-cc",
        state="disclosed",
        received_at=doc.published,
        updated_at=doc.published,
    )
    session.add(case)
    session.flush()
    advisory = Advisory(
        case_id=case.id,
        program_id=1,
        state=AdvisoryState.PUBLISHED,
        public_id=doc.id,
        published_at=doc.published,
        modified_at=doc.modified,
    )
    session.add(advisory)
    session.flush()
    started = time.perf_counter()
    store_files(session, advisory.id, doc, ctx, signer=signer, cna=pub.cna(), now=doc.modified)
    bump_generation(session, doc.modified)
    session.commit()
    return (time.perf_counter() - started) * 1000


def run(db: Database, is_quick: bool) -> list[Figure]:
    """Feed documents against the static file (target >= 0.8), a release at 1k vs 10k."""
    repeat = 100 if is_quick else 300
    with tempfile.TemporaryDirectory(prefix="dbench") as folder:
        url = db.url(Path(folder), "feeds")
        migrations.upgrade(url)
        app = create_app(
            {
                **BENCH_SETTINGS,
                "database_url": url,
                "instance_path": str(Path(folder) / "i"),
                "gnupg_home": str(Path(tempfile.mkdtemp(prefix="g")) / "g"),
                "feed_cache_seconds": 1,
            }
        )
        services = app.extensions["disclosure"]
        empty_tables(services.engine)
        keyring = services.keyring()
        key = keyring.generate_key("bench", "bench@acme.example")
        pub = Publisher(keyring=keyring, policies=services.policies, services=services)
        with Session(services.engine) as session:
            program = programs.create_program(
                session,
                Actor.system("bench"),
                slug="acme",
                name="Acme",
                policy_name="cert-cc",
                key=key,
                has_secret_key=True,
                now=START,
                known_policies=services.policies,
            )
            session.commit()
            ctx, signer = pub.context(session, START)
            session.commit()
            signature = keyring.sign_detached(b"x", signer.fingerprint).encode()
            print(f"  seeding {ADVISORIES} advisories ...", flush=True)
            _seed(session, program.id, 1000, ctx, signature, 1)
            at_1k = min(_one_more_release(session, pub, ctx, signer, 900_000 + i) for i in range(5))
            _seed(session, program.id, ADVISORIES - 1000, ctx, signature, 1001)
            at_10k = min(
                _one_more_release(session, pub, ctx, signer, 910_000 + i) for i in range(5)
            )
        client = app.test_client()
        atom_body = client.get("/advisories/feed.atom").get_data()
        osv_path = f"/advisories/ACME-2026-{5000:05d}.osv.json"
        osv_body = client.get(osv_path).get_data()
        static = Path(folder) / "static"
        static.mkdir()
        (static / "feed.atom").write_bytes(atom_body)
        (static / "record.json").write_bytes(osv_body)
        app.static_folder = str(static)
        rows = []
        for label, path, static_path in (
            ("/advisories/feed.atom", "/advisories/feed.atom", "/static/feed.atom"),
            ("one OSV record", osv_path, "/static/record.json"),
        ):
            ours = client.get(path)
            theirs = client.get(static_path)
            assert ours.get_data() == theirs.get_data()
            for how, headers_ours, headers_static in (
                ("plain", {}, {}),
                (
                    "conditional (304)",
                    {"If-None-Match": ours.headers["ETag"]},
                    {"If-None-Match": theirs.headers["ETag"]},
                ),
            ):
                timings = measure_interleaved(
                    {
                        "static": lambda p=static_path, h=headers_static: client.get(p, headers=h),
                        "ours": lambda p=path, h=headers_ours: client.get(p, headers=h),
                    },
                    repeat=repeat,
                )
                baseline, measured = timings["static"], timings["ours"]
                rows.append(
                    Figure(
                        "feeds",
                        f"{label} at {ADVISORIES:,}, {how}",
                        1000 / measured.median_ms,
                        "same bytes, static route",
                        1000 / baseline.median_ms,
                        unit="req/s",
                        target=at_least(0.8),
                    )
                )
        with Session(services.engine) as session:
            changed = START
            zip_ms = _timed(lambda: aggregates.osv_zip(session, changed))
            index_ms = _timed(lambda: aggregates.index_txt(session, changed))
            count = len(
                session.exec(select(PublishedFile.id).where(PublishedFile.kind == "osv")).all()
            )
        print(
            f"  then, on the first request after it: all.zip {zip_ms:7.1f} ms, index.txt "
            f"{index_ms:6.1f} ms for {count} records (copying stored bytes, no compression)"
        )
        services.engine.dispose()
    return [
        *rows,
        Figure(
            "feeds",
            f"one more release's feed work at {ADVISORIES:,}",
            at_10k,
            "the same at 1,000",
            at_1k,
            target=at_most(1.5),
        ),
    ]


def _timed(call) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000
