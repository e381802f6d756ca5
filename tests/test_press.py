"""The press file: boxes, bleed, crop marks, PDF/X-4, CMYK only, and image resolution."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pypdf
import pypdfium2
import pytest
from conftest import CONTENT, MM, SAMPLES, Built, replace_in, visible
from PIL import Image
from pypdf.annotations import Link
from pypdf.generic import (
    ArrayObject,
    ContentStream,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
)
from test_content import write_library

from pibooklet.cli import main
from pibooklet.press import verify_press

BLEED = 3 * MM
SLUG = (3 + 0.5 + 5) * MM


def press(built: Built, slug: str) -> pypdf.PdfReader:
    return pypdf.PdfReader(built.output / f"{slug}-press.pdf")


def _rectangle(box) -> list[float]:
    return [float(value) for value in box]


@pytest.mark.parametrize("slug", SAMPLES)
def test_every_page_has_trim_bleed_and_room_for_crop_marks(built: Built, slug: str) -> None:
    reader = press(built, slug)
    assert len(reader.pages) == len(built.reader(slug).pages)
    for page in reader.pages:
        left, bottom, right, top = _rectangle(page.trimbox)
        assert (right - left, top - bottom) == pytest.approx((148 * MM, 210 * MM), abs=0.05)
        assert _rectangle(page.bleedbox) == pytest.approx(
            [left - BLEED, bottom - BLEED, right + BLEED, top + BLEED], abs=0.05)
        assert _rectangle(page.mediabox) == pytest.approx(
            [left - SLUG, bottom - SLUG, right + SLUG, top + SLUG], abs=0.05)


def _pixel(path: Path, index: int, x_mm: float, y_mm: float) -> tuple[int, int, int]:
    """Return the colour at a point measured from the trimmed page's bottom-left corner."""
    document = pypdfium2.PdfDocument(str(path))
    try:
        image = document[index].render(scale=4, may_draw_forms=False).to_pil().convert("RGB")
        scale = 4
        # The rendered image covers the MediaBox, which starts SLUG before the trim.
        x = (SLUG + x_mm * MM) * scale
        y = image.height - (SLUG + y_mm * MM) * scale
        return image.getpixel((int(x), int(y)))
    finally:
        document.close()


@pytest.mark.parametrize("slug", SAMPLES)
def test_cover_backgrounds_run_into_the_bleed_and_stop_before_the_marks(built: Built,
                                                                        slug: str) -> None:
    path = built.output / f"{slug}-press.pdf"
    last = len(press(built, slug).pages) - 1
    for index in (0, last):
        inside_bleed = _pixel(path, index, -1.5, 100)
        beyond_bleed = _pixel(path, index, -6, 100)
        assert sum(inside_bleed) < 450, "the cover colour must reach into the bleed"
        assert beyond_bleed == (255, 255, 255)
    # An inside page stays white in its bleed.
    assert _pixel(path, 2, -1.5, 100) == (255, 255, 255)


def test_crop_marks_sit_on_the_trim_lines_outside_the_bleed(built: Built) -> None:
    path = built.output / "relapsed-cancer-press.pdf"
    # Each corner has two marks in line with the trim edges, starting 3.5 mm out.
    for x_mm, y_mm in ((-6, 0), (0, -6), (154, 0), (148, -6), (-6, 210), (0, 216),
                       (154, 210), (148, 216)):
        assert sum(_pixel(path, 3, x_mm, y_mm)) < 300, (x_mm, y_mm)
    assert _pixel(path, 3, -2, -2) == (255, 255, 255)  # nothing in the bleed corner


@pytest.mark.parametrize("slug", SAMPLES)
def test_the_file_is_pdf_x4_with_an_embedded_cmyk_output_intent(built: Built, slug: str) -> None:
    reader = press(built, slug)
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    assert b"<pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>" in xmp
    [intent] = [item.get_object() for item in reader.trailer["/Root"]["/OutputIntents"]]
    assert intent["/S"] == "/GTS_PDFX"
    assert intent["/OutputConditionIdentifier"]
    profile = intent["/DestOutputProfile"].get_object()
    assert profile["/N"] == 4
    data = profile.get_data()
    assert data[36:40] == b"acsp" and data[16:20] == b"CMYK"  # an ICC profile for CMYK


def _text_fills(page) -> list[tuple[str, ...]]:
    fills, fill = [], ()
    for operands, operator in ContentStream(page.get_contents(), None).operations:
        if operator in (b"scn", b"sc", b"k"):
            fill = tuple(f"{float(value):g}" for value in operands)
        elif operator in (b"Tj", b"TJ"):
            fills.append(fill)
    return fills


