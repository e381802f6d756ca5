"""A library build that no one booklet can crash, and an output folder that is used safely."""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pypdf
import pytest
from conftest import PROJECT
from test_content import write_library

from pibooklet import output as output_module
from pibooklet import pipeline
from pibooklet.cli import main
from pibooklet.errors import display_path


def write_booklets(root: Path, slugs: tuple[str, ...]) -> Path:
    """Write a library of identical one-section booklets, one per slug."""
    write_library(root)
    for slug in slugs:
        shutil.copytree(root / "small", root / slug)
    shutil.rmtree(root / "small")
    return root


def crash_for(slug: str, monkeypatch, error: BaseException | None = None) -> None:
    """Make building one booklet fail unexpectedly: by real recursion, or with `error`."""
    real = pipeline.build_booklet

    def deeper(depth: int) -> int:
        return deeper(depth + 1) + 1

    def build_booklet(booklet, *args, **kwargs):
        if booklet.slug == slug:
            if error is not None:
                raise error
            deeper(0)
        return real(booklet, *args, **kwargs)

    monkeypatch.setattr(pipeline, "build_booklet", build_booklet)


def crash_line(manifest: Path, stage: str, slug: str, summary: str, report: Path) -> str:
    return (f"{display_path(manifest)}: the {stage} of '{slug}' failed unexpectedly ({summary}); "
            f"please report this with the file {display_path(report)}")


# Finding 10: one booklet's crash ends only that booklet's build.

def test_finding_10_a_crashing_booklet_does_not_stop_the_others(tmp_path: Path, capsys,
                                                                monkeypatch) -> None:
    root = write_booklets(tmp_path / "content", ("aa", "bb", "cc"))
    output = tmp_path / "output"
    output.mkdir()
    (output / "bb.pdf").write_bytes(b"%PDF-1.7 the previous edition")
    crash_for("bb", monkeypatch)
    assert main(["--outputs", "screen", "--content", str(root), "--output", str(output)]) == 1
    printed = capsys.readouterr()
    report = output / ".pibooklet" / "crash-bb.txt"
    assert printed.err.splitlines() == [
        crash_line(root / "bb" / "booklet.yaml", "build", "bb",
                   "RecursionError: maximum recursion depth exceeded", report),
        "1 of 3 booklets failed: bb",
        f"{display_path(output)}/: left from an earlier build, so they may be out of date: "
        "bb.pdf"]
    assert "Traceback" not in printed.out + printed.err
    for slug in ("aa", "cc"):
        assert len(pypdf.PdfReader(output / f"{slug}.pdf").pages) == 8
    # The earlier edition is kept (and named above), never half-replaced.
    assert (output / "bb.pdf").read_bytes() == b"%PDF-1.7 the previous edition"
    saved = report.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in saved and "in deeper" in saved
    assert saved.rstrip().endswith("RecursionError: maximum recursion depth exceeded")


@pytest.mark.parametrize(("error", "summary"), [
    (MemoryError(), "MemoryError"),
    (OSError(errno.EIO, "Input/output error"), "OSError: [Errno 5] Input/output error"),
    (KeyError("colours"), "KeyError: 'colours'"),
    (ValueError("line one\nline two"), "ValueError: line one line two"),
])
def test_finding_10_any_unexpected_exception_is_one_line(tmp_path: Path, capsys, monkeypatch,
                                                         error: Exception, summary: str) -> None:
    root = write_booklets(tmp_path / "content", ("bb",))
    output = tmp_path / "output"
    crash_for("bb", monkeypatch, error)
    assert main(["--content", str(root), "--output", str(output)]) == 1
    printed = capsys.readouterr()
    report = output / ".pibooklet" / "crash-bb.txt"
    assert printed.err.splitlines() == [crash_line(root / "bb" / "booklet.yaml", "build", "bb",
                                                   summary, report),
                                        "1 of 1 booklets failed: bb"]
    assert "Traceback" in report.read_text(encoding="utf-8")
    assert [path.name for path in output.iterdir()] == [".pibooklet"]


