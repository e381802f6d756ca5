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
from dataclasses import dataclass, field
from pathlib import Path

from .errors import Problem
from .output import write_atomically
from .plan import BookletFacts, Job

#: The cache folder inside the output folder unless --cache names another.
CACHE_FOLDER = Path(".pibooklet") / "cache"
#: Bumped whenever records change shape: older ones are then simply not trusted.
FORMAT = 1


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
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", job.name.replace(":", "."))
        return self.folder / "jobs" / f"{safe}.json"

    def job(self, job: Job) -> JobRecord | None:
        """Return the job's record, or None when there is none or it is unreadable."""
        data = _read_json(self._job_path(job))
        try:
            return JobRecord(data["key"], dict(data["reads"]), dict(data["files"]),
                             dict(data["summaries"]), list(data["warnings"])) \
                if data and data.get("format") == FORMAT else None
        except (KeyError, TypeError, ValueError):
            return None

    def save_job(self, job: Job, record: JobRecord) -> None:
        """Keep the job's record; it is written after its files, never before."""
        _write_json(self._job_path(job), {"format": FORMAT, **record.__dict__})

    def forget(self, job: Job) -> None:
        """Drop a job's record: its files are about to change."""
        with contextlib.suppress(FileNotFoundError):
            self._job_path(job).unlink()

    def check(self) -> CheckRecord | None:
        """Return the last library check's record, or None."""
        data = _read_json(self.folder / "check.json")
        if not data or data.get("format") != FORMAT:
            return None
        try:
            return CheckRecord(
                data["fingerprint"], dt.date.fromisoformat(data["valid_until"]),
                [Problem(Path(path), line, message, severity)
                 for path, line, message, severity in data["problems"]],
                list(data["ready"]), list(data["known"]),
                {slug: BookletFacts(slug, value["manifest"], tuple(value["folders"]),
                                    tuple(value["halves"]), bool(value["overdue"]))
                 for slug, value in data["facts"].items()},
                list(data["external"]), dt.date.fromisoformat(data["valid_from"]))
        except (KeyError, TypeError, ValueError):
            return None

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
                             "halves": list(facts.halves), "overdue": facts.overdue}
                      for slug, facts in record.facts.items()},
            "external": record.external})


def output_stamp(path: Path) -> list:
    """Return what a record keeps of an output file: its size, time and digest."""
    found = path.stat()
    return [found.st_size, found.st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest()]


def outputs_intact(record: JobRecord, output: Path) -> bool:
    """Return whether every file the record names is in `output` as it was written."""
    for name, (size, mtime_ns, digest) in record.files.items():
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


def _read_json(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None  # missing, or cut short by a kill: not trusted, the job runs again
    return data if isinstance(data, dict) else None


def _write_json(path: Path, data: dict) -> None:
    # A record that cannot be written (a full disk) only means the job runs again next time.
    with contextlib.suppress(OSError):
        write_atomically(path, json.dumps(data, sort_keys=True, ensure_ascii=False).encode())
