"""OpenPGP for the platform: the only package that imports python-gnupg."""

from __future__ import annotations

import logging

from disclosure.crypto.armor import armor_message
from disclosure.crypto.errors import CryptoError, GpgUnavailable, NotEncryptedToKey
from disclosure.crypto.keyring import KeyInfo, Keyring
from disclosure.crypto.sealed import SealingKey, seal

# python-gnupg may log data at DEBUG, and warns about every non-zero exit, including the
# expected ones (a "no such secret key" answer); the facade raises typed errors instead.
logging.getLogger("gnupg").setLevel(logging.ERROR)

__all__ = [
    "CryptoError",
    "GpgUnavailable",
    "KeyInfo",
    "Keyring",
    "NotEncryptedToKey",
    "SealingKey",
    "armor_message",
    "seal",
]
