"""The public transparency page says what the configuration says, and honestly what it
does not; every page links it, and so does security.txt's Policy field."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from flask import Flask

from disclosure import create_app
from disclosure.transparency.statement import NOT_STATED, TEXT_DATE
from tests.factories import make_program


def _page(app: Flask) -> str:
    response = app.test_client().get("/transparency")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_defaults_say_what_is_not_stated(app: Flask) -> None:
    page = _page(app)
    assert f'<dd id="hosting">{NOT_STATED}</dd>' in page
    assert f'<dd id="region">{NOT_STATED}</dd>' in page
    assert "This software makes no backups by itself." in page
    assert "no data leaves this server" in page  # no smtp_url in the tests
    assert "nothing is purged automatically" in page
    assert f'id="last-changed">{TEXT_DATE.isoformat()}<' in page
    assert "Every decryption is recorded in the audit log" in page
    assert "The in-the-wild answer" in page


def test_the_page_reflects_the_configuration(app_overrides: dict[str, Any], tmp_path: Path):
    configured = create_app(
        {
            **app_overrides,
            "instance_path": str(tmp_path / "configured"),
            "transparency_hosting": "Our own rack at Example Hosting GmbH",
            "transparency_region": "Germany (EU)",
            "transparency_backups": "Nightly, encrypted, kept 30 days",
            "transparency_subprocessors": "Example Mail AG; Example Backup Ltd",
            "transparency_retention": "Closed cases are purged after two years",
            "transparency_updated": "2030-01-15",
            "smtp_url": "smtp://127.0.0.1:2525",
            "database_url": "postgresql+psycopg://secret-user:hunter2@db.internal/disclosure",
        }
    )
    page = _page(configured)
    assert '<dd id="hosting">Our own rack at Example Hosting GmbH</dd>' in page
    assert '<dd id="region">Germany (EU)</dd>' in page
    assert "Nightly, encrypted, kept 30 days" in page
    assert "<li>Example Mail AG</li><li>Example Backup Ltd</li>" in page
    assert "Closed cases are purged after two years" in page
    assert f'id="last-changed">{date(2030, 1, 15).isoformat()}<' in page
    assert "PostgreSQL" in page
    assert "hunter2" not in page
    assert "db.internal" not in page
    configured.extensions["disclosure"].engine.dispose()


def test_every_page_links_it_and_security_txt_names_it(app: Flask) -> None:
    make_program(app)
    client = app.test_client()
    for path in ("/", "/login", "/advisories", "/programs/acme", "/no-such-page"):
        assert 'href="/transparency"' in client.get(path).get_data(as_text=True), path
    security_txt = client.get("/programs/acme/security.txt").get_data(as_text=True)
    base = app.extensions["disclosure"].settings.base_url
    assert f"Policy: {base}/transparency\n" in security_txt
