"""Mail delivery through a real SMTP server (aiosmtpd): plain and OpenPGP mail, a server that
is down for a while, a refused recipient, and no report text in any mail."""

from __future__ import annotations

import email
import email.policy
import logging
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from sqlmodel import Session, col, select

from disclosure.accounts.models import TokenScope, User, UserRole
from disclosure.cases.clock.jobs import sweep_due_timers
from disclosure.cases.clock.models import CaseTimer
from disclosure.crypto import Keyring
from disclosure.notify import service as notify
from disclosure.notify.jobs import flush_outbox, retry_delay
from disclosure.notify.models import OutboxMessage
from disclosure.notify.smtp import SmtpConfigError, parse_smtp_url
from tests.conftest import Clock
from tests.factories import add_member, bearer, make_program, make_token, make_user, report_json

CANARY = "CANARY-7f3a9c1e-report-plaintext"
MAIL_FROM = "disclosure@disclosure.example"


@dataclass
class Inbox:
    """An aiosmtpd handler that keeps what it receives; refuses addresses starting "refuse"."""

    port: int
    received: list[tuple[str, bytes]] = field(default_factory=list)  # (recipient, raw mail)

    async def handle_RCPT(  # noqa: N802  (aiosmtpd's hook name)
        self, _server: Any, _session: Any, envelope: Any, address: str, _options: Any
    ) -> str:
        if address.startswith("refuse"):
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802
        for recipient in envelope.rcpt_tos:
            self.received.append((recipient, envelope.original_content or envelope.content))
        return "250 Message accepted for delivery"

    def to(self, recipient: str) -> list[EmailMessage]:
        return [_parse(raw) for to, raw in self.received if to == recipient]


