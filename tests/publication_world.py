"""A program, its members, a researcher and a case, for the publication tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from disclosure.accounts.models import TokenScope, UserRole
from tests.factories import add_member, bearer, make_program, make_token, make_user, report_json

OWNER_SCOPES = (TokenScope.CASES_READ, TokenScope.CASES_WRITE, TokenScope.ADVISORIES_PUBLISH)


@dataclass
class World:
    app: Flask
    client: FlaskClient
    case: int
    owner: dict[str, str]
    second_owner: dict[str, str]
    triager: dict[str, str]
    reporter: dict[str, str]
    program: Any
    tracking_code: str | None = None

    def move(self, *states: str) -> None:
        for to in states:
            moved = self.client.post(
                f"/api/v1/cases/{self.case}/transitions", json={"to": to}, headers=self.owner
            )
            assert moved.status_code == 200, moved.get_data(as_text=True)

    def put(self, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
        return self.client.put(
            f"/api/v1/cases/{self.case}/advisory", json=body, headers=headers or self.owner
        )

    def post(self, what: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        return self.client.post(
            f"/api/v1/cases/{self.case}/advisory/{what}",
            json=body if body is not None else {},
            headers=headers or self.owner,
        )


def draft(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Stored XSS in the widget name",
        "summary": "The dashboard renders widget names without escaping them in Acme Widgets.",
        "details": "A widget named `<script>` runs in every dashboard viewer's browser.",
        "workarounds": "Restrict who may rename widgets.",
        "cve_id": None,
        "cwe": "CWE-79",
        "cvss_vector": "CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:H/I:L/A:N",
        "affected": [
            {
                "vendor": "Acme",
                "product": "Widgets",
                "ecosystem": "PyPI",
                "package": "acme-widgets",
                "introduced": "2.0.0",
                "fixed": "2.4.1",
            }
        ],
        "references": [{"url": "https://acme.example/releases/2.4.1", "type": "FIX"}],
        "credits": [{"name": "Ada L.", "type": "FINDER"}],
    }
    body.update(overrides)
    return body


def make_world(
    app: Flask,
    client: FlaskClient,
    *,
    policy: str = "cert-cc",
    anonymous: bool = False,
    report: dict[str, Any] | None = None,
) -> World:
    program = make_program(app, policy=policy)
    owner = make_user(app, "owner@acme.example", UserRole.VENDOR)
    second = make_user(app, "owner2@acme.example", UserRole.VENDOR)
    triager = make_user(app, "triager@acme.example", UserRole.VENDOR)
    for user, role in ((owner, "owner"), (second, "owner"), (triager, "triager")):
        add_member(app, program, user, role)
    researcher = make_user(app, "r@example.org")
    researcher_token = make_token(app, researcher, TokenScope.REPORTS_SUBMIT, days=365)
    headers = {} if anonymous else bearer(researcher_token)
    created = client.post(
        "/api/v1/programs/acme/reports", json=report or report_json(), headers=headers
    )
    assert created.status_code == 201, created.get_data(as_text=True)
    return World(
        app=app,
        client=client,
        case=created.get_json()["id"],
        owner=bearer(make_token(app, owner, *OWNER_SCOPES, days=365)),
        second_owner=bearer(make_token(app, second, *OWNER_SCOPES, days=365)),
        triager=bearer(make_token(app, triager, *OWNER_SCOPES, days=365)),
        reporter=bearer(researcher_token),
        program=program,
        tracking_code=created.get_json().get("tracking_code"),
    )
