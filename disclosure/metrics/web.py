"""The metrics pages: one program's (its members, admins) and every program's (admins), each
figure a server-drawn SVG chart with its table beside it, and each table as CSV."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request, url_for

from disclosure.errors import NotFound, ValidationError
from disclosure.http.context import db, now, principal
from disclosure.metrics import charts, service
from disclosure.metrics.export import figure_csv
from disclosure.metrics.figures import FIGURES, Figure, all_figures
from disclosure.metrics.period import Period, default_period, parse_period
from disclosure.metrics.service import MetricsReport
from disclosure.policy import Permission, requires
from disclosure.programs.models import Program

blueprint = Blueprint("metrics", __name__)


@blueprint.get("/programs/<slug>/metrics", endpoint="program")
@requires(Permission.CASES_READ)
def program_page(slug: str) -> tuple[str, int]:
    program = service.open_program(db(), principal(), slug)
    try:
        period = parse_period(request.args, today=now().date())
    except ValidationError as exc:
        return _page(None, program.name, exc.fields, program=program), exc.status
    report = service.program_report(db(), principal(), slug, period, now=now())
    return _page(report, program.name, {}, program=program), 200


@blueprint.get("/programs/<slug>/metrics/<figure>.csv", endpoint="program_csv")
@requires(Permission.CASES_READ)
def program_csv(slug: str, figure: str) -> Response:
    _known(figure)
    period = parse_period(request.args, today=now().date())
    report = service.program_report(db(), principal(), slug, period, now=now())
    return _csv(report, figure, slug)


@blueprint.get("/metrics", endpoint="overview")
@requires(Permission.CASES_READ)
def overview_page() -> tuple[str, int]:
    programs = service.overview_programs(db(), principal())
    slug = request.args.get("program", "")
    try:
        period = parse_period(request.args, today=now().date())
        report = service.overview_report(db(), principal(), slug, period, now=now())
    except ValidationError as exc:
        return _page(None, "All programs", exc.fields, choices=programs), exc.status
    return _page(report, "All programs", {}, choices=programs), 200


@blueprint.get("/metrics/<figure>.csv", endpoint="overview_csv")
@requires(Permission.CASES_READ)
def overview_csv(figure: str) -> Response:
    _known(figure)
    period = parse_period(request.args, today=now().date())
    slug = request.args.get("program", "")
    report = service.overview_report(db(), principal(), slug, period, now=now())
    return _csv(report, figure, slug or "all")


def _page(
    report: MetricsReport | None,
    name: str,
    errors: dict[str, str],
    *,
    program: Program | None = None,
    choices: list[Program] | None = None,
) -> str:
    """The page; with `choices` it is the overview and offers the program filter."""
    figures = all_figures(report.metrics) if report else []
    shown = report.period if report else default_period(now().date())
    form = {name: request.args.get(name, "").strip() for name in ("start", "end", "program")}
    return render_template(
        "metrics/metrics.html",
        name=name,
        report=report,
        form={**shown.query_args(), **{k: v for k, v in form.items() if v}},
        errors=errors,
        program=program,
        choices=choices,
        figures=[
            (f, charts.data_uri(charts.render_svg(f)), _csv_url(f.key, report, program))
            for f in figures
        ],
    )


def _csv_url(key: str, report: MetricsReport | None, program: Program | None) -> str:
    args = report.period.query_args() if report else {}
    if program is not None:
        return url_for("metrics.program_csv", slug=program.slug, figure=key, **args)
    if chosen := request.args.get("program", "").strip():
        args["program"] = chosen
    return url_for("metrics.overview_csv", figure=key, **args)


def _known(key: str) -> None:
    if key not in FIGURES:
        raise NotFound(f"No figure {key!r}.")


def _csv(report: MetricsReport, key: str, label: str) -> Response:
    figure: Figure = FIGURES[key](report.metrics)
    period: Period = report.period
    name = f"{label}-{figure.key}-{period.start}-{period.end}.csv"
    return Response(
        figure_csv(figure),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
