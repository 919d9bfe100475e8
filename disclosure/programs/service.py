"""Program verbs: create a program with its key, manage members, list open programs."""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import datetime

from sqlmodel import Session, col, select

from disclosure.accounts.models import User, UserRole
from disclosure.audit.service import Actor, record
from disclosure.crypto import KeyInfo
from disclosure.errors import Conflict, NotFound, ValidationError
from disclosure.programs.models import MemberRole, Program, ProgramKey, ProgramMember

SLUG_PATTERN = "^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"
_SLUG = re.compile(SLUG_PATTERN)


def create_program(
    session: Session,
    actor: Actor,
    *,
    slug: str,
    name: str,
    policy_name: str,
    key: KeyInfo,
    has_secret_key: bool,
    now: datetime,
    known_policies: Collection[str],
    contact_email: str = "",
    scope_text: str = "",
    accepts_anonymous: bool = True,
) -> Program:
    """A new open program that encrypts to `key` (offline-only when the server lacks its secret)."""
    if policy_name not in known_policies:
        raise ValidationError(
            f"Unknown policy {policy_name!r}.",
            fields={"policy": f"Choose one of {', '.join(sorted(known_policies))}."},
        )
    if not _SLUG.fullmatch(slug):  # match() would let a final newline through
        raise ValidationError(
            "Invalid slug.",
            fields={"slug": "Use lower-case letters, digits and dashes (at most 64)."},
        )
    if find_program(session, slug):
        raise Conflict(f"A program with slug {slug!r} exists.", fields={"slug": "Already in use."})
    program = Program(
        slug=slug,
        name=name,
        policy_name=policy_name,
        contact_email=contact_email,
        scope_text=scope_text,
        accepts_anonymous=accepts_anonymous,
        is_offline_only=not has_secret_key,
        created_at=now,
    )
    session.add(program)
    session.flush()
    session.add(
        ProgramKey(
            program_id=program.id or 0,
            fingerprint=key.fingerprint,
            public_key=key.public_key,
            has_secret_key=has_secret_key,
            created_at=now,
        )
    )
    record(
        session,
        actor,
        "program.create",
        now=now,
        subject_type="program",
        subject_id=program.id,
        details={"slug": slug, "key": key.fingerprint, "offline_only": not has_secret_key},
    )
    return program


def find_program(session: Session, slug: str) -> Program | None:
    return session.exec(select(Program).where(Program.slug == slug)).first()


def get_program(session: Session, slug: str) -> Program:
    """The program with this slug, or NotFound."""
    program = find_program(session, slug)
    if program is None:
        raise NotFound(f"No program {slug!r}.")
    return program


def open_programs(session: Session) -> list[Program]:
    return list(session.exec(select(Program).where(Program.is_open).order_by(col(Program.name))))


def active_keys(session: Session, program: Program) -> list[ProgramKey]:
    return list(
        session.exec(
            select(ProgramKey).where(ProgramKey.program_id == program.id, ProgramKey.is_active)
        )
    )


def add_member(
    session: Session,
    actor: Actor,
    program: Program,
    user: User,
    *,
    role: MemberRole,
    now: datetime,
) -> ProgramMember:
    """Give a vendor account a role in the program (or change its role)."""
    if user.role is UserRole.RESEARCHER:
        raise ValidationError(
            "Researchers cannot join a vendor program.",
            fields={"email": "This account is a researcher account."},
        )
    member = session.exec(
        select(ProgramMember).where(
            ProgramMember.program_id == program.id, ProgramMember.user_id == user.id
        )
    ).first()
    previous = member.role.value if member else None
    if member is not None and member.role is role:
        return member
    if member is None:
        member = ProgramMember(
            program_id=program.id or 0, user_id=user.id or 0, role=role, created_at=now
        )
    member.role = role
    session.add(member)
    record(
        session,
        actor,
        "program.member_set",
        now=now,
        subject_type="program",
        subject_id=program.id,
        details={"user": user.email, "role": role.value, "previous_role": previous},
    )
    return member


def remove_member(
    session: Session, actor: Actor, program: Program, user: User, *, now: datetime
) -> None:
    member = session.exec(
        select(ProgramMember).where(
            ProgramMember.program_id == program.id, ProgramMember.user_id == user.id
        )
    ).first()
    if member is None:
        raise NotFound(f"{user.email} is not a member of {program.slug}.")
    session.delete(member)
    record(
        session,
        actor,
        "program.member_remove",
        now=now,
        subject_type="program",
        subject_id=program.id,
        details={"user": user.email, "role": member.role.value},
    )
