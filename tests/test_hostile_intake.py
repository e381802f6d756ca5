"""Hostile files at the front door: special files, links out, huge files and images, odd bytes."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import replace_in
from PIL import Image
from test_content import MANIFEST, SECTION, write_library

from pibooklet.cli import main

PROJECT = Path(__file__).resolve().parent.parent
# Runs the build in a child process and prints its peak memory (MB) as the last line, so a
# regression that hangs or eats memory cannot take the test run down with it.
_MEASURED = ("import resource, sys\n"
             "from pibooklet.cli import main\n"
             "try:\n"
             "    status = main(sys.argv[1:])\n"
             "finally:\n"
             "    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)\n"
             "sys.exit(status)\n")


def _build(root: Path, *options: str, timeout: float = 120) -> tuple[int, str, float, int]:
    """Return exit status, stderr, seconds and peak MB of a build run in a child process."""
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", _MEASURED, "--content", str(root), "--output",
         str(root.parent / "out"), *options],
        capture_output=True, text=True, timeout=timeout, cwd=PROJECT,
        env={**os.environ, "PYTHONPATH": str(PROJECT)})
    seconds = time.perf_counter() - start
    return (result.returncode, result.stdout + result.stderr, seconds,
            int(result.stdout.split()[-1]))


def _bomb(path: Path) -> None:
    """Write a 13000 x 13000 PNG (169 megapixels) that compresses to a few kilobytes."""
    Image.new("1", (13000, 13000), 1).save(path, format="PNG")


def test_finding_02_a_png_named_svg_is_judged_by_its_bytes(tmp_path: Path, capsys) -> None:
    root = write_library(tmp_path / "content", section=SECTION + "\n![A photo](photo.svg)\n")
    _bomb(root / "small" / "photo.svg")
    start = time.perf_counter()
    assert main(["--check", "--content", str(root)]) == 1
    assert time.perf_counter() - start < 10
    captured = capsys.readouterr()
    error = captured.out + captured.err
    assert ("small/one.md:6: image 'photo.svg' is a PNG image named .svg; rename it to "
            "photo.png") in error
    assert "Traceback" not in error


def test_finding_02_a_reference_style_bomb_is_refused_by_its_pixels(tmp_path: Path) -> None:
    root = write_library(tmp_path / "content",
                         section=SECTION + "\n![A photo][p]\n\n[p]: big.png\n")
    _bomb(root / "small" / "big.png")
    status, output, seconds, megabytes = _build(root, "--outputs", "screen")
    assert status == 1
    # Refused before decoding, either where it is written or, at the latest, by the fetcher.
    assert "small/one.md:8: image '" in output
    assert "big.png' is 169 megapixels (13000 x 13000); the limit is 25" in output
    assert "Traceback" not in output and "Warning" not in output
    assert not (tmp_path / "out" / "small.pdf").exists()
    assert seconds < 60 and megabytes < 700  # it took 27 s and 1.58 GB, on an idle machine


def test_finding_02_an_img_with_its_src_on_the_next_line_cannot_load_a_bomb(
        tmp_path: Path) -> None:
    root = write_library(tmp_path / "content",
                         section=SECTION + '\n<img\nsrc="big.png" alt="A photo">\n')
    _bomb(root / "small" / "big.png")
    status, output, seconds, megabytes = _build(root, "--outputs", "screen")
    assert status == 1 and "Traceback" not in output
    assert "small/one.md:" in output
    assert not (tmp_path / "out" / "small.pdf").exists()
    assert seconds < 60 and megabytes < 700


def test_finding_02_a_bomb_in_a_stylesheet_data_url_is_refused(tmp_path: Path) -> None:
    root = write_library(tmp_path / "content")
    bomb = tmp_path / "bomb.png"
    _bomb(bomb)
    (root / "styles").mkdir()
    (root / "styles" / "booklet.css").write_text(
        (PROJECT / "styles" / "booklet.css").read_text(encoding="utf-8")
        + f"\nbody {{ background: url(data:image/png;base64,"
        f"{base64.b64encode(bomb.read_bytes()).decode()}); }}\n", encoding="utf-8")
    status, output, seconds, megabytes = _build(root, "--outputs", "screen")
    assert status == 1 and "Traceback" not in output
    assert ("image 'data:image/png;base64' is 169 megapixels (13000 x 13000); the limit is 25"
            in output)
    assert seconds < 60 and megabytes < 700


def test_finding_02_logo_trust_mark_and_icon_are_judged_by_their_bytes(
        tmp_path: Path, capsys) -> None:
    root = write_library(tmp_path / "content", section=SECTION + "\n## Call us {icon=phone}\n")
    _bomb(root / "logo.svg")
    (root / "small" / "images" / "icons").mkdir(parents=True)
    (root / "small" / "images" / "icons" / "phone.svg").write_text(
        "<svg xmlns='http://www.w3.org/2000/svg'>" + "<g/>" * 20_001 + "</svg>")
    assert main(["--check", "--content", str(root)]) == 1
    captured = capsys.readouterr()
    error = captured.out + captured.err
    assert ("organisation.yaml:3: image 'logo.svg' is a PNG image named .svg; rename it to "
            "logo.png") in error
    assert ("small/one.md:6: image 'images/icons/phone.svg' has more than 20000 elements, the "
            "limit for an SVG") in error


@pytest.mark.parametrize(("body", "line"), [
    ("![A photo][p]\n\n[p]: file:///etc/passwd\n", 8),
    ('<img\nsrc="file:///etc/passwd" alt="A photo">\n', 7),
    ("![A photo][p]\n\n[p]: pipe.png\n", 8),
])
def test_finding_17_a_file_the_fetcher_refuses_is_reported_at_its_line(
        tmp_path: Path, body: str, line: int) -> None:
    root = write_library(tmp_path / "content", section=SECTION + "\n" + body)
    os.mkfifo(root / "small" / "pipe.png")
    status, output, _, _ = _build(root, "--outputs", "screen")
    assert status == 1 and "Traceback" not in output
    assert f"small/one.md:{line}: " in output  # where it is written, not booklet.yaml
    assert not (tmp_path / "out" / "small.pdf").exists()


def test_finding_05_a_manifest_linked_to_dev_zero_is_refused(tmp_path: Path) -> None:
    root = write_library(tmp_path / "content")
    (root / "small" / "booklet.yaml").unlink()
    (root / "small" / "booklet.yaml").symlink_to("/dev/zero")
    status, output, seconds, megabytes = _build(root, "--check", timeout=60)
    assert status == 1
    assert "small/booklet.yaml: is not a regular file (it is a device, pipe or folder)" in output
    assert "MemoryError" not in output and "Traceback" not in output
    assert seconds < 20 and megabytes < 500  # it read until memory ran out


@pytest.mark.parametrize("name", ["small/one.md", "small/booklet.yaml", "organisation.yaml",
                                  "small/photo.png"])
def test_finding_05_a_fifo_never_blocks_the_check(tmp_path: Path, name: str) -> None:
    root = write_library(tmp_path / "content", section=SECTION + "\n![A photo](photo.png)\n")
    path = root / name
    path.unlink(missing_ok=True)
    os.mkfifo(path)
    status, output, seconds, _ = _build(root, "--check", timeout=60)
    assert status == 1 and "Traceback" not in output
    expected = "image 'photo.png' is not a regular file" if name.endswith(".png") else \
        f"{name}: is not a regular file (it is a device, pipe or folder)"
    assert expected in output
    assert seconds < 20  # it blocked forever


@pytest.mark.parametrize(("name", "expected"), [
    ("small/booklet.yaml", "small/booklet.yaml: is a link to a file outside the content folder"),
    ("organisation.yaml", "organisation.yaml: is a link to a file outside the content folder"),
    ("directory.yaml", "directory.yaml: is a link to a file outside the content folder"),
    ("small/one.md", "small/booklet.yaml:12: section 'one.md' must be inside the booklet folder"),
    ("small/photo.png", "small/one.md:6: image 'photo.png' must be a file inside the content"),
])
def test_finding_06_a_file_linked_outside_the_folder_is_never_read(
        tmp_path: Path, capsys, name: str, expected: str) -> None:
    root = write_library(tmp_path / "content", section=SECTION + "\n![A photo](photo.png)\n")
    Image.new("RGB", (40, 30), "white").save(root / "small" / "photo.png")
    outside = tmp_path / "outside" / Path(name).name
    outside.parent.mkdir()
    text = (root / name).read_bytes() if (root / name).exists() else \
        b'help:\n  name: OUTSIDE SECRET\n  phone: "0113 496 0000"\n'
    outside.write_bytes(text.replace(b"A small booklet", b"OUTSIDE SECRET")
                        .replace(b"Example Health Charity", b"OUTSIDE SECRET")
                        .replace(b"Some text.", b"OUTSIDE SECRET"))
    (root / name).unlink(missing_ok=True)
    (root / name).symlink_to(outside)
    output = tmp_path / "out"
    assert main(["--outputs", "screen", "--content", str(root), "--output", str(output)]) == 1
    captured = capsys.readouterr()
    assert expected in captured.err
    assert "OUTSIDE SECRET" not in captured.out + captured.err
    assert not list(output.glob("*.pdf"))


def test_finding_07_a_10_mb_section_fails_the_check_fast(tmp_path: Path, capsys) -> None:
    root = write_library(tmp_path / "content",
                         section=SECTION + ("Some words here. " * 60 + "\n\n") * 10_000)
    start = time.perf_counter()
    assert main(["--check", "--content", str(root)]) == 1
    assert time.perf_counter() - start < 10  # it took 17 s, and the build never finished
    assert ("small/one.md: is larger than 512 KB, the limit for a markdown file: split it into "
            "several sections") in "".join(capsys.readouterr())


def test_finding_07_a_huge_svg_is_refused_fast(tmp_path: Path, capsys) -> None:
    root = write_library(tmp_path / "content", section=SECTION + "\n![A diagram](d.svg)\n")
    (root / "small" / "d.svg").write_text(
        "<svg xmlns='http://www.w3.org/2000/svg'>"
        + "<rect x='1' y='1' width='2' height='2' fill='#123456'/>\n" * 200_000 + "</svg>")
    start = time.perf_counter()
    assert main(["--check", "--content", str(root)]) == 1
    assert time.perf_counter() - start < 10  # the screen edition alone took 61 s
    assert ("small/one.md:6: image 'd.svg' is an SVG of 10.7 MB; the limit is 2 MB: simplify "
            "the drawing or save it as a PNG") in "".join(capsys.readouterr())


def test_finding_20_a_byte_order_mark_is_accepted(tmp_path: Path, capsys) -> None:
    root = write_library(tmp_path / "content")
    for name in ("organisation.yaml", "small/booklet.yaml", "small/one.md"):
        (root / name).write_bytes(b"\xef\xbb\xbf" + (root / name).read_bytes())
    output = tmp_path / "out"
    assert main(["--outputs", "screen", "--content", str(root), "--output", str(output)]) == 0
    assert (output / "small.pdf").is_file()
    assert "FEFF" not in "".join(capsys.readouterr())


def test_finding_20_a_latin_1_svg_and_an_svg_import_say_what_is_wrong(
        tmp_path: Path, capsys) -> None:
    root = write_library(tmp_path / "content", section=SECTION + "\n![A diagram](d.svg)\n")
    (root / "logo.svg").write_bytes(
        '<?xml version="1.0" encoding="ISO-8859-1"?>\n<svg xmlns="http://www.w3.org/2000/svg">'
        "<title>Caf\xe9</title></svg>".encode("latin-1"))
    (root / "small" / "d.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(x.css);</style></svg>')
    assert main(["--check", "--content", str(root)]) == 1
    captured = capsys.readouterr()
    error = captured.out + captured.err
    assert ("organisation.yaml:3: image 'logo.svg' is not UTF-8 text (byte 0xE9 on its line 2); "
            "save the SVG as UTF-8") in error
    assert ("small/one.md:6: image 'd.svg' uses @import in its <style>; a build never loads "
            "other stylesheets") in error
    assert "Traceback" not in error


def test_finding_20_a_nul_byte_is_reported_at_its_own_line(tmp_path: Path, capsys) -> None:
    root = write_library(tmp_path / "content")
    assert MANIFEST.splitlines()[8].startswith("disclaimer: Check")
    replace_in(root / "small" / "booklet.yaml", "disclaimer: Check", "disclaimer: Ch\0eck")
    assert main(["--check", "--content", str(root)]) == 1
    captured = capsys.readouterr()
    error = captured.out + captured.err
    assert "small/booklet.yaml:9: a NUL character (U+0000) is in this line; delete it" in error
    assert "Traceback" not in error
