"""Files that hold people's data: made readable by their owner only.

The accounts file (password hashes, sessions, the audit trail), the snapshots file and the
cache folder are created mode 600 (folders 700), like the secret key, whatever the umask.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def private_file(path: Path) -> None:
    """Make ``path`` (if missing) readable and writable by its owner only (mode 600).

    SQLite gives its -wal and -shm files the main file's mode, so they follow.
    """
    if not path.exists():
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    with contextlib.suppress(OSError):
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)


def private_dir(path: Path) -> None:
    """Make the folder ``path`` (and any missing parents) with mode 700 for the last one."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(OSError):
        if path.stat().st_mode & 0o077:
            path.chmod(0o700)
