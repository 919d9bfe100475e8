"""Pure helpers for the keyring: input validation and parsing of gpg's status output."""

from __future__ import annotations

import re
from typing import Any

from disclosure.crypto.errors import CryptoError

_FPR_RE = re.compile(r"^[0-9A-F]{40}$")
_STATUS_PREFIX = "[GNUPG:] "
_BAD_PASSPHRASE = 11  # GPG_ERR_BAD_PASSPHRASE
_BAD_SIGNATURE = frozenset(
    {"BADSIG", "ERRSIG", "EXPSIG", "EXPKEYSIG", "REVKEYSIG", "NO_PUBKEY", "NODATA"}
)
# Status keywords meaning gpg could not parse the input as an OpenPGP message.
MALFORMED = frozenset({"NODATA", "UNEXPECTED", "FAILURE", "DECRYPTION_FAILED", "BADMDC"})


def fingerprint(value: str) -> str:
    """Normalise a fingerprint to 40 upper-case hex chars or raise CryptoError."""
    fpr = "".join(str(value).split()).upper()
    if not _FPR_RE.match(fpr):
        raise CryptoError("not a valid OpenPGP fingerprint (expected 40 hex characters)")
    return fpr


def status_lines(stderr: str | None) -> list[tuple[str, str]]:
    """The (keyword, value) pairs of gpg's `[GNUPG:]` status lines."""
    pairs = []
    for line in (stderr or "").splitlines():
        if line.startswith(_STATUS_PREFIX):
            keyword, _, value = line[len(_STATUS_PREFIX) :].partition(" ")
            pairs.append((keyword, value.strip()))
    return pairs


def utf8(value: str) -> str:
    """Re-decode a string python-gnupg decoded as latin-1 into the UTF-8 gpg actually emits."""
    return value.encode("latin-1", "replace").decode("utf-8", "replace")


def as_bytes(data: bytes | str) -> bytes:
    """`data` as bytes, encoding text as UTF-8."""
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def check_passphrase(passphrase: str) -> None:
    """Raise ValueError unless the passphrase can travel safely over gpg's passphrase fd."""
    if (
        not isinstance(passphrase, str)
        or not passphrase
        or not passphrase.isprintable()
        or any(ord(c) > 255 for c in passphrase)
    ):
        raise ValueError("keyring passphrase must be non-empty printable latin-1 text")


def gen_key_params(name: str, email: str, passphrase: str, *, protected: bool = True) -> bytes:
    """The `gpg --gen-key` batch parameters for an ed25519 + cv25519 key (fed through stdin)."""
    name = name.strip() if isinstance(name, str) else ""
    email = email.strip() if isinstance(email, str) else ""
    if not name or not name.isprintable() or any(c in name for c in "<>"):
        raise CryptoError("invalid name for an OpenPGP user id")
    local, at, domain = email.partition("@")
    if not (local and at and domain) or not email.isprintable() or any(c in email for c in "<> "):
        raise CryptoError("invalid email for an OpenPGP user id")
    text = (
        "Key-Type: EDDSA\nKey-Curve: ed25519\nKey-Usage: sign\n"
        "Subkey-Type: ECDH\nSubkey-Curve: cv25519\nSubkey-Usage: encrypt\n"
        f"Name-Real: {name}\nName-Email: {email}\nExpire-Date: 0\n"
    )
    if not protected:
        return text.encode("utf-8") + b"%no-protection\n%commit\n"
    # python-gnupg sends loopback passphrases as latin-1: protect the key with the same bytes.
    return text.encode("utf-8") + b"Passphrase: " + passphrase.encode("latin-1") + b"\n%commit\n"


def decrypt_failure(result: Any) -> str:
    """A safe reason for a failed decryption: gpg's status, never its data."""
    for keyword, value in status_lines(result.stderr):
        code = value.split()[-1] if value else ""
        if keyword == "BAD_PASSPHRASE" or (
            keyword == "ERROR" and code.isdigit() and int(code) & 0xFFFF == _BAD_PASSPHRASE
        ):
            return "bad passphrase"
    return result.status or "gpg error"


def good_signer(result: Any) -> str:
    """The primary fingerprint behind exactly one good signature, else CryptoError."""
    keywords = [keyword for keyword, _ in status_lines(result.stderr)]
    if (
        not result.valid
        or result.returncode != 0
        or result.problems
        or keywords.count("VALIDSIG") != 1
        or _BAD_SIGNATURE.intersection(keywords)
        or not result.pubkey_fingerprint
    ):
        raise CryptoError(f"signature verification failed ({result.status or 'no signature'})")
    return fingerprint(result.pubkey_fingerprint)
