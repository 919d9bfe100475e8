"""Demo data for `make run`: one program with a fresh key, a vendor and a researcher."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

from disclosure.accounts import service as accounts
from disclosure.accounts.models import UserRole
from disclosure.audit.service import Actor
from disclosure.db import unit_of_work
from disclosure.programs import service as programs
from disclosure.programs.models import MemberRole
from disclosure.services import Services

DEMO_SLUG = "acme"
VENDOR_EMAIL = "vendor@acme.example"
RESEARCHER_EMAIL = "researcher@example.org"


def seed_demo(services: Services) -> Iterator[str]:
    """Create whatever part of the demo is missing; yield lines to print.

    Passwords are random per instance and kept in <instance>/demo-credentials.txt (mode 0600),
    so a second run prints the same credentials without storing them in the database.
    """
    actor = Actor.system("demo")
    credentials = _credentials(services)
    now = services.clock()
    with unit_of_work(services.engine) as session:
        program = programs.find_program(session, DEMO_SLUG)
        if program is None:
            keyring = services.keyring()
            key = keyring.generate_key("Acme Security Team", "security@acme.example")
            program = programs.create_program(
                session,
                actor,
                slug=DEMO_SLUG,
                name="Acme Widgets",
                policy_name="project-zero",
                key=key,
                has_secret_key=True,
                now=now,
                known_policies=services.policies,
                contact_email="security@acme.example",
                scope_text="acme-widgets (all versions) and https://widgets.acme.example",
            )
            yield f"created demo program {DEMO_SLUG} with key {key.fingerprint}"
        for email, role in (
            (VENDOR_EMAIL, UserRole.VENDOR),
            (RESEARCHER_EMAIL, UserRole.RESEARCHER),
        ):
            user = accounts.find_user_by_email(session, email)
            if user is None:
                user = accounts.create_user(
                    session, actor, email=email, role=role, password=credentials[email], now=now
                )
                yield f"created demo {role.value} {email}"
            if role is UserRole.VENDOR:
                programs.add_member(session, actor, program, user, role=MemberRole.OWNER, now=now)
    yield "demo accounts (sign in at /login):"
    for email, password in credentials.items():
        yield f"  {email}  password: {password}"


def _credentials(services: Services) -> dict[str, str]:
    path = services.settings.instance_path / "demo-credentials.txt"
    if path.exists():
        pairs = (line.split(" ", 1) for line in path.read_text().splitlines() if " " in line)
        return dict(pairs)
    credentials = {email: secrets.token_urlsafe(12) for email in (VENDOR_EMAIL, RESEARCHER_EMAIL)}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text("".join(f"{email} {password}\n" for email, password in credentials.items()))
    return credentials
