"""The proof PDF: a cover listing the changes, then each changed spread, old above new.

Spreads are as a reader sees them: page 1 alone, then 2-3, 4-5, ..., the last page alone.
Each column of a proof page holds a new page and the old page paired with it, at print size
(smaller only for pages larger than A4), as pictures of the pages the comparison saw. Each
changed region is a Square annotation, so a viewer lists them as comments, drawn magenta
over a white halo so it shows on a white page and on a full-colour cover alike.
"""

from __future__ import annotations

import datetime as dt
import html
import io
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)

from ..finish import finish_pdf
from ..fonts import DEFAULT_TYPEFACE, load_typeface
from ..layout import ConfinedFetcher, lay_out, write_pdf
from ..output import write_atomically
from .compare import Comparison, PageChange, Region
from .pages import Edition, render_scale
from .plates import Plates

MARGIN = 24.0
LABEL = 16.0
ROW_GAP = 14.0
#: Pages larger than this (A4's long side, in points) are shown smaller, to fit a screen.
LARGEST_SHOWN = 842.0
#: Room left round a changed region, in points, so the outline does not hide its edge.
OUTLINE_PAD = 4.0
MARK = (0.85, 0.0, 0.55)  # magenta: no booklet prints its text in it
HALO = (1.0, 1.0, 1.0)
JPEG_QUALITY = 85
#: The date the proof's fonts are stamped with: a constant, so the same inputs give the same
#: bytes (SOURCE_DATE_EPOCH, as the editions use theirs).
PROOF_DATE = dt.date(2000, 1, 1)
COVER_FACES = (DEFAULT_TYPEFACE, "Noto Sans", "IBM Plex Sans Arabic")

Slot = tuple[int | None, int | None]


@dataclass(frozen=True)
class ProofPage:
    """One proof page: the page pairs of one spread, left to right."""

    slots: tuple[Slot, ...]


def proof_spreads(comparison: Comparison, every_spread: bool = False) -> list[ProofPage]:
    """Return the spreads to show: those holding a change (every one with every_spread).

    A removed old page joins the spread of the new page before it.
    """
    spreads: dict[int, list[Slot]] = {}
    current = 0
    for old, new in comparison.pairs:
        if new is not None:
            current = new // 2  # page 1 alone, then 2-3, 4-5, …; an even last page alone
        spreads.setdefault(current, []).append((old, new))
    pages = []
    for _, slots in sorted(spreads.items()):
        if every_spread or any(slot in comparison.changes for slot in slots):
            for start in range(0, len(slots), 4):  # many removed pages: at most 4 a page
                pages.append(ProofPage(tuple(slots[start:start + 4])))
    return pages


def write_proof(comparison: Comparison, plates: Plates | None, lines: list[str], summary: str,
                labels: tuple[str, str], path: Path, every_spread: bool = False) -> int:
    """Write the proof PDF to `path` (whole or not at all); return its number of pages."""
    spreads = proof_spreads(comparison, every_spread)
    cover = _cover_pdf(lines, summary, plates, labels, len(spreads))
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(cover)))
    font = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"),
        NameObject("/Encoding"): NameObject("/WinAnsiEncoding")}))
    for spread in spreads:
        index = len(writer.pages)
        _add_spread(writer, comparison, spread, font)
        numbers = [new for _, new in spread.slots if new] or [old for old, _ in spread.slots]
        what = [comparison.changes[slot].message for slot in spread.slots
                if slot in comparison.changes]
        title = f"{'pages' if len(numbers) > 1 else 'page'} {'-'.join(map(str, numbers))}"
        writer.add_outline_item(title=f"{title}: {'; '.join(what) or 'unchanged'}",
                                page_number=index)
    writer.add_metadata({"/Title": f"What changed: {labels[0]} to {labels[1]}",
                         "/Creator": "pibooklet diff"})
    output = io.BytesIO()
    writer.write(output)
    # Saved again by qpdf, whose /ID is a digest of the content: the same proof, the same bytes.
    write_atomically(path, finish_pdf(output.getvalue(), ()))
    return len(writer.pages)


