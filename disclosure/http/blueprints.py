"""The one list of the app's blueprints: every page and API endpoint lives in one of them."""

from __future__ import annotations

from flask import Blueprint


def all_blueprints() -> list[Blueprint]:
    """Every blueprint, imported here so that importing the package stays cheap."""
    from disclosure.accounts import api as accounts_api
    from disclosure.accounts import web as accounts_web
    from disclosure.accounts.calendar import web as calendar_web
    from disclosure.accounts.twofactor import web as two_factor_web
    from disclosure.cases import api as cases_api
    from disclosure.cases import web as cases_web
    from disclosure.cases.console import api as console_api
    from disclosure.cases.console import web as console_web
    from disclosure.cases.conversation import api as conversation_api
    from disclosure.cases.conversation import web as conversation_web
    from disclosure.cases.coordination import api as coordination_api
    from disclosure.cases.extensions import api as extensions_api
    from disclosure.cases.extensions import web as extensions_web
    from disclosure.http import meta
    from disclosure.incident import web as incident_web
    from disclosure.metrics import api as metrics_api
    from disclosure.metrics import web as metrics_web
    from disclosure.programs import web as programs_web
    from disclosure.programs.members import web as members_web
    from disclosure.publication import api as advisory_api
    from disclosure.publication import web as advisory_web
    from disclosure.publication.public import api as advisories_api
    from disclosure.publication.public import web as advisories_web
    from disclosure.reports import api as reports_api
    from disclosure.reports import web as reports_web
    from disclosure.transparency import web as transparency_web

    return [
        meta.blueprint,
        accounts_web.blueprint,
        accounts_api.blueprint,
        calendar_web.blueprint,
        two_factor_web.blueprint,
        programs_web.blueprint,
        members_web.blueprint,
        reports_web.blueprint,
        reports_api.blueprint,
        cases_web.blueprint,
        cases_api.blueprint,
        console_web.blueprint,
        console_api.blueprint,
        conversation_web.blueprint,
        conversation_api.blueprint,
        coordination_api.blueprint,
        extensions_web.blueprint,
        extensions_api.blueprint,
        advisory_web.blueprint,
        advisory_api.blueprint,
        advisories_web.blueprint,
        advisories_api.blueprint,
        incident_web.blueprint,
        metrics_web.blueprint,
        metrics_api.blueprint,
        transparency_web.blueprint,
    ]
