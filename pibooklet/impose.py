"""The office booklet: A5 pages imposed two-up on A4 sheets for duplex printing, with pikepdf.

Sheets are printed double-sided, flipped on the short edge, at actual size; folded together
and stapled on the fold, they make the booklet. Nothing is laid out again: the finished A5
pages are placed on the sheets as they are, each drawn as a form XObject (the page's own
drawing and resources, unchanged).
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass

import pikepdf
from pikepdf import Dictionary, Name

from .finish import saved
from .subsets import share_font_programs

MM = 72 / 25.4
A4_LANDSCAPE = (297 * MM, 210 * MM)
# Office printers cannot print the outer 4-5 mm of a sheet; keep everything 6 mm clear.
UNPRINTABLE_MM = 6.0


@dataclass(frozen=True)
class SheetSide:
    """The two booklet pages (1-based) on one side of a sheet, left then right."""

    sheet: int  # 0 is the outermost sheet
    left: int
    right: int


def saddle_stitch_order(pages: int, right_to_left: bool = False) -> list[SheetSide]:
    """Return the sheet sides in print order: N,1 / 2,N-1 / N-2,3 / 4,N-3 …

    A right-to-left booklet is bound on the right, so each side's pair is swapped:
    1,N / N-1,2 / 3,N-2 / N-3,4 …
    """
    if pages % 4:
        raise ValueError(f"{pages} pages cannot be saddle-stitched: it must be a multiple of 4")
    sides = []
    for sheet in range(pages // 4):
        outer = 2 * sheet
        front = (pages - outer, outer + 1)
        back = (outer + 2, pages - outer - 1)
        for left, right in (front, back):
            sides.append(SheetSide(sheet, *((right, left) if right_to_left else (left, right))))
    return sides


def impose_booklet(booklet_pdf: bytes, creep_mm_per_sheet: float = 0.0,
                   instructions_pdf: bytes | None = None,
                   metadata: dict[str, str] | None = None,
                   right_to_left: bool = False) -> bytes:
    """Return an A4 landscape PDF of the booklet's pages in saddle-stitch order.

    A right-to-left booklet's pairs are mirrored (see saddle_stitch_order): folded, its
    cover faces up with the fold on the right.

    Creep moves the pages of inner sheets toward the fold by creep_mm_per_sheet for each
    sheet inward (negative values move them away), so that after trimming the margins match.
    """
    # Pages copied from another file keep reading their streams from it until it is saved.
    with contextlib.ExitStack() as files:
        source = files.enter_context(pikepdf.open(io.BytesIO(booklet_pdf)))
        pdf = files.enter_context(pikepdf.new())
        if instructions_pdf:
            pdf.pages.extend(files.enter_context(pikepdf.open(io.BytesIO(instructions_pdf))).pages)
            if len(pdf.pages) % 2:  # keep every sheet's front on an odd page
                pdf.add_blank_page(page_size=A4_LANDSCAPE)
        width = A4_LANDSCAPE[0]
        fold = width / 2
        for side in saddle_stitch_order(len(source.pages), right_to_left):
            shift = side.sheet * creep_mm_per_sheet * MM
            sheet = pdf.add_blank_page(page_size=A4_LANDSCAPE)
            # Links belong to the screen edition, not a print file: a form carries none.
            sheet.obj.Resources = Dictionary(XObject=Dictionary({
                f"/Page{number}": pdf.copy_foreign(source.pages[number - 1].as_form_xobject())
                for number in (side.left, side.right)}))
            sheet.obj.Contents = pdf.make_stream(
                _placed(source.pages[side.left - 1], f"/Page{side.left}",
                        right_edge=fold + shift, keep=(UNPRINTABLE_MM * MM, fold))
                + _placed(source.pages[side.right - 1], f"/Page{side.right}",
                          left_edge=fold - shift, keep=(fold, width - UNPRINTABLE_MM * MM)))
        # The instruction sheet and the booklet were written apart, each with its own subset of
        # the same fonts: embed each font once, with the glyphs of both.
        share_font_programs(pdf)
        # Printed at 100 %, duplex flipped on the short edge, the sheets fold into the booklet.
        pdf.Root.ViewerPreferences = Dictionary(
            PrintScaling=Name("/None"), Duplex=Name.DuplexFlipShortEdge, DisplayDocTitle=True,
            **({"Direction": Name.R2L} if right_to_left else {}))
        for key, value in (metadata or {}).items():
            pdf.docinfo[key] = value
        return saved(pdf, min_version=source.pdf_version)


def _placed(page: pikepdf.Page, form: str, *, keep: tuple[float, float],
            left_edge: float | None = None, right_edge: float | None = None) -> bytes:
    """Return the drawing of an A5 page (its form, by name) on its half of the sheet, clipped
    to the sheet's printable part of that half."""
    left, bottom, right, top = (float(value) for value in page.trimbox)
    page_width, page_height = right - left, top - bottom
    x = left_edge if left_edge is not None else right_edge - page_width
    offset_x, offset_y = x - left, (A4_LANDSCAPE[1] - page_height) / 2 - bottom
    low, high = keep
    margin = UNPRINTABLE_MM * MM
    # The clip is written in the page's own coordinates, after it is moved onto the sheet.
    return (f"q 1 0 0 1 {offset_x:.3f} {offset_y:.3f} cm\n"
            f"{low - offset_x:.3f} {margin - offset_y:.3f} {high - low:.3f} "
            f"{A4_LANDSCAPE[1] - 2 * margin:.3f} re W n\n{form} Do Q\n").encode()
