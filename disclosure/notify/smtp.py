"""SMTP delivery: the smtp_url, the shape of a mail on the wire, and one connection per flush.

An encrypted outbox body is sent as inline OpenPGP: a text/plain part holding the armored
message. The outbox stores the encryption of the bare body text, and RFC 3156 (PGP/MIME)
requires the encrypted data to be a whole MIME entity with its own headers; wrapping our
ciphertext in multipart/encrypted would make mail clients read the decrypted first lines as
MIME headers. Every OpenPGP client decrypts an armored block in a plain-text body.

Errors carry the exception's kind and the server's reply, never a message body.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from disclosure.notify.models import OutboxMessage
from disclosure.smtp_url import SmtpConfigError, SmtpTarget, parse_smtp_url

__all__ = [
    "SmtpConfigError",
    "SmtpTarget",
    "SmtpUnavailable",
    "build_mail",
    "connection",
    "parse_smtp_url",
    "send",
]

# What a server refuses for one message; the connection stays usable for the next one.
_MESSAGE_ERRORS = (
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPSenderRefused,
    smtplib.SMTPDataError,
    smtplib.SMTPNotSupportedError,
)


class SmtpUnavailable(Exception):
    """The server cannot be reached or dropped the connection: stop and retry later."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


def build_mail(message: OutboxMessage, *, mail_from: str, now: datetime) -> EmailMessage:
    """The outbox message as an RFC 5322 mail; an encrypted body goes as inline OpenPGP."""
    mail = EmailMessage()
    mail["From"] = mail_from
    mail["To"] = message.recipient
    mail["Subject"] = message.subject
    mail["Date"] = format_datetime(now)
    domain = mail_from.rpartition("@")[2].strip("> ") or "localhost"
    mail["Message-ID"] = make_msgid(idstring=f"outbox.{message.id}", domain=domain)
    mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to this
    body = message.body
    is_7bit = body.isascii() and all(len(line) <= 900 for line in body.splitlines())
    mail.set_content(body, cte="7bit" if is_7bit else "quoted-printable")
    return mail


def short_error(exc: BaseException) -> str:
    """One line naming what went wrong: the exception's kind and the server's reply."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        replies = [f"{code} {_text(reply)}" for code, reply in exc.recipients.values()]
        text = "recipient refused: " + "; ".join(replies)
    elif isinstance(exc, smtplib.SMTPResponseException):
        text = f"{exc.smtp_code} {_text(exc.smtp_error)}"
    else:
        text = str(exc)
    line = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return " ".join(line.split())[:200]


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


@contextmanager
def connection(target: SmtpTarget, *, timeout: float = 30) -> Iterator[smtplib.SMTP]:
    """An SMTP session (TLS and login as the URL asks), always closed afterwards."""
    context = ssl.create_default_context()
    try:
        if target.security == "tls":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                target.host, target.port, timeout=timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(target.host, target.port, timeout=timeout)
    except OSError as exc:
        raise SmtpUnavailable(short_error(exc)) from None
    try:
        if target.security == "starttls":
            smtp.starttls(context=context)
        if target.username:
            smtp.login(target.username, target.password)
        yield smtp
        smtp.quit()
    except OSError as exc:  # smtplib's errors are OSErrors too
        raise SmtpUnavailable(short_error(exc)) from None
    finally:
        smtp.close()


def send(smtp: smtplib.SMTP, mail: EmailMessage, *, mail_from: str, to: str) -> str | None:
    """Send one mail; None when the server took it, else the reason it refused this one.

    Raises SmtpUnavailable when the connection itself failed (the next mail would fail too).
    """
    try:
        smtp.send_message(mail, from_addr=mail_from, to_addrs=[to])
    except _MESSAGE_ERRORS as exc:
        return short_error(exc)
    except OSError as exc:
        raise SmtpUnavailable(short_error(exc)) from None
    return None
