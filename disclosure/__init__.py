"""disclosure: coordinated vulnerability disclosure you host yourself."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask

from disclosure.db import make_engine, utcnow
from disclosure.instance import secure_instance
from disclosure.services import Services
from disclosure.settings import PROJECT_ROOT, Settings, load_settings

__version__ = "0.1.0"


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the web application from configuration (see disclosure.settings)."""
    from disclosure.http import csrf, ratelimit
    from disclosure.http.blueprints import all_blueprints
    from disclosure.http.converters import RowIdConverter
    from disclosure.http.errors import register_error_handlers
    from disclosure.http.filters import register_filters
    from disclosure.http.hooks import register_hooks
    from disclosure.http.uploads import InMemoryUploadRequest

    settings = load_settings(overrides)
    secure_instance(settings.instance_path, settings.sqlalchemy_url)
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app = Flask(
        __name__,
        instance_path=str(settings.instance_path),
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    app.url_map.converters["int"] = RowIdConverter  # before any blueprint adds its rules
    app.request_class = InMemoryUploadRequest  # attachments never spool to a temp file
    _configure(app, settings)
    app.extensions["disclosure"] = build_services(settings)
    app.jinja_env.globals["csrf_token"] = csrf.csrf_token
    register_hooks(app)
    register_error_handlers(app)
    register_filters(app)
    for blueprint in all_blueprints():
        app.register_blueprint(blueprint)
    ratelimit.install(app, settings)  # after the hooks: limits count a known principal
    return app


def build_services(settings: Settings) -> Services:
    """The engine, clock, policies and keyring the app, the CLI and the scheduler share."""
    from disclosure.policies.presets import load_policies

    return Services(
        settings=settings,
        engine=make_engine(settings.sqlalchemy_url),
        clock=settings.moved_clock(utcnow),
        policies=load_policies(settings.policy_directories),
    )


def _configure(app: Flask, settings: Settings) -> None:
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        MAX_FORM_MEMORY_SIZE=settings.max_request_bytes,
        SESSION_COOKIE_SECURE=settings.is_production,
        PREFERRED_URL_SCHEME="https" if settings.is_production else "http",
    )
    if settings.proxy_count:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = settings.proxy_count
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
