"""The office booklet: A5 pages imposed two-up on A4 sheets for duplex printing, with pypdf.

Sheets are printed double-sided, flipped on the short edge, at actual size; folded together
and stapled on the fold, they make the booklet. Nothing is laid out again: the finished A5
pages are placed on the sheets as they are.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from pypdf import PageObject, PdfReader, PdfWriter, Transformation
from pypdf.generic import BooleanObject, DecodedStreamObject, DictionaryObject, NameObject

from .finish import drop_unused_objects
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
    source = PdfReader(io.BytesIO(booklet_pdf))
    writer = PdfWriter()
    if instructions_pdf:
        for page in PdfReader(io.BytesIO(instructions_pdf)).pages:
            writer.add_page(page)
        if len(writer.pages) % 2:  # keep every sheet's front on an odd page
            writer.add_blank_page(*A4_LANDSCAPE)
    width, height = A4_LANDSCAPE
    fold = width / 2
    for side in saddle_stitch_order(len(source.pages), right_to_left):
        sheet = writer.add_blank_page(width, height)
        shift = side.sheet * creep_mm_per_sheet * MM
        _place(sheet, source.pages[side.left - 1], right_edge=fold + shift,
               keep=(UNPRINTABLE_MM * MM, fold))
        _place(sheet, source.pages[side.right - 1], left_edge=fold - shift,
               keep=(fold, width - UNPRINTABLE_MM * MM))
        sheet.compress_content_streams()
    # The instruction sheet and the booklet were written apart, each with its own subset of
    # the same fonts: embed each font once, with the glyphs of both.
    share_font_programs(writer)
    drop_unused_objects(writer)
    # Printed at 100 %, duplex flipped on the short edge, the sheets fold into the booklet.
    writer._root_object[NameObject("/ViewerPreferences")] = DictionaryObject({
        NameObject("/PrintScaling"): NameObject("/None"),
        NameObject("/Duplex"): NameObject("/DuplexFlipShortEdge"),
        NameObject("/DisplayDocTitle"): BooleanObject(True),
        **({NameObject("/Direction"): NameObject("/R2L")} if right_to_left else {}),
    })
    if metadata:
        writer.add_metadata(metadata)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def _place(sheet: PageObject, page: PageObject, *, keep: tuple[float, float],
           left_edge: float | None = None, right_edge: float | None = None) -> None:
    """Draw one A5 page on the sheet, clipped to the sheet's printable part of its half."""
    box = page.trimbox
    page_width = float(box.width)
    x = left_edge if left_edge is not None else right_edge - page_width
    offset_x, offset_y = x - float(box.left), (float(sheet.mediabox.height) - float(box.height)) / 2
    offset_y -= float(box.bottom)
    low, high = keep
    margin = UNPRINTABLE_MM * MM
    height = float(sheet.mediabox.height)
    # The clip is written in the page's own coordinates, before it is moved onto the sheet.
    clip = (f"{low - offset_x:.3f} {margin - offset_y:.3f} {high - low:.3f} "
            f"{height - 2 * margin:.3f} re W n\n").encode()
    contents = page.get_contents()
    stream = DecodedStreamObject()
    stream.set_data(clip + (contents.get_data() if contents is not None else b""))
    page[NameObject("/Contents")] = stream  # each source page is placed once
    sheet.merge_transformed_page(page, Transformation().translate(offset_x, offset_y))
    if "/Annots" in sheet:  # links belong to the screen edition, not a print file
        del sheet["/Annots"]
