"""Cover thumbnails for "more from us" blocks: another booklet's real cover, laid out and
rasterised, so the picture is the cover a family will find on the shelf."""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path

import pypdfium2

from .layout import ConfinedFetcher, lay_out

# The thumbnail prints 28 mm wide in the standard and press editions (styles/components.css):
# 480 pixels across is 435 ppi there, well above the press file's 300 ppi, and still 300 ppi
# at the large-print edition's 40 mm.
THUMBNAIL_PIXELS = 480
# Everything but the cover is left out of the layout: one page, laid out in a fraction of the
# time the whole booklet takes.
_ONLY_THE_COVER = "<style>body > :not(.cover) { display: none !important; }</style>"
# Layout is the slow part, and each edition of each booklet asks again: same HTML, same PNG.
_CACHE: dict[str, bytes] = {}


def cover_thumbnail(html: str, base: Path, allowed: list[Path],
                    search_paths: tuple[tuple[Path, ...], ...]) -> bytes:
    """Return a PNG of the first page of a booklet's HTML, laying out only its cover."""
    key = hashlib.sha256(html.encode()).hexdigest()
    if key not in _CACHE:
        page = re.sub(r"</head>", _ONLY_THE_COVER + "</head>", html, count=1)
        document = lay_out(page, base, ConfinedFetcher(allowed, search_paths))
        # Not compressed: the PDF is only rasterised (to the same pixels). Its fonts stay
        # subset, though: whole ones give other pixels.
        _CACHE[key] = _rasterise(document.copy(document.pages[:1]).write_pdf(
            uncompressed_pdf=True))
    return _CACHE[key]


def forget_thumbnails() -> None:
    """Drop every thumbnail drawn so far. The cache knows a cover by its HTML alone, which is
    enough for one build; a process that outlives a save of a picture or stylesheet the HTML
    names (the preview) must draw again."""
    _CACHE.clear()


def _rasterise(pdf: bytes) -> bytes:
    """Return the PDF's first page as an RGB PNG, THUMBNAIL_PIXELS wide."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        width, _ = page.get_size()
        image = page.render(scale=THUMBNAIL_PIXELS / width).to_pil().convert("RGB")
    finally:
        document.close()
    output = io.BytesIO()
    # No text chunks or dates: the same cover gives the same bytes, build after build.
    image.save(output, format="PNG", optimize=False)
    return output.getvalue()
