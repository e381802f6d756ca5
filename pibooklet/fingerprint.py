"""Digests of a build's inputs: each file hashed once, then known by its size and times.

Like git's index, a file's digest is remembered with its size, modification and change times
and inode, and read again whenever any of them differs. A file modified within the last two
seconds is not remembered, as its time may not yet tell a second change from the first.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from . import __version__
from .errors import ContentError, Problem
from .limits import MAX_CONTENT_BYTES, MAX_CONTENT_FILES, MAX_FILE_BYTES, MAX_FOLDER_DEPTH
from .output import read_own_file, write_atomically

PACKAGE = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE.parent
#: Our own files that shape every output: the code, its catalogues, templates and styles.
TOOL_FOLDERS = (PACKAGE, PROJECT_ROOT / "templates", PROJECT_ROOT / "styles")
#: The libraries whose version can change an output.
LIBRARIES = ("weasyprint", "pydyf", "fonttools", "pillow", "jinja2", "markdown",
             "pyyaml", "babel", "pyphen", "segno", "nh3", "pypdfium2", "tinycss2", "pikepdf")
#: A file larger than any content file may be is known by its size and time only: the build
#: refuses it unread, so hashing gigabytes would only waste time.
LARGEST_HASHED = max(MAX_FILE_BYTES.values())
_RACY_NS = 2_000_000_000
#: The largest memo read back: 100,000 files take about 20 MB.
MEMO_BYTES = 64 * 2**20


class Digests:
    """File digests for one run, remembered between runs in `memo_file`."""

    def __init__(self, memo_file: Path | None = None):
        self.memo_file = memo_file
        self._memo: dict[str, list] = {}
        self._changed = False
        self._now = time.time_ns()
        if memo_file is not None:
            try:
                loaded = json.loads(read_own_file(memo_file, MEMO_BYTES) or b"{}")
                self._memo = loaded if isinstance(loaded, dict) else {}
            except ValueError:
                self._memo = {}  # no memo, or a damaged one: every file is read again

    def of_file(self, path: Path, root: Path | None = None) -> str:
        """Return the digest of a file's content, or of a special file's type.

        A link is known by its target and, when that is a file inside `root` (which the
        build reads in its place), by the target's content too. Nothing outside is read.
        """
        try:
            found = os.lstat(path)
            if stat.S_ISLNK(found.st_mode):
                target = os.readlink(path)
                real = Path(path).resolve()
                inside = root is not None and real.is_relative_to(root) and real.is_file()
                return f"link:{target}:" + (self.of_file(real) if inside else "")
            if not stat.S_ISREG(found.st_mode):
                return f"special:{stat.S_IFMT(found.st_mode):o}"
        except (OSError, RuntimeError):
            return "missing"
        if found.st_size > LARGEST_HASHED:
            return f"large:{found.st_size}:{found.st_mtime_ns}"
        key = str(path)
        mark = [found.st_size, found.st_mtime_ns, found.st_ctime_ns, found.st_ino]
        remembered = self._memo.get(key)
        if isinstance(remembered, list) and len(remembered) == 5 and remembered[:4] == mark \
                and isinstance(remembered[4], str):
            return remembered[4]
        digest = _hash_file(path)
        if self._now - max(found.st_mtime_ns, found.st_ctime_ns) > _RACY_NS:
            self._memo[key] = [*mark, digest]
            self._changed = True
        return digest

    def save(self) -> None:
        """Keep what was learnt for the next run (a failure to do so only costs time)."""
        if self.memo_file is None or not self._changed:
            return
        with contextlib.suppress(OSError):
            write_atomically(self.memo_file, json.dumps(self._memo, sort_keys=True).encode())


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        # O_NONBLOCK: a file swapped for a pipe after the check cannot stall the build.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return "unreadable"
    with os.fdopen(descriptor, "rb") as file:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return "special"
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def scan_folder(root: Path, digests: Digests, skip: Iterable[Path] = ()) -> dict[str, str]:
    """Return the digest of every file below `root` by its path relative to it.

    Hidden files count like any other (a build may read them). Left out are git's own
    folders and the folders in `skip` (the output folder and cache, if kept inside).
    """
    found: dict[str, str] = {}
    for here, names in walk_content(root, skip):
        for name in names:
            path = here / name
            found[path.relative_to(root).as_posix()] = digests.of_file(path, root)
    return found


def walk_content(root: Path, skip: Iterable[Path] = ()) -> Iterator[tuple[Path, list[str]]]:
    """Yield each folder below `root` with its files, within the content folder's limits
    (files, bytes, depth), which are content errors; links to folders are not followed."""
    skipped = {Path(folder).resolve() for folder in skip}
    files = size = 0
    for folder, names, file_names in os.walk(root):
        here = Path(folder)
        if len(here.relative_to(root).parts) >= MAX_FOLDER_DEPTH:
            raise ContentError([Problem(here, None, f"folders are nested more than "
                                                    f"{MAX_FOLDER_DEPTH} deep; a library needs "
                                                    "four or five: move these files up")])
        names[:] = sorted(name for name in names if name != ".git"
                          and (here / name).resolve() not in skipped)
        linked = [name for name in names if (here / name).is_symlink()]
        listed = sorted(file_names) + linked  # a link to a folder counts by its target
        files += len(listed)
        for name in file_names:
            with contextlib.suppress(OSError):
                size += os.lstat(here / name).st_size
        if files > MAX_CONTENT_FILES or size > MAX_CONTENT_BYTES:
            what = f"more than {MAX_CONTENT_FILES:,} files" if files > MAX_CONTENT_FILES \
                else f"more than {MAX_CONTENT_BYTES // 2**30} GiB"
            raise ContentError([Problem(root, None, f"holds {what}; a content folder holds "
                                                    "the library only: move other files out")])
        yield here, listed


def tool_digest(digests: Digests) -> str:
    """Return one digest for our version, code, templates and styles and the libraries'."""
    digest = hashlib.sha256(f"pibooklet {__version__}\npython {sys.version}\n".encode())
    for folder in TOOL_FOLDERS:
        for name, value in sorted(scan_folder(folder, digests).items()):
            if "__pycache__" not in name and not name.endswith(".pyc"):
                digest.update(f"{folder.name}/{name} {value}\n".encode())
    versions = installed_versions()
    for library in LIBRARIES:
        version = versions.get(_project_key(library)) or _version_read_from_metadata(library)
        digest.update(f"{library} {version}\n".encode())
    return digest.hexdigest()


