"""Writing output files so that nobody ever sees a half-written one, even after a kill."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

CHUNK = 1 << 16


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path`; until it is complete the new file has no name at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(f".{path.name}.*.part"):  # left by a killed build
        stale.unlink(missing_ok=True)
    handle = _nameless_file(path.parent)
    if handle is None:
        _write_via_temporary_name(path, data)
        return
    temporary = path.parent / f".{path.name}.{os.getpid()}.part"
    folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        _write_all(handle, data)
        # Only now does the complete file get a name, then it replaces the old one at once.
        # A directory fd makes os.link use linkat(AT_SYMLINK_FOLLOW), as O_TMPFILE needs.
        os.link(f"/proc/self/fd/{handle}", temporary.name, dst_dir_fd=folder)
    finally:
        os.close(handle)
        os.close(folder)
    try:
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _nameless_file(folder: Path) -> int | None:
    """Open an anonymous file in folder (Linux O_TMPFILE), or None where that is missing."""
    flag = getattr(os, "O_TMPFILE", None)
    if flag is None or not Path("/proc/self/fd").is_dir():
        return None
    try:
        return os.open(folder, flag | os.O_WRONLY, 0o666 & ~_umask())
    except OSError:  # a filesystem without O_TMPFILE support
        return None


def _write_all(handle: int, data: bytes) -> None:
    for start in range(0, len(data), CHUNK):
        view = memoryview(data)[start:start + CHUNK]
        while view:
            view = view[os.write(handle, view):]
    os.fsync(handle)
    # The file gets the mode any new file would get, whatever made it.
    os.fchmod(handle, 0o666 & ~_umask())


def _write_via_temporary_name(path: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        try:
            _write_all(handle, data)
        finally:
            os.close(handle)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