@pytest.mark.parametrize("slug", SAMPLES)
def test_everything_is_cmyk_and_body_text_is_black_ink_only(built: Built, slug: str) -> None:
    reader = press(built, slug)
    for number, page in enumerate(reader.pages, start=1):
        for content in _all_streams(page):
            operators = {operator for _, operator in ContentStream(content, None).operations}
            assert not operators & {b"rg", b"RG"}, f"page {number} sets an RGB colour"
        fills = _text_fills(page)
        assert all(len(fill) == 4 for fill in fills), f"page {number}: text not in CMYK"
        rich = [fill for fill in fills if float(fill[3]) >= 0.9 and fill[:3] != ("0", "0", "0")]
        assert not rich, f"page {number}: rich black text {rich}"
    body = _text_fills(reader.pages[4])
    assert body.count(("0", "0", "0", "1")) > len(body) / 2
    raw = (built.output / f"{slug}-press.pdf").read_bytes()
    assert b"DeviceRGB" not in raw and b"/sRGB" not in raw


def _all_streams(page):
    yield page.get_contents()
    pending = list(page["/Resources"].get("/XObject", {}).values())
    while pending:
        xobject = pending.pop().get_object()
        if xobject.get("/Subtype") == "/Form":
            yield xobject
            pending.extend(xobject.get("/Resources", {}).get("/XObject", {}).values())
        else:
            assert xobject.get("/ColorSpace") != "/DeviceRGB"


def test_brand_colours_print_with_their_own_cmyk_values(built: Built) -> None:
    cover = press(built, "relapsed-cancer").pages[0]
    # primary is [72, 95, 0, 0] in organisation.yaml: the cover's background uses it.
    assert b"0.72 0.95 0 0 scn" in cover.get_contents().get_data()
    # The logo's purple and teal are the brand's own values too (accent: [90, 20, 60, 15]).
    streams = b"".join(stream.get_data() for stream in _all_streams(cover))
    assert b"0.72 0.95 0 0" in streams and b"0.9 0.2 0.6 0.15" in streams


def test_crop_marks_are_a_setting(library_copy: Path, tmp_path: Path) -> None:
    replace_in(library_copy / "organisation.yaml", "crop_marks: true", "crop_marks: false")
    assert main(["clinical-trials", "--outputs", "press", "--content", str(library_copy),
                 "--output", str(tmp_path), "--quiet"]) == 0
    for page in pypdf.PdfReader(tmp_path / "clinical-trials-press.pdf").pages:
        assert _rectangle(page.mediabox) == pytest.approx(_rectangle(page.bleedbox), abs=0.05)


def _library_with_image(root: Path, width: int, height: int) -> Path:
    section = ("---\ntitle: A picture\n---\nText before.\n\n"
               "![A test pattern](photo.png \"A test pattern\")\n")
    write_library(root, section=section)
    image = Image.new("RGB", (width, height), (200, 40, 90))
    for x in range(0, width, 7):  # some detail, so the JPEG is not trivially small
        for y in range(0, height, 11):
            image.putpixel((x, y), (10, 120, 200))
    image.save(root / "small" / "photo.png")
    return root


@pytest.mark.parametrize(("width", "height", "outcome"), [
    (2000, 800, "fine"),     # 113 mm wide in the text column: 450 ppi
    (1000, 400, "warning"),  # 225 ppi
    (300, 120, "failure"),   # shown at its natural 300 CSS px: 96 ppi
])
def test_image_resolution_thresholds(tmp_path: Path, capsys, width: int, height: int,
                                     outcome: str) -> None:
    root = _library_with_image(tmp_path / "content", width, height)
    output = tmp_path / "output"
    status = main(["--content", str(root), "--output", str(output)])
    error = capsys.readouterr().err
    files = sorted(path.name for path in visible(output))
    message = re.search(r"small/one\.md:6: image photo\.png prints at (\d+) ppi", error)
    if outcome == "fine":
        assert status == 0 and message is None
        assert "small-press.pdf" in files
    elif outcome == "warning":
        assert status == 0 and message and 200 <= int(message[1]) < 300
        assert error.startswith("warning: ") and "may look soft" in error
        assert "small-press.pdf" in files
    else:
        assert status == 1 and message and int(message[1]) < 150
        assert "press file not made" in error and "supply a larger image" in error
        assert files == ["small-large-print.pdf", "small-office-a4.pdf", "small.pdf"]


