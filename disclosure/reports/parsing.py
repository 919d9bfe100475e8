"""Reading a report out of a request: JSON, or form/multipart fields and files."""

from __future__ import annotations

from typing import Any

import pydantic
from flask import request

from disclosure.errors import ValidationError
from disclosure.http.api import UnsupportedMediaType, read_json, validate_json
from disclosure.http.errors import pydantic_fields
from disclosure.reports.forms import EncryptedReportIn, ReportIn

_OPTIONAL = ("cwe", "cvss_vector", "proposed_disclosure_date", "credit", "researcher_public_key")


_FORMS = frozenset({"multipart/form-data", "application/x-www-form-urlencoded"})


def report_from_request() -> ReportIn | EncryptedReportIn:
    """The submitted report; ValidationError naming each bad field.

    JSON is validated strictly, as the OpenAPI document states it; form fields, which are
    all text, with pydantic's usual conversions.
    """
    if request.is_json:
        data = read_json()
        if not isinstance(data, dict):
            raise ValidationError(
                "Send the report as a JSON object.", fields={"body": "Not an object."}
            )
        return validate_json(_model_for(data), request.get_data())
    if request.mimetype not in _FORMS:
        raise UnsupportedMediaType(
            "Send the report as JSON, multipart/form-data or application/x-www-form-urlencoded."
        )
    data = _form_data()
    model = _model_for(data)
    if model is EncryptedReportIn:  # the form sends every field, the plain ones empty
        data = {k: v for k, v in data.items() if k in EncryptedReportIn.model_fields}
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        raise ValidationError("Some fields are invalid.", fields=pydantic_fields(exc)) from None


def _model_for(data: dict[str, Any]) -> type[ReportIn | EncryptedReportIn]:
    return EncryptedReportIn if data.get("encrypted_report") else ReportIn


def _form_data() -> dict[str, Any]:
    form = request.form
    data: dict[str, Any] = {
        key: form.get(key, "") for key in ReportIn.model_fields if key != "attachments"
    }
    for key in _OPTIONAL:
        if not str(data.get(key, "")).strip():
            data[key] = None
    if form.get("no_credit"):
        data["credit"] = None
    if not data.get("exploited_in_the_wild"):
        data.pop("exploited_in_the_wild")
    data["attachments"] = [
        {"filename": upload.filename or "attachment", "content": upload.read()}
        for upload in request.files.getlist("attachments")
        if upload.filename
    ]
    upload = request.files.get("encrypted_report_file")
    armored = form.get("encrypted_report", "").strip()
    if upload and upload.filename:
        armored = upload.read().decode("utf-8", errors="replace").strip()
    if armored:
        data["encrypted_report"] = armored
    return data
