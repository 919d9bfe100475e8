"""Password hashing with argon2id (argon2-cffi), with rehash on parameter upgrades."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from disclosure.errors import ValidationError

MIN_LENGTH = 12
MAX_LENGTH = 1024
_hasher = PasswordHasher()  # argon2id with the library's RFC 9106 low-memory defaults

# Hashed once, so a login for an unknown email costs the same time as a wrong password.
_DUMMY_HASH = _hasher.hash("not a real password, only used to equalise timing")


def hash_password(password: str) -> str:
    """An argon2id hash of an acceptable password."""
    check_strength(password)
    return _hasher.hash(password)


def hash_secret(secret: str) -> str:
    """An argon2id hash of a generated secret (a recovery code): no strength rules apply."""
    return _hasher.hash(secret)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether the password matches; runs a full hash even when there is no account."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def check_strength(password: str) -> None:
    """Refuse passwords that are too short or too long, naming the field."""
    if len(password) < MIN_LENGTH:
        raise ValidationError(
            "The password is too short.",
            fields={"password": f"Use at least {MIN_LENGTH} characters."},
        )
    if len(password) > MAX_LENGTH:
        raise ValidationError(
            "The password is too long.",
            fields={"password": f"Use at most {MAX_LENGTH} characters."},
        )