def test_photographs_are_converted_to_cmyk_for_press(tmp_path: Path) -> None:
    root = _library_with_image(tmp_path / "content", 2000, 800)
    assert main(["--outputs", "press", "--content", str(root), "--output", str(tmp_path / "out"),
                 "--quiet"]) == 0
    reader = pypdf.PdfReader(tmp_path / "out" / "small-press.pdf")
    images = [xobject.get_object() for page in reader.pages
              for xobject in page["/Resources"].get("/XObject", {}).values()
              if xobject.get_object().get("/Subtype") == "/Image"]
    assert images and all(image["/ColorSpace"] == "/DeviceCMYK" for image in images)


# What a printer's preflight flags: links, the trailer /ID, the header, overprint, resources.

def test_the_press_file_carries_no_annotations_while_the_screen_edition_keeps_its_links(
        built: Built) -> None:
    screen = built.reader("relapsed-cancer")
    assert sum(len(page.get("/Annots", [])) for page in screen.pages) > 20
    for slug in SAMPLES:
        assert all("/Annots" not in page for page in press(built, slug).pages)


def test_the_press_file_is_pdf_1_6_with_a_trailer_id_that_rebuilds_identically(
        built: Built, tmp_path: Path) -> None:
    identifiers = []
    for slug in SAMPLES:
        reader = press(built, slug)
        assert reader.pdf_header == "%PDF-1.6"  # PDF/X-4 is defined on PDF 1.6
        # pypdf reads some byte strings as text; original_bytes is what the file holds.
        first, second = (part.original_bytes for part in reader.trailer["/ID"])
        assert len(first) == 16 and first == second
        identifiers.append(first)
    assert identifiers[0] != identifiers[1]  # each booklet has its own
    assert main(["clinical-trials", "--outputs", "press,office", "--content", str(CONTENT),
                 "--output", str(tmp_path), "--quiet"]) == 0
    for name in ("clinical-trials-press.pdf", "clinical-trials-office-a4.pdf"):
        assert (tmp_path / name).read_bytes() == (built.output / name).read_bytes(), name


def _overprint_of_paints(content, resources, state: dict, found: list) -> None:
    """Record (colour, overprint flag) for every fill, stroke and text painted."""
    saved = []
    for operands, operator in ContentStream(content, None).operations:
        if operator in (b"k", b"K"):
            state["fill" if operator == b"k" else "stroke"] = tuple(float(v) for v in operands)
        elif operator in (b"cs", b"CS"):
            key = "fill" if operator == b"cs" else "stroke"
            state[key] = (0.0, 0.0, 0.0, 1.0) if operands[0] == "/DeviceCMYK" else operands[0]
        elif operator in (b"sc", b"scn", b"SC", b"SCN"):
            key = "fill" if operator in (b"sc", b"scn") else "stroke"
            state[key] = tuple(float(v) for v in operands)
        elif operator in (b"g", b"G"):
            state["fill" if operator == b"g" else "stroke"] = ("gray", float(operands[0]))
        elif operator == b"q":
            saved.append(dict(state))
        elif operator == b"Q":
            state.clear()
            state.update(saved.pop())
        elif operator == b"gs":
            parameters = resources["/ExtGState"][operands[0]].get_object()
            if "/OP" in parameters:
                state["OP"] = state["op"] = parameters["/OP"].value
            if "/op" in parameters:
                state["op"] = parameters["/op"].value
            if "/OPM" in parameters:
                state["OPM"] = int(parameters["/OPM"])
        elif operator in (b"Tj", b"TJ", b"f", b"f*", b"F", b"B", b"b", b"B*", b"b*"):
            found.append((state["fill"], state["op"], state["OPM"]))
            if operator in (b"B", b"b", b"B*", b"b*"):
                found.append((state["stroke"], state["OP"], state["OPM"]))
        elif operator in (b"S", b"s"):
            found.append((state["stroke"], state["OP"], state["OPM"]))
        elif operator == b"Do":
            xobject = resources["/XObject"][operands[0]].get_object()
            if xobject["/Subtype"] == "/Form":
                _overprint_of_paints(xobject, xobject.get("/Resources", {}), dict(state), found)


