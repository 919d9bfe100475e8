"""The advisory draft at rest: ciphertext to the program's keys, like the report.

A draft names the vulnerability before the fix is out, so it is as sensitive as the report
until the moment it is released; every decryption is audited as the report's are.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlmodel import Session

from disclosure.audit.service import Actor
from disclosure.cases.access import CaseAccess
from disclosure.cases.content import record_decryption
from disclosure.crypto import CryptoError, GpgUnavailable, Keyring
from disclosure.errors import Conflict, ServiceUnavailable
from disclosure.programs.service import active_keys
from disclosure.publication.content import AdvisoryIn
from disclosure.publication.models import Advisory

FORMAT = "disclosure-advisory-draft/1"


def seal(
    session: Session, keyring: Keyring, access: CaseAccess, advisory: Advisory, draft: AdvisoryIn
) -> None:
    """Encrypt the draft to the program's active keys into the advisory row."""
    if access.program.is_offline_only:
        raise Conflict(
            "This program is offline-only: the server could not read a draft it stores, so "
            "advisories are written outside it."
        )
    fingerprints = [key.fingerprint for key in active_keys(session, access.program)]
    if not fingerprints:
        raise ServiceUnavailable("This program has no active key; nothing was stored.")
    document = json.dumps({"format": FORMAT, "draft": draft.model_dump(mode="json")})
    try:
        ciphertext = keyring.encrypt(document.encode(), fingerprints, armor=False)
    except CryptoError:
        raise ServiceUnavailable("Encryption failed; the draft was not saved. Try again.") from None
    advisory.draft_ciphertext = ciphertext
    advisory.draft_recipients = " ".join(fingerprints)


def open_draft(
    session: Session,
    keyring: Keyring,
    access: CaseAccess,
    advisory: Advisory,
    *,
    actor: Actor,
    now: datetime,
) -> AdvisoryIn | None:
    """The decrypted draft (in memory only), or None when there is none; audited."""
    if advisory.draft_ciphertext is None:
        return None
    try:
        plaintext = keyring.decrypt(advisory.draft_ciphertext)
    except GpgUnavailable:
        raise ServiceUnavailable("Decryption is unavailable right now.") from None
    except CryptoError:
        raise ServiceUnavailable(
            "The draft cannot be decrypted with the server's keys (was it encrypted to a "
            "retired key?)."
        ) from None
    record_decryption(
        session, access, "advisory_draft", {"advisory": advisory.id}, actor=actor, now=now
    )
    return AdvisoryIn.model_validate(json.loads(plaintext)["draft"])
