"""Metrics on a fixture set whose answers are worked out by hand below, through the domain
query, the program page, the overview, the CSV exports and the API.

The clock stands at 2026-03-01 09:00 UTC. Program "acme" has seven cases (day offsets are
from receipt at 09:00):

    case  received     ack  triage  fix  publish  deadline   state         reporter  rating
    c1    2026-01-05   +1   +2      +10  +20      +90        disclosed     u1        High
    c2    2026-01-10   +3   +5      +30  -        +90        fixed (ext.)  u1        Critical
    c3    2026-01-20   +2   -       -    -        +20 passed acknowledged  u2        -
    c4    2026-02-15   -    -       -    -        +90        new           anonymous Low
    c5    2026-02-25   -    -       -    -        +90        spam          anonymous -
    c6    2026-01-02   +4   +6      +50  -        +30        fixed (late)  u3        Medium
    c7    2025-12-20   (before the range: counts only for u2 returning)    u2

Program "other" has one case, received 2026-01-15, new, from u3.
"""

from __future__ import annotations

import base64
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from xml.etree import ElementTree

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from disclosure.accounts.models import UserRole
from disclosure.cases.models import Case, CaseState, ExtensionRequest, ExtensionStatus
from disclosure.metrics import queries
from disclosure.metrics.period import Period
from disclosure.metrics.queries import Scope
from disclosure.programs.models import MemberRole, Program, ProgramMember
from tests.factories import login, make_user

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
RANGE = {"start": "2026-01-01", "end": "2026-02-28"}
DAY = 86_400.0


@dataclass
class Fixture:
    acme: int
    other: int


def _at(day: str, offset: float | None = None) -> datetime | None:
    start = datetime.fromisoformat(f"{day}T09:00:00+00:00")
    return None if offset is None else start + timedelta(days=offset)


def _case(program: int, day: str, state: CaseState, reporter: int | None, **days: Any) -> Case:
    offsets = {k: v for k, v in days.items() if k in ("ack", "triage", "fix", "publish", "due")}
    return Case(
        program_id=program,
        state=state,
        reporter_id=reporter,
        tracking_code_hash=None if reporter else f"{program}-{day}".ljust(64, "0"),
        policy_name="project-zero",
        received_at=_at(day, 0),
        acknowledged_at=_at(day, offsets.get("ack")),
        triaged_at=_at(day, offsets.get("triage")),
        fixed_at=_at(day, offsets.get("fix")),
        disclosed_at=_at(day, offsets.get("publish")),
        disclose_by=_at(day, offsets.get("due")),
        closed_at=_at(day, 1) if state is CaseState.SPAM else None,
        cvss_rating=days.get("rating"),
    )


@pytest.fixture
def fixture(app: Flask, db_session: Session) -> Fixture:
    users = [make_user(app, f"u{n}@example.org").id for n in (1, 2, 3)]
    u1, u2, u3 = users
    acme = Program(slug="acme", name="Acme", policy_name="project-zero")
    other = Program(slug="other", name="Other", policy_name="project-zero")
    db_session.add_all([acme, other])
    db_session.commit()
    a, o = acme.id or 0, other.id or 0
    s = CaseState
    cases = [
        _case(
            a,
            "2026-01-05",
            s.DISCLOSED,
            u1,
            ack=1,
            triage=2,
            fix=10,
            publish=20,
            due=90,
            rating="High",
        ),
        _case(a, "2026-01-10", s.FIXED, u1, ack=3, triage=5, fix=30, due=90, rating="Critical"),
        _case(a, "2026-01-20", s.ACKNOWLEDGED, u2, ack=2, due=20),
        _case(a, "2026-02-15", s.NEW, None, due=90, rating="Low"),
        _case(a, "2026-02-25", s.SPAM, None, due=90),
        _case(a, "2026-01-02", s.FIXED, u3, ack=4, triage=6, fix=50, due=30, rating="Medium"),
        _case(a, "2025-12-20", s.DISCLOSED, u2, ack=1, triage=1, fix=2, publish=3, due=90),
        _case(o, "2026-01-15", s.NEW, u3, due=90),
    ]
    db_session.add_all(cases)
    db_session.commit()
    c2, c3, c6 = cases[1].id or 0, cases[2].id or 0, cases[5].id or 0
    db_session.add_all(
        [
            _request(c2, 14, ExtensionStatus.ACCEPTED),
            _request(c3, 7, ExtensionStatus.DECLINED),
            _request(c6, 5, ExtensionStatus.PENDING, is_grace=True),
        ]
    )
    db_session.commit()
    return Fixture(a, o)


