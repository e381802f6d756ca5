"""One booklet's job at a time: whatever goes wrong in it is that booklet's failure alone."""

from __future__ import annotations

import os
import platform
import re
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from . import __version__
from .errors import BuildError, ContentError, OutputError, Problem, display_path
from .limits import MAX_CRASH_SUMMARY_CHARACTERS
from .output import write_atomically

#: Hidden folder inside the output folder that keeps crash reports beside the PDFs.
CRASH_FOLDER = ".pibooklet"

#: What a build may write for a booklet, after its slug: with a failed booklet, those left from
#: an earlier build are named, so that nobody prints one believing it up to date.
OUTPUT_SUFFIXES = (".pdf", "-large-print.pdf", "-office-a4.pdf", "-press.pdf",
                   "-print-spec.txt", "-print-spec.json", "-layout.txt", "-layout.json")

T = TypeVar("T")


def run_job(task: Callable[[], T], manifest: Path, slug: str, stage: str,
            output: Path) -> tuple[T | None, list[Problem]]:
    """Run one booklet's task; return its result, or None and the problems that stopped it."""
    try:
        return task(), []
    except OutputError:
        raise  # the output folder's fault, not this booklet's: the run stops
    except ContentError as error:
        return None, error.problems
    except BuildError as error:
        return None, [Problem(manifest, None, str(error))]
    except Exception as error:  # a bug must not stop the other booklets
        return None, [crash_problem(manifest, slug, stage, error, output)]


def crash_problem(where: Path, slug: str | None, stage: str, error: BaseException,
                  output: Path) -> Problem:
    """Save the traceback of an unexpected exception; return one line asking for a report."""
    what = f"the {stage} of '{slug}'" if slug else f"the {stage}"
    summary = " ".join(f"{type(error).__name__}{': ' if str(error) else ''}{error}".split())
    if len(summary) > MAX_CRASH_SUMMARY_CHARACTERS:
        summary = summary[:MAX_CRASH_SUMMARY_CHARACTERS - 1] + "…"
    try:
        saved = _save_report(slug or "library", what, error, output)
    except Exception as failure:  # even then, no traceback on the terminal
        return Problem(where, None, f"{what} failed unexpectedly ({summary}); please report "
                                    f"this (the traceback could not be saved: {failure})")
    return Problem(where, None, f"{what} failed unexpectedly ({summary}); please report this "
                                f"with the file {display_path(saved)}")


def _save_report(name: str, what: str, error: BaseException, output: Path) -> Path:
    """Write the crash report beside the outputs, or in the system's temporary folder."""
    text = (f"pibooklet {__version__}: {what} failed unexpectedly\n"
            f"python {platform.python_version()} on {platform.platform()}\n"
            f"command: {' '.join(sys.argv)}\n\n"
            + "".join(traceback.format_exception(error)))
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", name)[:60]
    if output.is_dir():  # never made just for a crash report: --check writes nothing there
        target = output / CRASH_FOLDER / f"crash-{safe}.txt"
        try:
            write_atomically(target, text.encode())
            return target
        except OSError:
            pass  # a read-only or full output folder: try the temporary folder
    handle, path = tempfile.mkstemp(prefix=f"pibooklet-crash-{safe}-", suffix=".txt")
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        file.write(text)
    return Path(path)


def stale_outputs(output: Path, slugs: list[str], written: set[str]) -> list[str]:
    """Return the files of these booklets in the output folder that this run did not write."""
    return [name for slug in slugs for suffix in OUTPUT_SUFFIXES
            if (name := slug + suffix) not in written and (output / name).is_file()]