def _cover_pdf(lines: list[str], summary: str, plates: Plates | None,
               labels: tuple[str, str], spreads: int) -> bytes:
    """Return the cover page(s): what was compared and every change, laid out by WeasyPrint."""
    faces = [load_typeface(name) for name in COVER_FACES]
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
    plate_part = ""
    if plates is not None:
        sides = "".join(f"<li>{html.escape(str(side))}</li>" for side in plates.sides)
        plate_part = (f"<h2>Plates to make again</h2>"
                      f"{f'<p>{html.escape(plates.note)}</p>' if plates.note else ''}"
                      f"<ul>{sides or '<li>none: no ink changed</li>'}</ul>")
    guide = ("<p class=guide>Each following page shows one spread as a reader sees it: the "
             "old edition above, the new below, every changed region outlined in magenta "
             f"(listed as comments too). {spreads} spread{'s' if spreads != 1 else ''} "
             "follow.</p>" if spreads else "")
    page = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><style>
{''.join(face.font_face_css() for face in faces)}
@page {{ size: A4; margin: 18mm; }}
body {{ font-family: {', '.join(f'"{face.family}"' for face in faces)}; font-size: 10.5pt; }}
h1 {{ font-size: 18pt; margin: 0 0 4mm; }} h2 {{ font-size: 13pt; margin: 6mm 0 2mm; }}
h1, h2 {{ bookmark-level: none; }}
ul {{ padding-left: 5mm; }} li {{ margin: 1mm 0; }} .guide {{ color: #444; }}
</style></head><body><h1>What changed</h1>
<p>Old: {html.escape(labels[0])}<br>New: {html.escape(labels[1])}</p>
<p><strong>{html.escape(summary)}</strong></p>
{f'<h2>Changed pages</h2><ul>{items}</ul>' if items else ''}{plate_part}{guide}
</body></html>"""
    folders = sorted({folder for face in faces for folder in face.folders})
    document = lay_out(page, folders[0], ConfinedFetcher(folders))
    return write_pdf(document, PROOF_DATE)


def _add_spread(writer: PdfWriter, comparison: Comparison, spread: ProofPage,
                font) -> None:
    """Add one proof page: the spread's old pages above its new pages, changes outlined."""
    editions = (comparison.old, comparison.new)
    sizes = [[editions[row].pages[slot[row] - 1].size if slot[row] else None
              for slot in spread.slots] for row in (0, 1)]
    known = [size for row in sizes for size in row if size]
    shown = min(1.0, LARGEST_SHOWN / max(max(size) for size in known))
    widths = [max(size[0] for size in (sizes[0][column], sizes[1][column]) if size) * shown
              for column in range(len(spread.slots))]
    heights = [max((size[1] for size in row if size), default=0) * shown for row in sizes]
    heights = [height or max(heights) for height in heights]
    width = 2 * MARGIN + sum(widths)
    height = 2 * MARGIN + 2 * LABEL + ROW_GAP + sum(heights)
    page = writer.add_blank_page(width, height)
    images, drawing, annotations = DictionaryObject(), [], []
    top = height - MARGIN
    for row, name in ((0, "Old"), (1, "New")):
        numbers = [slot[row] for slot in spread.slots if slot[row]]
        drawing.append(_label(MARGIN, top - LABEL + 4,
                              f"{name}: page{'s' if len(numbers) > 1 else ''} "
                              f"{', '.join(map(str, numbers)) or '(none)'}"))
        top -= LABEL
        x = MARGIN
        for column, slot in enumerate(spread.slots):
            number, size = slot[row], sizes[row][column]
            if number is None:
                drawing.append(_placeholder(x, top - heights[row], widths[column], heights[row],
                                            "removed in the new edition" if row else
                                            "the new edition added this page"))
            else:
                key = f"/P{row}n{number}"
                images[NameObject(key)] = _page_image(writer, editions[row], number)
                w, h = size[0] * shown, size[1] * shown
                # A left page sits against the fold: the spread's pages meet in the middle.
                left = x + (widths[column] - w if column == 0 and len(spread.slots) > 1 else 0)
                drawing.append(f"q {w:.3f} 0 0 {h:.3f} {left:.3f} {top - h:.3f} cm {key} Do Q")
                change = comparison.changes.get(slot)
                if change is not None:
                    annotations += [_outline(writer, region, left, top, shown, change)
                                    for region in change.regions]
            x += widths[column]
        top -= heights[row] + ROW_GAP
    page[NameObject("/Resources")] = DictionaryObject({
        NameObject("/XObject"): images,
        NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})})
    stream = DecodedStreamObject()
    stream.set_data("\n".join(drawing).encode("latin-1"))
    page[NameObject("/Contents")] = writer._add_object(stream)
    if annotations:
        page[NameObject("/Annots")] = ArrayObject(annotations)


