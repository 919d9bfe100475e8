"""Small secrets sealed with AES-256-GCM under a key derived from an instance secret.

For values the server must read back by itself on every use (a TOTP seed at each sign-in),
where an OpenPGP round trip through gpg would cost a process start and a passphrase unlock.
The key is derived with HKDF-SHA256 from a secret that is never in the database, with a
purpose label, so a database dump alone reveals no sealed value and one purpose's key opens
nothing sealed for another. The `context` (a row id) is authenticated data: a sealed value
copied onto another row does not open there.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from disclosure.crypto.errors import CryptoError

_VERSION = "v1"
_NONCE_BYTES = 12


class SealBroken(CryptoError):
    """A sealed value does not open: wrong key (the instance secret changed), or tampered."""


class SecretBox:
    """Seal and open short secrets for one purpose."""

    def __init__(self, instance_secret: str, purpose: str) -> None:
        if not instance_secret:
            raise ValueError("an instance secret is needed to derive the sealing key")
        key = HKDF(
            algorithm=hashes.SHA256(),
            length=32,
            salt=None,
            info=f"disclosure sealed {purpose} {_VERSION}".encode(),
        ).derive(instance_secret.encode())
        self._aead = AESGCM(key)

    def seal(self, plaintext: bytes, *, context: bytes) -> str:
        """`plaintext` encrypted and authenticated, bound to `context`, as printable text."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext, context)
        return f"{_VERSION}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def open(self, sealed: str, *, context: bytes) -> bytes:
        """The plaintext of a value `seal` made with the same key and context."""
        version, _, payload = sealed.partition(".")
        if version != _VERSION:
            raise SealBroken("sealed value has an unknown format")
        try:
            raw = base64.urlsafe_b64decode(payload.encode())
            return self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], context)
        except (InvalidTag, ValueError):
            raise SealBroken(
                "sealed value does not open: the instance secret changed or it was altered"
            ) from None
