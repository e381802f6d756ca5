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
