"""The Keyring facade: the only code in the project that talks to GnuPG (through python-gnupg)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from disclosure.crypto import _parse
from disclosure.crypto._gpg import GPG
from disclosure.crypto._home import check_home, prepare_home
from disclosure.crypto.errors import CryptoError, GpgUnavailable, NotEncryptedToKey

T = TypeVar("T")
_PUBLIC_HEADER = "-----BEGIN PGP PUBLIC KEY BLOCK-----"
_PRIVATE_HEADER = "-----BEGIN PGP PRIVATE KEY BLOCK-----"


@dataclass(frozen=True)
class KeyInfo:
    """A public key in the keyring: fingerprint, ASCII-armored key and user ids."""

    fingerprint: str
    public_key: str
    user_ids: tuple[str, ...]


class Keyring:
    """A GnuPG home directory holding the platform's keys, driven through python-gnupg."""

    def __init__(self, home: Path, *, binary: str = "gpg", passphrase: str) -> None:
        _parse.check_passphrase(passphrase)
        self._home = Path(home).absolute()
        self._binary = binary
        self._passphrase = passphrase
        if shutil.which(binary) is None:
            raise GpgUnavailable(f"gpg binary {binary!r} is missing or not executable")
        prepare_home(self._home)
        try:  # python-gnupg runs `gpg --list-config` once here: the only spawn at construction
            self._gpg = GPG(gpgbinary=binary, gnupghome=str(self._home))
        except (OSError, ValueError):
            raise GpgUnavailable(f"cannot run gpg binary {binary!r}") from None
        if not self._gpg.version or self._gpg.version < (2, 1):
            raise GpgUnavailable(f"gpg binary {binary!r} is not GnuPG 2.1 or later")

    @property
    def home(self) -> Path:
        """The GnuPG home directory."""
        return self._home

    def _call(self, what: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a python-gnupg call, translating its exceptions into ours (without their data)."""
        try:
            return fn(*args, **kwargs)
        except BrokenPipeError:
            raise CryptoError(f"{what} failed: gpg stopped reading its input") from None
        except OSError as exc:
            raise GpgUnavailable(
                f"{what} failed: cannot run gpg binary {self._binary!r} ({exc.strerror})"
            ) from None
        except ValueError:
            raise CryptoError(f"{what} failed: invalid input") from None

    def version(self) -> str:
        """The GnuPG version, e.g. "2.2.40" (as reported when the keyring was opened)."""
        if not self._gpg.version:
            raise GpgUnavailable(f"gpg binary {self._binary!r} did not report its version")
        return ".".join(str(part) for part in self._gpg.version)

    def check(self) -> None:
        """Health check: the home is readable and writable and the gpg binary runs."""
        check_home(self._home, probe=True)
        result = self._call("health check", self._gpg.list_keys)
        if result.returncode != 0:
            raise GpgUnavailable(
                f"gpg binary {self._binary!r} failed on home {str(self._home)!r} "
                f"(exit code {result.returncode})"
            )

    def _listing(self, fpr: str, *, secret: bool = False) -> dict[str, Any] | None:
        """python-gnupg's listing of the key whose primary fingerprint is `fpr`, if present."""
        keys = self._call("key listing", self._gpg.list_keys, secret=secret, keys=[fpr])
        return next((k for k in keys if k.get("fingerprint", "").upper() == fpr), None)

    def _key_info(self, fpr: str) -> KeyInfo:
        key = self._listing(fpr)
        if key is None:
            raise CryptoError(f"no public key {fpr} in the keyring")
        user_ids = tuple(_parse.utf8(uid) for uid in key.get("uids", []))
        return KeyInfo(fingerprint=fpr, public_key=self.export_public_key(fpr), user_ids=user_ids)

    def generate_key(self, name: str, email: str, *, protected: bool = True) -> KeyInfo:
        """Create an ed25519 signing key with a cv25519 encryption subkey.

        Keys are protected by the keyring's passphrase. `protected=False` is only for keys
        that decrypt nothing (the receipt-signing key), where the unlock would cost ~50 ms
        per signature and guard nothing the home's 0700 permissions do not.
        """
        params = _parse.gen_key_params(name, email, self._passphrase, protected=protected)
        result = self._call("key generation", self._gpg.gen_key_loopback, params, self._passphrase)
        if not result.fingerprint or result.returncode != 0:
            raise CryptoError(f"key generation failed ({result.status or 'no key created'})")
        return self._key_info(_parse.fingerprint(result.fingerprint))

    def import_public_key(self, armored: str) -> KeyInfo:
        """Import exactly one ASCII-armored OpenPGP public key that can encrypt."""
        if not isinstance(armored, str) or _PUBLIC_HEADER not in armored:
            if isinstance(armored, str) and _PRIVATE_HEADER in armored:
                raise CryptoError("not an OpenPGP public key: this is a private key block")
            raise CryptoError("not an OpenPGP public key")
        data = armored.encode("utf-8")
        # A dry-run import lists what the block holds without touching the keyring.
        scanned = self._call("key import", self._gpg.scan_keys_mem, data)
        if any(key.get("type") == "sec" for key in scanned):
            raise CryptoError("not an OpenPGP public key: it contains a private key")
        if not scanned:
            raise CryptoError("not an OpenPGP public key")
        if len(scanned) > 1:
            raise CryptoError("more than one key: import exactly one public key")
        fpr = _parse.fingerprint(scanned[0].get("fingerprint", ""))
        if scanned[0].get("trust") in {"r", "e", "i"}:
            raise CryptoError("key is revoked, expired or invalid")
        if "E" not in scanned[0].get("cap", ""):
            raise CryptoError("key has no encryption subkey")
        result = self._call("key import", self._gpg.import_keys, data)
        if not result or result.sec_imported or {f.upper() for f in result.fingerprints} != {fpr}:
            raise CryptoError("key import failed")
        return self._key_info(fpr)

    def has_secret_key(self, fingerprint: str) -> bool:
        """Whether the keyring holds the secret key for `fingerprint`."""
        return self._listing(_parse.fingerprint(fingerprint), secret=True) is not None

    def encrypt(self, data: bytes, recipients: Sequence[str], *, armor: bool = True) -> bytes:
        """Encrypt `data` (fed through stdin) to fingerprints the caller already trusts."""
        if isinstance(recipients, str):
            recipients = [recipients]
        fprs = [_parse.fingerprint(r) for r in recipients]
        if not fprs:
            raise CryptoError("encryption failed: no recipients")
        result = self._call(
            "encryption",
            self._gpg.encrypt,
            _parse.as_bytes(data),
            fprs,
            always_trust=True,
            armor=armor,
        )
        if not result.ok or result.returncode != 0:
            raise CryptoError(f"encryption failed ({result.status or 'gpg error'})")
        return result.data

    def decrypt(self, data: bytes | str) -> bytes:
        """Decrypt a message to one of our keys, unlocking it with the keyring passphrase."""
        result = self._call(
            "decryption", self._gpg.decrypt, _parse.as_bytes(data), passphrase=self._passphrase
        )
        keywords = {keyword for keyword, _ in _parse.status_lines(result.stderr)}
        if not result.ok or keywords & {"DECRYPTION_FAILED", "BADMDC"}:
            raise CryptoError(f"decryption failed ({_parse.decrypt_failure(result)})")
        return result.data

    def recipients_of(self, message: bytes | str) -> frozenset[str]:
        """The long key ids a message is encrypted to, read without decrypting it."""
        # `--decrypt --list-only` stops after the public-key packets: nothing is decrypted.
        result = self._call(
            "recipient listing",
            self._gpg.decrypt,
            _parse.as_bytes(message),
            extra_args=["--list-only"],
        )
        status = _parse.status_lines(result.stderr)
        if result.returncode != 0 or any(keyword in _parse.MALFORMED for keyword, _ in status):
            raise CryptoError("not a well-formed OpenPGP message")
        return frozenset(v.split()[0].upper() for k, v in status if k == "ENC_TO" and v)

    def _key_ids(self, fpr: str) -> set[str]:
        """The long key ids of a key and of all its subkeys."""
        ids = {fpr[-16:]}
        key = self._listing(fpr)
        if key is not None:
            ids.update(sub[0].upper() for sub in key.get("subkeys", []) if sub and sub[0])
        return ids

    def check_encrypted_to(self, message: bytes | str, fingerprints: Sequence[str]) -> None:
        """Raise NotEncryptedToKey unless the message is encrypted to one of `fingerprints`."""
        if isinstance(fingerprints, str):
            fingerprints = [fingerprints]
        expected = tuple(_parse.fingerprint(f) for f in fingerprints)
        recipients = self.recipients_of(message)
        accepted: set[str] = set()
        for fpr in expected:
            accepted |= self._key_ids(fpr)
        if not recipients & accepted:
            raise NotEncryptedToKey(expected, recipients)

    def _sign(self, data: bytes, fingerprint: str, *, detach: bool) -> str:
        fpr = _parse.fingerprint(fingerprint)
        result = self._call(
            "signing",
            self._gpg.sign,
            data,
            passphrase=self._passphrase,
            clearsign=not detach,
            detach=detach,
            extra_args=["--local-user", f"{fpr}!"],  # exactly this key, never a fallback
        )
        if not result or result.returncode != 0 or (result.fingerprint or "").upper() != fpr:
            raise CryptoError(f"signing failed ({result.status or 'gpg error'})")
        return result.data.decode("utf-8")

    def sign_cleartext(self, text: str, fingerprint: str) -> str:
        """An OpenPGP cleartext-signed (clearsign) version of `text`."""
        return self._sign(text.encode("utf-8"), fingerprint, detach=False)

    def sign_detached(self, data: bytes, fingerprint: str) -> str:
        """An ASCII-armored detached signature over `data`."""
        return self._sign(_parse.as_bytes(data), fingerprint, detach=True)

    def verify_cleartext(self, signed: str) -> str:
        """Verify a cleartext signature; returns the signer's primary fingerprint."""
        result = self._call("verification", self._gpg.verify, _parse.as_bytes(signed))
        return _parse.good_signer(result)

    def verify_detached(self, data: bytes, signature: str) -> str:
        """Verify a detached signature over `data`; returns the signer's primary fingerprint."""
        # gpg reads the data from stdin; only the (public) signature goes to a file, in the home.
        try:
            fd, sig_path = tempfile.mkstemp(dir=self._home, prefix=".sig-", suffix=".asc")
            with os.fdopen(fd, "wb") as handle:
                handle.write(_parse.as_bytes(signature))
        except OSError:
            raise GpgUnavailable(f"GnuPG home {str(self._home)!r} is not writable") from None
        try:
            result = self._call(
                "verification", self._gpg.verify_data, sig_path, _parse.as_bytes(data)
            )
        finally:
            Path(sig_path).unlink(missing_ok=True)
        return _parse.good_signer(result)

    def export_public_key(self, fingerprint: str) -> str:
        """The ASCII-armored public key for `fingerprint`."""
        fpr = _parse.fingerprint(fingerprint)
        exported = self._call("key export", self._gpg.export_keys, fpr, armor=True)
        if not exported or _PUBLIC_HEADER not in exported:
            raise CryptoError(f"no public key {fpr} in the keyring")
        return exported

    def delete_secret_key(self, fingerprint: str) -> None:
        """Delete the secret key for `fingerprint`, keeping its public key."""
        fpr = _parse.fingerprint(fingerprint)
        if not self.has_secret_key(fpr):
            raise CryptoError(f"no secret key {fpr} in the keyring")
        result = self._call(
            "secret key deletion",
            self._gpg.delete_keys,
            fpr,
            secret=True,
            passphrase=self._passphrase,
        )
        if str(result) != "ok" or result.returncode != 0 or self.has_secret_key(fpr):
            raise CryptoError(f"secret key deletion failed ({result})")
