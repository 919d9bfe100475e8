"""Public program pages, the programs' public keys and their security.txt files."""

from __future__ import annotations

from flask import Blueprint, Response, render_template

from disclosure.http.context import db, now, services, settings
from disclosure.policy import public
from disclosure.programs import securitytxt, service
from disclosure.programs.models import Program

blueprint = Blueprint("programs", __name__)

# Nothing secret in these: let browsers and scanners keep them for an hour.
_PUBLIC_CACHE = "public, max-age=3600"


@blueprint.get("/")
@public
def index() -> str:
    return render_template("programs/index.html", programs=service.open_programs(db()))


@blueprint.get("/programs/<slug>/pgp-key.asc")
@public
def pgp_key(slug: str) -> Response:
    program = securitytxt.open_program(db(), slug)
    response = Response(
        securitytxt.armored_public_keys(db(), program), mimetype="application/pgp-keys"
    )
    response.headers["Cache-Control"] = _PUBLIC_CACHE
    return response


@blueprint.get("/programs/<slug>/security.txt")
@public
def security_txt(slug: str) -> Response:
    program = securitytxt.open_program(db(), slug)
    return _security_txt(program, securitytxt.program_security_txt_url(settings().base_url, slug))


@blueprint.get("/.well-known/security.txt")
@public
def well_known_security_txt() -> Response:
    program = securitytxt.default_program(db())
    return _security_txt(program, securitytxt.well_known_url(settings().base_url))


def _security_txt(program: Program, canonical: str) -> Response:
    text = securitytxt.security_txt(
        db(),
        services().keyring(),
        program,
        base_url=settings().base_url,
        canonical=canonical,
        now=now(),
    )
    response = Response(text, content_type="text/plain; charset=utf-8")
    response.headers["Cache-Control"] = _PUBLIC_CACHE
    return response