def _request(case_id: int, days: int, status: ExtensionStatus, **kw: Any) -> ExtensionRequest:
    return ExtensionRequest(
        case_id=case_id,
        days=days,
        reason="the release train",
        status=status,
        requested_at=NOW - timedelta(days=20),
        **kw,
    )


def _scope(*programs: int, start: date = date(2026, 1, 1), end: date = date(2026, 2, 28)) -> Scope:
    return Scope(programs or None, Period(start, end), NOW)


def test_durations_are_the_hand_computed_percentiles(fixture: Fixture, db_session: Session):
    found = {d.milestone: d for d in queries.durations(db_session, _scope(fixture.acme))}
    # acknowledge: 1, 2, 3, 4 days -> median at rank 1.5 = 2.5; p90 at 2.7 = 3 + 0.7 = 3.7
    # triage: 2, 5, 6 -> median 5; p90 at rank 1.8 = 5 + 0.8 * 1 = 5.8
    # fix: 10, 30, 50 -> median 30; p90 = 30 + 0.8 * 20 = 46; publish: 20 alone
    expected = {
        "acknowledge": (4, 2.5, 3.7),
        "triage": (3, 5.0, 5.8),
        "fix": (3, 30.0, 46.0),
        "publish": (1, 20.0, 20.0),
    }
    for name, (cases, median, p90) in expected.items():
        assert found[name].cases == cases, name
        assert found[name].median_seconds == pytest.approx(median * DAY, abs=1), name
        assert found[name].p90_seconds == pytest.approx(p90 * DAY, abs=1), name


def test_sla_open_states_extensions_and_reporters(fixture: Fixture, db_session: Session):
    metrics = queries.compute(db_session, _scope(fixture.acme))
    # January: c1 met, c2 met after an extension, c3 missed (open past it), c6 fixed late.
    # February: c4 pending; c5 closed as spam without a fix has no outcome.
    assert [(m.month, m.met, m.met_with_extension, m.missed, m.pending) for m in metrics.sla] == [
        ("2026-01", 1, 1, 2, 0),
        ("2026-02", 0, 0, 0, 1),
    ]
    # open: c2 Critical 50 days, c3 unscored 40 days, c4 Low 14 days, c6 Medium 58 days
    open_cases = {(c.severity, c.age): c.cases for c in metrics.open_cases if c.cases}
    assert open_cases == {
        ("Critical", "30 to 90 days"): 1,
        ("unscored", "30 to 90 days"): 1,
        ("Low", "7 to 30 days"): 1,
        ("Medium", "30 to 90 days"): 1,
    }
    assert {s: n for s, n in metrics.states if n} == {
        "disclosed": 1,
        "fixed": 2,
        "acknowledged": 1,
        "new": 1,
        "spam": 1,
    }
    granted = {(e.kind, e.status): (e.requests, e.cases, e.days) for e in metrics.extensions}
    assert granted[("extension", "accepted")] == (1, 1, 14)
    assert granted[("extension", "declined")] == (1, 1, 7)
    assert granted[("grace", "pending")] == (1, 1, 5)
    assert granted[("grace", "accepted")] == (0, 0, 0)
    # u1 twice in range, u2 once in range after c7 in December, u3 once: 2 of 3 return
    r = metrics.reporters
    assert (r.distinct, r.returning, r.reports_with_account, r.anonymous_reports) == (3, 2, 4, 2)


def test_every_program_and_a_narrower_range(fixture: Fixture, db_session: Session):
    everything = queries.compute(db_session, _scope())
    # "other" adds a new case from u3, who now has two reports: 3 returning of 3
    assert dict(everything.states)["new"] == 2
    assert everything.reporters.returning == 3
    february = queries.compute(db_session, _scope(fixture.acme, start=date(2026, 2, 1)))
    assert {s: n for s, n in february.states if n} == {"new": 1, "spam": 1}
    assert february.reporters.anonymous_reports == 2
    assert [d.cases for d in february.durations] == [0, 0, 0, 0]
    assert february.durations[0].median_seconds is None


# --- the pages, the CSV and the API ---------------------------------------------------------