@pytest.mark.parametrize("slug", SAMPLES)
def test_100_percent_black_overprints_and_every_other_colour_knocks_out(built: Built,
                                                                         slug: str) -> None:
    black = (0.0, 0.0, 0.0, 1.0)
    counted = 0
    for number, page in enumerate(press(built, slug).pages, start=1):
        found: list = []
        start = {"fill": ("gray", 0.0), "stroke": ("gray", 0.0), "op": False, "OP": False,
                 "OPM": 0}
        _overprint_of_paints(page.get_contents(), page["/Resources"], start, found)
        for colour, overprint, mode in found:
            if colour == black:
                counted += 1
                # OPM 1: the zero C, M and Y of pure black leave the plates below untouched.
                assert overprint and mode == 1, f"page {number}: 100% K knocks out"
            else:
                assert not overprint, f"page {number}: {colour} overprints"
    assert counted > 100  # body text, rules and more: the check saw real black paints


def _names_drawn(content) -> dict[str, set[str]]:
    names: dict[str, set[str]] = {key: set() for key in ("/Font", "/ExtGState", "/XObject",
                                                        "/ColorSpace")}
    where = {b"Tf": "/Font", b"gs": "/ExtGState", b"Do": "/XObject", b"cs": "/ColorSpace",
             b"CS": "/ColorSpace"}
    for operands, operator in ContentStream(content, None).operations:
        if operator in where:
            names[where[operator]].add(str(operands[0]))
    return names


@pytest.mark.parametrize("slug", SAMPLES)
def test_every_resource_a_page_or_form_lists_is_drawn_with(built: Built, slug: str) -> None:
    reader = press(built, slug)
    for number, page in enumerate(reader.pages, start=1):
        streams = [(page.get_contents(), page["/Resources"])]
        while streams:
            content, resources = streams.pop()
            drawn = _names_drawn(content)
            for category in ("/Font", "/ExtGState", "/XObject", "/ColorSpace", "/Pattern",
                             "/Shading"):
                listed = set(resources.get(category, {}))
                assert listed <= drawn.get(category, set()), (number, category, listed)
            for name in resources.get("/XObject", {}):
                xobject = resources["/XObject"][name].get_object()
                if xobject["/Subtype"] == "/Form":
                    streams.append((xobject, xobject.get("/Resources", {})))
    raw = (built.output / f"{slug}-press.pdf").read_bytes()
    assert b"/Lab" not in raw  # WeasyPrint's unused Lab colour spaces are gone


def test_the_preflight_check_reports_each_fault_it_guards_against(built: Built) -> None:
    writer = pypdf.PdfWriter(clone_from=press(built, "clinical-trials"))
    writer.pdf_header = "%PDF-1.3"
    writer._ID = None
    writer.add_annotation(2, Link(rect=(60, 60, 120, 80), url="https://example.org"))
    page = writer.pages[4]
    page["/Resources"][NameObject("/ColorSpace")] = DictionaryObject({
        NameObject("/lab"): ArrayObject([NameObject("/Lab"), DictionaryObject()])})
    # Take out the overprint switches from the page's own content.
    content = DecodedStreamObject()
    content.set_data(re.sub(rb"/pibOP\w+ gs\n", b"", page.get_contents().get_data()))
    page[NameObject("/Contents")] = writer._add_object(content)
    output = io.BytesIO()
    writer.write(output)
    problems = "\n".join(verify_press(output.getvalue()))
    assert "the header says %PDF-1.3" in problems
    assert "the trailer has no /ID" in problems
    assert "page 3: carries 1 annotations (/Link)" in problems
    assert "page 5: unused ColorSpace resources: /lab" in problems
    assert "page 5: 100% K text knocks out; it must overprint" in problems
    assert not verify_press((built.output / "clinical-trials-press.pdf").read_bytes())


@pytest.mark.parametrize("kind", ["press", "office-a4"])
def test_every_object_in_the_print_files_is_used(built: Built, kind: str) -> None:
    reader = pypdf.PdfReader(built.output / f"relapsed-cancer-{kind}.pdf")
    # Objects are stored on their own or inside object streams; those and the cross-reference
    # stream are the file's own furniture, which nothing refers to.
    streams = {stream for stream, _ in reader.xref_objStm.values()}
    stored = {number for number in reader.xref[0] if number not in streams and
              reader.get_object(number).get("/Type") != "/XRef"} | set(reader.xref_objStm)
    assert len(stored) > 50
    reached: set[int] = set()
    pending: list = [reader.trailer]
    while pending:
        item = pending.pop()
        if isinstance(item, pypdf.generic.IndirectObject):
            if item.idnum in reached:
                continue
            reached.add(item.idnum)
            item = item.get_object()
        if isinstance(item, DictionaryObject):
            pending.extend(item.raw_get(key) for key in item)
        elif isinstance(item, ArrayObject):
            pending.extend(item)
    assert stored == reached  # pruned resources and replaced font programs are gone
