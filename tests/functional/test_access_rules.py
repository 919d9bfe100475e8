"""Deny by default: every URL rule declares its access, and undeclared ones are closed."""

from __future__ import annotations

from flask import Blueprint, Flask

from disclosure.policy import Permission, endpoint_rule

# Reachable without signing in. Anything else needs a permission; a new public route must be
# added here on purpose.
PUBLIC_ENDPOINTS = {
    "static",
    "programs.index",
    "accounts.login",
    "accounts.code_step",  # the signed ticket a correct password left is the credential
    "accounts.reset_password",  # the one-time token in the mailed link is the credential
    "meta_api.health",
    "meta_api.openapi",
    "reports_api.submit",  # anonymous reports, where the program accepts them
    "reports_api.track",  # the tracking code is the credential
    "conversation_api.track_messages",  # the tracking code in X-Tracking-Code is the credential
    "conversation_api.track_post_message",  # the same
    "portal.program",  # a program's scope, policy and key are for everyone to read
    "portal.report",  # anonymous reports where the program accepts them (the service decides)
    "portal.track",  # the tracking code, sent in the POST body, is the credential
    "portal.verify_receipt",  # whoever holds a receipt may check its signature
    "programs.pgp_key",  # researchers need the public key to encrypt before signing in
    "programs.security_txt",  # RFC 9116: security contacts are published for anyone
    "programs.well_known_security_txt",  # RFC 9116 asks for it at /.well-known/, unauthenticated
    "transparency.page",  # where data lives and who can read it, stated for everyone
    "calendar.feed",  # the secret token in the URL is the credential; calendar apps send no cookie
    # The published advisories are public; an unpublished one is in no table these read.
    "advisories.index",
    "advisories.page",
    "advisories.atom_feed",
    "advisories.osv_record",
    "advisories.osv_directory",
    "advisories.provider_metadata",
    "advisories.csaf_directory",
    "advisories.provider_key",
    "advisories_api.list_advisories",
    "advisories_api.cve_record",
    "advisory.track_review",  # the tracking code, sent in the POST body, is the credential
    "advisory_api.track_review",  # the tracking code in X-Tracking-Code is the credential
    "advisory_api.track_approve",  # the same
}


def test_every_endpoint_declares_its_access(app: Flask) -> None:
    undeclared = [name for name, view in app.view_functions.items() if endpoint_rule(view) is None]
    assert undeclared == []
    public = {name for name, view in app.view_functions.items() if endpoint_rule(view) is True}
    assert public == PUBLIC_ENDPOINTS
    for view in app.view_functions.values():
        rule = endpoint_rule(view)
        assert rule is True or isinstance(rule, Permission)


def test_an_undeclared_endpoint_is_refused_to_everyone(app_overrides) -> None:
    from disclosure import create_app

    app = create_app(app_overrides)
    forgotten = Blueprint("forgotten", __name__)

    @forgotten.get("/forgotten")
    def view() -> str:
        return "should never be served"

    app.register_blueprint(forgotten)
    response = app.test_client().get("/forgotten")
    assert response.status_code == 403
    assert "should never be served" not in response.get_data(as_text=True)
    app.extensions["disclosure"].engine.dispose()
