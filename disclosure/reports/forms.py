"""What a researcher sends: the report fields (form and API share these models)."""

from __future__ import annotations

import base64
from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, field_validator

from disclosure.cases.cwe import CWE_PATTERN
from disclosure.cases.models import InTheWild
from disclosure.cases.severity import VECTOR_PATTERN
from disclosure.inputs import padded, trimmed

# Canonical base64: the alphabet in groups of four, padded (b64decode alone lets more through,
# such as "AAAA=", which the document would then have to describe).
BASE64_PATTERN = "^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"
_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
Base64 = Annotated[
    bytes,
    WithJsonSchema({"type": "string", "contentEncoding": "base64", "pattern": BASE64_PATTERN}),
]


def _blank_or(pattern: str, max_length: int) -> dict[str, Any]:
    """A value matching `pattern`, or only whitespace (none), or null (none)."""
    value = {"type": "string", "maxLength": max_length, "pattern": padded(pattern, optional=True)}
    return {"anyOf": [value, {"type": "null"}]}


def _armor(kind: str) -> str:
    """An unanchored pattern: the armor header gpg looks for."""
    return f"-----BEGIN {kind}-----"


def _armored_or_none(kind: str, max_length: int) -> dict[str, Any]:
    """An armored block of `kind`, or "" or null for none."""
    value = {"type": "string", "maxLength": max_length, "pattern": _armor(kind)}
    return {"anyOf": [value, {"type": "string", "maxLength": 0}, {"type": "null"}]}


class AttachmentIn(BaseModel):
    """One attachment; `content` is base64 on the API, raw bytes from a multipart form."""

    model_config = ConfigDict(extra="forbid")

    filename: str = Field(min_length=1, max_length=255)
    content: Base64 = Field(description="The file's bytes in base64 (multipart: the file)")

    @field_validator("content", mode="before")
    @classmethod
    def _decode_base64(cls, value: object) -> object:
        if isinstance(value, str):
            if not is_canonical_base64(value):
                raise ValueError("content must be base64")
            return base64.b64decode(value)
        return value


def is_canonical_base64(value: str) -> bool:
    """Whether `value` matches BASE64_PATTERN, checked in C: Python's `re` took ~40 ms (as long
    as encrypting it) to match that pattern over a 1 MiB attachment's 1.4 MB of base64."""
    if len(value) % 4 or not value.isascii():
        return False
    body = value[:-2] if value.endswith("==") else value.removesuffix("=")
    return not body.encode("ascii").translate(None, _ALPHABET)


class ReportIn(BaseModel):
    """A vulnerability report in the researcher's words; all of it is encrypted at rest."""

    model_config = ConfigDict(extra="forbid")

    title: trimmed(200, min_length=3)
    product: trimmed(200, min_length=1)
    versions: trimmed(500) = ""
    cwe: trimmed(16) | None = Field(
        default=None,
        description='e.g. "CWE-79" or "79"; null or blank: none',
        json_schema_extra=_blank_or(CWE_PATTERN, 16),
    )
    description: trimmed(200_000, min_length=10)
    steps_to_reproduce: trimmed(200_000) = ""
    impact: trimmed(50_000) = ""
    cvss_vector: trimmed(200) | None = Field(
        default=None,
        description="CVSS 3.1 or 4.0; null or blank: none",
        json_schema_extra=_blank_or(VECTOR_PATTERN, 200),
    )
    exploited_in_the_wild: InTheWild = InTheWild.UNKNOWN
    proposed_disclosure_date: date | None = None
    credit: trimmed(200) | None = Field(
        default=None, description="How to credit you; null or empty: no credit"
    )
    researcher_public_key: str | None = Field(
        default=None,
        max_length=100_000,
        description="Your armored OpenPGP public key (422 when it is not a usable one)",
        json_schema_extra=_armored_or_none("PGP PUBLIC KEY BLOCK", 100_000),
    )
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=20)


class EncryptedReportIn(BaseModel):
    """An already-armored OpenPGP message, encrypted by the researcher to the program's key."""

    model_config = ConfigDict(extra="forbid")

    encrypted_report: str = Field(
        min_length=50,
        max_length=30_000_000,
        description="Encrypted to the program's key (400 otherwise)",
        json_schema_extra={"pattern": _armor("PGP MESSAGE")},
    )
    exploited_in_the_wild: InTheWild = InTheWild.UNKNOWN
    researcher_public_key: str | None = Field(
        default=None,
        max_length=100_000,
        description="Your armored OpenPGP public key (422 when it is not a usable one)",
        json_schema_extra=_armored_or_none("PGP PUBLIC KEY BLOCK", 100_000),
    )
