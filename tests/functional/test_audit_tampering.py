"""The audit chain against someone with write access to the database: raw SQL edits, deletes,
inserts and truncates it; a full rewrite recomputes every hash. The chain itself catches the
first three; truncation and a rewrite need a checkpoint of its head kept elsewhere.

On PostgreSQL a trigger refuses UPDATE and DELETE on the table; the attacker here owns the
table and turns the trigger off first, as a real one could.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from disclosure.audit.models import AuditEvent
from disclosure.audit.service import GENESIS, Checkpoint, chain_head, event_hash, verify_chain
from disclosure.cli import main
from tests.factories import make_user

TRIGGER = "audit_event_append_only"


@pytest.fixture
def chain(app: Flask) -> sa.Engine:
    """Five events (one per account created) in the app's database."""
    for n in range(5):
        make_user(app, f"user{n}@example.org")
    return app.extensions["disclosure"].engine


@contextmanager
def tampering(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A transaction that may change the audit table (the PostgreSQL trigger switched off)."""
    with engine.begin() as connection:
        is_postgresql = connection.dialect.name == "postgresql"
        if is_postgresql:
            connection.execute(sa.text(f"ALTER TABLE audit_event DISABLE TRIGGER {TRIGGER}"))
        yield connection
        if is_postgresql:
            connection.execute(sa.text(f"ALTER TABLE audit_event ENABLE TRIGGER {TRIGGER}"))


def _ids(engine: sa.Engine) -> list[int]:
    with engine.connect() as connection:
        return list(connection.execute(sa.text("SELECT id FROM audit_event ORDER BY id")).scalars())


def _breaks(engine: sa.Engine, checkpoint: Checkpoint | None = None) -> list[tuple[int, str]]:
    from sqlmodel import Session

    with Session(engine) as session:
        return [(b.event_id, b.reason) for b in verify_chain(session, checkpoint=checkpoint)]


def _head(engine: sa.Engine) -> Checkpoint:
    from sqlmodel import Session

    with Session(engine) as session:
        head = chain_head(session)
    assert head is not None
    return head


def test_an_intact_chain_verifies(chain: sa.Engine) -> None:
    assert _breaks(chain) == []
    assert _breaks(chain, _head(chain)) == []


def test_postgresql_refuses_changes_while_the_trigger_is_on(chain: sa.Engine) -> None:
    if chain.dialect.name != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's")
    for statement in ("UPDATE audit_event SET actor = 'x'", "DELETE FROM audit_event"):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), chain.begin() as conn:
            conn.execute(sa.text(statement))
    assert _breaks(chain) == []


def test_an_edited_row_is_detected(chain: sa.Engine) -> None:
    target = _ids(chain)[2]
    with tampering(chain) as connection:
        connection.execute(
            sa.text("UPDATE audit_event SET actor = 'someone else' WHERE id = :id"), {"id": target}
        )
    assert _breaks(chain) == [(target, "content does not match its hash")]


def test_a_deleted_row_is_detected(chain: sa.Engine) -> None:
    ids = _ids(chain)
    with tampering(chain) as connection:
        connection.execute(sa.text("DELETE FROM audit_event WHERE id = :id"), {"id": ids[1]})
    assert _breaks(chain) == [(ids[2], "link to the previous event is broken")]


def test_an_inserted_row_is_detected(chain: sa.Engine) -> None:
    ids = _ids(chain)
    with tampering(chain) as connection:
        # Make room after the third event (ids are not hashed: moving rows alone goes unseen)...
        for row_id in reversed(ids[3:]):
            connection.execute(
                sa.text("UPDATE audit_event SET id = id + 100 WHERE id = :id"), {"id": row_id}
            )
    assert _breaks(chain) == []
    with tampering(chain) as connection:
        # ...and slip in a forged event with a well-formed hash. Its link cannot name the third
        # event's hash (the fourth already does, and prev_hash is unique), so it names another.
        forged = AuditEvent(
            id=ids[2] + 1,
            at=datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
            actor="admin@example.org",
            action="user.create",
            details="{}",
            prev_hash="f" * 64,
            hash="",
        )
        forged.hash = event_hash(forged)
        connection.execute(sa.insert(AuditEvent).values(**forged.model_dump()))
    assert _breaks(chain) == [
        (ids[2] + 1, "link to the previous event is broken"),
        (ids[3] + 100, "link to the previous event is broken"),
    ]


def test_a_truncated_tail_needs_the_checkpoint(chain: sa.Engine) -> None:
    checkpoint = _head(chain)
    ids = _ids(chain)
    with tampering(chain) as connection:
        connection.execute(sa.text("DELETE FROM audit_event WHERE id >= :id"), {"id": ids[3]})
    # What is left is a valid chain: on its own it cannot show that its end is gone.
    assert _breaks(chain) == []
    assert _breaks(chain, checkpoint) == [
        (
            ids[2],
            f"the chain ends before the checkpoint's event {checkpoint.event_id}: "
            "events were removed from its end",
        )
    ]

    checkpoint, target = _head(chain), _ids(chain)[1]
    checkpoint = _head(chain)
    with tampering(chain) as connection:
        connection.execute(
            sa.text("UPDATE audit_event SET actor = 'nobody' WHERE id = :id"),
            {"id": target},
        )
        prev = GENESIS
        rows = connection.execute(sa.select(AuditEvent).order_by(AuditEvent.id)).mappings().all()
        for row in rows:  # recompute every link and hash, as an attacker who read the code can
            event = AuditEvent(**{**row, "prev_hash": prev, "hash": ""})
            event.hash = event_hash(event)
            connection.execute(
                sa.text("UPDATE audit_event SET prev_hash = :p, hash = :h WHERE id = :id"),
                {"p": prev, "h": event.hash, "id": row["id"]},
            )
            prev = event.hash
    assert _breaks(chain) == []  # consistent in itself
    assert _breaks(chain, checkpoint) == [
        (checkpoint.event_id, "differs from the checkpoint: the chain was rewritten")
    ]


def test_the_cli_keeps_and_checks_a_checkpoint(
    chain: sa.Engine, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    head = runner.invoke(main, ["audit", "checkpoint"], catch_exceptions=False)
    assert head.exit_code == 0
    saved = tmp_path / "head.json"
    saved.write_text(head.output)
    assert Checkpoint.from_json(head.output) == _head(chain)
    intact = runner.invoke(main, ["audit", "verify", "--checkpoint", str(saved)])
    assert intact.output.strip() == "audit chain intact"
    last = _ids(chain)[-1]
    with tampering(chain) as connection:
        connection.execute(sa.text("DELETE FROM audit_event WHERE id = :id"), {"id": last})
    broken = runner.invoke(main, ["audit", "verify", "--checkpoint", str(saved)])
    assert broken.exit_code == 1
    assert "events were removed from its end" in broken.output
    saved.write_text("not json")
    bad = runner.invoke(main, ["audit", "verify", "--checkpoint", str(saved)])
    assert bad.exit_code == 2
    assert "a checkpoint is JSON" in bad.output
