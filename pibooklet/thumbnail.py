"""Cover thumbnails for "more from us" blocks: another booklet's real cover, laid out and
rasterised, so the picture is the cover a family will find on the shelf."""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable
from pathlib import Path

from .colour import PressConverter
from .errors import BuildError
from .intake import add_reads, recording_reads
from .layout import ConfinedFetcher, lay_out
from .render import CoverToDraw, cover_to_draw

# The thumbnail prints 28 mm wide in the standard and press editions (styles/components.css):
# 480 pixels across is 435 ppi there, well above the press file's 300 ppi, and still 300 ppi
# at the large-print edition's 40 mm.
THUMBNAIL_PIXELS = 480
# Everything but the cover is left out of the layout: one page, laid out in a fraction of the
# time the whole booklet takes.
_ONLY_THE_COVER = "<style>body > :not(.cover) { display: none !important; }</style>"
# Layout is the slow part, and each edition of each booklet asks again: same HTML, same PNG,
# made from the same files (a job that takes the picture from here has read them too).
_CACHE: dict[str, tuple[bytes, dict[Path, str]]] = {}


def cover_thumbnail(cover: CoverToDraw) -> bytes:
    """Return a PNG of the first page of a booklet's HTML, laying out only its cover."""
    key = hashlib.sha256(cover.html.encode()).hexdigest()
    if key in _CACHE:
        png, reads = _CACHE[key]
        add_reads(reads)
        return png
    page = re.sub(r"</head>", _ONLY_THE_COVER + "</head>", cover.html, count=1)
    with recording_reads() as reads:
        document = lay_out(page, cover.base, ConfinedFetcher(list(cover.allowed),
                                                             cover.search_paths))
        # Not compressed: the PDF is only rasterised (to the same pixels). Its fonts stay
        # subset, though: whole ones give other pixels.
        png = _rasterise(document.copy(document.pages[:1]).write_pdf(uncompressed_pdf=True))
    _CACHE[key] = png, dict(reads)
    return png


#: Covers drawn by another process, by booklet: each PNG with the files read to draw it.
DrawnCovers = dict[str, tuple[bytes, dict[Path, str]]]


class CoverPictures:
    """The "more from us" thumbnails one edition's layout asks its fetcher for, by booklet
    (render.cover_address): each drawn the first time it is asked for, unless a process drawing
    it meanwhile (`drawn_elsewhere`, which waits for it; None if that process failed) has it.

    The press edition's are CMYK, through the printer's profile, as every photograph is.
    """

    def __init__(self, library, theme,
                 drawn_elsewhere: Callable[[], DrawnCovers | None] | None = None):
        self._library, self._theme = library, theme
        self._drawn_elsewhere = drawn_elsewhere
        self._converter: PressConverter | None = None  # the press edition's
        self._pictures: dict[str, tuple[bytes, str]] = {}
        # Shared with in_press_colours(): a booklet's editions draw each cover once.
        self._drawings: DrawnCovers = {}

    def in_press_colours(self, converter: PressConverter) -> CoverPictures:
        """Return the press edition's pictures of the same covers, drawn once for both and
        converted as its photographs are."""
        press = CoverPictures(self._library, self._theme, self._drawn_elsewhere)
        press._drawings, press._converter = self._drawings, converter
        return press

    def __call__(self, booklet_id: str) -> tuple[bytes, str]:
        """Return the cover thumbnail's bytes and type; raise BuildError if it cannot be."""
        if booklet_id not in self._pictures:
            png = self._png(booklet_id)
            self._pictures[booklet_id] = (self._converter.raster(png), "image/jpeg") \
                if self._converter else (png, "image/png")
        return self._pictures[booklet_id]

    def _png(self, booklet_id: str) -> bytes:
        if booklet_id not in self._drawings:
            drawn = self._drawn_elsewhere() if self._drawn_elsewhere else None
            if drawn and booklet_id in drawn:
                self._drawings[booklet_id] = drawn[booklet_id]
            else:
                self._drawings.update(draw_covers(self._library, self._theme, [booklet_id]))
        png, reads = self._drawings[booklet_id]
        add_reads(reads)  # the job is made from them, wherever and whenever they were read
        return png


def draw_covers(library, theme, booklet_ids: list[str],
                sources: dict[str, tuple[CoverToDraw, dict[Path, str]]] | None = None
                ) -> DrawnCovers:
    """Draw the covers, each with the files read to draw it (for CoverPictures, or for a
    layout in another process); `sources`: what some are drawn from, rendered already, with
    the files read for that."""
    drawn = {}
    for booklet_id in booklet_ids:
        with recording_reads() as reads:
            if sources and booklet_id in sources:
                cover, read_for_source = sources[booklet_id]
                add_reads(read_for_source)
                png = cover_thumbnail(cover)
            else:
                png = _draw(library, theme, booklet_id)
        drawn[booklet_id] = png, dict(reads)
    return drawn


def _draw(library, theme, booklet_id: str) -> bytes:
    """Return a booklet's cover thumbnail as a PNG; raise BuildError if it is no booklet."""
    cover = cover_to_draw(library, theme, booklet_id)
    if cover is None:  # only a template can ask: the content's blocks name booklets
        raise BuildError(f"a template shows the cover of '{booklet_id}', which is not a "
                         "booklet in this library: check the booklet's folder name")
    return cover_thumbnail(cover)


def forget_thumbnails() -> None:
    """Drop every thumbnail drawn so far. The cache knows a cover by its HTML alone, which is
    enough for one build; a process that outlives a save of a picture or stylesheet the HTML
    names (the preview) must draw again."""
    _CACHE.clear()


def _rasterise(pdf: bytes) -> bytes:
    """Return the PDF's first page as an RGB PNG, THUMBNAIL_PIXELS wide."""
    import pypdfium2  # here: the build's own process seldom draws a cover (0.02 s to load)

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
