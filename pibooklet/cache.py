"""The build cache: what each job last made from which inputs, kept beside the outputs.

One small JSON record per job, written atomically once that job's files are written, so a
killed build leaves records only for complete outputs. A record is trusted only while its
key (the digest of every input, see plan.py), the digest of every file the job read and the
output files themselves (size and time, or else their digest) are all as recorded.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from .errors import OutputError, Problem, display_path
from .output import read_own_file, write_atomically
from .plan import BookletFacts, Job

#: The cache folder inside the output folder unless --cache names another.
CACHE_FOLDER = Path(".pibooklet") / "cache"
#: Bumped whenever records change shape: older ones are then simply not trusted.
FORMAT = 2
#: The largest record read back: a job's record is a few kilobytes.
RECORD_BYTES = 16 * 2**20


@dataclass
class JobRecord:
    """What a job made: its key, the files it read and wrote, and its warnings."""

    key: str
    reads: dict[str, str]
    files: dict[str, list]  # name -> [size, mtime_ns, sha256]
    summaries: dict[str, str]
    warnings: list[str] = field(default_factory=list)


@dataclass
class CheckRecord:
    """What the library check found, trusted while the library is unchanged."""

    fingerprint: str
    valid_until: dt.date
    problems: list[Problem]
    ready: list[str]  # booklets with no error, bilingual ones included
    known: list[str]  # every booklet's id, as the check found them
    facts: dict[str, BookletFacts]
    external: list[str]  # fonts and colour profile outside the content folder
    valid_from: dt.date = dt.date.min  # the day it was checked for


class Cache:
    """The records of one output folder (or of the folder given with --cache)."""

    def __init__(self, folder: Path):
        self.folder = folder

    def _job_path(self, job: Job) -> Path:
        # Readable, and unique: two ids may differ only in characters a file name cannot keep.
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", job.name.replace(":", "."))[:80]
        unique = hashlib.sha256(job.name.encode()).hexdigest()[:8]
        return self.folder / "jobs" / f"{safe}-{unique}.json"

    def job(self, job: Job) -> JobRecord | None:
        """Return the job's record, or None when there is none or it is damaged."""
        data = _read_json(self._job_path(job))
        if not data or data.get("format") != FORMAT:
            return None
        try:
            record = JobRecord(str(data["key"]), _strings(data["reads"]),
                               {str(name): [int(size), int(mtime), str(digest)]
                                for name, (size, mtime, digest) in data["files"].items()},
                               _strings(data["summaries"]),
                               [str(warning) for warning in data["warnings"]
                                if isinstance(warning, str)])
        except (KeyError, TypeError, ValueError, AttributeError):
            return None
        return record if isinstance(data["warnings"], list) else None

    def save_job(self, job: Job, record: JobRecord) -> None:
        """Keep the job's record; it is written after its files, never before."""
        _write_json(self._job_path(job), {"format": FORMAT, **record.__dict__})

    def forget(self, job: Job) -> None:
        """Drop a job's record: its files are about to change."""
        path = self._job_path(job)
        with contextlib.suppress(OSError):
            path.unlink()
        if path.is_dir() and not path.is_symlink():  # damage: a folder where a record goes
            shutil.rmtree(path, ignore_errors=True)

    def check(self) -> CheckRecord | None:
        """Return the last library check's record, or None."""
        data = _read_json(self.folder / "check.json")
        if not data or data.get("format") != FORMAT:
            return None
        try:
            record = CheckRecord(
                data["fingerprint"], dt.date.fromisoformat(data["valid_until"]),
                [Problem(Path(path), int(line) if line is not None else None, str(message),
                         str(severity))
                 for path, line, message, severity in data["problems"]],
                [str(slug) for slug in data["ready"]], [str(slug) for slug in data["known"]],
                {str(slug): BookletFacts(str(slug), str(value["manifest"]),
                                         tuple(map(str, value["folders"])),
                                         tuple(map(str, value["halves"])),
                                         bool(value["overdue"]),
                                         tuple(map(str, value["sections"])),
                                         bool(value["covers"]))
                 for slug, value in data["facts"].items()},
                [str(path) for path in data["external"]],
                dt.date.fromisoformat(data["valid_from"]))
        except (KeyError, TypeError, ValueError, AttributeError):
            return None
        known = set(record.known)
        if not (set(record.ready) <= set(record.facts) <= known) or not all(
                isinstance(slug, str) for slug in known):
            return None  # not as a check writes it: not trusted
        return record

    def save_check(self, record: CheckRecord) -> None:
        """Keep the library check's findings."""
        _write_json(self.folder / "check.json", {
            "format": FORMAT, "fingerprint": record.fingerprint,
            "valid_until": record.valid_until.isoformat(),
            "valid_from": record.valid_from.isoformat(),
            "problems": [[str(problem.path), problem.line, problem.message, problem.severity]
                         for problem in record.problems],
            "ready": record.ready, "known": record.known,
            "facts": {slug: {"manifest": facts.manifest, "folders": list(facts.folders),
                             "halves": list(facts.halves), "overdue": facts.overdue,
                             "sections": list(facts.sections), "covers": facts.covers}
                      for slug, facts in record.facts.items()},
            "external": record.external})


def check_cache_folder(folder: Path) -> None:
    """Raise OutputError unless the cache folder is, or can be made as, a folder."""
    existing = next(path for path in (folder, *folder.absolute().parents) if path.exists())
    if not existing.is_dir():
        raise OutputError(f"{display_path(folder)}: the cache folder "
                          f"{'is' if existing == folder else 'would be inside'} a file, not a "
                          "folder; nothing was written: give --cache a folder")


def output_stamp(path: Path) -> list:
    """Return what a record keeps of an output file: its size, time and digest."""
    found = path.stat()
    return [found.st_size, found.st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest()]


def outputs_intact(record: JobRecord, output: Path) -> bool:
    """Return whether every file the record names is in `output` as it was written."""
    for name, (size, mtime_ns, digest) in record.files.items():  # shapes checked on reading
        path = output / name
        try:
            found = path.stat()
        except OSError:
            return False
        if found.st_size != size:
            return False
        if found.st_mtime_ns != mtime_ns and \
                hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            return False  # touched is fine (a copied folder); changed is not
    return True


def _strings(value: object) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(item, str)
                                              for pair in value.items() for item in pair):
        raise TypeError("not a mapping of texts")
    return dict(value)


def _read_json(path: Path) -> dict | None:
    try:
        data = json.loads(read_own_file(path, RECORD_BYTES) or b"null")
    except ValueError:
        return None  # missing, cut short by a kill, or damaged: the job runs again
    return data if isinstance(data, dict) else None


def _write_json(path: Path, data: dict) -> None:
    # A record that cannot be written (a full disk) only means the job runs again next time.
    with contextlib.suppress(OSError):
        write_atomically(path, json.dumps(data, sort_keys=True, ensure_ascii=False).encode())
