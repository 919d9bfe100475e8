"""Crypto errors; every message is safe to show (never plaintext, never a passphrase)."""

from __future__ import annotations

from collections.abc import Iterable


class CryptoError(Exception):
    """A GnuPG operation failed; the message names the operation and gpg's status only."""


class GpgUnavailable(CryptoError):
    """The gpg binary cannot run, or the GnuPG home directory is unusable."""


class NotEncryptedToKey(CryptoError):
    """An OpenPGP message is not encrypted to any of the expected keys."""

    def __init__(
        self,
        expected_fingerprints: Iterable[str] | str,
        recipient_key_ids: Iterable[str] = (),
        message: str | None = None,
    ) -> None:
        if isinstance(expected_fingerprints, str):
            expected_fingerprints = (expected_fingerprints,)
        self.expected_fingerprints: tuple[str, ...] = tuple(expected_fingerprints)
        self.recipient_key_ids: frozenset[str] = frozenset(recipient_key_ids)
        if message is None:
            expected = ", ".join(self.expected_fingerprints) or "(none)"
            message = f"message is not encrypted to the expected key ({expected})"
        super().__init__(message)
