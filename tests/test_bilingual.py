"""The bilingual Welsh and English sample, back to back: Welsh from the front cover, English
from the back, turned; both halves upright and tagged in the screen edition."""

from __future__ import annotations

import json
import shutil
import subprocess

import pdfplumber
import pikepdf
import pypdf
from conftest import Built

from pibooklet.finish import content_operations

BILINGUAL = "clinical-trials-cy-en"


def _half_pages(built: Built) -> tuple[int, int]:
    return (len(built.reader("clinical-trials-cy").pages),
            len(built.reader("clinical-trials").pages))


def _text(page: pypdf.PageObject) -> str:
    return " ".join(page.extract_text().split())


def test_the_screen_edition_reads_welsh_then_english_upright(built: Built) -> None:
    reader = built.reader(BILINGUAL)
    welsh, english = _half_pages(built)
    assert len(reader.pages) == welsh + english
    assert "Cymryd rhan mewn treial clinigol" in _text(reader.pages[0])
    assert "Taking part in a clinical trial" in _text(reader.pages[welsh])
    assert all(not page.get("/Rotate") for page in reader.pages)
    labels = reader.page_labels
    assert (labels[0], labels[welsh - 1], labels[welsh], labels[-1]) == (
        "Cymraeg 1", f"Cymraeg {welsh}", "English 1", f"English {english}")
    assert [item.title for item in reader.outline if not isinstance(item, list)] == [
        "Cymraeg", "English"]


def test_the_english_half_is_tagged_as_english_inside_a_welsh_document(built: Built) -> None:
    reader = built.reader(BILINGUAL)
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "cy"
    document = root["/StructTreeRoot"]["/K"][0].get_object()
    parts = [kid.get_object() for kid in document["/K"]
             if kid.get_object().get("/S") == "/Part" and "/Lang" in kid.get_object()]
    assert [part["/Lang"] for part in parts] == ["en-GB"]
    welsh, _ = _half_pages(built)
    english_pages = {page.indirect_reference.idnum for page in reader.pages[welsh:]}

    def pages_of(element, found: set[int]) -> set[int]:
        element = element.get_object()
        if isinstance(element, pypdf.generic.ArrayObject):
            for item in element:
                pages_of(item, found)
        elif isinstance(element, pypdf.generic.DictionaryObject):
            if "/Pg" in element:
                found.add(element.raw_get("/Pg").idnum)
            if "/K" in element and element.get("/Type") != "/OBJR":
                pages_of(element["/K"], found)
        return found
    assert pages_of(parts[0], set()) <= english_pages


def test_each_halfs_links_stay_in_its_own_half(built: Built) -> None:
    reader = built.reader(BILINGUAL)
    welsh, _ = _half_pages(built)
    numbers = {page.indirect_reference.idnum: index for index, page in enumerate(reader.pages)}
    for index, page in enumerate(reader.pages):
        for annotation in page.get("/Annots", []):
            annotation = annotation.get_object()
            action = annotation.get("/A")
            target = annotation.get("/Dest") if action is None else action.get("/D")
            if isinstance(target, pypdf.generic.ArrayObject):
                to = numbers[target[0].idnum]
                assert (to < welsh) == (index < welsh), (index, to)
            elif index >= welsh:
                assert target is None, f"page {index + 1} links to the name {target}"


def test_the_bilingual_screen_edition_passes_the_pdf_ua_checker(built: Built) -> None:
    checker = shutil.which("pdfua")
    assert checker, "the pdfua checker is a test dependency"
    result = subprocess.run([checker, "check", "--format", "json",
                             str(built.pdf(BILINGUAL))], capture_output=True, text=True,
                            check=False)
    report = json.loads(result.stdout)
    assert result.returncode == 0 and report["findings"] == [], result.stdout


def _turned(page: pikepdf.Page) -> bool:
    """Return whether a page's content starts by turning it through 180 degrees."""
    for operands, operator in content_operations(page):
        if operator == b"cm":
            return [round(float(value)) for value in operands[:4]] == [-1, 0, 0, -1]
    return False


def test_the_press_file_turns_the_english_half_and_ends_on_its_cover(built: Built) -> None:
    reader = pypdf.PdfReader(built.output / f"{BILINGUAL}-press.pdf")
    welsh, english = _half_pages(built)
    assert len(reader.pages) == welsh + english and len(reader.pages) % 4 == 0
    assert "Cymryd rhan mewn treial clinigol" in _text(reader.pages[0])
    assert "Taking part in a clinical trial" in _text(reader.pages[-1])
    with pikepdf.open(built.output / f"{BILINGUAL}-press.pdf") as press:
        assert [_turned(page) for page in press.pages] == [False] * welsh + [True] * english
    for page in reader.pages:  # turned about its centre: every box is where it was
        assert page.trimbox == reader.pages[0].trimbox
        assert page.bleedbox == reader.pages[0].bleedbox


def test_the_office_file_pairs_the_two_covers_on_the_outer_sheet(built: Built) -> None:
    with pdfplumber.open(built.output / f"{BILINGUAL}-office-a4.pdf") as pdf:
        outer = pdf.pages[2]  # after the two pages of printing instructions
        middle = outer.width / 2
        left = outer.crop((0, 0, middle, outer.height)).extract_text()
        right = outer.crop((middle, 0, outer.width, outer.height)).extract_text()
        upside_down = [char for char in outer.chars if char["x0"] < middle
                       and char["matrix"][0] < 0]
    assert "Cymryd rhan" in " ".join(right.split())
    assert upside_down, "the English cover on the left should be upside down"
    welsh, english = _half_pages(built)
    with pdfplumber.open(built.output / f"{BILINGUAL}-office-a4.pdf") as pdf:
        assert len(pdf.pages) == 2 + (welsh + english) // 2
        assert left


def test_the_print_specification_says_how_the_halves_are_printed(built: Built) -> None:
    specification = json.loads(
        (built.output / f"{BILINGUAL}-print-spec.json").read_text(encoding="utf-8"))
    welsh, english = _half_pages(built)
    assert specification["pages"] == welsh + english
    assert "back to back" in specification["format"]  # in English, the printer's language
    assert "Welsh reads from the front cover (12 pages), English from the back cover" in \
        specification["format"]
    assert "turned through 180 degrees" in specification["pages_supplied"]
    text = (built.output / f"{BILINGUAL}-print-spec.txt").read_text(encoding="utf-8")
    assert "back to back" in text
