"""Report titles for the inbox: opened from their sealed copy, else decrypted from the report.

A case submitted since sealed titles exist carries its title sealed to the program's title key
(`title_keys`): the first page that needs that key unwraps it with one gpg decryption, and
every title after that opens in microseconds, with no plaintext cache at all.

Older cases have their title only inside the encrypted report, and decrypting one costs
~50-60 ms (a gpg process and a passphrase unlock: the agent re-derives the key for every use),
so those are decrypted side by side and kept in a small in-memory cache, never on disk, keyed
by (blob id, ciphertext sha256): a key rotation re-encrypts the blob, changes the hash and so
misses by construction. Entries expire after TTL_SECONDS and the least recently used go first
beyond MAX_ENTRIES, so a title does not outlive its readers for long. Both are read only for
rows the inbox query already limited to what the viewer may read.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from disclosure.audit.service import Actor, record
from disclosure.cases.console.title_keys import UnlockedTitleKeys
from disclosure.cases.envelope import read_report_document
from disclosure.cases.models import BlobKind, Case, CaseBlob
from disclosure.crypto import CryptoError, Keyring
from disclosure.programs.models import Program

log = logging.getLogger(__name__)

MAX_ENTRIES = 5_000  # ~1 MiB of titles at most; a busy team's open cases fit many times over
TTL_SECONDS = 15 * 60.0  # a title leaves memory at most 15 minutes after it was decrypted
WORKERS = 4  # gpg processes at once: beyond this the agent's unlocks queue up anyway
Key = tuple[int, str]  # (blob id, ciphertext sha256)


@dataclass(frozen=True)
class Title:
    text: str
    is_decrypted: bool  # False: `text` says why there is no title to show


OFFLINE = Title("(offline-only program: decrypt it on your own machine)", False)
PRE_ENCRYPTED = Title("(encrypted by the researcher: open the case to read it)", False)
UNAVAILABLE = Title("(the title cannot be decrypted right now)", False)
UNTITLED = Title("(no title)", False)


class TitleCache:
    """Decrypted titles by (blob id, sha256): bounded, expiring, thread-safe, memory only."""

    def __init__(
        self,
        *,
        max_entries: int = MAX_ENTRIES,
        ttl_seconds: float = TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._entries: OrderedDict[Key, tuple[float, str]] = OrderedDict()
        self._max = max_entries
        self._ttl = ttl_seconds
        self._clock = clock
        self._lock = threading.Lock()

    def get(self, key: Key) -> str | None:
        """The cached title, or None when absent or expired."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] <= self._clock():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: Key, title: str) -> None:
        """Remember a title until it expires or is pushed out by newer ones."""
        with self._lock:
            self._entries[key] = (self._clock() + self._ttl, title)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget every title (e.g. after retiring a key or on an incident)."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


