"""`GET /api/v1/metrics`: the metrics figures as JSON, from metadata only."""

from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, request
from pydantic import BaseModel, Field

from disclosure.cases.models import CaseState
from disclosure.http.api import Param, operation
from disclosure.http.context import db, now, principal
from disclosure.metrics import service
from disclosure.metrics.period import parse_period
from disclosure.metrics.service import MetricsReport
from disclosure.policy import Permission, requires

blueprint = Blueprint("metrics_api", __name__, url_prefix="/api/v1")
_DATE = {"type": "string", "pattern": "^ *(|[0-9]{4}-[0-9]{2}-[0-9]{2}) *$"}


class DurationOut(BaseModel):
    milestone: str = Field(description="acknowledge, triage, fix or publish")
    cases: int = Field(description="How many of the cases reached it")
    median_seconds: float | None = Field(description="From receipt; null when no case did")
    p90_seconds: float | None = Field(description="90th percentile, interpolated")


class SlaMonthOut(BaseModel):
    month: str = Field(description="YYYY-MM, the month of receipt")
    met: int
    met_with_extension: int
    missed: int
    pending: int


class OpenCasesOut(BaseModel):
    severity: str = Field(description="A CVSS rating, or unscored")
    age: str = Field(description="Time since receipt, as of now")
    cases: int


class ExtensionsOut(BaseModel):
    kind: str = Field(description="extension or grace")
    status: str = Field(description="pending, accepted, declined or withdrawn")
    requests: int
    cases: int
    days: int


class StateCountOut(BaseModel):
    state: CaseState
    cases: int


class ReportersOut(BaseModel):
    distinct: int = Field(description="Accounts that reported in the range")
    returning: int = Field(description="Of those, accounts with more than one report so far")
    reports_with_account: int
    anonymous_reports: int = Field(description="Counted, never identified")


class MetricsOut(BaseModel):
    programs: list[str] = Field(description="The slugs of the programs counted")
    all_programs: bool
    start: date
    end: date
    as_of: datetime = Field(description="Open cases and ages are as of this moment")
    durations: list[DurationOut]
    sla: list[SlaMonthOut]
    open_cases: list[OpenCasesOut]
    extensions: list[ExtensionsOut]
    states: list[StateCountOut]
    reporters: ReportersOut


METRICS_PARAMS = (
    Param(
        "program",
        "query",
        {"type": "string", "maxLength": 64, "pattern": "^[^\\x00]*$"},  # NUL: 400
        "A program slug; empty: every program you may read (all of them for admins)",
    ),
    Param("start", "query", _DATE, "First day counted (YYYY-MM-DD); default: 11 months ago"),
    Param("end", "query", _DATE, "Last day counted (YYYY-MM-DD); default: today"),
)


@blueprint.get("/metrics")
@requires(Permission.CASES_READ)
@operation(
    "Metrics of the cases received in a date range, from metadata only",
    response=MetricsOut,
    params=METRICS_PARAMS,
    errors={
        400: "A query value contains a NUL character, which no field accepts",
        404: "No program with that slug whose metrics you may read",
        422: "start or end is not a date, or the range is empty or longer than ten years",
    },
)
def metrics() -> MetricsOut:
    period = parse_period(request.args, today=now().date())
    slug = request.args.get("program", "")
    return _out(service.readable_report(db(), principal(), slug, period, now=now()))


def _out(report: MetricsReport) -> MetricsOut:
    m = report.metrics
    return MetricsOut(
        programs=[p.slug for p in report.programs],
        all_programs=report.is_all,
        start=report.period.start,
        end=report.period.end,
        as_of=report.now,
        durations=[DurationOut.model_validate(d, from_attributes=True) for d in m.durations],
        sla=[SlaMonthOut.model_validate(s, from_attributes=True) for s in m.sla],
        open_cases=[OpenCasesOut.model_validate(o, from_attributes=True) for o in m.open_cases],
        extensions=[ExtensionsOut.model_validate(e, from_attributes=True) for e in m.extensions],
        states=[StateCountOut(state=CaseState(s), cases=n) for s, n in m.states],
        reporters=ReportersOut.model_validate(m.reporters, from_attributes=True),
    )
