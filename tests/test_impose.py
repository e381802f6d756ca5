"""The office booklet: A4 sheets in saddle-stitch order, creep, and the printable area."""

from __future__ import annotations

import io
import re

import pypdf
import pypdfium2
import pytest
import weasyprint
from conftest import MM, SAMPLES, Built, drawn_fonts

from pibooklet.impose import A4_LANDSCAPE, impose_booklet, saddle_stitch_order


def numbered_booklet(pages: int) -> bytes:
    """An A5 PDF whose every page says which page it is, near all four edges."""
    body = "".join(f'<section style="break-before: page"><p>Page {number}</p>'
                   f'<p style="margin-top: 150mm">Page {number}</p></section>'
                   for number in range(1, pages + 1))
    css = "@page { size: 148mm 210mm; margin: 15mm } p { font-size: 20pt; margin: 0 }"
    return weasyprint.HTML(string=f"<style>{css}</style>{body}").write_pdf()


def half_texts(pdf: bytes, index: int) -> tuple[str, str]:
    """Return the text on the left and right halves of one sheet side."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[index]
        width, height = page.get_size()
        text = page.get_textpage()
        return (text.get_text_bounded(0, 0, width / 2, height),
                text.get_text_bounded(width / 2, 0, width, height))
    finally:
        document.close()


def pages_named(text: str) -> set[int]:
    return {int(number) for number in re.findall(r"Page (\d+)", text)}


def test_sheet_order_for_eight_pages() -> None:
    assert [(side.left, side.right) for side in saddle_stitch_order(8)] == [
        (8, 1), (2, 7), (6, 3), (4, 5)]
    with pytest.raises(ValueError, match="multiple of 4"):
        saddle_stitch_order(10)


@pytest.mark.parametrize("pages", [24, 8])
def test_each_half_of_each_sheet_side_holds_the_right_page(pages: int) -> None:
    imposed = impose_booklet(numbered_booklet(pages))
    reader = pypdf.PdfReader(io.BytesIO(imposed))
    assert len(reader.pages) == pages // 2  # pages / 4 sheets, two sides each
    for index, page in enumerate(reader.pages):
        assert [float(value) for value in page.mediabox[2:]] == pytest.approx(A4_LANDSCAPE)
        sheet, back = divmod(index, 2)
        outer = 2 * sheet
        expected = (outer + 2, pages - outer - 1) if back else (pages - outer, outer + 1)
        left, right = half_texts(imposed, index)
        assert (pages_named(left), pages_named(right)) == ({expected[0]}, {expected[1]})


def _text_left_edge(pdf: bytes, index: int, number: int) -> float:
    document = pypdfium2.PdfDocument(pdf)
    try:
        text = document[index].get_textpage()
        found = text.search(f"Page {number}")
        start, _ = found.get_next()
        return text.get_charbox(start)[0]
    finally:
        document.close()


def test_creep_moves_inner_sheets_toward_the_fold() -> None:
    booklet = numbered_booklet(24)
    plain, crept = impose_booklet(booklet), impose_booklet(booklet, creep_mm_per_sheet=0.5)
    # Sheet 0 does not move; sheet 5 (the centre; its back holds 12 | 13) moves 5 x 0.5 mm.
    assert _text_left_edge(crept, 0, 24) == pytest.approx(_text_left_edge(plain, 0, 24), abs=0.01)
    assert _text_left_edge(crept, 11, 12) - _text_left_edge(plain, 11, 12) == pytest.approx(
        2.5 * MM, abs=0.05)  # left page: rightward, toward the fold
    assert _text_left_edge(crept, 11, 13) - _text_left_edge(plain, 11, 13) == pytest.approx(
        -2.5 * MM, abs=0.05)


@pytest.mark.parametrize("slug", SAMPLES)
def test_the_office_booklet_prints_at_actual_size_duplex_short_edge(built: Built,
                                                                     slug: str) -> None:
    reader = pypdf.PdfReader(built.output / f"{slug}-office-a4.pdf")
    pages = len(built.reader(slug).pages)
    assert len(reader.pages) == 2 + pages // 2  # the instruction sheet, then the booklet
    preferences = reader.trailer["/Root"]["/ViewerPreferences"]
    assert preferences["/PrintScaling"] == "/None"
    assert preferences["/Duplex"] == "/DuplexFlipShortEdge"
    instructions = reader.pages[0].extract_text()
    for words in ("How to print this booklet", "double-sided", "short edge",
                  "actual size (100%)", f"pages 3 to {2 + pages // 2}", f"{pages // 4} sheets"):
        assert words in " ".join(instructions.split()), words
    assert reader.pages[1].extract_text().strip() == ""  # the instruction sheet's back
    assert reader.metadata.title.endswith("(A4 booklet for office printing)")


@pytest.mark.parametrize("slug", SAMPLES)
def test_nothing_is_printed_within_6mm_of_a_sheet_edge(built: Built, slug: str) -> None:
    document = pypdfium2.PdfDocument(str(built.output / f"{slug}-office-a4.pdf"))
    try:
        scale = 2
        border = int(6 * MM * scale) - 1
        for index in range(len(document)):
            image = document[index].render(scale=scale).to_pil().convert("L")
            width, height = image.size
            strips = [image.crop((0, 0, width, border)), image.crop((0, height - border,
                                                                        width, height)),
                      image.crop((0, 0, border, height)), image.crop((width - border, 0,
                                                                      width, height))]
            assert all(strip.getextrema() == (255, 255) for strip in strips), f"side {index + 1}"
            if index == 2:  # the outer sheet's front: both covers, in full colour
                assert image.getpixel((border + 4, height // 2)) < 200
    finally:
        document.close()


def test_the_real_booklet_is_imposed_in_saddle_stitch_order(built: Built) -> None:
    imposed = (built.output / "relapsed-cancer-office-a4.pdf").read_bytes()
    pages = len(built.reader("relapsed-cancer").pages)
    for side in saddle_stitch_order(pages):
        index = 2 + 2 * side.sheet + (0 if side.left > side.right else 1)
        left, right = half_texts(imposed, index)
        # Inner pages print their number at the outer bottom corner; covers carry none.
        for text, number in ((left, side.left), (right, side.right)):
            if number not in (1, pages):
                assert re.search(rf"(^|\s){number}\s*$", text.strip() + "\n"), (number, text[-40:])


def _font_programs(reader: pypdf.PdfReader) -> dict[int, str]:
    """Return the embedded font programs the pages use: object number -> font name."""
    programs = {}
    for page in reader.pages:
        for found in drawn_fonts(page["/Resources"]):
            for font in found.get("/DescendantFonts", [found]):
                descriptor = font.get_object()["/FontDescriptor"]
                reference = descriptor.raw_get("/FontFile2")
                programs[reference.idnum] = str(descriptor["/FontName"])
    return programs


@pytest.mark.parametrize("slug", SAMPLES)
def test_each_font_is_embedded_once_and_the_sheets_are_compressed(built: Built,
                                                                  slug: str) -> None:
    office = built.output / f"{slug}-office-a4.pdf"
    reader = pypdf.PdfReader(office)
    programs = _font_programs(reader)
    # The instruction sheet and the booklet pages share one program per font.
    assert sorted(programs.values()) == sorted(set(programs.values()))
    assert set(_font_programs(built.reader(slug)).values()) <= set(programs.values())
    instruction_fonts = set(_font_programs_of_pages(reader, [0]))
    assert instruction_fonts and instruction_fonts <= set(_font_programs_of_pages(
        reader, range(2, len(reader.pages))))
    for page in reader.pages[2:]:
        contents = page["/Contents"]
        for stream in contents if isinstance(contents, list) else [contents]:
            assert stream.get_object().get("/Filter") == "/FlateDecode"
    # It was 400 KB against the tagged screen edition's 218 KB; untagged, it is smaller.
    assert office.stat().st_size < built.pdf(slug).stat().st_size


def _font_programs_of_pages(reader: pypdf.PdfReader, indexes) -> list[int]:
    found = []
    for index in indexes:
        for font in drawn_fonts(reader.pages[index]["/Resources"]):
            for descendant in font.get("/DescendantFonts", [font]):
                found.append(descendant.get_object()["/FontDescriptor"].raw_get("/FontFile2")
                             .idnum)
    return found


def test_fonts_shared_by_the_instructions_and_the_booklet_hold_the_glyphs_of_both() -> None:
    instructions = weasyprint.HTML(string=(
        "<style>@page { size: 297mm 210mm }</style><p>Quixotic jumbled wavy glyphs</p>"
    )).write_pdf()
    imposed = impose_booklet(numbered_booklet(8), instructions_pdf=instructions)
    reader = pypdf.PdfReader(io.BytesIO(imposed))
    assert len(set(_font_programs(reader).values())) == len(_font_programs(reader))
    assert "Quixotic jumbled wavy glyphs" in reader.pages[0].extract_text()
    # Every glyph still draws as it did: the instruction sheet as written alone, and the
    # booklet's sheets as imposed without an instruction sheet (nothing to share).
    alone = impose_booklet(numbered_booklet(8))
    for shared, own, shared_index, own_index in ((imposed, instructions, 0, 0),
                                                 (imposed, alone, 2, 0), (imposed, alone, 5, 3)):
        assert _render(shared, shared_index) == _render(own, own_index)


def _render(pdf: bytes, index: int) -> bytes:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return document[index].render(scale=1).to_pil().convert("L").tobytes()
    finally:
        document.close()
