#!/usr/bin/env python3
"""Time and peak memory of `--check` and of a full build on each hostile input of issue 9.

Each case is a minimal library (the test organisation, one booklet, one section) with one
crafted file, run in a fresh process under a wall-clock limit. The table says what the run
ended with (exit status and its first message line), how long it took, its peak memory, and
whether a traceback reached the terminal.

    python bench/bench_hostile.py [--only NAME] [--timeout SECONDS]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(PROJECT), str(PROJECT / "tests")]

from test_content import MANIFEST, SECTION, write_library  # noqa: E402

CHILD = """
import contextlib, io, json, re, sys, time
started = time.perf_counter()

def peak_mib():
    # VmHWM is this process image's own peak; ru_maxrss can carry the parent's over exec.
    status = open("/proc/self/status", encoding="ascii").read()
    return int(re.search(r"VmHWM:\\s+(\\d+)", status)[1]) / 1024

from pibooklet.cli import main
with contextlib.redirect_stderr(io.StringIO()) as errors, \\
        contextlib.redirect_stdout(io.StringIO()) as output:
    status = main(sys.argv[1:])
text = errors.getvalue() + output.getvalue()
lines = [line for line in text.splitlines() if ": " in line and "/" in line]
print(json.dumps({"status": status, "seconds": time.perf_counter() - started,
                  "peak_mib": peak_mib(),
                  "traceback": "Traceback" in text, "message": (lines or [""])[0]}))
