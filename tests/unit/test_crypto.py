"""Unit tests for disclosure.crypto against the real gpg binary, one GnuPG home per keyring."""

from __future__ import annotations

import logging
import os
import re
import shutil
import stat
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from disclosure.crypto import (
    CryptoError,
    GpgUnavailable,
    KeyInfo,
    Keyring,
    NotEncryptedToKey,
)

PASSPHRASE = "correct horse battery staple 7f3a"
WRONG_PASSPHRASE = "not-the-keyring-passphrase-91c2"
# gpg-agent sockets live in the home (no /run/user here): keep the path well under ~100 chars.
MAX_BASE_LEN = 60

HomeFactory = Callable[[], Path]


@pytest.fixture
def homes(tmp_path: Path) -> Iterator[HomeFactory]:
    """Hands out fresh, short GnuPG home paths (not created yet); kills their agents afterwards."""
    own_base = len(str(tmp_path)) > MAX_BASE_LEN
    base = Path(tempfile.mkdtemp(prefix="gpg")) if own_base else tmp_path
    handed_out: list[Path] = []

    def make() -> Path:
        path = base / f"h{len(handed_out)}"
        handed_out.append(path)
        return path

    yield make
    for path in handed_out:
        if path.is_dir():
            subprocess.run(
                ["gpgconf", "--homedir", str(path), "--kill", "all"],
                check=False,
                capture_output=True,
            )
    if own_base:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def keyring(homes: HomeFactory) -> Keyring:
    return Keyring(homes(), passphrase=PASSPHRASE)


@pytest.fixture
def alice(keyring: Keyring) -> KeyInfo:
    return keyring.generate_key("Alice Example", "alice@example.org")


def gpg_cli(home: Path, *args: str, stdin: bytes = b"") -> bytes:
    """Run the gpg binary directly (for things the facade deliberately cannot do)."""
    done = subprocess.run(
        ["gpg", "--homedir", str(home), "--batch", "--no-tty", *args],
        input=stdin,
        capture_output=True,
        check=True,
    )
    return done.stdout


def subkey_ids(home: Path, fingerprint: str) -> set[str]:
    out = gpg_cli(home, "--with-colons", "--list-keys", fingerprint).decode()
    return {line.split(":")[4] for line in out.splitlines() if line.startswith("sub:")}


# --- home, binary, health ----------------------------------------------------------------


def test_home_is_created_private_with_hardened_config(homes: HomeFactory) -> None:
    home = homes()
    Keyring(home, passphrase=PASSPHRASE)
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    agent_conf = (home / "gpg-agent.conf").read_text().splitlines()
    for line in ("allow-loopback-pinentry", "default-cache-ttl 0", "max-cache-ttl 0"):
        assert line in agent_conf
    gpg_conf = (home / "gpg.conf").read_text().splitlines()
    for line in (
        "no-greeting",
        "no-emit-version",
        "no-comments",
        "personal-digest-preferences SHA512 SHA384 SHA256",
        "cert-digest-algo SHA512",
    ):
        assert line in gpg_conf


def test_loose_home_is_tightened(homes: HomeFactory) -> None:
    home = homes()
    home.mkdir()
    home.chmod(0o755)
    Keyring(home, passphrase=PASSPHRASE)
    assert stat.S_IMODE(home.stat().st_mode) == 0o700


def test_missing_binary_raises_gpg_unavailable(homes: HomeFactory) -> None:
    with pytest.raises(GpgUnavailable, match="/nonexistent/gpg"):
        Keyring(homes(), binary="/nonexistent/gpg", passphrase=PASSPHRASE)


def test_unusable_home_raises_gpg_unavailable(tmp_path: Path) -> None:
    regular_file = tmp_path / "file"
    regular_file.write_text("not a directory")
    home = regular_file / "home"
    with pytest.raises(GpgUnavailable) as caught:
        Keyring(home, passphrase=PASSPHRASE)
    assert str(home) in str(caught.value)


def test_version_and_check(keyring: Keyring) -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", keyring.version())
    keyring.check()