def test_finding_10_check_reports_a_crash_as_one_problem_of_that_booklet(
        tmp_path: Path, capsys, monkeypatch) -> None:
    from pibooklet import fixedpages

    root = write_booklets(tmp_path / "content", ("aa", "bb"))
    output = tmp_path / "output"
    output.mkdir()
    real = fixedpages.check_fixed_pages

    def check_fixed_pages(booklets, *args):
        if booklets[0].slug == "bb":
            raise RecursionError("maximum recursion depth exceeded")
        return real(booklets, *args)

    monkeypatch.setattr(fixedpages, "check_fixed_pages", check_fixed_pages)
    report = output / ".pibooklet" / "crash-bb.txt"
    line = crash_line(root / "bb" / "booklet.yaml", "check", "bb",
                      "RecursionError: maximum recursion depth exceeded", report)
    assert main(["--check", "--content", str(root), "--output", str(output)]) == 1
    printed = capsys.readouterr()
    assert line in printed.out.splitlines() and "Traceback" not in printed.out + printed.err
    assert "1 errors, 0 warnings" in printed.out
    assert main(["--check", "--format", "json", "--content", str(root), "--output",
                 str(output)]) == 1
    problems = json.loads(capsys.readouterr().out)["problems"]
    assert [problem["message"] for problem in problems] == [line.split(": ", 1)[1]]
    assert "Traceback" in report.read_text(encoding="utf-8")


def test_finding_10_a_crash_outside_any_booklet_is_one_line_too(tmp_path: Path, capsys,
                                                              monkeypatch) -> None:
    root = write_booklets(tmp_path / "content", ("aa",))

    def check_library(*args):
        raise RuntimeError("the checker broke")

    monkeypatch.setattr("pibooklet.cli.check_library", check_library)
    # The output folder does not exist, and is not made for a report: it goes to the temp folder.
    assert main(["--content", str(root), "--output", str(tmp_path / "output")]) == 1
    error = capsys.readouterr().err
    match = re.fullmatch(re.escape(f"{display_path(root)}: the build failed unexpectedly "
                                   "(RuntimeError: the checker broke); please report this "
                                   "with the file ") + r"(\S+pibooklet-crash-library-\w+\.txt)\n",
                         error)
    assert match, error
    report = Path(match[1])
    try:
        assert "the checker broke" in report.read_text(encoding="utf-8")
    finally:
        report.unlink()
    assert not (tmp_path / "output").exists()


CRASHING_RUN = """
import sys
from pibooklet import pipeline
from pibooklet.cli import run

real = pipeline.build_booklet

def deeper(depth):
    return deeper(depth + 1) + 1

def build_booklet(booklet, *args, **kwargs):
    if booklet.slug == "bb":
        deeper(0)
    return real(booklet, *args, **kwargs)

pipeline.build_booklet = build_booklet
sys.argv[0] = "build.py"
run()
"""


