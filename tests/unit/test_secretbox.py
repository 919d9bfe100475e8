"""Sealed secrets: they open with the same key and context only, and show no plaintext."""

from __future__ import annotations

import base64

import pytest

from disclosure.crypto.secretbox import SealBroken, SecretBox


def test_a_sealed_value_opens_with_its_key_and_context_only() -> None:
    box = SecretBox("an instance secret of some length", "totp-seed")
    sealed = box.seal(b"JBSWY3DPEHPK3PXP", context=b"user 1")
    assert "JBSWY3DPEHPK3PXP" not in sealed
    assert sealed != box.seal(b"JBSWY3DPEHPK3PXP", context=b"user 1")  # a fresh nonce each time
    assert box.open(sealed, context=b"user 1") == b"JBSWY3DPEHPK3PXP"
    with pytest.raises(SealBroken):
        box.open(sealed, context=b"user 2")
    with pytest.raises(SealBroken):
        SecretBox("another instance secret", "totp-seed").open(sealed, context=b"user 1")
    with pytest.raises(SealBroken):
        SecretBox("an instance secret of some length", "other").open(sealed, context=b"user 1")
    # One flipped bit of the ciphertext (not a base64 character: the last one before the
    # padding carries bits the decoder ignores, so changing it may change nothing).
    version, _, payload = sealed.partition(".")
    raw = bytearray(base64.urlsafe_b64decode(payload))
    raw[len(raw) // 2] ^= 0x01
    tampered = f"{version}.{base64.urlsafe_b64encode(bytes(raw)).decode()}"
    with pytest.raises(SealBroken):
        box.open(tampered, context=b"user 1")
    with pytest.raises(SealBroken):
        box.open("v0." + sealed[3:], context=b"user 1")
