"""Every URL rule of the app against every role, checked against the table below.

A request is *denied* when it answers 401, 403 or 404, or redirects to the sign-in page;
anything else (200, 201, 204, a redirect elsewhere, 400, 409, 415, 422) got past
authorization. A route missing from EXPECTED fails the test, so no new route ships without
a decision. Requests carry empty or minimal bodies: the point is who gets in, not what the
endpoint then does with the input.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from disclosure import create_app
from disclosure.accounts.models import UserRole
from disclosure.cases.models import BlobKind, CaseBlob
from disclosure.reports.models import PlatformKey
from tests.conftest import Clock, _empty_tables
from tests.factories import (
    DEFAULT_PASSWORD,
    add_member,
    csrf_from,
    login,
    make_program,
    make_user,
    report_json,
)
from tests.publication_world import draft as advisory_draft

ROLES = (
    "anonymous",
    "researcher",
    "reporter",
    "outsider",
    "participant",
    "viewer",
    "triager",
    "owner",
    "admin",
)
EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {"anonymous"}
MEMBERS = frozenset({"viewer", "triager", "owner", "admin"})
WRITERS = frozenset({"triager", "owner", "admin"})
VENDORS = frozenset({"outsider", "participant", "viewer", "triager", "owner", "admin"})
PUBLISHERS = frozenset({"owner", "admin"})
NOBODY: frozenset[str] = frozenset()

# endpoint -> method -> the roles that get in. Keep it explicit: this is the policy on paper.
EXPECTED: dict[str, dict[str, frozenset[str]]] = {
    "static": {"GET": EVERYONE},
    "programs.index": {"GET": EVERYONE},
    "programs.pgp_key": {"GET": EVERYONE},
    "programs.security_txt": {"GET": EVERYONE},
    "programs.well_known_security_txt": {"GET": EVERYONE},
    "portal.program": {"GET": EVERYONE},
    "portal.report": {"GET": EVERYONE, "POST": EVERYONE},
    "portal.track": {"GET": EVERYONE, "POST": EVERYONE},
    "portal.verify_receipt": {"GET": EVERYONE, "POST": EVERYONE},
    "portal.my_cases": {"GET": SIGNED_IN},
    "meta_api.health": {"GET": EVERYONE},
    "meta_api.openapi": {"GET": EVERYONE},
    "accounts.login": {"GET": EVERYONE, "POST": EVERYONE},
    "accounts.logout": {"POST": SIGNED_IN},
    "accounts.account": {"GET": SIGNED_IN},
    # only a browser holding the ticket a correct password left gets to enter a code
    "accounts.code_step": {"GET": NOBODY, "POST": NOBODY},
    # only the holder of a mailed one-time link (none here) resets a password through it
    "accounts.reset_password": {"GET": NOBODY, "POST": NOBODY},
    "incident.page": {"GET": frozenset({"admin"})},
    "incident.act": {"POST": frozenset({"admin"})},
    "two_factor.page": {"GET": SIGNED_IN},
    "two_factor.confirm": {"POST": SIGNED_IN},
    "two_factor.disable": {"POST": SIGNED_IN},
    "accounts.password": {"GET": SIGNED_IN, "POST": SIGNED_IN},
    "accounts.create_token": {"POST": SIGNED_IN},
    "accounts.revoke_token": {"POST": SIGNED_IN},
    "accounts.revoke_session": {"POST": SIGNED_IN},
    "accounts_api.me": {"GET": SIGNED_IN},
    "accounts_api.list_sessions": {"GET": SIGNED_IN},
    "accounts_api.revoke_session": {"DELETE": SIGNED_IN},
    "accounts_api.list_tokens": {"GET": SIGNED_IN},
    "accounts_api.create_token": {"POST": SIGNED_IN},
    "accounts_api.revoke_token": {"DELETE": SIGNED_IN},
    "accounts_api.respond_to_incident": {"POST": frozenset({"admin"})},
    "calendar.page": {"GET": SIGNED_IN},
    "calendar.create": {"POST": SIGNED_IN},
    "calendar.revoke": {"POST": SIGNED_IN},
    "calendar.feed": {"GET": EVERYONE},  # the secret token in the URL is the credential
    "reports_api.submit": {"POST": EVERYONE},  # the program accepts anonymous reports
    "reports_api.mine": {"GET": SIGNED_IN},
    "reports_api.track": {"GET": EVERYONE},  # the tracking code is the credential
    "conversation_api.track_messages": {"GET": EVERYONE},
    "conversation_api.track_post_message": {"POST": EVERYONE},
    # the case, as its program's members, admins and its reporter see it
    "cases.case": {"GET": MEMBERS | {"reporter"}},
    "cases.attachment": {"GET": MEMBERS | {"reporter"}},
    "cases.ciphertext": {"GET": MEMBERS | {"reporter"}},
    "cases.change_state": {"POST": WRITERS | {"reporter"}},  # the reporter may withdraw
    "conversation.post_message": {"POST": WRITERS | {"reporter"}},
    "cases.edit_triage": {"POST": WRITERS},
    "cases.add_affected": {"POST": WRITERS},
    "cases.remove_affected": {"POST": WRITERS},
    "conversation.add_note": {"POST": WRITERS},
    "console.inbox": {"GET": VENDORS},  # every vendor has an inbox; it lists their cases only
    # Any vendor reaches the bulk form; each selected case is then checked on its own.
    "console.bulk": {"POST": VENDORS},
    "cases_api.get_case": {"GET": MEMBERS},
    "cases_api.get_attachment": {"GET": MEMBERS},
    "cases_api.transition": {"POST": WRITERS | {"reporter"}},
    "console_api.list_cases": {"GET": VENDORS},
    "console_api.patch_case": {"PATCH": WRITERS},
    "conversation_api.messages": {"GET": MEMBERS | {"reporter"}},
    "conversation_api.post_message": {"POST": WRITERS | {"reporter"}},
    "conversation_api.notes": {"GET": MEMBERS},
    "conversation_api.post_note": {"POST": WRITERS},
    "coordination_api.invite": {"POST": WRITERS},
    "coordination_api.participants": {"GET": MEMBERS},
    "coordination_api.set_status": {"PUT": WRITERS | {"participant"}},
    "coordination_api.shared": {"GET": frozenset({"participant"})},
    "coordination_api.assign_cve": {"POST": WRITERS},
    "extensions.page": {"GET": MEMBERS | {"reporter"}},
    "extensions.request_time": {"POST": frozenset({"triager", "owner"})},  # admins decide
    "extensions.withdraw": {"POST": frozenset({"triager", "owner"})},
    "extensions.decide": {"POST": frozenset({"reporter"})},  # an admin only for anonymous
    "extensions.in_the_wild": {"POST": WRITERS},
    "extensions_api.list_requests": {"GET": MEMBERS | {"reporter"}},
    "extensions_api.request_time": {"POST": frozenset({"triager", "owner"})},
    "extensions_api.withdraw": {"POST": frozenset({"triager", "owner"})},
    "extensions_api.decide": {"POST": frozenset({"reporter"})},
    "extensions_api.in_the_wild": {"POST": WRITERS},
    "program_members.members": {"GET": frozenset({"owner", "admin"})},
    "program_members.set_member": {"POST": frozenset({"owner", "admin"})},
    "program_members.remove_member": {"POST": frozenset({"owner", "admin"})},
    # the advisory: members draft it, owners release it, the reporter reviews it
    "advisory.page": {"GET": MEMBERS | {"reporter"}},
    "advisory.save": {"POST": WRITERS},
    "advisory.request_review": {"POST": WRITERS},
    "advisory.schedule": {"POST": PUBLISHERS},
    "advisory.unschedule": {"POST": PUBLISHERS},
    "advisory.publish": {"POST": PUBLISHERS},
    "advisory.revise": {"POST": PUBLISHERS},
    "advisory.withdraw": {"POST": PUBLISHERS},
    "advisory.approve": {"POST": frozenset({"reporter"})},
    "advisory.track_review": {"POST": EVERYONE},  # the tracking code is the credential
    "advisory_api.get_advisory": {"GET": MEMBERS},
    "advisory_api.put_advisory": {"PUT": WRITERS},
    "advisory_api.request_review": {"POST": WRITERS},
    "advisory_api.schedule": {"POST": PUBLISHERS},
    "advisory_api.unschedule": {"POST": PUBLISHERS},
    "advisory_api.publish": {"POST": PUBLISHERS},
    "advisory_api.revise": {"POST": PUBLISHERS},
    "advisory_api.withdraw": {"POST": PUBLISHERS},
    "advisory_api.reporter_review": {"GET": frozenset({"reporter"})},
    "advisory_api.approve": {"POST": frozenset({"reporter"})},
    "advisory_api.track_review": {"GET": EVERYONE},
    "advisory_api.track_approve": {"POST": EVERYONE},
    # the public feed: no sign-in
    "advisories.index": {"GET": EVERYONE},
    "advisories.page": {"GET": EVERYONE},
    "advisories.atom_feed": {"GET": EVERYONE},
    "advisories.osv_record": {"GET": EVERYONE},
    "advisories.osv_directory": {"GET": EVERYONE},
    "advisories.provider_metadata": {"GET": EVERYONE},
    "advisories.csaf_directory": {"GET": EVERYONE},
    "advisories.provider_key": {"GET": EVERYONE},
    "advisories_api.list_advisories": {"GET": EVERYONE},
    "advisories_api.cve_record": {"GET": EVERYONE},
    # metrics (metadata only): a program's members and admins; every program's: admins
    "metrics.program": {"GET": MEMBERS},
    "metrics.program_csv": {"GET": MEMBERS},
    "metrics.overview": {"GET": frozenset({"admin"})},
    "metrics.overview_csv": {"GET": frozenset({"admin"})},
    "metrics_api.metrics": {"GET": VENDORS},  # each vendor sees the programs they may read
    "transparency.page": {"GET": EVERYONE},
}

# Run last, each from a freshly signed-in client: they end sessions or revoke everything.
LAST = ("accounts.logout", "accounts_api.respond_to_incident")

# Valid bodies where the endpoint validates its input before it checks the case: with an
# empty body those answer 422 to anyone, which would hide the authorization decision.
BODIES: dict[str, dict[str, Any]] = {
    "cases_api.transition": {"to": "acknowledged"},  # already acknowledged: 409 past authz
    "conversation_api.post_message": {"body": "A question about the report."},
    "conversation_api.post_note": {"body": "Internal note."},
    "coordination_api.set_status": {"product": "widgets", "status": "under_investigation"},
    "extensions_api.decide": {"accept": False},
    "extensions_api.in_the_wild": {"exploited": False},
    "extensions_api.request_time": {"days": 1, "reason": "the release train"},
    "advisory_api.put_advisory": advisory_draft(),
    "advisory_api.schedule": {"publish_at": "2030-01-01T09:00:00+00:00"},
    "advisory_api.approve": {"credit_consent": True},
    "advisory_api.track_approve": {"credit_consent": True},
    "advisory_api.revise": {**advisory_draft(), "summary_of_changes": "a revision"},
    "advisory_api.withdraw": {"reason": "a withdrawal"},
}


@dataclass
class World:
    app: Flask
    program_id: int
    case_id: int
    attachment_id: int
    report_blob_id: int
    extension_id: int
    spare_member_id: int
    tracking_code: str
    public_id: str
    provider_key: str
    clients: dict[str, FlaskClient] = field(default_factory=dict)
    csrf: dict[str, str] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)


@pytest.fixture(scope="module")
def world(migrated_database: str, gnupg_home, tmp_path_factory) -> Iterator[World]:
    from tests.conftest import GENEROUS_LIMITS, TEST_SECRET

    app = create_app(
        {
            "env": "test",
            "secret_key": TEST_SECRET,
            "database_url": migrated_database,
            "instance_path": str(tmp_path_factory.mktemp("matrix")),
            "gnupg_home": str(gnupg_home),
            "key_passphrase": "test passphrase for the test keyring",
            "require_2fa_for": [],
            **GENEROUS_LIMITS,
        }
    )
    app.extensions["disclosure"].clock = Clock(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    acme = make_program(app, "acme", policy="cert-cc")  # cert-cc allows extensions
    other, libfoo = make_program(app, "other"), make_program(app, "libfoo")
    emails = {
        "researcher": "researcher@example.org",
        "reporter": "reporter@example.org",
        "outsider": "owner@other.example",
        "participant": "owner@libfoo.example",
        "viewer": "viewer@acme.example",
        "triager": "triager@acme.example",
        "owner": "owner@acme.example",
        "admin": "admin@example.org",
    }
    roles = {
        "researcher": UserRole.RESEARCHER,
        "reporter": UserRole.RESEARCHER,
        "admin": UserRole.ADMIN,
    }
    users = {
        role: make_user(app, email, roles.get(role, UserRole.VENDOR))
        for role, email in emails.items()
    }
    add_member(app, other, users["outsider"], "owner")
    add_member(app, libfoo, users["participant"], "owner")
    for role in ("viewer", "triager", "owner"):
        add_member(app, acme, users[role], role)
    spare = make_user(app, "spare@acme.example", UserRole.VENDOR)
    add_member(app, acme, spare, "viewer")

    clients = {role: app.test_client() for role in ROLES}
    for role, email in emails.items():
        assert login(clients[role], email, DEFAULT_PASSWORD).status_code == 302
    csrf = {
        role: csrf_from(clients[role], "/login" if role == "anonymous" else "/account")
        for role in ROLES
    }
    reporter = clients["reporter"]
    attachment = {"filename": "poc.txt", "content": base64.b64encode(b"proof").decode()}
    case_id = reporter.post(
        "/api/v1/programs/acme/reports",
        headers=_api(csrf["reporter"]),
        json=report_json(attachments=[attachment]),
    ).get_json()["id"]
    anonymous = app.test_client().post("/api/v1/programs/acme/reports", json=report_json())
    owner = clients["owner"]
    owner.post(
        f"/api/v1/cases/{case_id}/participants",
        headers=_api(csrf["owner"]),
        json={"program": "libfoo"},
    )
    owner.post(
        f"/api/v1/cases/{case_id}/transitions",
        headers=_api(csrf["owner"]),
        json={"to": "acknowledged"},
    )
    headers = _api(csrf["owner"])
    for case in (case_id, anonymous.get_json()["id"]):  # drafts in review, for the reporters
        owner.put(f"/api/v1/cases/{case}/advisory", headers=headers, json=advisory_draft())
        owner.post(f"/api/v1/cases/{case}/advisory/review", headers=headers)
    public_id = _published(app, clients, csrf)
    with Session(app.extensions["disclosure"].engine) as session:
        blobs = {
            b.kind: b.id for b in session.exec(select(CaseBlob).where(CaseBlob.case_id == case_id))
        }
        provider_key = session.exec(select(PlatformKey.fingerprint)).first() or ""
    yield World(
        app=app,
        program_id=acme.id or 0,
        case_id=case_id,
        attachment_id=blobs[BlobKind.ATTACHMENT],
        report_blob_id=blobs[BlobKind.REPORT],
        extension_id=0,
        spare_member_id=spare.id or 0,
        tracking_code=anonymous.get_json()["tracking_code"],
        public_id=public_id,
        provider_key=provider_key,
        clients=clients,
        csrf=csrf,
        emails=emails,
    )
    _empty_tables(app.extensions["disclosure"].engine)
    app.extensions["disclosure"].engine.dispose()


def _published(app: Flask, clients: dict[str, FlaskClient], csrf: dict[str, str]) -> str:
    """A second case of the reporter's, taken through review to a published advisory."""
    reporter, owner = clients["reporter"], clients["owner"]
    case = reporter.post(
        "/api/v1/programs/acme/reports", headers=_api(csrf["reporter"]), json=report_json()
    ).get_json()["id"]
    headers = _api(csrf["owner"])
    for to in ("acknowledged", "accepted", "fixed"):
        owner.post(f"/api/v1/cases/{case}/transitions", headers=headers, json={"to": to})
    body = advisory_draft(cve_id="CVE-2026-5555")
    owner.put(f"/api/v1/cases/{case}/advisory", headers=headers, json=body)
    owner.post(f"/api/v1/cases/{case}/advisory/review", headers=headers)
    reporter.post(
        f"/api/v1/cases/{case}/advisory/approve",
        headers=_api(csrf["reporter"]),
        json={"credit_consent": True},
    )
    published = owner.post(f"/api/v1/cases/{case}/advisory/publish", headers=headers)
    assert published.status_code == 201, published.get_data(as_text=True)
    return published.get_json()["public_id"]