def test_check_fails_when_home_disappears(keyring: Keyring) -> None:
    keyring.check()
    subprocess.run(
        ["gpgconf", "--homedir", str(keyring.home), "--kill", "all"],
        check=False,
        capture_output=True,
    )
    shutil.rmtree(keyring.home)
    with pytest.raises(GpgUnavailable, match=re.escape(str(keyring.home))):
        keyring.check()


def test_passphrase_must_be_a_single_printable_line(homes: HomeFactory) -> None:
    for bad in ("", "two\nlines", "nul\x00byte"):
        with pytest.raises(ValueError, match="passphrase"):
            Keyring(homes(), passphrase=bad)


def test_gnupg_logger_does_not_log_debug() -> None:
    assert logging.getLogger("gnupg").getEffectiveLevel() >= logging.WARNING


# --- keys ------------------------------------------------------------------------------------


def test_generate_key(keyring: Keyring) -> None:
    info = keyring.generate_key("Zoë Ångström", "zoe@example.org")
    assert re.fullmatch(r"[0-9A-F]{40}", info.fingerprint)
    assert info.user_ids == ("Zoë Ångström <zoe@example.org>",)
    assert info.public_key.startswith("-----BEGIN PGP PUBLIC KEY BLOCK-----")
    assert "PRIVATE" not in info.public_key
    assert keyring.has_secret_key(info.fingerprint)
    assert keyring.export_public_key(info.fingerprint) == info.public_key
    # The encryption subkey is a different key from the primary.
    subkeys = subkey_ids(keyring.home, info.fingerprint)
    assert len(subkeys) == 1
    assert info.fingerprint[-16:] not in subkeys


@pytest.mark.parametrize(("name", "email"), [("", "a@example.org"), ("Eve\n", "x"), ("A", "a b@c")])
def test_generate_key_rejects_bad_user_ids(keyring: Keyring, name: str, email: str) -> None:
    with pytest.raises(CryptoError, match="invalid"):
        keyring.generate_key(name, email)


def test_invalid_fingerprint_raises(keyring: Keyring) -> None:
    with pytest.raises(CryptoError, match="fingerprint"):
        keyring.has_secret_key("not-a-fingerprint")


def test_import_public_key_from_another_keyring(homes: HomeFactory, alice: KeyInfo) -> None:
    other = Keyring(homes(), passphrase="another passphrase")
    imported = other.import_public_key(alice.public_key)
    assert imported.fingerprint == alice.fingerprint
    assert imported.user_ids == alice.user_ids
    assert not other.has_secret_key(alice.fingerprint)
    # importing the same key again is fine
    assert other.import_public_key(alice.public_key).fingerprint == alice.fingerprint


def test_import_rejects_garbage(keyring: Keyring) -> None:
    with pytest.raises(CryptoError, match="not an OpenPGP public key"):
        keyring.import_public_key("hello, this is not a key")
    armored_garbage = (
        "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nbm90IGEga2V5\n-----END PGP PUBLIC KEY BLOCK-----\n"
    )
    with pytest.raises(CryptoError, match="not an OpenPGP public key"):
        keyring.import_public_key(armored_garbage)


def test_import_rejects_private_key_block(homes: HomeFactory, keyring: Keyring) -> None:
    source = Keyring(homes(), passphrase=PASSPHRASE)
    key = source.generate_key("Secret Sam", "sam@example.org")
    private_block = gpg_cli(
        source.home,
        "--pinentry-mode",
        "loopback",
        "--passphrase-fd",
        "0",
        "--armor",
        "--export-secret-keys",
        key.fingerprint,
        stdin=PASSPHRASE.encode() + b"\n",
    ).decode()
    assert "PRIVATE KEY BLOCK" in private_block
    with pytest.raises(CryptoError, match="private key"):
        keyring.import_public_key(private_block)
    # hiding it behind a public block does not help
    with pytest.raises(CryptoError, match="private key"):
        keyring.import_public_key(key.public_key + private_block)
    assert not keyring.has_secret_key(key.fingerprint)


def test_import_rejects_two_keys(homes: HomeFactory, keyring: Keyring) -> None:
    source = Keyring(homes(), passphrase=PASSPHRASE)
    first = source.generate_key("First Key", "first@example.org")
    second = source.generate_key("Second Key", "second@example.org")
    with pytest.raises(CryptoError, match="more than one key"):
        keyring.import_public_key(first.public_key + second.public_key)
    for info in (first, second):
        with pytest.raises(CryptoError):
            keyring.export_public_key(info.fingerprint)