def _version_read_from_metadata(library: str) -> str:
    """Return a version the folder names do not tell (a source checkout's NAME.egg-info,
    a zipped package) as importlib.metadata reads it, or "-" if it is not installed."""
    from importlib import metadata  # only then: it costs 0.02 s to load

    try:
        return metadata.version(library) or "-"
    except metadata.PackageNotFoundError:
        return "-"


def installed_versions() -> dict[str, str]:
    """Return the version of each distribution installed on the path, by _project_key.

    Read from the names of the metadata folders (NAME-VERSION.dist-info, or .egg-info), the
    first on the path winning as for an import: importlib.metadata reads each one's METADATA
    file and, with its own imports, cost every build some 30 ms before its second core had
    work.
    """
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:  # not a folder (a zip file), or gone
            continue
        for name in names:
            stem, dot, kind = name.rpartition(".")
            if dot and kind in ("dist-info", "egg-info"):
                project, _, version = stem.partition("-")
                found.setdefault(_project_key(project), version)  # "" if not in the name
    return found


def _project_key(name: str) -> str:
    """Return a distribution's name as its metadata folders spell it, in any case."""
    return name.lower().replace("-", "_").replace(".", "_")


def combine(*parts: object) -> str:
    """Return one digest of the parts, in order (each part's text form)."""
    digest = hashlib.sha256()
    for part in parts:
        text = json.dumps(part, sort_keys=True, default=str) if not isinstance(part, str) \
            else part
        digest.update(text.encode())
        digest.update(b"\0")
    return digest.hexdigest()