def _page_image(writer: PdfWriter, edition: Edition, number: int):
    """Return an image XObject of the page as the comparison rendered it."""
    size = edition.pages[number - 1].size
    pixels = edition.render(number - 1, render_scale(size))
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=JPEG_QUALITY)
    image = StreamObject()
    image._data = buffer.getvalue()
    image.update({NameObject("/Type"): NameObject("/XObject"),
                  NameObject("/Subtype"): NameObject("/Image"),
                  NameObject("/Width"): NumberObject(pixels.shape[1]),
                  NameObject("/Height"): NumberObject(pixels.shape[0]),
                  NameObject("/ColorSpace"): NameObject("/DeviceRGB"),
                  NameObject("/BitsPerComponent"): NumberObject(8),
                  NameObject("/Filter"): NameObject("/DCTDecode")})
    return writer._add_object(image)


def _outline(writer: PdfWriter, region: Region, left: float, top: float, shown: float,
             change: PageChange):
    """Return a Square annotation round one changed region, with its own appearance."""
    x0 = left + region.left * shown - OUTLINE_PAD
    x1 = left + region.right * shown + OUTLINE_PAD
    y0 = top - region.bottom * shown - OUTLINE_PAD
    y1 = top - region.top * shown + OUTLINE_PAD
    w, h = x1 - x0, y1 - y0
    appearance = DecodedStreamObject()
    box = f"1.5 1.5 {w - 3:.3f} {h - 3:.3f} re S"
    appearance.set_data((f"q {' '.join(map(str, HALO))} RG 3 w {box} "
                         f"{' '.join(map(str, MARK))} RG 1.5 w {box} Q").encode())
    appearance.update({NameObject("/Type"): NameObject("/XObject"),
                       NameObject("/Subtype"): NameObject("/Form"),
                       NameObject("/BBox"): _numbers((0, 0, w, h))})
    where = f"page {change.new}" if change.new else f"old page {change.old}"
    return writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Square"),
        NameObject("/Rect"): _numbers((x0, y0, x1, y1)),
        NameObject("/C"): _numbers(MARK),
        NameObject("/BS"): DictionaryObject({NameObject("/W"): FloatObject(1.5)}),
        NameObject("/F"): NumberObject(4),  # printed with the page
        NameObject("/T"): TextStringObject("pibooklet diff"),
        NameObject("/Contents"): TextStringObject(f"{where}: {change.message}"),
        NameObject("/AP"): DictionaryObject({NameObject("/N"): writer._add_object(appearance)}),
    }))


def _numbers(values) -> ArrayObject:
    return ArrayObject(FloatObject(round(value, 3)) for value in values)


def _label(x: float, y: float, text: str, size: float = 9) -> str:
    """Return the operators of one line of our own (ASCII) words in Helvetica."""
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return f"BT /F1 {size} Tf 0 0 0 rg {x:.3f} {y:.3f} Td ({escaped}) Tj ET"


def _placeholder(x: float, y: float, width: float, height: float, text: str) -> str:
    """Return a grey panel where a spread has no page, saying why."""
    return (f"q 0.92 0.92 0.92 rg {x + 4:.3f} {y:.3f} {width - 8:.3f} {height:.3f} re f Q "
            + _label(x + 12, y + height / 2, f"No page here: {text}"))
