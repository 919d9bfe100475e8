"""Sealed titles: each program's title key, sealing a title at intake, opening it in the inbox.

Decrypting a title from its OpenPGP report costs a gpg process and a full S2K unlock of the
passphrase-protected program key (~50 ms: gpg-agent caches passphrases, never unlocked keys),
so a cold page of 50 titles took ~1.8 s. Instead, intake also seals the title to the
program's title key (an X25519 sealed box: sealing needs only the public half), and the
inbox unwraps the title key's secret once, with one ordinary `Keyring.decrypt`, then opens
each title in microseconds.

What it trades: the secret that opens titles (and only titles) stays in this process's memory
for up to TTL_SECONDS after the last page that needed it, beside the keyring passphrase that
is there anyway; at rest it is only ever an OpenPGP message to the program's keys, so the
database, backups and the GnuPG home reveal no more than before. A title key belongs to one
set of program keys: a rotation seals the titles it re-encrypts to a new one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from disclosure.cases.models import TitleKey
from disclosure.crypto import CryptoError, Keyring, SealingKey, seal

MAX_TITLE = 200  # characters of a title the inbox shows
TTL_SECONDS = 15 * 60.0  # an unwrapped title key leaves memory this long after its last use


def context(program_id: int, key_id: int) -> bytes:
    """What a sealed title is bound to: its program and its title key."""
    return f"disclosure-title/1 program={program_id} key={key_id}".encode()


def title_key_for(
    session: Session, keyring: Keyring, program_id: int, fingerprints: Sequence[str], now: datetime
) -> TitleKey:
    """The program's title key for these program keys, made (and wrapped to them) if missing."""
    recipients = " ".join(fingerprints)
    query = select(TitleKey).where(
        TitleKey.program_id == program_id, TitleKey.recipients == recipients
    )
    if (found := session.exec(query).first()) is not None:
        return found
    fresh = SealingKey.generate()
    key = TitleKey(
        program_id=program_id,
        recipients=recipients,
        public_key=fresh.public_key,
        wrapped_secret=keyring.encrypt(fresh.secret(), list(fingerprints), armor=False),
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(key)
            session.flush()
    except sa.exc.IntegrityError:  # a concurrent submission made it first: use theirs
        return session.exec(query).one()
    return key


def seal_title(key: TitleKey, title: str) -> bytes:
    """The title (as the inbox shows it) sealed to `key`."""
    return seal(
        key.public_key,
        title[:MAX_TITLE].encode("utf-8"),
        context=context(key.program_id, key.id or 0),
    )


class UnlockedTitleKeys:
    """Unwrapped title keys by id, in memory only, each forgotten TTL_SECONDS after last use."""

    def __init__(
        self, *, ttl_seconds: float = TTL_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._keys: dict[int, tuple[float, int, SealingKey]] = {}  # id: (expiry, program, key)
        self._ttl = ttl_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self.unwraps = 0  # gpg decryptions of title keys (read by tests and benchmarks)

    def open(
        self, session: Session, keyring: Callable[[], Keyring], key_id: int, box: bytes
    ) -> str:
        """The sealed title's text; CryptoError when its key or the box cannot be opened."""
        program_id, key = self._cached(key_id) or self._unwrap(session, keyring, key_id)
        return key.open(box, context=context(program_id, key_id)).decode("utf-8", "replace")

    def _cached(self, key_id: int) -> tuple[int, SealingKey] | None:
        now = self._clock()
        with self._lock:
            entry = self._keys.get(key_id)
            if entry is None or entry[0] <= now:
                self._keys.pop(key_id, None)
                return None
            self._keys[key_id] = (now + self._ttl, entry[1], entry[2])
            return entry[1], entry[2]

    def _unwrap(
        self, session: Session, keyring: Callable[[], Keyring], key_id: int
    ) -> tuple[int, SealingKey]:
        """One gpg decryption (one unlock of the program key) makes the title key usable."""
        row = session.get(TitleKey, key_id)
        if row is None:
            raise CryptoError(f"title key {key_id} not found")
        key = SealingKey(keyring().decrypt(row.wrapped_secret))
        if key.public_key != row.public_key:
            raise CryptoError(f"title key {key_id} does not match its public half")
        with self._lock:
            self.unwraps += 1
            self._keys[key_id] = (self._clock() + self._ttl, row.program_id, key)
        return row.program_id, key

    def clear(self) -> None:
        """Forget every unwrapped key (after an incident, or to measure a cold page)."""
        with self._lock:
            self._keys.clear()

    def __len__(self) -> int:
        return len(self._keys)
