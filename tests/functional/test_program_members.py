"""Program owners manage members in the console; nobody else can."""

from __future__ import annotations

from flask import Flask
from sqlmodel import select

from disclosure.accounts.models import UserRole
from disclosure.audit.models import AuditEvent
from disclosure.programs.models import ProgramMember
from tests.factories import add_member, csrf_from, login, make_program, make_user


def _signed_in(app: Flask, email: str):
    client = app.test_client()
    login(client, email)
    return client


def test_an_owner_adds_changes_and_removes_members(app: Flask, db_session) -> None:
    program = make_program(app)
    add_member(app, program, make_user(app, "owner@acme.example", UserRole.VENDOR), "owner")
    newcomer = make_user(app, "new@acme.example", UserRole.VENDOR)
    owner = _signed_in(app, "owner@acme.example")
    token = csrf_from(owner, "/programs/acme/members")
    added = owner.post(
        "/programs/acme/members",
        data={"csrf_token": token, "email": "new@acme.example", "role": "triager"},
    )
    assert added.status_code == 302
    page = owner.get("/programs/acme/members").get_data(as_text=True)
    assert "new@acme.example" in page
    assert "triager" in page
    owner.post(
        "/programs/acme/members",
        data={"csrf_token": token, "email": "new@acme.example", "role": "viewer"},
    )
    roles = {m.user_id: m.role.value for m in db_session.exec(select(ProgramMember)).all()}
    assert roles[newcomer.id] == "viewer"
    removed = owner.post(f"/programs/acme/members/{newcomer.id}/remove", data={"csrf_token": token})
    assert removed.status_code == 302
    db_session.expire_all()
    assert newcomer.id not in {m.user_id for m in db_session.exec(select(ProgramMember)).all()}
    actions = [e.action for e in db_session.exec(select(AuditEvent)).all()]
    assert actions.count("program.member_set") == 3  # the owner, then two role changes
    assert "program.member_remove" in actions


def test_errors_are_shown_at_their_field(app: Flask) -> None:
    program = make_program(app)
    add_member(app, program, make_user(app, "owner@acme.example", UserRole.VENDOR), "owner")
    make_user(app, "r@example.org")
    owner = _signed_in(app, "owner@acme.example")
    token = csrf_from(owner, "/programs/acme/members")
    unknown = owner.post(
        "/programs/acme/members",
        data={"csrf_token": token, "email": "ghost@acme.example", "role": "viewer"},
    )
    assert unknown.status_code == 422
    assert "create an account first" in unknown.get_data(as_text=True)
    assert 'value="ghost@acme.example"' in unknown.get_data(as_text=True)
    researcher = owner.post(
        "/programs/acme/members",
        data={"csrf_token": token, "email": "r@example.org", "role": "viewer"},
    )
    assert researcher.status_code == 422
    assert "researcher account" in researcher.get_data(as_text=True)


def test_triagers_and_outsiders_cannot_manage(app: Flask) -> None:
    program = make_program(app)
    add_member(app, program, make_user(app, "t@acme.example", UserRole.VENDOR), "triager")
    make_user(app, "other@vendor.example", UserRole.VENDOR)
    for email in ("t@acme.example", "other@vendor.example"):
        client = _signed_in(app, email)
        assert client.get("/programs/acme/members").status_code == 404