"""

Maker = Callable[[Path], None]
#: Created only if a content template manages to run a command.
MARKER = Path("/tmp/pibooklet-bench-pwned")


def _section(body: str, title: str = "The only section") -> str:
    return f"---\ntitle: {title}\n---\n{body}\n"


def _library(section: str = SECTION, manifest: str = MANIFEST,
             extra: dict[str, str] | None = None) -> Maker:
    return lambda root: write_library(root, manifest=manifest, section=section, extra=extra)


def _big_png(name: str, markdown: str) -> Maker:
    def make(root: Path) -> None:
        from PIL import Image
        write_library(root, section=_section(markdown))
        Image.new("L", (13000, 13000), 200).save(root / "small" / "big.png", format="PNG")
        if name != "big.png":
            (root / "small" / "big.png").rename(root / "small" / name)
    return make


def _symlinked_manifest(target: str) -> Maker:
    def make(root: Path) -> None:
        write_library(root)
        manifest = root / "small" / "booklet.yaml"
        if target == "outside":
            outside = root.parent / "outside.yaml"
            outside.write_text(MANIFEST.replace("A small booklet", "SECRET TITLE"),
                               encoding="utf-8")
            target_path = str(outside)
        else:
            target_path = target
        manifest.unlink()
        manifest.symlink_to(target_path)
    return make


def _fifo_section(root: Path) -> None:
    write_library(root)
    (root / "small" / "one.md").unlink()
    os.mkfifo(root / "small" / "one.md")


def _many_shapes(root: Path) -> None:
    shapes = "".join(f'<rect x="{i % 400}" y="{i // 400}" width="1" height="1"/>'
                     for i in range(200_000))
    write_library(root, section=_section("![A diagram](diagram.svg)"),
                  extra={"small/diagram.svg": '<svg xmlns="http://www.w3.org/2000/svg" '
                                              f'viewBox="0 0 400 500">{shapes}</svg>'})


def _content_template(text: str | bytes) -> Maker:
    def make(root: Path) -> None:
        write_library(root)
        folder = root / "templates"
        folder.mkdir()
        data = text if isinstance(text, bytes) else text.encode()
        (folder / "back-cover.html").write_bytes(data)
    return make


def _with_bytes(relative: str, data: bytes, section: str = SECTION) -> Maker:
    def make(root: Path) -> None:
        write_library(root, section=section)
        (root / relative).write_bytes(data)
    return make


def _nested_quotes(depth: int) -> str:
    return "\n".join(">" * level + " Quoted text at this level." for level in
                     range(1, depth + 1))


def _nested_list(depth: int) -> str:
    return "\n".join("    " * level + f"- Item at level {level}" for level in range(depth))


_ALIASES = "".join(f"z{level}: &l{level} ["
                   + ", ".join([f"*l{level - 1}" if level else "a"] * 9) + "]\n"
                   for level in range(9))
_SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">{}</svg>'

#: Finding number, name, and how to make the library.
CASES: list[tuple[str, str, Maker]] = [
    ("1", "template runs a command", _content_template(
        f'{{% set x = cycler.__init__.__globals__.os.system("touch {MARKER}") %}}x')),
    ("2", "13000 x 13000 PNG named photo.svg", _big_png("photo.svg", "![A](photo.svg)")),
    ("2", "13000 x 13000 PNG, reference-style", _big_png("big.png", "![A][p]\n\n[p]: big.png")),
    ("2", "13000 x 13000 PNG, <img> over two lines",
     _big_png("big.png", '<img alt="A"\nsrc="big.png">')),
    ("3", "nine levels of nine aliases in front matter",
     _library(section="---\ntitle: T\n" + _ALIASES + "---\nText.\n")),
    ("4", "[x]( 3000 times on one line", _library(section=_section("Para " + "[x](" * 3000))),
    ("4", "< and 20000 a", _library(section=_section("<" + "a" * 20000))),
    ("4", "[[ 5000 times", _library(section=_section("[[" * 5000))),
    ("4", "a.a.a... address-like text", _library(section=_section("a." * 10000 + "@"))),
    ("5", "booklet.yaml -> /dev/zero", _symlinked_manifest("/dev/zero")),
    ("5", "a FIFO as the section", _fifo_section),
    ("6", "booklet.yaml -> a file outside", _symlinked_manifest("outside")),
    ("7", "10 MB Markdown section", _library(
        section=_section("Words that go on and on. " * 400_000))),
    ("7", "SVG with 200,000 shapes", _many_shapes),
    ("8", "122-character word", _library(section=_section("Text " + "x" * 122 + " more."))),
    ("8", "62-character word in a title", _library(
        section=_section("Some text.", title="A " + "y" * 62))),
    ("8", "20 nested quotes", _library(section=_section(_nested_quotes(20)))),
    ("9", "300 nested brackets in YAML", _library(
        manifest=MANIFEST + "keywords: " + "[" * 300 + "]" * 300 + "\n")),
    ("10", "1000 nested ::: callout", _library(section=_section(
        "::: callout\n" * 1000 + "Deep.\n" + ":::\n" * 1000))),
    ("10", "150 nested >", _library(section=_section(_nested_quotes(150)))),
    ("10", "100 nested list levels", _library(section=_section(_nested_list(100)))),
    ("13", "template syntax error", _content_template("<p>{% if %}</p>")),
    ("13", "template with an undefined name", _content_template("<p>{{ nothing.here }}</p>")),
    ("13", "template that is not UTF-8", _content_template(b"<p>caf\xe9</p>")),
    ("14", "two-level bullet list", _library(section=_section("- a\n    - b"))),
    ("14", "code span", _library(section=_section("Type `this` here."))),
    ("16", "reference-style file: and data: links", _library(section=_section(
        "[x][l] and [y][d]\n\n[l]: file:///etc/passwd\n[d]: data:text/html;base64,PGI+"))),
    ("17", "reference-style file: image", _library(section=_section(
        "![A][p]\n\n[p]: file:///etc/passwd"))),
    ("18", "<small> over two lines with a class", _library(section=_section(
        '<small\nclass="cover-website">X</small>'))),
    ("20", "UTF-8 BOM in booklet.yaml", _with_bytes(
        "small/booklet.yaml", b"\xef\xbb\xbf" + MANIFEST.encode())),
    ("20", "UTF-8 BOM in a section", _with_bytes("small/one.md", b"\xef\xbb\xbf"
                                                  + SECTION.encode())),
    ("20", "Latin-1 SVG", _with_bytes(
        "small/pic.svg", _SVG.format("<title>caf\xe9</title>").encode("latin-1"),
        section=_section("![A picture](pic.svg)"))),
    ("20", "SVG <style>@import", _with_bytes(
        "small/pic.svg", _SVG.format("<style>@import url(x.css);</style>").encode(),
        section=_section("![A picture](pic.svg)"))),
    ("20", "NUL byte on line 9 of booklet.yaml", _with_bytes(
        "small/booklet.yaml", MANIFEST.replace("disclaimer:", "disclaimer: \0").encode())),
]


def _run(args: list[str], timeout: float) -> dict:
    try:
        result = subprocess.run([sys.executable, "-c", CHILD, *args], cwd=PROJECT,
                                capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"status": "timeout", "seconds": timeout, "peak_mib": float("nan"),
                "traceback": False, "message": ""}
    lines = result.stdout.strip().splitlines()
    if result.returncode or not lines:
        return {"status": f"died {result.returncode}", "seconds": float("nan"),
                "peak_mib": float("nan"), "traceback": "Traceback" in result.stderr,
                "message": result.stderr.strip().splitlines()[-1:] or [""]}
    return json.loads(lines[-1])


def main() -> int:
    """Run every case (or those matching --only) and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="run the cases whose name contains this")
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()
    print("| finding | case | `--check` | build | peak memory | traceback | what the build said |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for finding, name, make in CASES:
        if args.only not in name:
            continue
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder) / "content"
            root.mkdir()
            make(root)
            check, build = (_run(["--content", str(root), "--today", "2026-01-01", *extra],
                                 args.timeout)
                            for extra in (["--check"], ["--output", str(Path(folder) / "out")]))
            said = str(build["message"] or check["message"]).replace(str(root) + "/", "")
            said = said.replace(str(Path(folder) / "out") + "/", "")[:80]
            print(f"| {finding} | {name} | exit {check['status']}, {check['seconds']:.1f} s | "
                  f"exit {build['status']}, {build['seconds']:.1f} s | "
                  f"{max(check['peak_mib'], build['peak_mib']):.0f} MiB | "
                  f"{'YES' if check['traceback'] or build['traceback'] else 'no'} | "
                  f"{said} |", flush=True)
            if MARKER.exists():
                print(f"| {finding} | {name} | | | | | A COMMAND RAN |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
