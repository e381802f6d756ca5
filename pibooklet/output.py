"""Writing output files so that nobody ever sees a half-written one, even after a kill."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import secrets
import socket
import stat
import tempfile
import time
from pathlib import Path

from .errors import OutputError, display_path
from .limits import STALE_TEMPORARY_SECONDS

CHUNK = 1 << 16

# A temporary file is named `.NAME.PID.hHOST.tTOKEN.part` after the process and machine
# writing it, so that another build can tell a live one (keep it) from one left by a killed
# build (remove it). `.NAME.PID.part` is what earlier versions left.
TEMPORARY_NAME = re.compile(r"\.(?P<name>.+)\.(?P<pid>\d+)(?:\.h(?P<host>[0-9a-f]{8}))?"
                        r"(?:\.t[0-9a-z_]+)?\.part")


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path`; until it is complete the new file has no name at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path.parent, path.name)
    handle = _nameless_file(path.parent)
    if handle is None:
        _write_via_temporary_name(path, data)
        return
    temporary = path.parent / f".{path.name}.{_owner()}.t{secrets.token_hex(4)}.part"
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


def check_output_folder(folder: Path) -> None:
    """Raise OutputError unless `folder` is, or can be made as, a folder that takes new files."""
    existing = next(path for path in (folder, *folder.absolute().parents) if path.exists())
    if not existing.is_dir():
        what = "the output folder is" if existing == folder else f"{display_path(existing)} is"
        raise OutputError(f"{display_path(folder)}: {what} a file, not a folder; nothing was "
                          "written: give --output a folder")
    try:  # as root, permission bits say nothing: only a real attempt tells
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as error:
        raise OutputError(f"{display_path(existing)}/: cannot write files here "
                          f"({error.strerror or error}); nothing was written: make the folder "
                          "writable or give --output another folder") from error
    if existing == folder:
        remove_stale_temporaries(folder)


def remove_stale_temporaries(folder: Path, name: str | None = None) -> list[Path]:
    """Remove the temporary files in folder (for `name` only, if given) whose writer is gone."""
    removed = []
    now = time.time()
    with contextlib.suppress(FileNotFoundError, NotADirectoryError), os.scandir(folder) as found:
        for entry in found:
            match = TEMPORARY_NAME.fullmatch(entry.name)
            if not match or (name is not None and match["name"] != name):
                continue
            try:
                if not entry.is_file(follow_symlinks=False):
                    continue
                modified = entry.stat(follow_symlinks=False).st_mtime
            except FileNotFoundError:  # its build renamed it into place meanwhile
                continue
            if _abandoned(int(match["pid"]), match["host"], modified, now):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def _abandoned(pid: int, host: str | None, modified: float, now: float) -> bool:
    """Return whether the process that wrote a temporary file can no longer finish it."""
    if now - modified > STALE_TEMPORARY_SECONDS:
        return True  # a live build names a temporary file for milliseconds, not a day
    if host is not None and host != _host():
        return False  # another machine's process: its id means nothing here
    started = _boot_time()
    if started is not None and modified < started:
        return True  # written before this machine last started, so its process id was reused
    return not _alive(pid)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True  # ours: a file of ours is being written right now
    if pid <= 0:
        return False  # no build runs as process 0, and kill(0) would mean our own group
    try:
        os.kill(pid, 0)  # signal 0 only asks whether the process exists
    except (ProcessLookupError, OverflowError):
        return False
    except PermissionError:  # it exists and belongs to another user
        return True
    return True


def _owner() -> str:
    """Return the part of a temporary file's name that says which process writes it."""
    return f"{os.getpid()}.h{_host()}"


@functools.cache
def _host() -> str:
    return hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]


@functools.cache
def _boot_time() -> float | None:
    """Return when this machine started (Linux), or None where that cannot be read."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/stat").read_text(encoding="ascii").splitlines():
            if line.startswith("btime "):
                return float(line.split()[1])
    return None


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
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.{_owner()}.t", suffix=".part",
                                         dir=path.parent)
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


def read_own_file(path: Path, limit: int) -> bytes | None:
    """Return a file the build wrote itself (a cache record), or None when it is missing,
    not a regular file or larger than `limit`: damage only costs a rebuild, never a hang."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return None
        data = os.read(descriptor, limit + 1)
        while len(data) <= limit and (more := os.read(descriptor, limit + 1 - len(data))):
            data += more
    except OSError:
        return None
    finally:
        os.close(descriptor)
    return data if len(data) <= limit else None
