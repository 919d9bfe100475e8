"""Configuration: layered sources, and one clear line naming the setting when it is wrong."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from disclosure.settings import Environment, SettingsError, load_settings


def test_environment_overrides_file_overrides_defaults(tmp_path: Path) -> None:
    config = tmp_path / "site.toml"
    config.write_text('base_url = "http://cvd.internal:8080/"\nworkers = 3\n')
    settings = load_settings(
        environ={
            "DISCLOSURE_CONFIG": str(config),
            "DISCLOSURE_WORKERS": "5",
            "DISCLOSURE_INSTANCE_PATH": str(tmp_path / "i"),
        }
    )
    assert settings.base_url == "http://cvd.internal:8080"
    assert settings.workers == 5
    assert settings.env is Environment.DEVELOPMENT
    assert settings.sqlalchemy_url == f"sqlite:///{tmp_path / 'i' / 'disclosure.sqlite3'}"
    assert settings.gnupg_home_path == tmp_path / "i" / "gnupg"
    again = load_settings(environ={"DISCLOSURE_INSTANCE_PATH": str(tmp_path / "i")})
    assert again.secret_key == settings.secret_key, "development secret must be stable"
    assert (tmp_path / "i" / "development-secret-key").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"DISCLOSURE_WORKERS": "many"}, "DISCLOSURE_WORKERS (workers): Input should be a valid"),
        (
            {"DISCLOSURE_BASE_URL": "cvd.example"},
            "DISCLOSURE_BASE_URL (base_url): Value error, must start with http:// or https://",
        ),
        ({"DISCLOSURE_DATABASE_URL": "mysql://x"}, "DISCLOSURE_DATABASE_URL (database_url)"),
        ({"DISCLOSURE_ENV": "staging"}, "DISCLOSURE_ENV (env): Input should be"),
        ({"DISCLOSURE_CONFIG": "/nonexistent/site.toml"}, "file /nonexistent/site.toml does not"),
        (
            {"DISCLOSURE_SMTP_URL": "mailto:x@example.org"},
            "DISCLOSURE_SMTP_URL (smtp_url): Value error, must start with smtp://",
        ),
        ({"DISCLOSURE_SMTP_URL": "smtp://user:pw@mail.example.org:25"}, "a password travels only"),
        (
            {"DISCLOSURE_SCHEDULER_IN_PROCESS": "true", "DISCLOSURE_WORKERS": "3"},
            "DISCLOSURE_SCHEDULER_IN_PROCESS (scheduler_in_process): with 3 workers",
        ),
        (
            {"DISCLOSURE_ENV": "production", "DISCLOSURE_SECRET_KEY": "short"},
            "DISCLOSURE_SECRET_KEY (secret_key): production needs at least 32",
        ),
        (
            {
                "DISCLOSURE_ENV": "production",
                "DISCLOSURE_SECRET_KEY": "x" * 40,
                "DISCLOSURE_KEY_PASSPHRASE": "y" * 20,
            },
            "DISCLOSURE_BASE_URL (base_url): production",
        ),
        (
            {
                "DISCLOSURE_ENV": "production",
                "DISCLOSURE_SECRET_KEY": "x" * 40,
                "DISCLOSURE_BASE_URL": "https://cvd.example",
            },
            "DISCLOSURE_KEY_PASSPHRASE",
        ),
    ],
)
def test_invalid_configuration_names_the_setting(
    tmp_path: Path, environ: dict[str, str], expected: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(environ={"DISCLOSURE_INSTANCE_PATH": str(tmp_path), **environ})
    message = str(raised.value)
    assert expected in message
    assert "\n" not in message


def test_broken_toml_names_the_file(tmp_path: Path) -> None:
    config = tmp_path / "site.toml"
    config.write_text("workers = = 3\n")
    with pytest.raises(SettingsError, match=r"site\.toml: not valid TOML"):
        load_settings(environ={"DISCLOSURE_CONFIG": str(config)})


def test_the_cli_refuses_to_start_with_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "disclosure", "db", "current"],
        capture_output=True,
        text=True,
        check=False,
        env={
            "PATH": "/usr/bin:/bin",
            "DISCLOSURE_ENV": "production",
            "DISCLOSURE_SECRET_KEY": "short",
            "DISCLOSURE_INSTANCE_PATH": str(tmp_path),
        },
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "configuration error: DISCLOSURE_SECRET_KEY (secret_key): production needs at least 32 "
        "random characters"
    ]