def _api(token: str) -> dict[str, str]:
    return {"X-CSRF-Token": token}


def _pending_extension(world: World) -> int:
    """A fresh pending extension request (decisions and withdrawals consume them)."""
    owner = world.clients["owner"]
    response = owner.post(
        f"/api/v1/cases/{world.case_id}/extensions",
        headers=_api(world.csrf["owner"]),
        json={"days": 3, "reason": "the patch needs a release"},
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["id"]


def _own_token_id(world: World, role: str) -> int:
    client = world.clients[role]
    made = client.post(
        "/api/v1/tokens", headers=_api(world.csrf[role]), json={"scopes": ["cases:read"]}
    )
    return made.get_json()["id"] if made.status_code == 201 else 999_999


def _other_session_id(world: World, role: str) -> str:
    if role == "anonymous":
        return "0" * 16
    login(world.app.test_client(), world.emails[role])
    listed = world.clients[role].get("/api/v1/sessions").get_json()["sessions"]
    return next(s["id"] for s in listed if not s["current"])


def _calendar_token(world: World) -> str:
    page = world.clients["reporter"].post(
        "/account/calendar", data={"csrf_token": world.csrf["reporter"]}
    )
    match = re.search(r"/calendar/([A-Za-z0-9_-]+)\.ics", page.get_data(as_text=True))
    assert match, "no calendar URL on the page"
    return match.group(1)


def _params(endpoint: str, world: World, role: str) -> dict[str, Any]:
    values: dict[str, Any] = {
        "slug": "acme",
        "figure": "sla",
        "case_id": world.case_id,
        "blob_id": world.attachment_id,
        "filename": "style.css",
        "user_id": world.spare_member_id,
        "public_id": world.public_id,
        "name": "all.zip",
        "fingerprint": world.provider_key,
        "token": "no-such-reset-link",
    }
    if endpoint == "advisories.csaf_directory":
        values["name"] = "index.txt"
    if endpoint.startswith("advisory") and endpoint.endswith(("review", "approve")):
        _back_in_review(world)
    if endpoint == "cases.ciphertext":
        values["blob_id"] = world.report_blob_id
    if endpoint == "cases.remove_affected":
        values["row_id"] = _affected_row(world)
    if endpoint.endswith(("decide", "withdraw")):
        values["request_id"] = _pending_extension(world)
    if endpoint.endswith("revoke_token"):
        values["token_id"] = _own_token_id(world, role)
    if endpoint.endswith("revoke_session"):
        values["session_id"] = _other_session_id(world, role)
    if endpoint == "calendar.feed":
        values["token"] = _calendar_token(world)
    if endpoint == "program_members.remove_member":
        _readd_spare(world)
    return values


def _back_in_review(world: World) -> None:
    """Both drafts in review again (an edit before this sent them back to draft)."""
    owner, headers = world.clients["owner"], _api(world.csrf["owner"])
    with Session(world.app.extensions["disclosure"].engine) as session:
        from disclosure.publication.models import Advisory, AdvisoryState

        drafts = session.exec(select(Advisory).where(Advisory.state == AdvisoryState.DRAFT)).all()
    for advisory in drafts:
        owner.post(f"/api/v1/cases/{advisory.case_id}/advisory/review", headers=headers)


def _affected_row(world: World) -> int:
    """A fresh affected-product row (removing one consumes it)."""
    from disclosure.cases.models import AffectedProduct

    with Session(world.app.extensions["disclosure"].engine) as session:
        row = AffectedProduct(case_id=world.case_id, vendor="Acme", product="widgets")
        session.add(row)
        session.commit()
        return row.id or 0


def _readd_spare(world: World) -> None:
    """Put the spare member back into the case's program (removing one consumes it)."""
    from disclosure.programs.models import MemberRole, ProgramMember

    with Session(world.app.extensions["disclosure"].engine) as session:
        member = select(ProgramMember).where(ProgramMember.user_id == world.spare_member_id)
        if session.exec(member).first() is None:
            session.add(
                ProgramMember(
                    program_id=world.program_id,
                    user_id=world.spare_member_id,
                    role=MemberRole.VIEWER,
                )
            )
            session.commit()


def _send(world: World, role: str, endpoint: str, method: str, path: str) -> Any:
    client, token = world.clients[role], world.csrf[role]
    if endpoint in LAST:
        client = world.app.test_client()
        if role != "anonymous":
            login(client, world.emails[role])
        token = csrf_from(client, "/login")
    headers = {"X-CSRF-Token": token, "X-Tracking-Code": world.tracking_code}
    if method == "GET":
        return client.get(path, headers=headers)
    if path.startswith("/api/"):
        return client.open(path, method=method, headers=headers, json=BODIES.get(endpoint, {}))
    form = {"csrf_token": token, "tracking_code": world.tracking_code}
    return client.open(path, method=method, headers=headers, data=form)


def _denied(response: Any, method: str) -> bool:
    if response.status_code in (401, 403, 404):
        return True
    # A page asked for without signing in sends the browser to the sign-in form.
    location = response.headers.get("Location", "")
    return method == "GET" and response.status_code in (301, 302, 303) and "/login" in location


def _requests(app: Flask) -> list[tuple[str, str, Any]]:
    found = [
        (rule.endpoint, method, rule)
        for rule in app.url_map.iter_rules()
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
    ]
    return sorted(
        found,
        key=lambda item: (LAST.index(item[0]) + 1 if item[0] in LAST else 0, item[0], item[1]),
    )


def test_every_route_is_in_the_table(world: World) -> None:
    routes = {(endpoint, method) for endpoint, method, _rule in _requests(world.app)}
    table = {(endpoint, method) for endpoint, methods in EXPECTED.items() for method in methods}
    assert sorted(routes - table) == [], "routes without an authorization decision"
    assert sorted(table - routes) == [], "decisions for routes that no longer exist"


def test_every_route_against_every_role(world: World) -> None:
    mismatches: list[str] = []
    for endpoint, method, rule in _requests(world.app):
        expected = EXPECTED.get(endpoint, {}).get(method)
        if expected is None:
            continue  # reported by test_every_route_is_in_the_table
        for role in ROLES:
            with world.app.test_request_context():
                path = world.app.url_for(
                    endpoint,
                    **{
                        k: v
                        for k, v in _params(endpoint, world, role).items()
                        if k in rule.arguments
                    },
                )
            response = _send(world, role, endpoint, method, path)
            if response.status_code >= 500:  # a crash lets nobody in, nor is it a refusal
                mismatches.append(
                    f"{method} {path} ({endpoint}): {role} got {response.status_code}"
                )
                response.close()
                continue
            allowed = not _denied(response, method)
            if allowed != (role in expected):
                verdict = "let in" if allowed else "refused"
                mismatches.append(
                    f"{method} {path} ({endpoint}): {role} was {verdict} "
                    f"with {response.status_code}"
                )
            response.close()
    assert not mismatches, "\n" + "\n".join(mismatches)