def test_import_rejects_key_without_encryption_subkey(homes: HomeFactory, keyring: Keyring) -> None:
    source = Keyring(homes(), passphrase=PASSPHRASE)
    gpg_cli(
        source.home,
        "--pinentry-mode",
        "loopback",
        "--passphrase",
        "",
        "--quick-gen-key",
        "Sign Only <sign-only@example.org>",
        "ed25519",
        "sign",
        "never",
    )
    public = gpg_cli(source.home, "--armor", "--export", "sign-only@example.org").decode()
    with pytest.raises(CryptoError, match="no encryption subkey"):
        keyring.import_public_key(public)


# --- encryption --------------------------------------------------------------------------


@pytest.mark.parametrize("armor", [True, False])
def test_encrypt_decrypt_round_trip_of_binary_bytes(
    keyring: Keyring, alice: KeyInfo, armor: bool
) -> None:
    data = bytes(range(256)) * 8 + os.urandom(4096) + b"\x00\r\n\x00"
    encrypted = keyring.encrypt(data, [alice.fingerprint], armor=armor)
    assert encrypted.startswith(b"-----BEGIN PGP MESSAGE-----") is armor
    assert data[:512] not in encrypted
    assert keyring.decrypt(encrypted) == data


def test_encrypt_to_imported_key_decrypt_in_owner_keyring(
    homes: HomeFactory, keyring: Keyring, alice: KeyInfo
) -> None:
    sender = Keyring(homes(), passphrase="sender passphrase")
    sender.import_public_key(alice.public_key)
    encrypted = sender.encrypt(b"report: heap overflow in parser", [alice.fingerprint])
    assert keyring.decrypt(encrypted) == b"report: heap overflow in parser"
    with pytest.raises(CryptoError, match="decryption failed"):
        sender.decrypt(encrypted)


def test_encrypt_to_unknown_or_no_recipient_raises(keyring: Keyring) -> None:
    with pytest.raises(CryptoError, match="encryption failed"):
        keyring.encrypt(b"data", ["0" * 40])
    with pytest.raises(CryptoError, match="encryption failed"):
        keyring.encrypt(b"data", [])


def test_decrypt_with_wrong_passphrase_raises(keyring: Keyring, alice: KeyInfo) -> None:
    encrypted = keyring.encrypt(b"top secret plaintext", [alice.fingerprint])
    wrong = Keyring(keyring.home, passphrase=WRONG_PASSPHRASE)
    with pytest.raises(CryptoError) as caught:
        wrong.decrypt(encrypted)
    message = str(caught.value)
    assert "decryption failed" in message
    assert WRONG_PASSPHRASE not in message
    assert PASSPHRASE not in message
    assert "top secret" not in message


def test_decrypt_report_signed_by_unknown_sender(
    homes: HomeFactory, keyring: Keyring, alice: KeyInfo
) -> None:
    sender = Keyring(homes(), passphrase="sender passphrase")
    sender_key = sender.generate_key("Sender", "sender@example.org")
    sender.import_public_key(alice.public_key)
    signed_and_encrypted = gpg_cli(
        sender.home,
        *("--pinentry-mode", "loopback", "--passphrase-fd", "0", "--armor"),
        *("--trust-model", "always", "--sign", "--local-user", sender_key.fingerprint),
        *("--encrypt", "--recipient", alice.fingerprint),
        stdin=b"sender passphrase\nsigned and encrypted report",
    )
    keyring.check_encrypted_to(signed_and_encrypted, [alice.fingerprint])
    assert keyring.decrypt(signed_and_encrypted) == b"signed and encrypted report"


def test_decrypt_garbage_raises(keyring: Keyring, alice: KeyInfo) -> None:
    with pytest.raises(CryptoError, match="decryption failed"):
        keyring.decrypt(b"this is not an OpenPGP message")


# --- recipients ----------------------------------------------------------------------------


