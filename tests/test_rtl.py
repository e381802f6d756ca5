"""Right-to-left booklets: direction, mirrored pages and imposition, isolated addresses, /Lang."""

from __future__ import annotations

import inspect
import io
import json
import shutil
import subprocess
from pathlib import Path

import pdfplumber
import pypdf
import pytest
import weasyprint
from rtl_library import NAME, PHONE, WEB, arabic_library
from test_accessibility import structure

from pibooklet import tags
from pibooklet.cli import main
from pibooklet.direction import is_right_to_left, text_direction
from pibooklet.impose import saddle_stitch_order
from pibooklet.layout import overflowing_addresses
from pibooklet.markup import MarkdownRenderer, raw_html_problems

SLUG = "trials-ar"
MM = 72 / 25.4


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the Arabic booklet, set in Noto Sans Arabic, with the real command line."""
    root = tmp_path_factory.mktemp("rtl")
    content = arabic_library(root, SLUG)
    out = root / "output"
    assert main(["--content", str(content), "--output", str(out), "--quiet", SLUG]) == 0
    return out


def test_languages_written_right_to_left_are_known() -> None:
    assert [is_right_to_left(tag) for tag in ("ar", "ur", "he", "fa", "ar-EG")] == [True] * 5
    assert [is_right_to_left(tag) for tag in ("en-GB", "cy", "pl", "xx-?")] == [False] * 4
    assert (text_direction("ur"), text_direction("cy")) == ("rtl", "ltr")


def test_a_right_bound_booklet_swaps_each_sides_pair() -> None:
    pairs = [(side.sheet, side.left, side.right) for side in saddle_stitch_order(8, True)]
    assert pairs == [(0, 1, 8), (0, 7, 2), (1, 3, 6), (1, 5, 4)]
    assert [(side.left, side.right) for side in saddle_stitch_order(8)] == \
        [(8, 1), (2, 7), (6, 3), (4, 5)]


@pytest.mark.parametrize("name", ["", "-large-print", "-press", "-office-a4"])
def test_every_pdf_asks_viewers_for_right_to_left_spreads(output: Path, name: str) -> None:
    root = pypdf.PdfReader(output / f"{SLUG}{name}.pdf").trailer["/Root"]
    assert root["/ViewerPreferences"]["/Direction"] == "/R2L"


def _words(page) -> str:
    return " ".join(word["text"] for word in page.extract_words())


def _best_match(text: str, pages: list[set[str]]) -> int:
    """Return the 1-based number of the booklet page whose words the text shares most."""
    words = set(text.split())
    return max(range(len(pages)), key=lambda index: len(words & pages[index])) + 1


def test_the_office_sheets_hold_the_mirrored_pairs(output: Path) -> None:
    with pdfplumber.open(output / f"{SLUG}.pdf") as booklet:
        pages = [set(_words(page).split()) for page in booklet.pages]
    found = []
    with pdfplumber.open(output / f"{SLUG}-office-a4.pdf") as office:
        for sheet in office.pages[2:]:  # after the instruction sheet and its blank back
            half = sheet.width / 2
            left = _words(sheet.crop((0, 0, half, sheet.height)))
            right = _words(sheet.crop((half, 0, sheet.width, sheet.height)))
            found.append((_best_match(left, pages), _best_match(right, pages)))
    assert len(pages) == 8
    assert found == [(1, 8), (7, 2), (3, 6), (5, 4)]


def _number_position(page) -> tuple[float, float]:
    """Return the (left, right) edges in mm of the page number at the foot of the page."""
    [number] = [word for word in page.extract_words() if word["top"] > page.height - 20 * MM]
    return number["x0"] / MM, (page.width - number["x1"]) / MM


def test_the_cover_comes_first_and_page_two_is_a_right_hand_page(output: Path) -> None:
    with pdfplumber.open(output / f"{SLUG}.pdf") as pdf:
        # Arabic words come back from a PDF in pieces: the cover is known by its Latin text.
        cover, back = _words(pdf.pages[0]), _words(pdf.pages[-1])
        assert cover.startswith("The Children & Young People’s Cancer Association")
        assert "1182637" not in cover and "1182637" in back  # the charity number
        # Page 2 lies right of the spine: its number at the outer, right-hand edge (15 mm).
        left, right = _number_position(pdf.pages[1])
        assert right == pytest.approx(15, abs=0.5) and left > 100
        left, right = _number_position(pdf.pages[2])
        assert left == pytest.approx(15, abs=0.5) and right > 100
        # The text of page 2 keeps the wider, 20 mm, margin on its left: the binding edge.
        words = [word for word in pdf.pages[1].extract_words()
                 if word["top"] < pdf.pages[1].height - 20 * MM]
        assert max(word["x1"] for word in words) == pytest.approx(148 * MM - 15 * MM, abs=2)
        assert min(word["x0"] for word in words) >= 20 * MM - 0.5


def test_the_press_pages_mirror_inside_an_even_bleed(output: Path) -> None:
    reader = pypdf.PdfReader(output / f"{SLUG}-press.pdf")
    for page in reader.pages:  # 3 mm bleed on every edge, so the outer edges have it too
        trim, bleed = page.trimbox, page.bleedbox
        assert [round((float(b) - float(t)) / MM, 2) for b, t in zip(bleed, trim, strict=True)] \
            == [-3, -3, 3, 3]
    with pdfplumber.open(output / f"{SLUG}-press.pdf") as pdf:
        for index, outer in ((1, "right"), (2, "left")):
            page = pdf.pages[index]
            trim = [float(value) for value in reader.pages[index].trimbox]
            # pdfplumber gives x in the page's own coordinates, as the trim box is written.
            [number] = [word for word in page.extract_words()
                        if word["text"] == str(index + 1) and word["top"] > page.height - 28 * MM]
            edges = {"left": (number["x0"] - trim[0]) / MM, "right": (trim[2] - number["x1"]) / MM}
            assert edges[outer] == pytest.approx(15, abs=0.5)


def test_addresses_and_numbers_read_left_to_right_in_arabic_text(output: Path) -> None:
    reader = pypdf.PdfReader(output / f"{SLUG}.pdf")
    # Numbers and names are set with no-break spaces.
    text = reader.pages[2].extract_text().replace("\xa0", " ")
    assert PHONE in text and "7654 050 0333" not in text
    assert WEB in text and NAME in text


def test_the_same_number_without_its_direction_would_be_reversed() -> None:
    """The control for the test above: WeasyPrint itself reverses an unisolated number."""
    def extracted(style: str) -> str:
        html = (f'<html lang="ar" dir="rtl"><body><p>اتصل بنا على <a style="{style}" '
                f'href="tel:03330507654">{PHONE}</a> اليوم</p></body></html>')
        pdf = weasyprint.HTML(string=html).write_pdf()
        return pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "7654 050 0333" in extracted("")
    assert PHONE in extracted("direction: ltr")


def test_a_span_in_another_language_is_tagged_with_its_own_lang() -> None:
    html = ('<html lang="cy"><body><p>Darllenwch <span lang="en">Heather Borrill</span> yma.'
            '</p><p lang="cy">Dim ond Cymraeg.</p></body></html>')
    pdf = weasyprint.HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert reader.trailer["/Root"]["/Lang"] == "cy"
    languages = [(tag, str(element["/Lang"])) for tag, element in structure(reader)
                 if "/Lang" in element]
    assert languages == [("Span", "en")]


def test_the_tag_builder_wrapped_is_still_weasyprints() -> None:
    """tags.py wraps a WeasyPrint internal: this fails if WeasyPrint renames or reshapes it."""
    from weasyprint.pdf import tags as weasyprint_tags
    assert weasyprint_tags._build_box_tree is tags._build_box_tree_with_languages
    assert list(inspect.signature(tags._BUILD_BOX_TREE).parameters) == [
        "box", "parent", "pdf", "page_number", "nums", "annotations", "tags"]
    assert "_build_box_tree(" in inspect.getsource(tags._BUILD_BOX_TREE).split(":", 1)[1]


def test_the_english_name_in_the_arabic_booklet_has_lang_en(output: Path) -> None:
    reader = pypdf.PdfReader(output / f"{SLUG}.pdf")
    assert reader.trailer["/Root"]["/Lang"] == "ar"
    assert ("Span", "en") in [(tag, str(element["/Lang"])) for tag, element
                              in structure(reader) if "/Lang" in element]


def test_the_print_specification_states_the_right_hand_binding(output: Path) -> None:
    text = (output / f"{SLUG}-print-spec.txt").read_text(encoding="utf-8")
    # For the printer, in the organisation's language (English), not the booklet's.
    assert "bound on the right-hand edge (the booklet reads right to left)" in text
    assert "in each spread the even page is on the right" in text
    specification = json.loads((output / f"{SLUG}-print-spec.json").read_text("utf-8"))
    assert specification["reading_direction"] == "right to left"


def test_the_screen_edition_passes_the_pdf_ua_checker(output: Path) -> None:
    checker = shutil.which("pdfua")
    assert checker, "the pdfua checker is a test dependency: pip install -e '.[test]'"
    result = subprocess.run([checker, "check", "--format", "json", str(output / f"{SLUG}.pdf")],
                            capture_output=True, text=True, check=False)
    report = json.loads(result.stdout)
    findings = [finding for document in report.get("documents", [report])
                for finding in document.get("findings", [])]
    assert result.returncode == 0 and findings == [], result.stdout


def test_content_may_mark_words_in_another_language() -> None:
    renderer = MarkdownRenderer({})
    html = renderer.render(f'راجعت <span lang="en">{NAME}</span> الكتيب.')
    assert f'<span lang="en" dir="ltr">{NAME}</span>' in html
    # Only a language tag is kept, and only the lang attribute is allowed.
    assert renderer.render('<span lang="en x">a</span>') == "<p><span>a</span></p>"
    assert raw_html_problems('<span lang="en" style="color: red">a</span>') == [
        (1, "the attribute 'style' is not allowed on <span>")]
    assert raw_html_problems('a\n<span lang="en x">b</span> <abbr title="lang=?">c</abbr>') == [
        (2, 'lang="en x" is not a language tag: write one like en, cy or ar')]


@pytest.mark.parametrize("direction", ["ltr", "rtl"])
def test_an_address_too_long_for_its_line_is_found_on_either_side(direction: str) -> None:
    address = "www.example.org.uk/" + "a-very-long-path/" * 6
    html = (f'<html lang="ar" dir="{direction}"><head><style>@page {{ size: 100mm 100mm; '
            'margin: 10mm } a { white-space: nowrap; direction: ltr }</style></head><body>'
            f'<p>زر <a class="url" href="https://{address}">{address}</a></p></body></html>')
    [(found, _, overrun)] = overflowing_addresses(weasyprint.HTML(string=html).render())
    assert found == address and overrun > 20
