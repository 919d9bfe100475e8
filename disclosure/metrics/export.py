"""A figure as CSV: its table, with a header row."""

from __future__ import annotations

import csv
import io

from disclosure.metrics.figures import Cell, Figure

# A cell a spreadsheet would run as a formula (CSV injection) is written as text instead.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def figure_csv(figure: Figure) -> str:
    """The figure's table as CSV text (RFC 4180, CRLF line ends)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(figure.columns)
    writer.writerows([_cell(value) for value in row] for row in figure.rows)
    return out.getvalue()


def _cell(value: Cell) -> str:
    if value is None:
        return ""
    text = str(value)
    if isinstance(value, str) and text.startswith(_FORMULA_START):
        return "'" + text
    return text
