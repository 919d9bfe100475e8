"""The plaintext shapes that get encrypted: the report document and attachment envelopes.

They exist only in memory, between the request and the gpg process's stdin, and again after
an authorised decryption.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

FORMAT = "disclosure-report/1"
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


def sanitise_filename(name: str) -> str:
    """A display-safe file name: no directories, control characters or leading dots."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip(" .")
    if len(name) > 120:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 120 - len(ext) - 1] + dot + ext) if dot and len(ext) <= 16 else name[:120]
    return name or "attachment"


def report_document(
    fields: Mapping[str, Any],
    *,
    attachments: Sequence[tuple[str, int]],
    cvss: dict[str, Any] | None,
) -> bytes:
    """The report's fields, its attachments' names and sizes (not their bytes) and the scored
    CVSS vector, as the JSON document to encrypt."""
    document = {
        **fields,
        "cvss": cvss,
        "attachments": [
            {"filename": sanitise_filename(name), "size": size} for name, size in attachments
        ],
    }
    return json.dumps({"format": FORMAT, "report": document}, ensure_ascii=False).encode()


def read_report_document(plaintext: bytes) -> dict[str, Any]:
    """The report fields from a decrypted document (or the raw text of a pre-encrypted one)."""
    try:
        document = json.loads(plaintext)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {"text": plaintext.decode("utf-8", errors="replace")}
    if isinstance(document, dict) and document.get("format") == FORMAT:
        return document["report"]
    return {"text": plaintext.decode("utf-8", errors="replace")}


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes


def attachment_envelope(filename: str, content: bytes) -> bytes:
    """One line of JSON naming the file, then its bytes; encrypted as one message."""
    header = json.dumps({"filename": sanitise_filename(filename), "size": len(content)})
    return header.encode() + b"\n" + content


def open_attachment_envelope(plaintext: bytes) -> Attachment:
    header, _, content = plaintext.partition(b"\n")
    meta = json.loads(header)
    return Attachment(filename=meta["filename"], content=content)