def test_finding_10_a_real_run_with_a_crashing_booklet_shows_no_traceback(tmp_path: Path) -> None:
    root = write_booklets(tmp_path / "content", ("aa", "bb"))
    output = tmp_path / "output"
    result = subprocess.run([sys.executable, "-c", CRASHING_RUN, "--outputs", "screen",
                             "--content", str(root), "--output", str(output), "--quiet"],
                            cwd=PROJECT, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 1
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[0] == crash_line(
        root / "bb" / "booklet.yaml", "build", "bb",
        "RecursionError: maximum recursion depth exceeded", output / ".pibooklet" / "crash-bb.txt")
    assert len(pypdf.PdfReader(output / "aa.pdf").pages) == 8
    assert "command: build.py --outputs screen" in \
        (output / ".pibooklet" / "crash-bb.txt").read_text(encoding="utf-8")


INTERRUPTED_RUN = """
import sys, time
from pibooklet import pipeline
from pibooklet.cli import run

def build_booklet(*args, **kwargs):
    print("building", flush=True)
    time.sleep(120)

pipeline.build_booklet = build_booklet
run()
"""


def test_finding_10_an_interrupt_exits_130_without_a_traceback(tmp_path: Path) -> None:
    root = write_booklets(tmp_path / "content", ("aa",))
    output = tmp_path / "output"
    child = subprocess.Popen([sys.executable, "-c", INTERRUPTED_RUN, "--content", str(root),
                              "--output", str(output)], cwd=PROJECT, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline() == "building\n"
        child.send_signal(signal.SIGINT)
        _, error = child.communicate(timeout=60)
    finally:
        child.kill()
    assert child.returncode == 130
    assert error == ("build.py: interrupted; every file written so far is whole, the rest were "
                     "not written\n")
    assert list(output.iterdir()) == []


# Finding 11: two builds writing one folder leave each other's temporary files alone.

WRITER = """
import sys, time
from pathlib import Path
from pibooklet import output

target, letter, count, mode = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
if mode == "named":  # no O_TMPFILE: the temporary file has a name all the time it is written
    output._nameless_file = lambda folder: None
payload = letter.encode() * (4096 + ord(letter))
while not (target.parent / "go").exists():
    time.sleep(0.01)
failures = 0
for _ in range(count):
    try:
        output.write_atomically(target, payload)
    except Exception as error:
        failures += 1
        print(repr(error), file=sys.stderr)
print(failures)
"""


@pytest.mark.parametrize(("mode", "count"), [("nameless", 2000), ("named", 1000)])
def test_finding_11_concurrent_builds_do_not_break_each_other(tmp_path: Path, mode: str,
                                                              count: int) -> None:
    target = tmp_path / "out" / "x.pdf"
    target.parent.mkdir()
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(target), letter, str(count),
                                 mode], cwd=PROJECT, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for letter in "AB"]
    started = time.perf_counter()
    (target.parent / "go").touch()
    results = [(*writer.communicate(timeout=120), writer.returncode) for writer in writers]
    assert results == [("0\n", "", 0)] * 2  # no write failed in either build
    assert time.perf_counter() - started < 60
    assert target.read_bytes() in (b"A" * (4096 + 65), b"B" * (4096 + 66))
    assert sorted(path.name for path in target.parent.iterdir()) == ["go", "x.pdf"]


# Finding 19: a killed build's temporary file is cleaned by the next build; a live one is kept.

