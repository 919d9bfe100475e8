"""Per-request state: the database session, the clock, the principal and the audit actor."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, g, request
from sqlmodel import Session

from disclosure.accounts.models import User
from disclosure.audit.service import Actor
from disclosure.errors import Unauthenticated
from disclosure.policy import ANONYMOUS, Principal
from disclosure.services import Services
from disclosure.settings import Settings


def services() -> Services:
    return current_app.extensions["disclosure"]


def settings() -> Settings:
    return services().settings


def db() -> Session:
    """The request's database session, committed after a successful response."""
    if "db" not in g:
        g.db = Session(services().engine, expire_on_commit=False)
    return g.db


def now() -> datetime:
    """The request's notion of now (fixed for the whole request)."""
    if "now" not in g:
        g.now = services().clock()
    return g.now


def principal() -> Principal:
    return g.get("principal", ANONYMOUS)


def current_user() -> User:
    """The signed-in user; Unauthenticated when nobody is (views that require a permission
    never get here without one)."""
    user = principal().user
    if user is None:
        raise Unauthenticated("Sign in or send a bearer token to do this.")
    return user


def client_ip() -> str:
    return (request.remote_addr or "")[:45]


def actor() -> Actor:
    """The audit actor for this request."""
    user = principal().user
    if user is None:
        return Actor(user_id=None, label="anonymous", ip_address=client_ip())
    return Actor(user_id=user.id, label=user.email, ip_address=client_ip())


def discard_changes() -> None:
    """Roll back what the request wrote so far (a verb that failed half-way); what it writes
    afterwards, such as the audit events of the page that shows the error, is committed."""
    if "db" in g:
        g.db.rollback()


def finish_transaction(status_code: int) -> None:
    """Commit unless the request failed; called once per request."""
    session: Session | None = g.pop("db", None)
    if session is None:
        return
    try:
        if status_code >= 500:
            session.rollback()
        else:
            session.commit()
    finally:
        session.close()
