"""Where uploaded files and job outputs live, behind a small interface.

:class:`LocalStorage` keeps them under ``Settings.storage_root`` (default ``data_dir``): a local
folder for one machine, or a shared filesystem path (NFS, CephFS) mounted at the same place on
every machine that runs web or worker processes. An S3-compatible store can implement
:class:`Storage` later; callers only see keys (``uploads/<patient>/<random>/upload``).

Temporary folders of uploads being read carry the process id in their name
(``rk-upload-<pid>-...``): :func:`clean_abandoned_temp_folders` removes those of processes that
no longer run (a killed server), at start-up and in the daily clean-up.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from runnersknee.clinical.errors import NotFound
from runnersknee.config import Settings

__all__ = [
    "TEMP_PREFIX",
    "LocalStorage",
    "Storage",
    "clean_abandoned_temp_folders",
    "storage_for",
    "temp_folder",
]

TEMP_PREFIX = "rk-upload-"
#: A temporary folder without a process id (older versions) is removed after this long.
_LEGACY_TEMP_MAX_AGE_S = 3600


class Storage(Protocol):
    """Files addressed by keys (relative paths); jobs read them as local files."""

    def new_folder(self, *parts: str) -> tuple[str, Path]:
        """A new, empty folder under ``parts``: its key and its local path."""
        ...

    def local_path(self, key: str) -> Path:
        """The local path of ``key`` (NotFound when it points outside the store)."""
        ...

    def key_of(self, path: Path) -> str:
        """The key of a local path inside the store."""
        ...


class LocalStorage:
    """Files under one root folder (local disk or a shared mount)."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def new_folder(self, *parts: str) -> tuple[str, Path]:
        """A new folder ``root/parts.../<random>`` (created here)."""
        import secrets

        folder = self.root.joinpath(*parts, secrets.token_hex(12))
        folder.mkdir(parents=True, exist_ok=False, mode=0o700)
        made = folder
        while made != self.root.parent and made.is_relative_to(self.root):
            made.chmod(0o700)  # owner only, whatever the umask (stored health data)
            made = made.parent
        return self.key_of(folder), folder

    def local_path(self, key: str) -> Path:
        """The path of ``key``; a key that leaves the root is NotFound."""
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root):
            raise NotFound("the stored file is outside the storage folder", field="upload")
        return path

    def key_of(self, path: Path) -> str:
        """The key (relative path) of ``path``."""
        return str(path.resolve().relative_to(self.root))


def storage_for(settings: Settings) -> Storage:
    """The configured store: ``storage_root`` (default ``data_dir``) on the file system."""
    return LocalStorage(settings.storage_root or settings.data_dir)


@contextlib.contextmanager
def temp_folder() -> Iterator[Path]:
    """A temporary folder for reading an upload, removed afterwards (named with our pid)."""
    with tempfile.TemporaryDirectory(prefix=f"{TEMP_PREFIX}{os.getpid()}-") as folder:
        yield Path(folder)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def clean_abandoned_temp_folders(base: Path | None = None) -> int:
    """Remove upload folders left in the temp folder by processes that died; return how many."""
    base = base or Path(tempfile.gettempdir())
    removed = 0
    for folder in base.glob(f"{TEMP_PREFIX}*"):
        owner = folder.name.removeprefix(TEMP_PREFIX).split("-", 1)[0]
        if owner.isdigit():
            abandoned = int(owner) != os.getpid() and not _alive(int(owner))
        else:
            abandoned = time.time() - folder.stat().st_mtime > _LEGACY_TEMP_MAX_AGE_S
        if abandoned and folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed
