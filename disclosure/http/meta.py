"""Endpoints about the service itself: health and the OpenAPI document."""

from __future__ import annotations

from typing import Literal

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, jsonify
from pydantic import BaseModel

from disclosure.crypto import GpgUnavailable, Keyring
from disclosure.http.api import operation
from disclosure.http.context import db, settings
from disclosure.http.openapi import openapi_document
from disclosure.policy import public

blueprint = Blueprint("meta_api", __name__, url_prefix="/api/v1")


class ComponentHealth(BaseModel):
    ok: bool
    detail: str


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    database: ComponentHealth
    gpg: ComponentHealth


@blueprint.get("/health")
@public
@operation(
    "Report whether the database and gpg work",
    response=Health,
    also={503: "The database or gpg does not work (status: degraded)"},
)
def health() -> Response | Health:
    report = Health(status="ok", database=_database_health(), gpg=_gpg_health())
    if not (report.database.ok and report.gpg.ok):
        response = jsonify(report.model_copy(update={"status": "degraded"}).model_dump())
        response.status_code = 503
        return response
    return report


def _database_health() -> ComponentHealth:
    try:
        db().execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as exc:
        return ComponentHealth(ok=False, detail=f"unreachable: {type(exc).__name__}")
    return ComponentHealth(ok=True, detail=db().get_bind().dialect.name)


def _gpg_health() -> ComponentHealth:
    cfg = settings()
    try:
        keyring = Keyring(
            cfg.gnupg_home_path, binary=cfg.gnupg_binary, passphrase=cfg.key_passphrase
        )
        keyring.check()
        return ComponentHealth(ok=True, detail=f"gpg {keyring.version()}")
    except GpgUnavailable as exc:
        return ComponentHealth(ok=False, detail=str(exc))


@blueprint.get("/openapi.json")
@public
def openapi() -> Response:
    from disclosure import __version__

    return jsonify(openapi_document(current_app, title="disclosure API", version=__version__))