def dead_pid() -> int:
    """Return the id of a process that has ended and been reaped."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_finding_19_a_killed_builds_part_file_is_removed_and_a_live_one_kept(
        tmp_path: Path, capsys) -> None:
    root = write_booklets(tmp_path / "content", ("aa",))
    output = tmp_path / "output"
    output.mkdir()
    host = output_module._host()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        dead, live = dead_pid(), sleeper.pid
        removed = [f".x.pdf.{dead}.part",                  # as earlier versions named them
                   f".aa.pdf.{dead}.h{host}.t1a2b3c4.part",
                   f".aa-press.pdf.{dead}.h{host}.tk_9x.part",
                   f".y.pdf.{live}.h{host}.t00000000.part"]  # a day old: the id was reused
        kept = [f".x.pdf.{live}.part", f".aa.pdf.{live}.h{host}.t5d6e7f80.part",
                f".aa.pdf.{os.getpid()}.h{host}.t11111111.part",  # this very process
                f".aa.pdf.{dead}.hdeadbeef.t22222222.part",  # another machine's process
                ".notes.part", "x.pdf.123.part"]  # not a build's temporary file
        for name in removed + kept:
            (output / name).write_bytes(b"%PDF-1.7 half")
        day_old = time.time() - 25 * 60 * 60
        os.utime(output / removed[-1], (day_old, day_old))
        assert main(["--outputs", "screen", "--content", str(root), "--output", str(output),
                     "--quiet"]) == 0
        assert sorted(path.name for path in output.iterdir()) == sorted(["aa.pdf", *kept])
    finally:
        sleeper.kill()
        sleeper.wait()
    assert "Traceback" not in capsys.readouterr().err


# Finding 12: an unusable output folder is one message naming what was and was not written.

def test_finding_12_an_output_path_that_is_a_file_is_refused(tmp_path: Path, capsys) -> None:
    root = write_booklets(tmp_path / "content", ("aa",))
    passwd = tmp_path / "passwd"
    passwd.write_text("root:x:0:0::/root:/bin/sh\n", encoding="utf-8")
    started = time.perf_counter()
    assert main(["--content", str(root), "--output", str(passwd)]) == 1
    assert time.perf_counter() - started < 5  # refused before any layout work
    assert capsys.readouterr().err == (
        f"{display_path(passwd)}: the output folder is a file, not a folder; nothing was "
        "written: give --output a folder\n")
    assert passwd.read_text(encoding="utf-8") == "root:x:0:0::/root:/bin/sh\n"
    assert main(["--content", str(root), "--output", str(passwd / "out")]) == 1
    assert capsys.readouterr().err == (
        f"{display_path(passwd / 'out')}: {display_path(passwd)} is a file, not a folder; "
        "nothing was written: give --output a folder\n")


def test_finding_12_a_read_only_output_folder_is_refused(tmp_path: Path, capsys,
                                                         monkeypatch) -> None:
    root = write_booklets(tmp_path / "content", ("aa",))
    output = tmp_path / "output"
    output.mkdir()
    output.chmod(0o555)
    if os.geteuid() == 0:  # root writes anywhere whatever the mode: refuse as the kernel would
        real_open = os.open

        def read_only_open(path, flags, *args, **kwargs):
            inside = Path(os.fsdecode(path)).resolve()
            if inside == output.resolve() or inside.parent == output.resolve():
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), path)
            return real_open(path, flags, *args, **kwargs)

        monkeypatch.setattr(os, "open", read_only_open)
    try:
        assert main(["--content", str(root), "--output", str(output)]) == 1
    finally:
        output.chmod(0o755)
    assert capsys.readouterr().err == (
        f"{display_path(output)}/: cannot write files here (Permission denied); nothing was "
        "written: make the folder writable or give --output another folder\n")
    assert list(output.iterdir()) == []


@pytest.mark.parametrize("mode", ["nameless", "named"])
def test_finding_12_a_full_disk_names_what_was_and_was_not_written(
        tmp_path: Path, capsys, monkeypatch, mode: str) -> None:
    root = write_booklets(tmp_path / "content", ("aa", "bb"))
    output = tmp_path / "output"
    output.mkdir()
    (output / "aa-office-a4.pdf").write_bytes(b"%PDF-1.7 the previous edition")
    if mode == "named":
        monkeypatch.setattr(output_module, "_nameless_file", lambda folder: None)
    real_write_all = output_module._write_all
    calls = []

    def write_all(handle: int, data: bytes) -> None:
        calls.append(len(data))
        if len(calls) == 2:  # the disk fills half way through the second file
            os.write(handle, data[:len(data) // 2])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_write_all(handle, data)

    monkeypatch.setattr(output_module, "_write_all", write_all)
    assert main(["--outputs", "screen,office", "--content", str(root), "--output", str(output),
                 "--quiet"]) == 1
    printed = capsys.readouterr()
    assert printed.err == (
        f"{display_path(output)}/: cannot write aa-office-a4.pdf (No space left on device); "
        "written: aa.pdf; not written: aa-office-a4.pdf; not built: bb; left from an earlier "
        "build, so they may be out of date: aa-office-a4.pdf\n")
    assert len(calls) == 2  # nothing more was tried once the disk was full
    # No partial PDF and no temporary file: the earlier edition is untouched.
    assert sorted(path.name for path in output.iterdir()) == ["aa-office-a4.pdf", "aa.pdf"]
    assert (output / "aa-office-a4.pdf").read_bytes() == b"%PDF-1.7 the previous edition"
    assert len(pypdf.PdfReader(output / "aa.pdf").pages) == 8
