"""Policy versions kept in the database, so a case's deadlines follow the version it got."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from disclosure.errors import ServiceUnavailable
from disclosure.policies.models import PolicyVersion
from disclosure.policies.presets import DisclosurePolicy

log = logging.getLogger(__name__)


def _document(policy: DisclosurePolicy) -> str:
    return policy.model_dump_json()


def remember(session: Session, policy: DisclosurePolicy, *, now: datetime) -> None:
    """Keep this version of the policy; refuse a file changed without a new version number."""
    stored = session.exec(
        select(PolicyVersion).where(
            PolicyVersion.name == policy.name, PolicyVersion.version == policy.version
        )
    ).first()
    if stored is None:
        try:
            with session.begin_nested():
                session.add(
                    PolicyVersion(
                        name=policy.name,
                        version=policy.version,
                        document=_document(policy),
                        first_seen_at=now,
                    )
                )
                session.flush()
        except sa.exc.IntegrityError:
            return remember(session, policy, now=now)  # another process stored it first
        return None
    # Read back under today's model: a key added since (at its default) changes nothing.
    if _document(DisclosurePolicy.model_validate_json(stored.document)) != _document(policy):
        log.error("policy %s v%s changed without a new version number", policy.name, policy.version)
        raise ServiceUnavailable(
            f"The policy file {policy.name}.toml changed but still says version "
            f"{policy.version}; cases already follow that version. Raise `version` in the "
            "file and restart. Nothing was stored."
        )
    return None


def policy_for_case(
    session: Session, policies: Mapping[str, DisclosurePolicy], name: str, version: int
) -> DisclosurePolicy:
    """The policy version a case follows: the loaded file if it is that version, else the
    stored copy of the version the case arrived under."""
    loaded = policies.get(name)
    if loaded is not None and loaded.version == version:
        return loaded
    stored = session.exec(
        select(PolicyVersion).where(PolicyVersion.name == name, PolicyVersion.version == version)
    ).first()
    if stored is None:
        raise ServiceUnavailable(f"Policy {name} v{version} is neither loaded nor stored.")
    return DisclosurePolicy.model_validate_json(stored.document)