def test_recipients_of_names_the_encryption_subkey(keyring: Keyring, alice: KeyInfo) -> None:
    encrypted = keyring.encrypt(b"hello", [alice.fingerprint])
    assert keyring.recipients_of(encrypted) == subkey_ids(keyring.home, alice.fingerprint)
    assert keyring.recipients_of(encrypted.decode("ascii")) == keyring.recipients_of(encrypted)


def test_check_encrypted_to(homes: HomeFactory, keyring: Keyring, alice: KeyInfo) -> None:
    outsider = Keyring(homes(), passphrase=PASSPHRASE)
    bob = outsider.generate_key("Bob Outsider", "bob@example.org")
    outsider.import_public_key(alice.public_key)
    to_alice = outsider.encrypt(b"for alice", [alice.fingerprint])
    to_bob = outsider.encrypt(b"for bob", [bob.fingerprint])

    keyring.check_encrypted_to(to_alice, [alice.fingerprint])
    keyring.check_encrypted_to(to_alice.decode("ascii"), [bob.fingerprint, alice.fingerprint])

    with pytest.raises(NotEncryptedToKey) as caught:
        keyring.check_encrypted_to(to_bob, [alice.fingerprint])
    assert caught.value.expected_fingerprints == (alice.fingerprint,)
    assert alice.fingerprint in str(caught.value)
    assert isinstance(caught.value, CryptoError)

    with pytest.raises(NotEncryptedToKey, match=bob.fingerprint):
        keyring.check_encrypted_to(to_alice, [bob.fingerprint])


@pytest.mark.parametrize(
    "garbage",
    [
        b"definitely not OpenPGP",
        b"",
        "-----BEGIN PGP MESSAGE-----\n\nZ2FyYmFnZQ==\n-----END PGP MESSAGE-----\n",
    ],
)
def test_recipients_of_garbage_raises(keyring: Keyring, garbage: bytes | str) -> None:
    with pytest.raises(CryptoError, match="not a well-formed OpenPGP message") as caught:
        keyring.recipients_of(garbage)
    assert not isinstance(caught.value, NotEncryptedToKey)


def test_messages_not_encrypted_to_any_public_key(
    homes: HomeFactory, keyring: Keyring, alice: KeyInfo
) -> None:
    other = Keyring(homes(), passphrase=PASSPHRASE)
    symmetric = gpg_cli(
        other.home,
        *("--pinentry-mode", "loopback", "--passphrase", "shared", "--armor", "--symmetric"),
        stdin=b"symmetric only",
    )
    signed_only = keyring.sign_cleartext("signed, not encrypted", alice.fingerprint)
    for message in (symmetric, signed_only):
        assert keyring.recipients_of(message) == frozenset()
        with pytest.raises(NotEncryptedToKey, match=alice.fingerprint):
            keyring.check_encrypted_to(message, [alice.fingerprint])
        with pytest.raises(CryptoError, match="decryption failed"):
            keyring.decrypt(message)


def test_check_encrypted_to_garbage_raises_crypto_error(keyring: Keyring, alice: KeyInfo) -> None:
    with pytest.raises(CryptoError, match="not a well-formed OpenPGP message"):
        keyring.check_encrypted_to(b"garbage", [alice.fingerprint])


