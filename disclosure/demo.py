"""Demo data for `make run`: a program with a fresh key, a vendor, a researcher, and one
report taken all the way to a published advisory, so that every page has something to show."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import datetime, timedelta

from sqlmodel import Session, select

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
    with unit_of_work(services.engine) as session:
        if (published := _demo_advisory(session, services, now)) is not None:
            yield f"published demo advisory {published}: {services.settings.base_url}/advisories"
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


def _demo_advisory(session: Session, services: Services, now: datetime) -> str | None:
    """A report taken through triage, fix, review and release: the feed has one advisory."""
    from disclosure.cases import triage
    from disclosure.cases.access import open_case
    from disclosure.cases.models import CaseState
    from disclosure.policy import Permission, Principal
    from disclosure.publication import service as publication
    from disclosure.publication.content import AdvisoryIn
    from disclosure.publication.models import Advisory
    from disclosure.publication.publisher import publisher_of
    from disclosure.reports import service as intake
    from disclosure.reports.forms import ReportIn
    from disclosure.reports.intake import intake_of

    if session.exec(select(Advisory)).first() is not None:
        return None
    program = programs.find_program(session, DEMO_SLUG)
    vendor = accounts.find_user_by_email(session, VENDOR_EMAIL)
    researcher = accounts.find_user_by_email(session, RESEARCHER_EMAIL)
    if program is None or vendor is None or researcher is None:
        return None
    report = ReportIn.model_validate(_DEMO_REPORT)
    them, us = Actor(researcher.id, researcher.email), Actor(vendor.id, vendor.email)
    submission = intake.submit_report(
        session, intake_of(services), program=program, report=report, submitter=researcher,
        actor=them, now=now - timedelta(days=20),
    )  # fmt: skip
    case_id = submission.case.id or 0
    access = open_case(session, Principal(user=vendor), case_id, Permission.ADVISORIES_PUBLISH)
    for days, to in ((19, CaseState.ACKNOWLEDGED), (18, CaseState.ACCEPTED), (9, CaseState.FIXED)):
        triage.change_state(
            session, access, services.policies, to=to, actor=us, now=now - timedelta(days=days)
        )
    pub = publisher_of(services)
    draft = AdvisoryIn.model_validate(_DEMO_ADVISORY)
    publication.save_draft(session, pub, access, draft, actor=us, now=now - timedelta(days=8))
    publication.request_review(session, pub, access, actor=us, now=now - timedelta(days=8))
    mine = open_case(session, Principal(user=researcher), case_id, Permission.REPORTS_READ_OWN)
    publication.approve(
        session, mine, consents_to_credit=True, actor=them, now=now - timedelta(days=7)
    )
    outcome = publication.publish(session, pub, access, actor=us, now=now - timedelta(days=7))
    return outcome.advisory.public_id


_DEMO_REPORT = {
    "title": "Stored XSS in widget names",
    "product": "acme-widgets",
    "versions": "2.0.0 to 2.4.0",
    "cwe": "CWE-79",
    "description": "Widget names are rendered without escaping on the shared dashboard.",
    "steps_to_reproduce": "1. Rename a widget to <img src=x onerror=alert(1)>\n2. Open it",
    "impact": "Script runs in the browser of everyone who opens the dashboard.",
    "cvss_vector": "CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N",
    "exploited_in_the_wild": "no",
    "credit": "Ada Lovelace",
}
_DEMO_ADVISORY = {
    "title": "Stored cross-site scripting in widget names",
    "summary": (
        "Acme Widgets 2.0.0 to 2.4.0 render widget names on the shared dashboard without "
        "escaping them, so a user who may rename widgets can run script in other users' "
        "browsers."
    ),
    "details": (
        "## Impact\n\nA widget name is inserted into the dashboard as HTML. Anyone who may "
        "rename a widget can run script in the browser of every dashboard viewer.\n\n"
        "## Fix\n\nUpgrade to **2.4.1**, which escapes widget names."
    ),
    "workarounds": "Restrict who may rename widgets until you upgrade.",
    "cwe": "CWE-79",
    "cvss_vector": "CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N",
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
    "references": [{"url": "https://widgets.acme.example/releases/2.4.1", "type": "FIX"}],
    "credits": [{"name": "Ada Lovelace", "type": "FINDER"}],
}
