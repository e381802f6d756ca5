"""Checks on a finished booklet PDF; any failure stops the file from being written."""

from __future__ import annotations

import io
from collections.abc import Iterable

from pypdf import PdfReader

from .fonts import TypefaceChain

A5_POINTS = (419.53, 595.28)  # 148 x 210 mm
A4_POINTS = (595.28, 841.89)  # 210 x 297 mm
TOLERANCE = 0.5


def verify_booklet(pdf: bytes, typefaces: TypefaceChain,
                   contents_titles: Iterable[str],
                   page_size: tuple[float, float] = A5_POINTS) -> list[str]:
    """Return what is wrong with the finished PDF (nothing, when it is right)."""
    reader = PdfReader(io.BytesIO(pdf))
    problems = []
    count = len(reader.pages)
    if count % 4:
        problems.append(f"{count} pages is not a multiple of 4, so it cannot be saddle-stitched")
    for number, page in enumerate(reader.pages, start=1):
        # The trimmed page: the whole page on screen, inside the bleed for press.
        size = (float(page.trimbox.width), float(page.trimbox.height))
        if any(abs(got - want) > TOLERANCE for got, want in zip(size, page_size, strict=True)):
            problems.append(f"page {number} is {size[0]:.1f} x {size[1]:.1f} pt, not "
                            f"{page_size[0]:.1f} x {page_size[1]:.1f} pt")
    problems += _font_problems(reader, typefaces)
    outline = [item.title for item in reader.outline if not isinstance(item, list)]
    if outline != list(contents_titles):
        problems.append(f"bookmarks {outline} do not match the contents {list(contents_titles)}")
    return problems


def _font_problems(reader: PdfReader, chain: TypefaceChain) -> list[str]:
    foreign, unembedded, boxes = set(), set(), set()
    for page in reader.pages:
        for font in page.get("/Resources", {}).get("/Font", {}).values():
            font = font.get_object()
            # Embedded subsets are named "ABCDEF+Family-Style".
            name = str(font.get("/BaseFont", "")).lstrip("/").split("+", 1)[-1]
            if chain.family_of_pdf_font(name) is None:
                foreign.add(name)
            elif not _is_embedded(font):
                unembedded.add(name)
            # WeasyPrint gives a font an encoding of its own only to map what it lacks to .notdef.
            if font.get("/Subtype") == "/Type0" and font.get("/Encoding") != "/Identity-H":
                boxes.add(name)
    declared = ", ".join(chain.families)
    problems = [f"text is set in {name}, not in {declared}: a character fell back to a "
                "system font" for name in sorted(foreign)]
    problems += [f"font {name} is not embedded" for name in sorted(unembedded)]
    problems += [f"font {name} lacks a character it is asked to draw: it prints as an empty "
                 "box" for name in sorted(boxes)]
    return problems


def _is_embedded(font) -> bool:
    descriptor = _descriptor(font)
    return descriptor is not None and any(
        key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))


def _descriptor(font):
    if "/FontDescriptor" in font:
        return font["/FontDescriptor"].get_object()
    for descendant in font.get("/DescendantFonts", []):
        descendant = descendant.get_object()
        if "/FontDescriptor" in descendant:
            return descendant["/FontDescriptor"].get_object()
    return None
