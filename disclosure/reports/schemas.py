"""What the intake API answers."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from disclosure.cases.models import Case, CaseState
from disclosure.policies.deadlines import Deadlines


class DeadlinesOut(BaseModel):
    acknowledge_by: datetime | None
    triage_by: datetime | None
    disclose_by: datetime | None


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


def deadlines_out(case: Case) -> DeadlinesOut:
    return DeadlinesOut(
        acknowledge_by=case.acknowledge_by, triage_by=case.triage_by, disclose_by=case.disclose_by
    )


def explanations(deadlines: Deadlines) -> dict[str, str]:
    """Each deadline's explanation in plain words, by name."""
    named = {
        "acknowledge_by": deadlines.acknowledge_by,
        "triage_by": deadlines.triage_by,
        "disclose_by": deadlines.disclose_by,
        "publish_at": deadlines.publish_at,
    }
    return {name: d.explanation for name, d in named.items() if d is not None}
