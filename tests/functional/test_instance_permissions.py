"""The instance folder and the SQLite files are the owner's alone, as the GnuPG home is."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from disclosure.instance import permission_problems, secure_instance


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_fresh_install_is_readable_by_its_owner_only(short_tmp: Path) -> None:
    """`disclosure db upgrade` and `demo` in a new process, with the usual umask 022."""
    instance = short_tmp / "i"  # short: the GnuPG home inside it holds the agent's sockets
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISCLOSURE_")}
    env["DISCLOSURE_INSTANCE_PATH"] = str(instance)
    env["DISCLOSURE_GNUPG_HOME"] = str(short_tmp / "gpg")  # short_tmp stops its agent
    for command in (["db", "upgrade"], ["demo"]):
        subprocess.run(
            [sys.executable, "-m", "disclosure", *command],
            env=env,
            check=True,
            capture_output=True,
            preexec_fn=lambda: os.umask(0o022),
        )
    database = instance / "disclosure.sqlite3"
    assert _mode(instance) == 0o700
    for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        if path.exists():  # -wal/-shm exist while a connection is open or after a crash
            assert _mode(path) == 0o600, path
    everything = [p for p in instance.rglob("*") if not p.is_socket()]
    assert everything, "the instance folder is empty"
    readable = [p for p in everything if _mode(p) & 0o077]
    assert readable == []
    assert permission_problems(instance, f"sqlite:///{database}") == []


def test_an_older_install_left_loose_is_tightened_at_start(tmp_path: Path) -> None:
    instance = tmp_path / "old"
    instance.mkdir(mode=0o755)
    instance.chmod(0o755)
    database = instance / "disclosure.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").write_bytes(b"")
        Path(f"{database}{suffix}").chmod(0o644)
    url = f"sqlite:///{database}"
    problems = permission_problems(instance, url)
    assert len(problems) == 4
    assert "0755; it should be 0700" in problems[0]
    old_umask = os.umask(0o022)
    try:
        secure_instance(instance, url)
        assert os.umask(0o022) == 0o077  # the process now writes privately
    finally:
        os.umask(old_umask)
    assert permission_problems(instance, url) == []
    assert _mode(instance) == 0o700
    assert all(_mode(Path(f"{database}{s}")) == 0o600 for s in ("", "-wal", "-shm"))


def test_postgresql_urls_need_no_database_file(tmp_path: Path) -> None:
    secure_instance(tmp_path / "pg", "postgresql+psycopg://u@127.0.0.1/db")
    assert _mode(tmp_path / "pg") == 0o700
    assert list((tmp_path / "pg").iterdir()) == []
