"""Production serving with gunicorn (several workers, each building the app once)."""

from __future__ import annotations

import re
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

# Paths that carry a credential: a calendar feed's secret token.
_SECRET_PATHS = re.compile(r"(/calendar/)[^/?\s]+(\.ics)")


def mask_secrets(path: str) -> str:
    """The path with any credential in it replaced, fit for a log line."""
    return _SECRET_PATHS.sub(r"\1[token]\2", path)


class AccessLogger(Logger):  # type: ignore[misc]  (gunicorn ships no type hints)
    """gunicorn's logger, minus the secrets some paths carry."""

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("U", "r"):
            if isinstance(atoms.get(key), str):
                atoms[key] = mask_secrets(atoms[key])
        return atoms


class _Gunicorn(BaseApplication):  # type: ignore[misc]  (gunicorn ships no type hints)
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from disclosure import create_app

        app = create_app()
        # Only here, in the worker that serves, never in the CLI process that started gunicorn.
        if app.extensions["disclosure"].settings.scheduler_in_process:
            from disclosure.scheduler import start_in_process

            start_in_process(app)
        return app


def run_gunicorn(*, host: str, port: int, workers: int) -> None:
    """Serve on host:port with `workers` processes until stopped."""
    _Gunicorn(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "accesslog": "-",
            # The access log must never carry query strings that could hold secrets.
            "access_log_format": '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss',
            "logger_class": "disclosure.serving.AccessLogger",
        }
    ).run()
