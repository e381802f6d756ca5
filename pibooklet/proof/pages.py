"""An edition's pages as the comparison sees them: size, words and pixels, within the limits."""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy
import pypdf
import pypdfium2

from ..errors import display_path
from ..limits import (
    DIFF_RESOLUTION_PPI,
    MAX_DIFF_INPUT_BYTES,
    MAX_DIFF_PAGE_PIXELS,
    MAX_DIFF_PAGES,
)
from . import ProofError

# Hyphens joined at a line's end (soft, hard and Unicode's), and hyphens in a word: a word
# re-hyphenated by a reflow is the same word.
_LINE_END_HYPHEN = re.compile(r"[-\u00ad\u2010\x02]\r?\n")
_HYPHENS = re.compile(r"[-\u00ad\u2010\x02]")


@dataclass(frozen=True)
class Page:
    """One page: its number (from 1), size in points, and words as printed and as compared."""

    number: int
    size: tuple[float, float]
    words: tuple[str, ...]
    keys: tuple[str, ...]


@dataclass
class Edition:
    """One PDF to compare: its pages, whether it is a press file, and its open document."""

    path: Path
    pages: list[Page]
    press: bool
    right_to_left: bool
    document: pypdfium2.PdfDocument

    def render(self, index: int, scale: float) -> numpy.ndarray:
        """Return page `index` (from 0) as an RGB array at `scale` pixels per point."""
        page = self.document[index]
        try:
            return page.render(scale=scale, rev_byteorder=True).to_numpy()[:, :, :3]
        finally:
            page.close()

    def close(self) -> None:
        """Release the document."""
        self.document.close()


def read_edition(path: Path) -> Edition:
    """Open a PDF and read each page's size and words; ProofError if it is past a limit."""
    where = display_path(path)
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise ProofError(f"{where}: not a file; give the PDF of an edition")
        if size > MAX_DIFF_INPUT_BYTES:
            raise ProofError(f"{where}: the file is {size / 2**20:.0f} MiB; the limit is "
                             f"{MAX_DIFF_INPUT_BYTES // 2**20} MiB for a PDF to compare")
        data = path.read_bytes()
    except OSError as error:
        raise ProofError(f"{where}: cannot be read ({error.strerror or error})") from None
    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as error:
        raise ProofError(f"{where}: not a PDF that can be read ({error}); give the PDF of an "
                         "edition") from None
    try:
        count = len(document)
        if count > MAX_DIFF_PAGES:
            raise ProofError(f"{where}: has {count} pages; the limit is {MAX_DIFF_PAGES} pages "
                             "for an edition to compare")
        if count == 0:
            raise ProofError(f"{where}: has no pages")
        pages = [_read_page(document, index) for index in range(count)]
        press, right_to_left = _catalogue_facts(data)
    except BaseException:
        document.close()
        raise
    return Edition(path, pages, press, right_to_left, document)


def _read_page(document: pypdfium2.PdfDocument, index: int) -> Page:
    """Return one page's size and words; its own printed number is left out of the words."""
    page = document[index]
    try:
        width, height = page.get_size()
        text = page.get_textpage()
        try:
            words = tuple(_LINE_END_HYPHEN.sub("", text.get_text_bounded()).split())
        finally:
            text.close()
    finally:
        page.close()
    number = index + 1
    # The page number moves with every page added before it; the words on the page matter.
    if words and words[-1] == str(number):
        words = words[:-1]
    elif words and words[0] == str(number):
        words = words[1:]
    keys = tuple(_HYPHENS.sub("", word) for word in words)
    return Page(number, (width, height), words, keys)


def _catalogue_facts(data: bytes) -> tuple[bool, bool]:
    """Return whether the PDF is a press file (a PDF/X output intent) and reads right to left."""
    try:
        root = pypdf.PdfReader(io.BytesIO(data), strict=False).trailer["/Root"].get_object()
        intents = [intent.get_object().get("/S") for intent in root.get("/OutputIntents", [])]
        preferences = root.get("/ViewerPreferences")
        direction = preferences.get_object().get("/Direction") if preferences else None
    except Exception:  # a damaged catalogue PDFium could still draw: compare it as a screen PDF
        return False, False
    return "/GTS_PDFX" in intents, direction == "/R2L"


def render_scale(*sizes: tuple[float, float]) -> float:
    """Return the pixels per point that pages of these sizes are rendered at, within limits."""
    scale = DIFF_RESOLUTION_PPI / 72
    for width, height in sizes:
        area = max(width * height, 1.0)
        scale = min(scale, math.sqrt(MAX_DIFF_PAGE_PIXELS / area))
    return scale
