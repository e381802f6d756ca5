"""Writing output files atomically."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from pibooklet.output import write_atomically


def test_a_file_is_written_whole_and_readable_like_any_new_file(tmp_path: Path) -> None:
    target = tmp_path / "out" / "booklet.pdf"
    previous = os.umask(0o022)
    try:
        write_atomically(target, b"%PDF-1.7 new")
    finally:
        os.umask(previous)
    assert target.read_bytes() == b"%PDF-1.7 new"
    assert [path.name for path in target.parent.iterdir()] == ["booklet.pdf"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_a_failed_write_keeps_the_previous_file_and_leaves_no_part(tmp_path: Path,
                                                                  monkeypatch) -> None:
    target = tmp_path / "booklet.pdf"
    target.write_bytes(b"%PDF-1.7 previous")

    def broken_replace(source, destination):
        raise OSError("disk full")

    monkeypatch.setattr("pibooklet.output.os.replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_atomically(target, b"%PDF-1.7 new")
    assert target.read_bytes() == b"%PDF-1.7 previous"
    assert [path.name for path in tmp_path.iterdir()] == ["booklet.pdf"]


def test_without_o_tmpfile_a_temporary_name_is_used_and_cleaned(tmp_path: Path,
                                                                monkeypatch) -> None:
    monkeypatch.setattr("pibooklet.output._nameless_file", lambda folder: None)
    target = tmp_path / "booklet.pdf"
    write_atomically(target, b"%PDF-1.7 fallback")
    assert target.read_bytes() == b"%PDF-1.7 fallback"
    assert [path.name for path in tmp_path.iterdir()] == ["booklet.pdf"]


CHILD = """
import os, sys, time
real_write = os.write
def slow_write(handle, data):
    written = real_write(handle, data)
    if len(data) > 100:  # a chunk of the PDF has landed: the file is now half written
        print("writing", flush=True)
        time.sleep(5)
    return written
os.write = slow_write
from pibooklet.cli import main
sys.exit(main(["clinical-trials", "--outputs", "screen", "--content", sys.argv[1],
               "--output", sys.argv[2], "--quiet"]))
"""


def test_a_build_killed_while_writing_leaves_the_previous_pdf_and_nothing_else(
        tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys

    from conftest import CONTENT, PROJECT, visible

    output = tmp_path / "output"
    output.mkdir()
    previous = output / "clinical-trials.pdf"
    previous.write_bytes(b"%PDF-1.7 the previous edition")
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(CONTENT), str(output)],
                             cwd=PROJECT, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "writing"  # the new PDF is half written
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL
    assert [path.name for path in visible(output)] == ["clinical-trials.pdf"]
    assert previous.read_bytes() == b"%PDF-1.7 the previous edition"