class TitleReader:
    """Titles for a page of cases: from the cache, else decrypted in a small thread pool."""

    def __init__(self, cache: TitleCache | None = None, *, workers: int = WORKERS) -> None:
        self.cache = cache if cache is not None else TitleCache()
        self.keys = UnlockedTitleKeys()
        self.workers = workers
        self.decryptions = 0  # gpg decryptions made for titles (read by tests and benchmarks)
        self._lock = threading.Lock()

    def decrypt(self, keyring: Keyring, ciphertext: bytes) -> bytes:
        """The one place titles are decrypted: counts each gpg call."""
        with self._lock:
            self.decryptions += 1
        return keyring.decrypt(ciphertext)

    def remember(self, blob: CaseBlob, title: str) -> None:
        """Cache a title decrypted elsewhere (the case page reads the whole report anyway)."""
        self.cache.put((blob.id or 0, blob.sha256), title[:200])

    def titles(
        self,
        session: Session,
        cases: Sequence[tuple[Case, Program]],
        keyring: Callable[[], Keyring],
    ) -> tuple[dict[int, Title], int]:
        """Each case's title (or why there is none) and how many were decrypted now."""
        found: dict[int, Title] = {}
        wanted: list[int] = []
        opened = 0
        failed: set[int] = set()  # title keys that would not unwrap: not retried in this page
        for case, program in cases:
            if program.is_offline_only:
                found[case.id or 0] = OFFLINE
            elif case.is_pre_encrypted:
                found[case.id or 0] = PRE_ENCRYPTED
            elif (text := self._open(session, case, keyring, failed)) is not None:
                found[case.id or 0] = Title(text, True) if text else UNTITLED
                opened += 1
            else:
                wanted.append(case.id or 0)
        misses: dict[Key, int] = {}
        for blob_id, case_id, sha256 in _report_blobs(session, wanted):
            if (text := self.cache.get((blob_id, sha256))) is not None:
                found[case_id] = Title(text, True) if text else UNTITLED
            else:
                misses[(blob_id, sha256)] = case_id
        for key, text in self._decrypt_misses(session, list(misses), keyring).items():
            if text is None:
                found[misses[key]] = UNAVAILABLE
                continue
            self.cache.put(key, text)
            found[misses[key]] = Title(text, True) if text else UNTITLED
        for case_id in wanted:
            found.setdefault(case_id, UNTITLED)
        return found, opened + len(misses)

    def _open(
        self, session: Session, case: Case, keyring: Callable[[], Keyring], failed: set[int]
    ) -> str | None:
        """The case's sealed title, or None: not sealed, or its key would not open it."""
        key_id = case.title_key_id
        if case.title_sealed is None or key_id is None or key_id in failed:
            return None
        try:
            return self.keys.open(session, keyring, key_id, case.title_sealed)
        except CryptoError as exc:
            log.warning("sealed title of case %s not opened: %s", case.id, exc)
            failed.add(key_id)
            return None

    def forget(self) -> None:
        """Drop every cached title and unwrapped title key (e.g. after an incident)."""
        self.cache.clear()
        self.keys.clear()

    def _decrypt_misses(
        self, session: Session, keys: list[Key], keyring: Callable[[], Keyring]
    ) -> dict[Key, str | None]:
        if not keys:
            return {}
        ciphertexts = dict(
            session.exec(
                select(CaseBlob.id, CaseBlob.ciphertext).where(
                    col(CaseBlob.id).in_([blob_id for blob_id, _sha in keys])
                )
            ).all()
        )
        try:
            opened = keyring()
        except CryptoError:
            return dict.fromkeys(keys)

        def title_of(key: Key) -> str | None:
            try:
                plaintext = self.decrypt(opened, ciphertexts[key[0]])
            except CryptoError as exc:
                log.warning("title of blob %s not decrypted: %s", key[0], exc)
                return None
            return str(read_report_document(plaintext).get("title") or "")[:200]

        if len(keys) == 1:
            return {keys[0]: title_of(keys[0])}
        with ThreadPoolExecutor(max_workers=min(self.workers, len(keys))) as pool:
            return dict(zip(keys, pool.map(title_of, keys), strict=True))


def _report_blobs(session: Session, case_ids: list[int]) -> list[tuple[int, int, str]]:
    """(blob id, case id, sha256) of each case's report blob, without loading ciphertext."""
    if not case_ids:
        return []
    rows = session.exec(
        select(CaseBlob.id, CaseBlob.case_id, CaseBlob.sha256)
        .where(col(CaseBlob.case_id).in_(case_ids), CaseBlob.kind == BlobKind.REPORT)
        .order_by(col(CaseBlob.id))
    ).all()
    first: dict[int, tuple[int, int, str]] = {}
    for blob_id, case_id, sha256 in rows:
        first.setdefault(case_id, (blob_id or 0, case_id, sha256))
    return list(first.values())


def show_titles(
    session: Session,
    reader: TitleReader,
    cases: Sequence[tuple[Case, Program]],
    keyring: Callable[[], Keyring],
    *,
    actor: Actor,
    now: datetime,
) -> dict[int, Title]:
    """The titles of a page, audited as one event naming the cases whose titles were shown.

    One event per page view, not one per title: the fact worth recording is who saw which
    titles, and 50 chained events per page would make every inbox view a serialised burst
    of writes (the chain takes a lock) while saying nothing more.
    """
    titles, decrypted = reader.titles(session, cases, keyring)
    shown = sorted(case_id for case_id, title in titles.items() if title.is_decrypted)
    if shown:
        record(
            session,
            actor,
            "case.list_titles",
            now=now,
            subject_type="inbox",
            details={"cases": shown, "decrypted": decrypted},
        )
    return titles
