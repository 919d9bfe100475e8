"""GET /transparency: the public statement."""

from __future__ import annotations

from flask import Blueprint, render_template

from disclosure.http.context import settings
from disclosure.policy import public
from disclosure.transparency.statement import statement

blueprint = Blueprint("transparency", __name__)


@blueprint.get("/transparency", endpoint="page")
@public
def page() -> str:
    return render_template("transparency/page.html", statement=statement(settings()))
