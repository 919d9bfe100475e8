"""ASCII armor for binary OpenPGP messages (RFC 9580 section 6), without running gpg."""

from __future__ import annotations

import base64


def armor_message(ciphertext: bytes) -> bytes:
    """The message as an armored PGP MESSAGE block (unchanged when it is armored already).

    No CRC24 line: RFC 9580 section 6.1 says not to generate it and every reader to accept
    its absence (GnuPG does).
    """
    if ciphertext.lstrip().startswith(b"-----BEGIN PGP"):
        return ciphertext
    body = base64.b64encode(ciphertext)
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return b"\n".join(
        [b"-----BEGIN PGP MESSAGE-----", b"", *lines, b"-----END PGP MESSAGE-----", b""]
    )
