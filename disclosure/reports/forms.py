"""What a researcher sends: the report fields (form and API share these models)."""

from __future__ import annotations

import base64
import binascii
from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from disclosure.cases.models import InTheWild

Text = Annotated[str, StringConstraints(strip_whitespace=True)]


class AttachmentIn(BaseModel):
    """One attachment; `content` is base64 on the API, raw bytes from a multipart form."""

    model_config = ConfigDict(extra="forbid")

    filename: str = Field(min_length=1, max_length=255)
    content: bytes

    @field_validator("content", mode="before")
    @classmethod
    def _decode_base64(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                return base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                raise ValueError("content must be base64") from None
        return value


class ReportIn(BaseModel):
    """A vulnerability report in the researcher's words; all of it is encrypted at rest."""

    model_config = ConfigDict(extra="forbid")

    title: Text = Field(min_length=3, max_length=200)
    product: Text = Field(min_length=1, max_length=200)
    versions: Text = Field(default="", max_length=500)
    cwe: Text | None = Field(default=None, max_length=16, description='e.g. "CWE-79"')
    description: Text = Field(min_length=10, max_length=200_000)
    steps_to_reproduce: Text = Field(default="", max_length=200_000)
    impact: Text = Field(default="", max_length=50_000)
    cvss_vector: Text | None = Field(default=None, max_length=200)
    exploited_in_the_wild: InTheWild = InTheWild.UNKNOWN
    proposed_disclosure_date: date | None = None
    credit: Text | None = Field(
        default=None, max_length=200, description="How to credit you; null or empty: no credit"
    )
    researcher_public_key: str | None = Field(default=None, max_length=100_000)
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=20)


class EncryptedReportIn(BaseModel):
    """An already-armored OpenPGP message, encrypted by the researcher to the program's key."""

    model_config = ConfigDict(extra="forbid")

    encrypted_report: str = Field(min_length=50, max_length=30_000_000)
    exploited_in_the_wild: InTheWild = InTheWild.UNKNOWN
    researcher_public_key: str | None = Field(default=None, max_length=100_000)
