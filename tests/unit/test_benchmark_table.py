"""The benchmark table: ratios, verdicts and both renderings, from figures (no timing)."""

from __future__ import annotations

from datetime import UTC, datetime

from benchmarks.results import Figure, at_least, at_most, below, markdown_document, text_table


def test_each_target_reads_the_figure_its_own_way() -> None:
    slow = Figure("submission", "form", 60.0, "gpg --encrypt", 40.0, target=at_most(1.5))
    fast = Figure("submission", "api", 59.0, "gpg --encrypt", 40.0, target=at_most(1.5))
    feed = Figure("feeds", "atom", 700.0, "static", 1000.0, unit="req/s", target=at_least(0.8))
    cold = Figure("inbox", "cold", 249.0, "no titles", 10.0, target=below(250))
    info = Figure("submission", "gpg start", 3.0, "gpg --encrypt", 40.0)
    assert (slow.ratio, slow.is_met) == (1.5, True)
    assert fast.is_met is True
    assert (feed.ratio, feed.is_met) == (0.7, False)
    assert cold.is_met is True  # an absolute target: its ratio (24.9x) does not matter
    assert Figure("inbox", "cold", 250.0, "no titles", 10.0, target=below(250)).is_met is False
    assert info.is_met is None
    assert Figure("x", "y", 1.0, "nothing", 0.0).ratio == float("inf")


def test_the_table_shows_every_figure_with_baseline_ratio_target_and_verdict() -> None:
    figures = [
        Figure("inbox", "cold", 80.0, "no titles", 10.0, target=below(250), database="SQLite"),
        Figure("feeds", "atom", 700.0, "a|b", 1000.0, unit="req/s", target=at_least(0.8)),
        Figure("submission", "gpg start", 3.0, "gpg --encrypt", 40.0, database="PostgreSQL"),
    ]
    text = text_table(figures).splitlines()
    assert text[0].split() == [
        "benchmark",
        "database",
        "figure",
        "measured",
        "baseline",
        "ratio",
        "target",
        "result",
    ]
    assert len(text) == 2 + len(figures)
    assert "80.0 ms" in text[2]
    assert "8.00x" in text[2]
    assert "< 250 ms" in text[2]
    assert text[2].rstrip().endswith("met")
    assert text[3].rstrip().endswith("NOT MET")
    assert ">= 0.8x" in text[3]
    assert "0.07x" in text[4]
    assert text[4].rstrip().endswith("-")
    document = markdown_document(
        figures,
        when=datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
        on="test box",
        mode="quick",
        seconds=90,
    )
    assert "- date: 2026-03-02 09:30 UTC" in document
    assert "- machine: test box" in document
    assert "- mode: quick, 1.5 minutes" in document
    assert "1 of 2 targets met; not met: feeds/: atom" in document
    table = [line for line in document.splitlines() if line.startswith("|")]
    assert len(table) == 2 + len(figures)
    assert "a\\|b" in table[3]  # a cell never breaks the Markdown row
    assert all(line.count("|") - line.count("\\|") == 9 for line in table)
