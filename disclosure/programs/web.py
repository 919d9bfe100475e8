"""Public program pages."""

from __future__ import annotations

from flask import Blueprint, render_template

from disclosure.http.context import db
from disclosure.policy import public
from disclosure.programs import service

blueprint = Blueprint("programs", __name__)


@blueprint.get("/")
@public
def index() -> str:
    return render_template("programs/index.html", programs=service.open_programs(db()))
