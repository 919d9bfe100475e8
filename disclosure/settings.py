"""Typed, frozen settings from config/defaults.toml, DISCLOSURE_CONFIG and DISCLOSURE_* env."""

from __future__ import annotations

import os
import secrets
import tomllib
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from limits import parse_many
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from disclosure.smtp_url import SmtpConfigError, parse_smtp_url

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = PROJECT_ROOT / "config"
ENV_PREFIX = "DISCLOSURE_"


class SettingsError(Exception):
    """Invalid configuration; the message is one line that names the setting."""


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"
    TEST = "test"


class Settings(BaseModel):
    """Every setting of a deployment; see config/defaults.toml for what each one means."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    env: Environment = Environment.DEVELOPMENT
    secret_key: str = ""
    instance_path: Path = Path("instance")
    database_url: str = ""
    base_url: str = "http://127.0.0.1:5000"
    gnupg_home: Path | None = None
    gnupg_binary: str = "gpg"
    key_passphrase: str = ""
    smtp_url: str = ""
    mail_from: str = "disclosure@localhost"
    session_lifetime_hours: int = Field(336, ge=1)
    session_idle_minutes: int = Field(720, ge=1)
    login_max_failures: int = Field(5, ge=1)
    login_lockout_minutes: int = Field(15, ge=1)
    token_default_days: int = Field(90, ge=1)
    max_request_bytes: int = Field(27_262_976, ge=1024)
    max_attachment_bytes: int = Field(10_485_760, ge=1)
    max_attachments_total_bytes: int = Field(26_214_400, ge=1)
    scheduler_in_process: bool = False
    scheduler_interval_seconds: int = Field(30, ge=1, le=3600)
    clock_offset_days: float = Field(0.0, ge=-36500, le=36500, allow_inf_nan=False)
    workers: int = Field(2, ge=1, le=64)
    proxy_count: int = Field(0, ge=0, le=5)
    policies_dir: Path | None = None
    log_level: str = "INFO"
    provider_name: str = Field("disclosure", min_length=1, max_length=200)
    provider_contact: str = Field("", max_length=254)
    cve_assigner_org_id: str = Field(
        "", pattern=r"^$|^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
    )
    cve_assigner_short_name: str = Field("", max_length=32, pattern=r"^$|^[A-Za-z0-9_-]{2,32}$")
    feed_cache_seconds: float = Field(1.0, ge=0, le=3600)
    ratelimit_storage_url: str = "memory://"
    ratelimit_key_prefix: str = Field("disclosure", max_length=100)
    ratelimit_sign_in: str = "30 per 10 minutes"
    ratelimit_sign_in_account: str = "10 per 10 minutes"
    ratelimit_submission: str = "20 per hour"
    ratelimit_submission_account: str = "20 per hour"
    ratelimit_lookup: str = "60 per 10 minutes"
    ratelimit_token: str = "1200 per minute"  # noqa: S105  (a rate, not a secret)
    ratelimit_token_account: str = "600 per minute"  # noqa: S105  (a rate, not a secret)
    # Roles that must sign in with a second factor (sent to enrolment before anything else).
    require_2fa_for: frozenset[Literal["researcher", "vendor", "admin"]] = frozenset(
        {"vendor", "admin"}
    )
    # The public /transparency page: what the operator states; empty ones read honestly as
    # "not stated" (see disclosure/transparency/statement.py for what each default says).
    transparency_hosting: str = Field("", max_length=1000)
    transparency_region: str = Field("", max_length=200)
    transparency_backups: str = Field("", max_length=1000)
    transparency_subprocessors: str = Field("", max_length=2000)
    transparency_retention: str = Field("", max_length=2000)
    transparency_updated: date | None = None

    @field_validator("transparency_updated", mode="before")
    @classmethod
    def _empty_date_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("base_url")
    @classmethod
    def _base_url_is_http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _database_url_is_supported(cls, value: str) -> str:
        if value and not value.startswith(("sqlite:", "postgresql")):
            raise ValueError("must be a sqlite:/// or postgresql+psycopg:// URL")
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url_is_usable(cls, value: str) -> str:
        if value:
            try:
                parse_smtp_url(value)
            except SmtpConfigError as exc:
                raise ValueError(str(exc).removeprefix("smtp_url: ")) from None
        return value

    @field_validator(
        "ratelimit_sign_in",
        "ratelimit_sign_in_account",
        "ratelimit_submission",
        "ratelimit_submission_account",
        "ratelimit_lookup",
        "ratelimit_token",
        "ratelimit_token_account",
    )
    @classmethod
    def _is_a_rate(cls, value: str) -> str:
        try:
            parse_many(value)
        except ValueError:
            raise ValueError('must be a rate such as "10 per minute" or "100/hour"') from None
        return value

    @field_validator("ratelimit_storage_url")
    @classmethod
    def _storage_is_supported(cls, value: str) -> str:
        if not value.startswith(("memory://", "redis://", "rediss://", "redis+unix://")):
            raise ValueError("must be memory:// or a redis://host:port/db URL")
        return value

    @field_validator("require_2fa_for", mode="before")
    @classmethod
    def _roles_from_text(cls, value: object) -> object:
        if isinstance(value, str):  # from the environment: "vendor,admin" or "vendor admin"
            return frozenset(part for part in value.replace(",", " ").split() if part)
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level_is_known(cls, value: str) -> str:
        value = value.upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return value

    @property
    def is_production(self) -> bool:
        return self.env is Environment.PRODUCTION

    @property
    def gnupg_home_path(self) -> Path:
        return self.gnupg_home or self.instance_path / "gnupg"

    @property
    def policy_directories(self) -> list[Path]:
        """The presets shipped in config/policies, then the deployment's own (same name wins)."""
        return [CONFIG_DIR / "policies", *([self.policies_dir] if self.policies_dir else [])]

    @property
    def sqlalchemy_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.instance_path / 'disclosure.sqlite3')}"

    def moved_clock(self, clock: Callable[[], datetime]) -> Callable[[], datetime]:
        """`clock` moved by clock_offset_days (tests of a separate process); itself when 0."""
        if not self.clock_offset_days:
            return clock
        offset = timedelta(days=self.clock_offset_days)
        return lambda: clock() + offset


