"""Two revisions of a booklet from git: the content folder exported and built in temporary
folders, never by checking out the user's working tree, never reading outside the repository."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import subprocess
import sys
import tarfile
from pathlib import Path

from ..errors import display_path
from ..limits import MAX_CONTENT_BYTES, MAX_CONTENT_FILES
from . import ProofError

#: Longest one git command may run, in seconds: an export of a large library takes a few.
GIT_SECONDS = 120


def find_repository(content: Path) -> tuple[Path, str]:
    """Return the repository holding the content folder, and the folder's path inside it."""
    where = display_path(content)
    if not content.is_dir():
        raise ProofError(f"{where}: no such folder; give the content folder with --content")
    result = _git(content, "rev-parse", "--show-toplevel", "--show-prefix", check=False)
    lines = result.stdout.splitlines()
    if result.returncode != 0 or not lines:
        raise ProofError(f"{where}: not in a git repository, so it has no revisions to "
                         "compare; compare two PDFs instead: pibooklet diff OLD.pdf NEW.pdf")
    return Path(lines[0]), lines[1] if len(lines) > 1 else ""


def check_revision(root: Path, revision: str) -> None:
    """Raise ProofError unless `revision` names a commit of the repository."""
    result = None if revision.startswith("-") else _git(
        root, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}", check=False)
    if result is None or result.returncode != 0:
        raise ProofError(f"{revision}: no such revision in {display_path(root)}; give a "
                         "commit, branch or tag that `git log` shows")


def revision_date(root: Path, revision: str) -> dt.date:
    """Return the day the revision was committed: review dates are checked as of then."""
    return dt.date.fromisoformat(_git(root, "log", "-1", "--format=%cs", revision,
                                      "--").stdout.strip())


def export_content(root: Path, prefix: str, revision: str, into: Path) -> Path:
    """Write the content folder as it was at `revision` into `into`; return its copy."""
    command = ["git", "-C", str(root), "archive", "--format=tar", revision, "--",
               prefix or "."]
    files = size = 0
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          stdin=subprocess.DEVNULL, env=_environment()) as process:
        try:
            with tarfile.open(fileobj=process.stdout, mode="r|") as archive:
                for member in archive:
                    files += 1
                    size += member.size
                    if files > MAX_CONTENT_FILES or size > MAX_CONTENT_BYTES:
                        raise ProofError(
                            f"{prefix or '.'} at {revision}: holds more than "
                            f"{MAX_CONTENT_FILES:,} files or {MAX_CONTENT_BYTES // 2**30} GiB, "
                            "the limits of a content folder")
                    # The "data" filter refuses links out of the folder, devices and odd modes.
                    archive.extract(member, into, filter="data")
            while process.stdout.read(1 << 16):
                pass  # the archive's padding: git finishes writing it
        except tarfile.ReadError:
            pass  # an empty archive: git says why on its error stream
        except tarfile.TarError as error:
            process.kill()
            raise ProofError(f"{prefix or '.'} at {revision}: cannot be exported ({error})") \
                from None
        except BaseException:
            process.kill()  # past a limit: git need not finish
            raise
        errors = process.stderr.read().decode(errors="replace")
    if process.returncode != 0 or files == 0:
        reason = " ".join(errors.split()) or "it holds no files"
        raise ProofError(f"{prefix or '.'} cannot be exported at {revision} ({reason}); was "
                         "the content folder in git then?")
    return into / prefix if prefix else into


def _git(folder: Path, *arguments: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run git in `folder`; ProofError when git itself is missing or too slow."""
    try:
        result = subprocess.run(["git", "-C", str(folder), *arguments], capture_output=True,
                                text=True, timeout=GIT_SECONDS, stdin=subprocess.DEVNULL,
                                env=_environment())
    except FileNotFoundError:
        raise ProofError("comparing revisions needs git: apt-get install git") from None
    except subprocess.TimeoutExpired:
        raise ProofError(f"git {arguments[0]} took longer than {GIT_SECONDS} s") from None
    if check and result.returncode != 0:
        raise ProofError(f"git {arguments[0]} failed: {' '.join(result.stderr.split())}")
    return result


def _environment() -> dict[str, str]:
    """Return git's environment: never a prompt, never a lock on the user's repository."""
    return {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"}


def build_revision(content: Path, slug: str, revision: str | None, folder: Path,
                   outputs: tuple[str, ...]) -> dict[str, Path]:
    """Build a booklet's editions from the content folder at `revision` (None: as it is now)
    into `folder`, with our own build; return the files by edition (screen, press)."""
    from ..cli import main

    if revision is None:
        if not content.is_dir():
            raise ProofError(f"{display_path(content)}: no such folder; give the content "
                             "folder with --content")
        source, today = content, dt.date.today()
    else:
        root, prefix = find_repository(content)
        check_revision(root, revision)
        source = export_content(root, prefix, revision, folder / "content")
        today = revision_date(root, revision)  # reviews as they stood when it was committed
    output = folder / "output"
    # The build's own lines go to the error stream: the standard output is the report.
    with contextlib.redirect_stdout(sys.stderr):
        status = main([slug, "--content", str(source), "--output", str(output), "--outputs",
                       ",".join(outputs), "--quiet", "--today", today.isoformat()])
    if status != 0:
        raise ProofError(f"'{slug}' at {revision or 'the working tree'} could not be built: "
                         "its problems are listed above")
    return {"screen": output / f"{slug}.pdf", "press": output / f"{slug}-press.pdf"}
