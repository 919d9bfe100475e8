"""What report intake needs from the deployment, gathered once per request."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from disclosure.crypto import Keyring
from disclosure.policies.presets import DisclosurePolicy
from disclosure.services import Services


@dataclass(frozen=True)
class Intake:
    """What intake needs from the deployment."""

    keyring: Keyring
    policies: Mapping[str, DisclosurePolicy]
    base_url: str
    secret_key: str
    max_attachment_bytes: int
    max_attachments_total_bytes: int


def intake_of(services: Services) -> Intake:
    """The intake settings of this deployment (opens the keyring)."""
    cfg = services.settings
    return Intake(
        keyring=services.keyring(),
        policies=services.policies,
        base_url=cfg.base_url,
        secret_key=cfg.secret_key,
        max_attachment_bytes=cfg.max_attachment_bytes,
        max_attachments_total_bytes=cfg.max_attachments_total_bytes,
    )
