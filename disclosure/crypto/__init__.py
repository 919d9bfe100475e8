"""OpenPGP for the platform: the only package that imports python-gnupg."""

from __future__ import annotations

import logging

from disclosure.crypto.armor import armor_message
from disclosure.crypto.errors import CryptoError, GpgUnavailable, NotEncryptedToKey
from disclosure.crypto.keyring import KeyInfo, Keyring

# python-gnupg may log data at DEBUG; keep it quiet however the package is imported.
logging.getLogger("gnupg").setLevel(logging.WARNING)

__all__ = [
    "CryptoError",
    "GpgUnavailable",
    "KeyInfo",
    "Keyring",
    "NotEncryptedToKey",
    "armor_message",
]
