"""Sealed boxes: only the key's secret opens one, only with the context it was sealed for."""

from __future__ import annotations

import pytest

from disclosure.crypto import CryptoError, SealingKey, seal


def test_a_box_opens_with_its_key_and_context_only() -> None:
    key, other = SealingKey.generate(), SealingKey.generate()
    box = seal(key.public_key, b"Stored XSS in the widget name", context=b"case 1")
    assert key.open(box, context=b"case 1") == b"Stored XSS in the widget name"
    assert b"XSS" not in box
    assert seal(key.public_key, b"same", context=b"c") != seal(
        key.public_key, b"same", context=b"c"
    )
    for opener, context in ((other, b"case 1"), (key, b"case 2")):
        with pytest.raises(CryptoError, match="opening failed"):
            opener.open(box, context=context)
    tampered = box[:-1] + bytes([box[-1] ^ 1])
    for damaged in (tampered, box[:20], b"\x02" + box[1:], b""):
        with pytest.raises(CryptoError):
            key.open(damaged, context=b"case 1")


def test_a_key_survives_its_secret_and_never_shows_it() -> None:
    key = SealingKey.generate()
    again = SealingKey(key.secret())
    assert again.public_key == key.public_key
    assert again.open(seal(key.public_key, b"t", context=b""), context=b"") == b"t"
    assert key.secret().hex() not in repr(key)
    with pytest.raises(CryptoError):
        SealingKey(b"short")
    with pytest.raises(CryptoError):
        seal(b"not a key", b"t", context=b"")
