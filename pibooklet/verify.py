"""Checks on a finished booklet PDF; any failure stops the file from being written."""

from __future__ import annotations

import io
from collections.abc import Iterable

import pikepdf

from .fonts import TypefaceChain

A5_POINTS = (419.53, 595.28)  # 148 x 210 mm
A4_POINTS = (595.28, 841.89)  # 210 x 297 mm
TOLERANCE = 0.5


def verify_booklet(pdf: bytes, typefaces: TypefaceChain,
                   contents_titles: Iterable[str],
                   page_size: tuple[float, float] = A5_POINTS) -> list[str]:
    """Return what is wrong with the finished PDF (nothing, when it is right)."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return _problems(document, typefaces, list(contents_titles), page_size)


def _problems(pdf: pikepdf.Pdf, typefaces: TypefaceChain, contents_titles: list[str],
              page_size: tuple[float, float]) -> list[str]:
    problems = []
    count = len(pdf.pages)
    if count % 4:
        problems.append(f"{count} pages is not a multiple of 4, so it cannot be saddle-stitched")
    for number, page in enumerate(pdf.pages, start=1):
        # The trimmed page: the whole page on screen, inside the bleed for press.
        left, bottom, right, top = (float(value) for value in page.trimbox)
        size = (right - left, top - bottom)
        if any(abs(got - want) > TOLERANCE for got, want in zip(size, page_size, strict=True)):
            problems.append(f"page {number} is {size[0]:.1f} x {size[1]:.1f} pt, not "
                            f"{page_size[0]:.1f} x {page_size[1]:.1f} pt")
    problems += _font_problems(pdf, typefaces)
    with pdf.open_outline() as outline:
        titles = [item.title for item in outline.root]
    if titles != contents_titles:
        problems.append(f"bookmarks {titles} do not match the contents {contents_titles}")
    return problems


def _font_problems(pdf: pikepdf.Pdf, chain: TypefaceChain) -> list[str]:
    foreign, unembedded, boxes = set(), set(), set()
    for page in pdf.pages:
        fonts = page.obj.get("/Resources", {}).get("/Font", {})
        for key in fonts:
            font = fonts[key]
            # Embedded subsets are named "ABCDEF+Family-Style".
            name = str(font.get("/BaseFont", "")).lstrip("/").split("+", 1)[-1]
            if chain.family_of_pdf_font(name) is None:
                foreign.add(name)
            elif not _is_embedded(font):
                unembedded.add(name)
            # WeasyPrint gives a font an encoding of its own only to map what it lacks to .notdef.
            if font.get("/Subtype") == pikepdf.Name.Type0 and \
                    font.get("/Encoding") != pikepdf.Name("/Identity-H"):
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
        return font.FontDescriptor
    for descendant in font.get("/DescendantFonts", ()):
        if "/FontDescriptor" in descendant:
            return descendant.FontDescriptor
    return None
