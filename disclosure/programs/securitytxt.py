"""security.txt (RFC 9116) and the public key of a program, as served to researchers.

Each open program has its own file at /programs/<slug>/security.txt. The site-wide
/.well-known/security.txt describes the *default program*: the open program with the lowest id
(the first one created that still takes reports). There is no setting for it on purpose: one
rule fewer to configure, and closing that program moves the well-known file to the next one.
When no program is open there is no default program and the well-known file is a 404.

The file is cleartext-signed with the program's key (RFC 9116 section 2.3) unless the program
is offline-only, whose secret key the server does not hold; that file is served unsigned.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, select

from disclosure.crypto import CryptoError, Keyring
from disclosure.errors import NotFound
from disclosure.programs.models import Program, ProgramKey
from disclosure.programs.service import active_keys, find_program

log = logging.getLogger(__name__)

# RFC 9116 asks for less than a year; a month keeps a stale copy from living long.
LIFETIME = timedelta(days=30)
_PLAIN_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+$")


def open_program(session: Session, slug: str) -> Program:
    """The open program with this slug, or NotFound (closed programs are not advertised)."""
    program = find_program(session, slug)
    if program is None or not program.is_open:
        raise NotFound(f"No program {slug!r}.")
    return program


def default_program(session: Session) -> Program:
    """The program /.well-known/security.txt describes: the open one with the lowest id."""
    program = session.exec(
        select(Program).where(Program.is_open).order_by(col(Program.id)).limit(1)
    ).first()
    if program is None:
        raise NotFound("No program is open.")
    return program


def armored_public_keys(session: Session, program: Program) -> str:
    """The program's active public keys, ASCII-armored one after the other."""
    keys = active_keys(session, program)
    if not keys:
        raise NotFound(f"Program {program.slug!r} has no active key.")
    return "".join(key.public_key.strip() + "\n" for key in keys)


def program_url(base_url: str, slug: str) -> str:
    return f"{base_url}/programs/{slug}"


def well_known_url(base_url: str) -> str:
    return f"{base_url}/.well-known/security.txt"


def program_security_txt_url(base_url: str, slug: str) -> str:
    return f"{program_url(base_url, slug)}/security.txt"


def document(program: Program, *, base_url: str, canonical: str, expires: datetime) -> str:
    """The unsigned security.txt fields for `program`, served at `canonical`."""
    home = program_url(base_url, program.slug)
    # The form comes first (RFC 9116: the first Contact is preferred): reports sent through it
    # are encrypted before they are stored and start the policy's clock.
    lines = [f"Contact: {home}/report"]
    if _PLAIN_EMAIL.match(program.contact_email):
        lines.append(f"Contact: mailto:{program.contact_email}")
    lines += [
        f"Expires: {expires.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}",
        f"Encryption: {home}/pgp-key.asc",
        f"Policy: {home}",
        # Where the data goes and who can read it (RFC 9116 allows several Policy fields).
        f"Policy: {base_url}/transparency",
        "Preferred-Languages: en",
        f"Canonical: {canonical}",
        # CSAF 2.0 requirement 8: where a trusted provider's metadata is found.
        f"CSAF: {base_url}/.well-known/csaf/provider-metadata.json",
    ]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class _Cached:
    body_key: tuple[str, str, str]  # (signing fingerprint, contact email, slug)
    text: str
    generated_at: datetime
    expires: datetime


# Signed documents per (program id, canonical URL), in each process's memory. Signing costs a
# gpg run (~50 ms), so a document is reused until half its lifetime has passed and then
# renewed: readers always get an Expires at least LIFETIME/2 ahead. Not stored in the
# database because it is cheap to rebuild after a restart and holds nothing worth keeping;
# bounded by the number of programs times two URLs. A program whose key or contact changes
# gets a new document at once (the entry's body_key no longer matches).
_cache: dict[tuple[int, str], _Cached] = {}
_lock = threading.Lock()


def security_txt(
    session: Session,
    keyring: Keyring,
    program: Program,
    *,
    base_url: str,
    canonical: str,
    now: datetime,
) -> str:
    """The program's security.txt, cleartext-signed unless the program is offline-only."""
    signer = _signing_key(session, program)
    body_key = (signer.fingerprint if signer else "", program.contact_email, program.slug)
    cache_key = (program.id or 0, canonical)
    with _lock:
        cached = _cache.get(cache_key)
    if (
        cached is not None
        and cached.body_key == body_key
        and cached.generated_at <= now < cached.expires - LIFETIME / 2
    ):
        return cached.text
    expires = now.replace(microsecond=0) + LIFETIME
    text = document(program, base_url=base_url, canonical=canonical, expires=expires)
    if signer is not None:
        try:
            text = keyring.sign_cleartext(text, signer.fingerprint)
        except CryptoError as exc:
            # Still a valid (unsigned) file; not cached, so the next request tries again.
            log.warning("security.txt of %s served unsigned: %s", program.slug, exc)
            return text
    with _lock:
        _cache[cache_key] = _Cached(body_key, text, now, expires)
    return text


def _signing_key(session: Session, program: Program) -> ProgramKey | None:
    """The newest active key whose secret the server holds; None for offline-only programs."""
    if program.is_offline_only:
        return None
    keys = [key for key in active_keys(session, program) if key.has_secret_key]
    return max(keys, key=lambda key: (key.created_at, key.id or 0), default=None)
