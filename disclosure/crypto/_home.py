"""GnuPG home preparation: a private directory plus hardened gpg.conf and gpg-agent.conf."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from disclosure.crypto.errors import GpgUnavailable

GPG_CONF = """\
# Written by disclosure; rewritten when the keyring starts.
no-greeting
no-emit-version
no-comments
no-symkey-cache
charset utf-8
personal-cipher-preferences AES256 AES192 AES
personal-digest-preferences SHA512 SHA384 SHA256
personal-compress-preferences ZLIB BZIP2 ZIP Uncompressed
default-preference-list SHA512 SHA384 SHA256 AES256 AES192 AES ZLIB BZIP2 ZIP Uncompressed
cert-digest-algo SHA512
s2k-digest-algo SHA512
s2k-cipher-algo AES256
weak-digest SHA1
require-cross-certification
no-auto-key-retrieve
auto-key-locate local
keyserver-options no-honor-keyserver-url
"""

# Passphrases come from the application over loopback and are never cached by the agent.
# s2k-calibration keeps key protection at ~50 ms of hashing per unlock: the agent's default
# calibration can land on multi-second unlocks in virtualised hosts.
GPG_AGENT_CONF = """\
# Written by disclosure; rewritten when the keyring starts.
allow-loopback-pinentry
default-cache-ttl 0
max-cache-ttl 0
no-allow-external-cache
s2k-calibration 50
"""


def prepare_home(home: Path) -> None:
    """Create `home` as a 0700 directory (tightening it if looser) and write the config files."""
    try:
        home.mkdir(mode=0o700, parents=True, exist_ok=True)
        mode = stat.S_IMODE(home.stat().st_mode)
        if mode & 0o077:
            home.chmod(0o700)
    except OSError as exc:
        raise GpgUnavailable(f"GnuPG home {str(home)!r} is unusable: {exc.strerror}") from None
    check_home(home)
    _write_if_changed(home / "gpg.conf", GPG_CONF)
    _write_if_changed(home / "gpg-agent.conf", GPG_AGENT_CONF)


def check_home(home: Path, *, probe: bool = False) -> None:
    """Raise GpgUnavailable unless `home` is a readable, writable directory."""
    if not home.is_dir():
        raise GpgUnavailable(f"GnuPG home {str(home)!r} is not a directory")
    if not os.access(home, os.R_OK | os.W_OK | os.X_OK):
        raise GpgUnavailable(f"GnuPG home {str(home)!r} is not readable and writable")
    if probe:
        try:
            fd, name = tempfile.mkstemp(dir=home, prefix=".probe-")
            os.close(fd)
            os.unlink(name)
        except OSError as exc:
            raise GpgUnavailable(
                f"GnuPG home {str(home)!r} is not writable: {exc.strerror}"
            ) from None


def _write_if_changed(path: Path, content: str) -> None:
    """Atomically replace `path` with `content` (mode 0600) unless it already holds it."""
    try:
        if path.is_file() and path.read_text(encoding="utf-8") == content:
            return
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(content)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise GpgUnavailable(f"cannot write {str(path)!r}: {exc.strerror}") from None