@pytest.fixture
def member(app: Flask, fixture: Fixture, db_session: Session) -> FlaskClient:
    """A viewer of acme, signed in."""
    user = make_user(app, "viewer@acme.example", UserRole.VENDOR)
    db_session.add(ProgramMember(program_id=fixture.acme, user_id=user.id, role=MemberRole.VIEWER))
    db_session.commit()
    client = app.test_client()
    assert login(client, "viewer@acme.example").status_code == 302
    return client


@pytest.fixture
def admin(app: Flask, fixture: Fixture) -> FlaskClient:
    make_user(app, "admin@example.org", UserRole.ADMIN)
    client = app.test_client()
    assert login(client, "admin@example.org").status_code == 302
    return client


def _charts(page: str) -> Iterator[ElementTree.Element]:
    for encoded in _data_uris(page):
        yield ElementTree.fromstring(base64.b64decode(encoded))  # noqa: S314  (our own output)


def test_program_page_draws_each_figure_with_its_table(member: FlaskClient):
    response = member.get("/programs/acme/metrics", query_string=RANGE)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    svgs = list(_charts(page))
    assert len(svgs) == 6
    for svg in svgs:
        assert svg.tag == "{http://www.w3.org/2000/svg}svg"
        assert not svg.findall(".//{http://www.w3.org/2000/svg}script")
    # the table is beside the chart, in the same figure body, with a caption
    assert page.count('<div class="figure-body">') == 6
    for body in page.split('<div class="figure-body">')[1:]:
        chart, _, rest = body.partition('<div class="table-scroll"')
        assert "<img" in chart
        assert "<table" in rest.split("</section>")[0]
    assert "<caption" in page
    assert 'scope="row"' in page
    assert "<td>2.5</td><td>3.7</td>" in page  # acknowledge median and p90, in days
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")


def test_csv_of_every_figure(member: FlaskClient):
    page = member.get("/programs/acme/metrics", query_string=RANGE).get_data(as_text=True)
    links = re.findall(r'href="(/programs/acme/metrics/[a-z-]+\.csv\?[^"]+)"', page)
    assert len(links) == 6
    tables = {}
    for link in links:
        response = member.get(link.replace("&amp;", "&"))
        assert response.status_code == 200
        assert response.mimetype == "text/csv"
        assert "attachment" in response.headers["Content-Disposition"]
        tables[link.split("/")[4].split(".")[0]] = list(
            csv.reader(io.StringIO(response.get_data(as_text=True)))
        )
    assert tables["sla"] == [
        ["Month", "Met", "Met with extension", "Missed", "Pending"],
        ["2026-01", "1", "1", "2", "0"],
        ["2026-02", "0", "0", "0", "1"],
    ]
    assert ["fix", "3", "30.0", "46.0"] in tables["time-to-act"]
    assert ["returning reporters", "2"] in tables["reporters"]
    assert member.get("/programs/acme/metrics/nothing.csv").status_code == 404


def test_api_answers_the_same_figures(member: FlaskClient):
    response = member.get("/api/v1/metrics", query_string={**RANGE, "program": "acme"})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["programs"] == ["acme"]
    assert body["start"] == "2026-01-01"
    assert body["end"] == "2026-02-28"
    assert body["sla"][0] == {
        "month": "2026-01",
        "met": 1,
        "met_with_extension": 1,
        "missed": 2,
        "pending": 0,
    }
    assert body["reporters"] == {
        "distinct": 3,
        "returning": 2,
        "reports_with_account": 4,
        "anonymous_reports": 2,
    }
    fix = next(d for d in body["durations"] if d["milestone"] == "fix")
    assert fix["median_seconds"] == pytest.approx(30 * DAY, abs=1)
    # without a program: every program the viewer may read, which is acme alone
    assert member.get("/api/v1/metrics", query_string=RANGE).get_json()["programs"] == ["acme"]
    assert member.get("/api/v1/metrics?program=other").status_code == 404


