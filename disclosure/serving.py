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

        return create_app()


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
