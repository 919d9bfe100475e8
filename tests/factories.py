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
