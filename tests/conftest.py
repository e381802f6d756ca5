"""Shared fixtures: the sample booklets built once per test run, and small PDF readers."""

from __future__ import annotations

import ctypes
import http.server
import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pypdf
import pypdfium2
import pytest

from pibooklet.cli import main

PROJECT = Path(__file__).resolve().parent.parent
CONTENT = PROJECT / "content"
SAMPLES = ("relapsed-cancer", "clinical-trials")
MM = 72 / 25.4


@dataclass
class Built:
    """A sample library built into a folder."""

    output: Path

    def pdf(self, slug: str) -> Path:
        return self.output / f"{slug}.pdf"

    def reader(self, slug: str) -> pypdf.PdfReader:
        return pypdf.PdfReader(self.pdf(slug))


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Build every sample booklet once, with the real command line."""
    output = tmp_path_factory.mktemp("output")
    assert main(["--content", str(CONTENT), "--output", str(output), "--quiet"]) == 0
    return Built(output)


@pytest.fixture
def library_copy(tmp_path: Path) -> Path:
    """A copy of the sample content folder that a test may break."""
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    return target


@pytest.fixture
def server() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that records every request it gets."""
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}", requests
    finally:
        httpd.shutdown()


def replace_in(path: Path, old: str, new: str) -> str:
    """Change a content file for a test, failing loudly if the text to change is not there."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not found in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text


def page_lines(reader: pypdf.PdfReader, index: int) -> list[str]:
    """Return the non-empty text lines of one page."""
    return [line.strip() for line in reader.pages[index].extract_text().splitlines()
            if line.strip()]


def drawn_fonts(resources) -> list:
    """Return the font dictionaries (pypdf) that resources and the forms they draw use: an
    office sheet draws each booklet page as a form."""
    fonts = resources.get("/Font", {})
    found = [fonts[name].get_object() for name in fonts]
    xobjects = resources.get("/XObject", {})
    for name in xobjects:
        xobject = xobjects[name].get_object()
        if xobject.get("/Subtype") == "/Form":
            found += drawn_fonts(xobject.get("/Resources", {}))
    return found


def squash(text: str) -> str:
    """Return text without white space or soft hyphenation, for robust matching."""
    return re.sub(r"\s+|-\n", "", text.replace("-\n", ""))


CONTENTS_LINE = re.compile(r"^(?P<title>.+?)\s*(?:\.\s*){3,}(?P<page>\d+)$")


def contents_entries(reader: pypdf.PdfReader) -> list[tuple[str, int]]:
    """Return (title, printed page number) for each line of the contents page (page 3)."""
    entries = []
    for line in page_lines(reader, 2):
        match = CONTENTS_LINE.match(line)
        if match:
            entries.append((match["title"], int(match["page"])))
    return entries


@dataclass(frozen=True)
class Glyph:
    """One character as laid out: its text, size in points and box in points from bottom-left."""

    char: str
    size: float
    box: tuple[float, float, float, float]


def glyphs(path: Path, index: int) -> list[Glyph]:
    """Return the characters of one page with their font sizes and boxes (PDFium)."""
    document = pypdfium2.PdfDocument(str(path))
    try:
        text = document[index].get_textpage()
        found = []
        for position in range(text.count_chars()):
            char = text.get_text_range(position, 1)
            if char.strip():
                found.append(Glyph(char, _font_size(text, position), text.get_charbox(position)))
        return found
    finally:
        document.close()


def _font_size(textpage: pypdfium2.PdfTextPage, position: int) -> float:
    """Return the size a character prints at: its font size scaled by its matrix."""
    matrix = pypdfium2.raw.FS_MATRIX()
    pypdfium2.raw.FPDFText_GetMatrix(textpage.raw, position, ctypes.byref(matrix))
    scale = abs(matrix.a * matrix.d - matrix.b * matrix.c) ** 0.5
    return pypdfium2.raw.FPDFText_GetFontSize(textpage.raw, position) * scale


def page_size(path: Path, index: int) -> tuple[float, float]:
    """Return a page's width and height in points."""
    document = pypdfium2.PdfDocument(str(path))
    try:
        return document[index].get_size()
    finally:
        document.close()


def visible(folder: Path) -> list[Path]:
    """Return what is in an output folder but the build's own folder (its cache, crash
    reports): temporary files a build left would still show."""
    return [path for path in folder.iterdir() if path.name != ".pibooklet"]
