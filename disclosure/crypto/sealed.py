"""Sealed boxes for short texts (inbox titles): anyone with the public key seals, one key opens.

A sealed box is X25519 with a fresh ephemeral key per message, HKDF-SHA256 over the shared
secret and both public keys, then AES-256-GCM with the caller's context as associated data:

    version (1 byte, 0x01) | ephemeral public key (32) | nonce (12) | ciphertext + tag (16)

It exists because every OpenPGP decryption with a passphrase-protected key pays the key's
S2K unlock again (gpg-agent caches passphrases, not unlocked keys), ~50 ms a message. The
secret of a sealing key is only ever stored wrapped, as an OpenPGP message to the program's
keys (`Keyring.encrypt`), so reading it takes exactly that protection; unwrapped it lives in
process memory only, as a `SealingKey`.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from disclosure.crypto.errors import CryptoError

VERSION = b"\x01"
_INFO = b"disclosure sealed box v1"
_RAW = serialization.Encoding.Raw
_HEADER = len(VERSION) + 32 + 12


def _box_key(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=ephemeral + recipient, info=_INFO
    ).derive(shared)


def seal(public_key: bytes, plaintext: bytes, *, context: bytes) -> bytes:
    """`plaintext` sealed to the 32-byte X25519 `public_key`, bound to `context`."""
    try:
        recipient = X25519PublicKey.from_public_bytes(public_key)
    except ValueError:
        raise CryptoError("sealing failed: not an X25519 public key") from None
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = ephemeral.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)
    key = _box_key(ephemeral.exchange(recipient), ephemeral_public, public_key)
    nonce = os.urandom(12)
    return VERSION + ephemeral_public + nonce + AESGCM(key).encrypt(nonce, plaintext, context)


class SealingKey:
    """The secret half of a sealing key, in memory only; it never logs or prints itself."""

    def __init__(self, secret: bytes) -> None:
        try:
            self._private = X25519PrivateKey.from_private_bytes(secret)
        except ValueError:
            raise CryptoError("not a sealing key (expected 32 bytes)") from None
        self.public_key = self._private.public_key().public_bytes(
            _RAW, serialization.PublicFormat.Raw
        )

    @classmethod
    def generate(cls) -> SealingKey:
        """A new random sealing key."""
        return cls(os.urandom(32))

    def secret(self) -> bytes:
        """The 32 secret bytes, to be wrapped (encrypted) before they are stored anywhere."""
        return self._private.private_bytes(
            _RAW, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )

    def open(self, box: bytes, *, context: bytes) -> bytes:
        """The plaintext of a box sealed to this key with the same `context`, else CryptoError."""
        if len(box) < _HEADER + 16 or box[:1] != VERSION:
            raise CryptoError("opening failed: not a sealed box")
        ephemeral = box[1:33]
        try:
            shared = self._private.exchange(X25519PublicKey.from_public_bytes(ephemeral))
            key = _box_key(shared, ephemeral, self.public_key)
            return AESGCM(key).decrypt(box[33:_HEADER], box[_HEADER:], context)
        except (InvalidTag, ValueError):
            raise CryptoError("opening failed: wrong key, context or a damaged box") from None

    def __repr__(self) -> str:
        return "SealingKey(<secret>)"
