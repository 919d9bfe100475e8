"""disclosure: coordinated vulnerability disclosure you host yourself."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask

from disclosure.db import make_engine, utcnow
from disclosure.instance import secure_instance
from disclosure.settings import PROJECT_ROOT, load_settings

__version__ = "0.1.0"


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the web application from configuration (see disclosure.settings)."""
    from disclosure.accounts import api as accounts_api
    from disclosure.accounts import web as accounts_web
    from disclosure.accounts.calendar import web as calendar_web
    from disclosure.cases import api as cases_api
    from disclosure.cases import web as cases_web
    from disclosure.cases.console import api as console_api
    from disclosure.cases.console import web as console_web
    from disclosure.cases.conversation import api as conversation_api
    from disclosure.cases.conversation import web as conversation_web
    from disclosure.cases.coordination import api as coordination_api
    from disclosure.cases.extensions import api as extensions_api
    from disclosure.cases.extensions import web as extensions_web
    from disclosure.http import csrf, meta
    from disclosure.http.converters import RowIdConverter
    from disclosure.http.errors import register_error_handlers
    from disclosure.http.filters import register_filters
    from disclosure.http.hooks import register_hooks
    from disclosure.policies.presets import load_policies
    from disclosure.programs import web as programs_web
    from disclosure.programs.members import web as members_web
    from disclosure.reports import api as reports_api
    from disclosure.reports import web as reports_web
    from disclosure.services import Services

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
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        MAX_FORM_MEMORY_SIZE=settings.max_request_bytes,
        SESSION_COOKIE_SECURE=settings.is_production,
        PREFERRED_URL_SCHEME="https" if settings.is_production else "http",
    )
    app.extensions["disclosure"] = Services(
        settings=settings,
        engine=make_engine(settings.sqlalchemy_url),
        clock=settings.moved_clock(utcnow),
        policies=load_policies(settings.policy_directories),
    )
    if settings.proxy_count:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = settings.proxy_count
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    app.jinja_env.globals["csrf_token"] = csrf.csrf_token
    register_hooks(app)
    register_error_handlers(app)
    register_filters(app)
    for blueprint in (
        meta.blueprint,
        accounts_web.blueprint,
        accounts_api.blueprint,
        programs_web.blueprint,
        members_web.blueprint,
        reports_api.blueprint,
        cases_api.blueprint,
        console_api.blueprint,
        conversation_api.blueprint,
        coordination_api.blueprint,
        reports_web.blueprint,
        cases_web.blueprint,
        console_web.blueprint,
        conversation_web.blueprint,
        extensions_api.blueprint,
        extensions_web.blueprint,
        calendar_web.blueprint,
    ):
        app.register_blueprint(blueprint)
    return app
