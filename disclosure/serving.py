"""Production serving with gunicorn (several workers, each building the app once)."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication


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
        }
    ).run()
