"""Factories that build rows through the real service verbs, and sign-in helpers."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from disclosure.accounts import service, tokens
from disclosure.accounts.models import TokenScope, User, UserRole
from disclosure.audit.service import Actor

DEFAULT_PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_user(
    app: Flask,
    email: str = "someone@example.org",
    role: UserRole = UserRole.RESEARCHER,
    password: str = DEFAULT_PASSWORD,
) -> User:
    services = app.extensions["disclosure"]
    with Session(services.engine, expire_on_commit=False) as session:
        user = service.create_user(
            session,
            Actor.system("test"),
            email=email,
            password=password,
            role=role,
            now=services.clock(),
        )
        session.commit()
        return user


def make_token(app: Flask, user: User, *scopes: TokenScope, days: int = 30) -> str:
    services = app.extensions["disclosure"]
    with Session(services.engine, expire_on_commit=False) as session:
        raw, _row = tokens.create_token(
            session,
            Actor.system("test"),
            user,
            scopes=[scope.value for scope in scopes],
            lifetime=timedelta(days=days),
            now=services.clock(),
        )
        session.commit()
        return raw


def csrf_from(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token of the form on `path`, as a browser would read it."""
    page = client.get(path).get_data(as_text=True)
    match = _CSRF.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client: FlaskClient, email: str, password: str = DEFAULT_PASSWORD) -> Any:
    """Sign in through the real login form; returns the response."""
    token = csrf_from(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_program(
    app: Flask,
    slug: str = "acme",
    *,
    policy: str = "project-zero",
    accepts_anonymous: bool = True,
    is_open: bool = True,
) -> Any:
    """A program with a key generated in the test GnuPG home."""
    from disclosure.programs import service as programs

    services = app.extensions["disclosure"]
    key = services.keyring().generate_key(f"{slug} security", f"security@{slug}.example")
    with Session(services.engine, expire_on_commit=False) as session:
        program = programs.create_program(
            session,
            Actor.system("test"),
            slug=slug,
            name=slug.title(),
            policy_name=policy,
            key=key,
            has_secret_key=True,
            now=services.clock(),
            known_policies=services.policies,
            accepts_anonymous=accepts_anonymous,
        )
        program.is_open = is_open
        session.commit()
        return program


def add_member(app: Flask, program: Any, user: User, role: str = "owner") -> None:
    from disclosure.programs import service as programs
    from disclosure.programs.models import MemberRole

    services = app.extensions["disclosure"]
    with Session(services.engine, expire_on_commit=False) as session:
        programs.add_member(
            session,
            Actor.system("test"),
            program,
            user,
            role=MemberRole(role),
            now=services.clock(),
        )
        session.commit()


def report_json(**overrides: Any) -> dict[str, Any]:
    """A valid report body for the API."""
    body: dict[str, Any] = {
        "title": "Stored XSS in the widget name",
        "product": "acme-widgets",
        "versions": "< 2.4.1",
        "cwe": "CWE-79",
        "description": "The widget name is rendered without escaping on the dashboard.",
        "steps_to_reproduce": "1. Create a widget named <script>alert(1)</script>",
        "impact": "Session theft of any dashboard user.",
        "cvss_vector": "CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:H/I:L/A:N",
        "exploited_in_the_wild": "no",
        "credit": "Ada L.",
    }
    body.update(overrides)
    return body