def test_truncated_message_raises(keyring: Keyring, alice: KeyInfo) -> None:
    encrypted = keyring.encrypt(os.urandom(2048), [alice.fingerprint])
    with pytest.raises(CryptoError, match="not a well-formed OpenPGP message"):
        keyring.recipients_of(encrypted[: len(encrypted) // 2])


# --- signatures ----------------------------------------------------------------------------


def test_cleartext_sign_and_verify(homes: HomeFactory, keyring: Keyring, alice: KeyInfo) -> None:
    text = "Advisory DSA-1: héap overflow in 漢字 parser\n-- dashes survive\n"
    signed = keyring.sign_cleartext(text, alice.fingerprint)
    assert signed.startswith("-----BEGIN PGP SIGNED MESSAGE-----")
    assert "héap overflow in 漢字 parser" in signed
    assert keyring.verify_cleartext(signed) == alice.fingerprint

    reader = Keyring(homes(), passphrase=PASSPHRASE)
    with pytest.raises(CryptoError, match="verification failed"):
        reader.verify_cleartext(signed)  # signer unknown to this keyring
    reader.import_public_key(alice.public_key)
    assert reader.verify_cleartext(signed) == alice.fingerprint

    tampered = signed.replace("heap" if "heap" in signed else "héap", "stack")
    assert tampered != signed
    with pytest.raises(CryptoError, match="verification failed"):
        reader.verify_cleartext(tampered)
    with pytest.raises(CryptoError, match="verification failed"):
        reader.verify_cleartext("not signed at all")


def test_detached_sign_and_verify(keyring: Keyring, alice: KeyInfo) -> None:
    data = b'{"advisory": "DSA-1", "cvss": 9.8}\x00\xff'
    signature = keyring.sign_detached(data, alice.fingerprint)
    assert signature.startswith("-----BEGIN PGP SIGNATURE-----")
    assert keyring.verify_detached(data, signature) == alice.fingerprint
    with pytest.raises(CryptoError, match="verification failed"):
        keyring.verify_detached(data.replace(b"9.8", b"1.0"), signature)
    with pytest.raises(CryptoError, match="verification failed"):
        keyring.verify_detached(data, "-----BEGIN PGP SIGNATURE-----\n\ngarbage\n")
    assert not list(keyring.home.glob(".sig-*"))


def test_sign_with_a_key_we_only_have_the_public_half_of(
    homes: HomeFactory, alice: KeyInfo
) -> None:
    other = Keyring(homes(), passphrase=PASSPHRASE)
    other.import_public_key(alice.public_key)
    with pytest.raises(CryptoError, match="signing failed"):
        other.sign_detached(b"data", alice.fingerprint)


# --- key rotation -------------------------------------------------------------------------


def test_delete_secret_key_keeps_public_key(keyring: Keyring, alice: KeyInfo) -> None:
    encrypted = keyring.encrypt(b"old report", [alice.fingerprint])
    signature = keyring.sign_detached(b"old advisory", alice.fingerprint)
    keyring.delete_secret_key(alice.fingerprint)
    assert not keyring.has_secret_key(alice.fingerprint)
    assert keyring.export_public_key(alice.fingerprint) == alice.public_key
    assert keyring.verify_detached(b"old advisory", signature) == alice.fingerprint
    with pytest.raises(CryptoError, match="decryption failed"):
        keyring.decrypt(encrypted)
    with pytest.raises(CryptoError, match="no secret key"):
        keyring.delete_secret_key(alice.fingerprint)


# --- no plaintext on disk ----------------------------------------------------------------


def _files_containing(root: Path, needle: bytes, *, modified_since: float | None) -> list[str]:
    hits = []
    for directory, _dirs, files in os.walk(root, onerror=lambda _err: None):
        for name in files:
            path = os.path.join(directory, name)
            try:
                info = os.lstat(path)
                if not stat.S_ISREG(info.st_mode) or info.st_size > 64 * 1024 * 1024:
                    continue
                if modified_since is not None and info.st_mtime < modified_since:
                    continue
                with open(path, "rb") as handle:
                    if needle in handle.read():
                        hits.append(path)
            except OSError:
                continue
    return hits


def test_no_plaintext_written_to_disk(homes: HomeFactory, keyring: Keyring, alice: KeyInfo) -> None:
    canary = f"CANARY-{uuid.uuid4().hex}".encode()
    payload = b"vulnerability details " + canary + b" end"
    started = time.time() - 2
    sender = Keyring(homes(), passphrase=PASSPHRASE)
    sender.import_public_key(alice.public_key)
    encrypted = sender.encrypt(payload, [alice.fingerprint])
    keyring.check_encrypted_to(encrypted, [alice.fingerprint])
    assert keyring.decrypt(encrypted) == payload
    signature = keyring.sign_detached(payload, alice.fingerprint)
    assert sender.verify_detached(payload, signature) == alice.fingerprint

    for home in (keyring.home, sender.home):
        assert _files_containing(home, canary, modified_since=None) == []
    tmp = Path(tempfile.gettempdir())
    assert _files_containing(tmp, canary, modified_since=started) == []
