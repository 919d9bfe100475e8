"""The transparency statement, from the deployment's settings and from what this software
does. An operator states hosting, region, backups, subprocessors and retention; where they
have not, the statement says so rather than guessing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from disclosure.settings import Settings

# The date this text last changed in the software; an operator's own date replaces it.
TEXT_DATE = date(2026, 12, 3)
NOT_STATED = "Not stated by the operator of this installation."

ENCRYPTED = (
    "Reports (every field the researcher writes, the title included), attachments, messages "
    "and internal notes: OpenPGP (GnuPG) to the program's keys, before anything is stored.",
    "Advisory drafts: the same way, until they are published (then they are public).",
    "Each program's private key is kept in the server's GnuPG home (a folder only the server "
    "can read), protected by a passphrase that is never stored in the database. Programs that "
    "are offline-only keep their private key themselves: the server cannot decrypt for them.",
    "Researchers may encrypt a report themselves before sending it; it is stored as sent.",
    "Passwords are stored as argon2id hashes; tracking codes, API tokens and session ids only "
    "as SHA-256 hashes.",
)

PLAINTEXT = (
    (
        "The program, the case's state, dates and deadlines, counts of attachments",
        "the disclosure clock, the inbox and the metrics run on them",
    ),
    ("The in-the-wild answer", "the disclosure deadline depends on it"),
    (
        "What the vendor sets at triage: severity (CVSS), CWE, CVE id, affected products, assignee",
        "search, the public feeds and the inbox filters use them",
    ),
    (
        "The reporter's account (an id), never anything for an anonymous report",
        "to show researchers their own cases",
    ),
    (
        "The audit log: who did what and when, with ids and hashes, never report text",
        "so that every access and change can be checked afterwards",
    ),
    ("Published advisories", "they are public by design"),
)

ACCESS = (
    "The server decrypts a report, its attachments and messages only for the members of the "
    "program it was sent to (owners, triagers, viewers), for administrators, and for the "
    "researcher who sent it; internal notes never for the researcher.",
    "Every decryption is recorded in the audit log (who, when, which item, in which role), a "
    "SHA-256 hash chain that `disclosure audit verify` checks.",
    "Metrics are computed from the metadata above only: nothing is decrypted to count cases.",
)


@dataclass(frozen=True)
class Statement:
    hosting: str
    region: str
    database: str
    backups: str
    subprocessors: tuple[str, ...]
    retention: str
    last_changed: date
    encrypted: tuple[str, ...] = ENCRYPTED
    plaintext: tuple[tuple[str, str], ...] = PLAINTEXT
    access: tuple[str, ...] = ACCESS


def statement(settings: Settings) -> Statement:
    """The statement for this deployment."""
    return Statement(
        hosting=settings.transparency_hosting.strip() or NOT_STATED,
        region=settings.transparency_region.strip() or NOT_STATED,
        database=_database(settings.database_url),
        backups=settings.transparency_backups.strip()
        or f"{NOT_STATED} This software makes no backups by itself.",
        subprocessors=_subprocessors(settings),
        retention=settings.transparency_retention.strip()
        or "Cases, their encrypted content and their metadata are kept until an administrator "
        "deletes them; nothing is purged automatically. Ended sign-in sessions are deleted 30 "
        "days after they end. The audit log is append-only and kept.",
        last_changed=max(filter(None, (settings.transparency_updated, TEXT_DATE))),
    )


def _database(url: str) -> str:
    """The kind of database only: the URL may carry a host name and a password."""
    if url.startswith("postgresql"):
        return "PostgreSQL, run by the operator."
    return "SQLite: one file on the server's own disk."


def _subprocessors(settings: Settings) -> tuple[str, ...]:
    stated = settings.transparency_subprocessors.replace(";", "\n").splitlines()
    if named := tuple(line.strip() for line in stated if line.strip()):
        return named
    if settings.smtp_url:
        return (
            "The mail server this installation sends through (chosen by the operator): it "
            "carries notifications that name only the program, the case number and the "
            "deadline, never report text, encrypted to users who have an OpenPGP key.",
        )
    return ("None: no data leaves this server (mail waits in the outbox: none is configured).",)
