"""Figures drawn as SVG on the server with pygal: no script, no outside address, no fonts
to fetch. Pages embed each as a data: image (the CSP allows `img-src data:`), so the SVG's
own stylesheet stays inside the image and never needs `style-src 'unsafe-inline'`."""

from __future__ import annotations

import base64
import sys
from typing import Any

import pygal
from pygal.etree import etree
from pygal.style import Style

from disclosure.metrics.figures import ChartKind, Figure

# pygal appends a finder for its map plugins (unused here) to sys.meta_path; it predates
# find_spec, so Python raises an ImportWarning at every later import that nothing finds.
sys.meta_path[:] = [f for f in sys.meta_path if not type(f).__module__.startswith("pygal")]

# Okabe and Ito's palette: told apart with every common colour-vision deficiency.
_STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1f2328",
    foreground_strong="#1f2328",
    foreground_subtle="#6e7781",
    opacity="1",
    opacity_hover="1",
    colors=("#0072B2", "#E69F00", "#D55E00", "#009E73", "#CC79A7", "#56B4E9"),
    font_family="system-ui, sans-serif",
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=13,
    value_font_size=12,
)
_CHARTS = {
    ChartKind.BAR: pygal.Bar,
    ChartKind.STACKED: pygal.StackedBar,
    ChartKind.HORIZONTAL: pygal.HorizontalBar,
}


def render_svg(figure: Figure) -> str:
    """The figure's chart as a standalone SVG document (UTF-8 text)."""
    labels = [str(row[0]) for row in figure.rows]
    chart = _CHARTS[figure.chart](
        style=_STYLE,
        js=[],  # pygal's default fetches its tooltip script from a third party
        width=640,
        height=360,
        show_legend=len(figure.series) > 1,
        legend_at_bottom=True,
        x_label_rotation=35 if len(labels) > 6 and figure.chart is not ChartKind.HORIZONTAL else 0,
        truncate_label=-1,
        print_values=False,
        no_data_text="No cases in this range",
        y_title=figure.unit,
        no_prefix=True,
    )
    chart.x_labels = labels
    for index in figure.series:
        chart.add(figure.columns[index], [_number(row[index]) for row in figure.rows])
    root = chart.render_tree()
    _strip(root)
    return etree.tostring(root, encoding="unicode")


def _strip(element: Any) -> None:
    """Remove pygal's comments (with its web addresses) and its script element (the chart's
    configuration, for interactive tooltips that an <img> never runs)."""
    for child in list(element):
        if callable(child.tag) or str(child.tag).rsplit("}", 1)[-1] == "script":
            element.remove(child)
        else:
            _strip(child)


def data_uri(svg: str) -> str:
    """The SVG as a data: URL for an <img>."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None