def test_overview_is_for_admins_and_filters_by_program(
    admin: FlaskClient, member: FlaskClient
) -> None:
    page = admin.get("/metrics", query_string=RANGE)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "All programs" in text
    assert '<option value="other">Other</option>' in text
    states = admin.get("/metrics/states.csv", query_string=RANGE).get_data(as_text=True)
    assert "new,2" in states.splitlines()
    only_other = admin.get("/metrics/states.csv", query_string={**RANGE, "program": "other"})
    assert "new,1" in only_other.get_data(as_text=True).splitlines()
    assert admin.get("/api/v1/metrics", query_string=RANGE).get_json()["all_programs"] is True
    assert member.get("/metrics").status_code == 403
    assert admin.get("/programs/acme/metrics").status_code == 200


@pytest.mark.parametrize(
    ("args", "field", "message"),
    [
        ({"start": "01/02/2026"}, "start", "Write the start date as YYYY-MM-DD"),
        ({"end": "2026-02-30"}, "end", "The end date 2026-02-30 does not exist"),
        ({"start": "2026-03-01", "end": "2026-02-01"}, "end", "on or after the start date"),
        ({"start": "1999-12-31"}, "start", "between 2000-01-01 and 2099-12-31"),
        ({"start": "2000-01-01", "end": "2015-01-01"}, "start", "at most ten years"),
    ],
)
def test_a_bad_range_is_refused_with_a_message_at_its_field(
    member: FlaskClient, args: dict[str, str], field: str, message: str
) -> None:
    page = member.get("/programs/acme/metrics", query_string=args)
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert f'id="{field}-error"' in text
    assert message in text
    assert f'aria-describedby="{field}-error"' in text
    assert 'value="' + args.get("start", args.get("end", "")) in text  # the input is kept
    api = member.get("/api/v1/metrics", query_string=args)
    assert api.status_code == 422
    assert message in api.get_json()["error"]["fields"][field]


def test_overview_names_an_unknown_program_at_its_field(admin: FlaskClient):
    page = admin.get("/metrics", query_string={"program": "nope"})
    assert page.status_code == 422
    assert "Choose a program from the list." in page.get_data(as_text=True)


# --- the canary: report content never reaches a figure ---------------------------------------

CANARY = "CANARY-metrics-5b2e-never-shown"


def test_no_report_content_reaches_the_page_the_csv_or_the_api(
    app: Flask, client: FlaskClient
) -> None:
    from disclosure.accounts.models import TokenScope
    from tests.factories import add_member, bearer, make_program, make_token, report_json

    program = make_program(app)
    owner = make_user(app, "owner@acme.example", UserRole.VENDOR)
    add_member(app, program, owner, "owner")
    attachment = {
        "filename": f"poc-{CANARY}.txt",
        "content": base64.b64encode(f"proof {CANARY}".encode()).decode(),
    }
    body = report_json(
        **{
            field: f"{field} {CANARY}"
            for field in (
                "title",
                "product",
                "versions",
                "description",
                "steps_to_reproduce",
                "impact",
                "credit",
            )
        },
        attachments=[attachment],
    )
    submitted = client.post("/api/v1/programs/acme/reports", json=body)
    assert submitted.status_code == 201, submitted.get_data(as_text=True)
    case = submitted.get_json()["id"]
    headers = bearer(make_token(app, owner, TokenScope.CASES_READ, TokenScope.CASES_WRITE))
    for kind in ("messages", "notes"):
        posted = client.post(
            f"/api/v1/cases/{case}/{kind}", json={"body": f"{kind} {CANARY}"}, headers=headers
        )
        assert posted.status_code == 201, posted.get_data(as_text=True)
    # the vendor can read it all back: the canary is there to be found
    assert CANARY in client.get(f"/api/v1/cases/{case}", headers=headers).get_data(as_text=True)

    assert login(client, "owner@acme.example").status_code == 302
    page = client.get("/programs/acme/metrics")
    assert page.status_code == 200
    answers = [page.get_data(as_text=True)]
    answers += [base64.b64decode(uri).decode() for uri in _data_uris(answers[0])]
    for link in re.findall(r'href="(/programs/acme/metrics/[a-z-]+\.csv[^"]*)"', answers[0]):
        answers.append(client.get(link.replace("&amp;", "&")).get_data(as_text=True))
    answers.append(client.get("/api/v1/metrics", headers=headers).get_data(as_text=True))
    assert len(answers) == 1 + 6 + 6 + 1
    assert "<td>1</td>" in answers[0]  # the case is counted ...
    for answer in answers:
        assert CANARY not in answer  # ... and nothing it says is shown


def _data_uris(page: str) -> list[str]:
    return re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', page)
