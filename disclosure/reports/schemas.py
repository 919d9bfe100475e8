"""What the intake API answers."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from disclosure.cases.clock.view import DeadlinesOut
from disclosure.cases.models import CaseState


class SubmissionOut(BaseModel):
    id: int
    program: str
    state: CaseState
    received_at: datetime
    deadlines: DeadlinesOut
    explanations: dict[str, str]
    receipt: str
    tracking_code: str | None = None
    replayed: bool = False


class CaseSummary(BaseModel):
    id: int
    program: str
    state: CaseState
    received_at: datetime
    deadlines: DeadlinesOut
    explanations: dict[str, str]


class CaseSummaryList(BaseModel):
    cases: list[CaseSummary]
