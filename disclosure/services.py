"""What the application is built with: settings, the database engine, the clock, the loaded
disclosure policies and the GnuPG keyring. The web app, the CLI and the scheduler share it;
it imports no web code, so jobs never depend on Flask."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Engine

from disclosure.crypto import Keyring
from disclosure.crypto.secretbox import SecretBox
from disclosure.policies.presets import DisclosurePolicy
from disclosure.settings import Settings


@dataclass
class Services:
    """What the app was built with; stored in app.extensions["disclosure"]."""

    settings: Settings
    engine: Engine
    clock: Callable[[], datetime]
    policies: Mapping[str, DisclosurePolicy]
    _keyring: Keyring | None = field(default=None, repr=False)

    def keyring(self) -> Keyring:
        """The server's GnuPG keyring, opened on first use (raises GpgUnavailable)."""
        if self._keyring is None:
            cfg = self.settings
            self._keyring = Keyring(
                cfg.gnupg_home_path, binary=cfg.gnupg_binary, passphrase=cfg.key_passphrase
            )
        return self._keyring

    def totp_box(self) -> SecretBox:
        """Seals TOTP seeds under a key derived from the key passphrase: a secret never in
        the database, required in production, and not rotated by incident response."""
        return SecretBox(self.settings.key_passphrase, "totp-seed")