def load_settings(
    overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Merge defaults, the DISCLOSURE_CONFIG file, the environment and overrides; validate."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = _read_toml(CONFIG_DIR / "defaults.toml")
    if config_file := environ.get(ENV_PREFIX + "CONFIG"):
        values.update(_read_toml(Path(config_file)))
    known = Settings.model_fields
    for name, raw in environ.items():
        key = name.removeprefix(ENV_PREFIX).lower()
        if name.startswith(ENV_PREFIX) and key in known:
            values[key] = raw
    values.update(overrides or {})
    values = {k: v for k, v in values.items() if not (k in _PATHS and v in ("", None))}
    try:
        settings = Settings.model_validate(values)
    except ValidationError as exc:
        error = exc.errors()[0]
        setting = ".".join(str(part) for part in error["loc"]) or "configuration"
        raise SettingsError(f"{_env_name(setting)}: {error['msg']}") from None
    return _finish(settings)


_PATHS = {"instance_path", "gnupg_home", "policies_dir"}


def _env_name(setting: str) -> str:
    return f"{ENV_PREFIX}{setting.upper()} ({setting})"


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise SettingsError(f"{ENV_PREFIX}CONFIG: file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not valid TOML: {exc}") from None


def _finish(settings: Settings) -> Settings:
    """Refuse insecure production settings; give development a stable per-instance secret."""
    instance = settings.instance_path.resolve()
    updates: dict[str, Any] = {"instance_path": instance}
    if settings.scheduler_in_process and settings.workers > 1:
        raise SettingsError(
            f"{_env_name('scheduler_in_process')}: with {settings.workers} workers every worker "
            "would run the jobs; set workers = 1 or run `disclosure scheduler` on its own"
        )
    if rotated := rotated_secret(instance):  # incident response replaced the key
        settings = settings.model_copy(update={"secret_key": rotated})
    if settings.is_production:
        _refuse_insecure_production(settings)
    elif not settings.secret_key:
        updates["secret_key"] = _development_secret(instance)
    if not settings.key_passphrase and not settings.is_production:
        updates["key_passphrase"] = "development passphrase, not for production"  # noqa: S105
    return settings.model_copy(update=updates)


def _refuse_insecure_production(settings: Settings) -> None:
    if len(settings.secret_key) < 32:
        raise SettingsError(
            f"{_env_name('secret_key')}: production needs at least 32 random characters"
        )
    if len(settings.key_passphrase) < 16:
        raise SettingsError(
            f"{_env_name('key_passphrase')}: production needs a passphrase of 16+ characters"
        )
    if not settings.base_url.startswith("https://"):
        raise SettingsError(f"{_env_name('base_url')}: production must be served over https://")
    if settings.clock_offset_days:
        raise SettingsError(
            f"{_env_name('clock_offset_days')}: must be 0 in production (it moves the clock "
            "for tests)"
        )


ROTATED_SECRET_FILE = "secret-key"  # noqa: S105  (a file name)


def rotated_secret(instance: Path) -> str | None:
    """The secret key `disclosure incident rotate-secret-key` wrote, if it ever ran here."""
    path = instance / ROTATED_SECRET_FILE
    return path.read_text().strip() if path.exists() else None


def write_rotated_secret(instance: Path) -> None:
    """A new random secret key in the instance folder (0600); processes started from now on
    use it instead of the configured one."""
    instance.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = instance / ROTATED_SECRET_FILE
    partial = path.with_name(ROTATED_SECRET_FILE + ".new")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(48))
    partial.replace(path)  # atomic: a process starting now reads the old key or the new one


def _development_secret(instance: Path) -> str:
    """A random secret kept in the instance folder, so development sessions survive restarts."""
    path = instance / "development-secret-key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(mode=0o700, parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secret)
    return secret
