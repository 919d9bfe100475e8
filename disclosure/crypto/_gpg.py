"""A thin python-gnupg subclass: loopback key generation and byte-safe colon listings."""

from __future__ import annotations

import io
import logging
import re
from typing import Any

import gnupg

# python-gnupg logs command lines and data chunks at DEBUG: never let that reach log handlers.
logging.getLogger("gnupg").setLevel(logging.WARNING)

# Characters str.splitlines() treats as line breaks that can occur inside a latin-1-decoded
# UTF-8 user id (e.g. "Å" is C3 85 and 0x85 is NEL). python-gnupg splits colon listings with
# splitlines(), so we turn them into the \xNN escapes gpg itself uses, which it unescapes.
_SPLITLINES_BYTES = re.compile(rb"[\x0b\x0c\x1c\x1d\x1e\x85]")


class GPG(gnupg.GPG):
    """python-gnupg's GPG that never starts a pinentry and keeps UTF-8 user ids intact."""

    def __init__(self, *, gpgbinary: str, gnupghome: str) -> None:
        # Loopback everywhere: a passphrase request we did not answer fails instead of
        # launching a pinentry on the server's terminal.
        super().__init__(
            gpgbinary=gpgbinary, gnupghome=gnupghome, options=["--pinentry-mode", "loopback"]
        )
        self.encoding = "latin-1"  # byte-transparent; the facade encodes and decodes UTF-8

    def gen_key_loopback(self, params: bytes, passphrase: str) -> Any:
        """`gpg --gen-key` with the passphrase on the loopback fd, for the self-signatures too."""
        # The agent forgets the key-creation nonce at once under max-cache-ttl 0, so gpg must be
        # able to answer the passphrase inquiry for the self-signatures itself.
        result = self.result_map["generate"](self)
        stream = io.BytesIO(params)
        try:
            self._handle_io(["--gen-key"], stream, result, passphrase=passphrase, binary=True)
        finally:
            stream.close()
        return result

    def _decode_result(self, result: Any) -> Any:
        result.data = _SPLITLINES_BYTES.sub(lambda m: b"\\x%02x" % m[0][0], result.data)
        return super()._decode_result(result)
