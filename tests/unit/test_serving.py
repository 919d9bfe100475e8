"""What the production access log writes: paths without the secrets some of them carry."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from gunicorn.config import Config

from disclosure.serving import AccessLogger, mask_secrets


def test_calendar_feed_tokens_are_masked() -> None:
    assert mask_secrets("/calendar/abcDEF_123-x.ics") == "/calendar/[token].ics"
    assert mask_secrets("/cases/12") == "/cases/12"


def test_the_access_logger_masks_the_path_in_every_atom() -> None:
    logger = AccessLogger(Config())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/calendar/s3cret.ics",
        "PATH_INFO": "/calendar/s3cret.ics",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "QUERY_STRING": "",
        "REMOTE_ADDR": "127.0.0.1",
    }
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    atoms = logger.atoms(response, SimpleNamespace(headers=[]), environ, timedelta(seconds=0))
    assert "s3cret" not in atoms["U"]
    assert "s3cret" not in atoms["r"]
    assert atoms["U"] == "/calendar/[token].ics"