def _parse(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def smtp_server(port: int) -> Iterator[Inbox]:
    """A real SMTP server on 127.0.0.1:port for the duration of the block."""
    inbox = Inbox(port)
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


def _use_smtp(app: Flask, url: str) -> None:
    services = app.extensions["disclosure"]
    services.settings = services.settings.model_copy(
        update={"smtp_url": url, "mail_from": MAIL_FROM}
    )


@pytest.fixture
def inbox(app: Flask) -> Iterator[Inbox]:
    with smtp_server(_free_port()) as running:
        _use_smtp(app, f"smtp://127.0.0.1:{running.port}")
        yield running


@pytest.fixture
def world(app: Flask, client: Any, short_tmp: Path, db_session: Session) -> dict:
    """Acme (project-zero): an owner without a key, a triager with one, a report with CANARY."""
    program = make_program(app, "acme")
    add_member(app, program, make_user(app, "owner@acme.example", UserRole.VENDOR), "owner")
    triager = make_user(app, "triager@acme.example", UserRole.VENDOR)
    add_member(app, program, triager, "triager")
    own_keyring = Keyring(short_tmp / "gpg", passphrase="the triager's own passphrase")
    key = own_keyring.generate_key("Triager", "triager@acme.example")
    app.extensions["disclosure"].keyring().import_public_key(key.public_key)
    user = db_session.get(User, triager.id)
    user.pgp_fingerprint, user.pgp_public_key = key.fingerprint, key.public_key
    db_session.add(user)
    db_session.commit()
    researcher = make_user(app, "r@example.org")
    token = make_token(app, researcher, TokenScope.REPORTS_SUBMIT)
    report = report_json(
        title=f"XSS {CANARY}", description=CANARY, steps_to_reproduce=CANARY, impact=CANARY
    )
    created = client.post("/api/v1/programs/acme/reports", json=report, headers=bearer(token))
    assert created.status_code == 201, created.get_data(as_text=True)
    return {"case": created.get_json()["id"], "triager_keyring": own_keyring}


def _advance_to(clock: Clock, db: Session, deadline: str, level: str) -> None:
    timer = db.exec(
        select(CaseTimer).where(CaseTimer.deadline == deadline, CaseTimer.level == level)
    ).one()
    clock.advance(seconds=(timer.due_at - clock.current).total_seconds())


def _enqueue(app: Flask, clock: Clock, *recipients: str) -> list[int]:
    with Session(app.extensions["disclosure"].engine, expire_on_commit=False) as session:
        rows = [
            notify.enqueue(
                session,
                None,
                notify.Recipient(to),
                subject=f"Hello {to}",
                body=f"Body for {to}",
                now=clock.current,
            )
            for to in recipients
        ]
        session.commit()
        return [row.id for row in rows if row is not None]


def _rows(db: Session, ids: list[int]) -> list[OutboxMessage]:
    db.expire_all()
    query = select(OutboxMessage).where(col(OutboxMessage.id).in_(ids))
    return list(db.exec(query.order_by(col(OutboxMessage.id))))


def test_a_warning_reaches_a_plain_and_an_encrypted_mailbox(app, clock, world, inbox, db_session):
    services = app.extensions["disclosure"]
    _advance_to(clock, db_session, "acknowledge_by", "warn-50")
    assert sweep_due_timers(services, clock.current) == 1
    assert flush_outbox(services, clock.current) >= 2
    (plain,) = inbox.to("owner@acme.example")
    assert plain["From"] == MAIL_FROM
    assert plain["Auto-Submitted"] == "auto-generated"
    assert plain["Subject"].startswith(f"[Acme] Case #{world['case']}: acknowledgement due in")
    assert plain.get_content_type() == "text/plain"
    assert f"Case #{world['case']} of Acme must be acknowledged by" in plain.get_content()
    (secret,) = inbox.to("triager@acme.example")
    armored = secret.get_content()
    assert armored.startswith("-----BEGIN PGP MESSAGE-----")
    assert "must be acknowledged" not in armored
    text = world["triager_keyring"].decrypt(armored).decode()
    assert f"Case #{world['case']} of Acme must be acknowledged by" in text
    delivered = len(inbox.received)
    assert flush_outbox(services, clock.current + timedelta(days=1)) == 0
    assert len(inbox.received) == delivered, "a sent message is never sent again"
    timer_mail = [m for m in db_session.exec(select(OutboxMessage)) if m.dedupe_key]
    assert all(m.sent_at == clock.current and m.attempts == 0 for m in timer_mail)


def test_mail_waits_out_a_server_that_is_down(app, clock, db_session):
    port = _free_port()  # nothing listens here yet
    _use_smtp(app, f"smtp://127.0.0.1:{port}")
    services = app.extensions["disclosure"]
    ids = _enqueue(app, clock, "a@example.org", "b@example.org", "c@example.org")
    started = clock.current
    assert flush_outbox(services, clock.current) == 0
    for row in _rows(db_session, ids):
        assert (row.attempts, row.sent_at) == (1, None)
        assert row.next_attempt_at == started + timedelta(minutes=1)
        assert "Connection" in row.last_error
        assert "Body" not in row.last_error
    assert flush_outbox(services, clock.current) == 0, "not due again before the backoff"
    assert {row.attempts for row in _rows(db_session, ids)} == {1}
    clock.advance(minutes=1)
    assert flush_outbox(services, clock.current) == 0
    assert {row.next_attempt_at for row in _rows(db_session, ids)} == {
        clock.current + timedelta(minutes=2)
    }
    with smtp_server(port) as inbox:
        assert flush_outbox(services, clock.current) == 0
        clock.advance(minutes=2)
        assert flush_outbox(services, clock.current) == 3
        assert flush_outbox(services, clock.current + timedelta(hours=7)) == 0
    assert sorted(to for to, _raw in inbox.received) == [
        "a@example.org",
        "b@example.org",
        "c@example.org",
    ]
    for row in _rows(db_session, ids):
        assert (row.attempts, row.sent_at, row.last_error) == (2, clock.current, "")


def test_a_refused_recipient_is_retried_and_the_others_delivered(app, clock, inbox, db_session):
    services = app.extensions["disclosure"]
    refused, delivered = _enqueue(app, clock, "refuse@example.org", "ok@example.org")
    assert flush_outbox(services, clock.current) == 1
    assert [to for to, _raw in inbox.received] == ["ok@example.org"]
    row, sent = _rows(db_session, [refused, delivered])
    assert (row.sent_at, row.attempts) == (None, 1)
    assert "550 5.1.1 no such mailbox here" in row.last_error
    assert sent.sent_at == clock.current
    for attempt in range(2, 12):
        clock.advance(seconds=retry_delay(attempt - 1).total_seconds())
        flush_outbox(services, clock.current)
    (row,) = _rows(db_session, [refused])
    assert (row.attempts, row.sent_at) == (11, None), "a message is never dropped"
    assert row.next_attempt_at == clock.current + timedelta(hours=6)


def test_without_smtp_url_mail_waits_in_the_outbox(app, clock, db_session, caplog):
    _enqueue(app, clock, "a@example.org", "b@example.org")
    with caplog.at_level(logging.INFO, logger="disclosure.notify.jobs"):
        assert flush_outbox(app.extensions["disclosure"], clock.current) == 0
    assert [r.getMessage() for r in caplog.records] == [
        "outbox: 2 message(s) wait; smtp_url is not set"
    ]
    assert all(row.sent_at is None for row in db_session.exec(select(OutboxMessage)))


def test_no_report_text_in_any_mail(app, clock, world, inbox, db_session, caplog):
    services = app.extensions["disclosure"]
    caplog.set_level(logging.DEBUG)
    for _ in range(75):  # 150 days, past every deadline of the case
        clock.advance(days=2)
        sweep_due_timers(services, clock.current)
        flush_outbox(services, clock.current)
    assert len(inbox.received) >= 12
    for recipient, raw in inbox.received:
        assert CANARY.encode() not in raw
        for part in _parse(raw).walk():
            if part.get_content_maintype() == "text":
                content = part.get_content()
                if "BEGIN PGP MESSAGE" in content:
                    assert recipient == "triager@acme.example"
                    content = world["triager_keyring"].decrypt(content).decode()
                assert CANARY not in content
    assert all(CANARY not in row.body for row in db_session.exec(select(OutboxMessage)))
    assert CANARY not in caplog.text


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.internal", ("plain", "mail.internal", 25, "", "")),
        ("smtp://127.0.0.1:2525", ("plain", "127.0.0.1", 2525, "", "")),
        (
            "smtp+starttls://u%40x:p%2Fw@mx.example:587",
            ("starttls", "mx.example", 587, "u@x", "p/w"),
        ),
        ("smtps://user:pw@mx.example", ("tls", "mx.example", 465, "user", "pw")),
        ("smtp://user:pw@localhost:25", ("plain", "localhost", 25, "user", "pw")),
    ],
)
def test_smtp_urls(url: str, expected: tuple) -> None:
    target = parse_smtp_url(url)
    assert (target.security, target.host, target.port, target.username, target.password) == expected
    assert "pw" not in repr(target) or not target.password


@pytest.mark.parametrize(
    "url",
    ["http://mx.example", "smtp://", "smtp://mx.example:notaport", "smtp://u:secretpw@mx.example"],
)
def test_unusable_smtp_urls_are_refused_without_the_password(url: str) -> None:
    with pytest.raises(SmtpConfigError, match=r"^smtp_url: ") as refused:
        parse_smtp_url(url)
    assert "secretpw" not in str(refused.value)


def test_the_backoff_doubles_up_to_six_hours() -> None:
    delays = [retry_delay(n) for n in range(1, 12)]
    assert delays[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert delays[-1] == timedelta(hours=6)
    assert delays == sorted(delays)
