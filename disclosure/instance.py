"""The instance folder (SQLite database, secrets, GnuPG home) is readable by its owner only.

The database holds password and token hashes and every case's metadata: created 0644 in a 0755
folder, as SQLite and `mkdir` do by default, any local user could copy it. So the process
writes with umask 077, the folder is 0700 and the database files are 0600, also when an
older install left them looser.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

PRIVATE_UMASK = 0o077
FOLDER_MODE = 0o700
FILE_MODE = 0o600
_SQLITE_SIDE_FILES = ("", "-wal", "-shm", "-journal")


def sqlite_path(database_url: str) -> Path | None:
    """The database file of a SQLite URL; None for other databases or in-memory SQLite."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def secure_instance(instance: Path, database_url: str) -> None:
    """Tighten the umask, the instance folder and the SQLite files (creating them 0600)."""
    os.umask(PRIVATE_UMASK)
    instance.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    _tighten(instance, FOLDER_MODE)
    database = sqlite_path(database_url)
    if database is None:
        return
    database.parent.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    # Create it ourselves so that SQLite (which copies the main file's mode to -wal and -shm)
    # never makes it with the default 0644.
    os.close(os.open(database, os.O_WRONLY | os.O_CREAT, FILE_MODE))
    for suffix in _SQLITE_SIDE_FILES:
        path = Path(f"{database}{suffix}")
        if path.exists():
            _tighten(path, FILE_MODE)


def permission_problems(instance: Path, database_url: str) -> list[str]:
    """What other local users could read: one sentence per folder or file, empty when none."""
    paths = [(instance, FOLDER_MODE)]
    database = sqlite_path(database_url)
    if database is not None:
        paths += [(Path(f"{database}{suffix}"), FILE_MODE) for suffix in _SQLITE_SIDE_FILES]
    problems = []
    for path, wanted in paths:
        if path.exists() and (mode := stat.S_IMODE(path.stat().st_mode)) & PRIVATE_UMASK:
            problems.append(f"{path} is mode {mode:04o}; it should be {wanted:04o}")
    return problems


def _tighten(path: Path, wanted: int) -> None:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & PRIVATE_UMASK:
        path.chmod(wanted)
        log.warning("tightened %s from %04o to %04o", path, mode, wanted)
