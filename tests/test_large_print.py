"""The large-print edition: A4, re-flowed, big type, no hyphens or italics, same structure."""

from __future__ import annotations

import re
from pathlib import Path

import pypdf
import pytest
from conftest import MM, SAMPLES, Built, contents_entries, glyphs, page_lines, replace_in, visible
from test_booklets import section_titles, typographic

from pibooklet.cli import main


def large(built: Built, slug: str) -> pypdf.PdfReader:
    return pypdf.PdfReader(built.output / f"{slug}-large-print.pdf")


def smallest_text(path: Path) -> float:
    count = len(pypdf.PdfReader(path).pages)
    return min(glyph.size for index in range(count) for glyph in glyphs(path, index))


@pytest.mark.parametrize("slug", SAMPLES)
def test_pages_are_a4_and_no_text_is_below_the_large_print_size(built: Built, slug: str) -> None:
    reader = large(built, slug)
    for page in reader.pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(
            (210 * MM, 297 * MM), abs=0.1)
    # Page numbers included: they are set at body size too.
    assert smallest_text(built.output / f"{slug}-large-print.pdf") >= 16 - 0.01


@pytest.mark.parametrize("slug", SAMPLES)
def test_contents_numbers_are_the_pages_of_the_headings(built: Built, slug: str) -> None:
    reader = large(built, slug)
    entries = contents_entries(reader)
    assert entries and [title for title, _ in entries][-2:] == ["Help and support", "Your notes"]
    # An entry worded apart from its heading points at the page of the heading.
    headings = {typographic(entry): typographic(title)
                for title, entry in section_titles(slug) if entry}
    for title, printed in entries:
        pages = [index + 1 for index in range(2, len(reader.pages))
                 if headings.get(title, title) in page_lines(reader, index)]
        assert pages and pages[0] == printed, title
    assert [(item.title, reader.get_destination_page_number(item) + 1)
            for item in reader.outline] == entries


@pytest.mark.parametrize("slug", SAMPLES)
def test_same_structure_covers_and_notes(built: Built, slug: str) -> None:
    reader = large(built, slug)
    standard = built.reader(slug)
    cover, standard_cover = (document.pages[0].extract_text().split()[:4]
                             for document in (reader, standard))
    assert cover == standard_cover
    assert "Registered charity" in reader.pages[-1].extract_text()
    assert "This is the large-print edition" in " ".join(reader.pages[-1].extract_text().split())
    # The notes may begin under the end of Help and support.
    notes = next(index for index in range(3, len(reader.pages))
                 if "Your notes" in page_lines(reader, index))
    for index in range(notes + 1, len(reader.pages) - 1):
        assert page_lines(reader, index) == [str(index + 1)]


@pytest.mark.parametrize("slug", SAMPLES)
def test_no_hyphenation_no_italics_and_addresses_never_split(built: Built, slug: str) -> None:
    reader = large(built, slug)
    lines = [line for index in range(len(reader.pages)) for line in page_lines(reader, index)]
    assert not [line for line in lines if re.search(r"[a-z]-$", line)], "a word was hyphenated"
    fonts = {str(font.get_object()["/BaseFont"]) for page in reader.pages
             for font in page["/Resources"]["/Font"].values()}
    assert not [font for font in fonts if "Italic" in font]
    addresses = {str(annotation.get_object()["/A"]["/URI"]) for page in reader.pages
                 for annotation in page.get("/Annots", []) if "/A" in annotation.get_object()}
    for uri in addresses:
        printed = re.sub(r"^(https://|mailto:)", "", uri)
        if uri.startswith("tel:"):
            # National numbers print from 0; short ones (tel:116123) as they are dialled.
            digits = "0" + uri[7:] if uri.startswith("tel:+44") else uri.removeprefix("tel:")
            assert any(re.sub(r"\D", "", line).find(digits) >= 0 for line in lines), uri
        else:
            assert any(printed in line for line in lines), f"{printed} is split across lines"


def test_the_size_is_a_setting(library_copy: Path, tmp_path: Path) -> None:
    replace_in(library_copy / "organisation.yaml", "  body_size: 16", "  body_size: 20")
    assert main(["clinical-trials", "--outputs", "large-print", "--content", str(library_copy),
                 "--output", str(tmp_path), "--quiet"]) == 0
    assert smallest_text(tmp_path / "clinical-trials-large-print.pdf") >= 20 - 0.01


def test_an_address_too_long_for_a_line_is_reported_where_it_is_written(
        library_copy: Path, tmp_path: Path, capsys) -> None:
    long_address = "www.cclg.org.uk/" + "a-very-long-path-" * 8 + "end"
    replace_in(library_copy / "clinical-trials" / "07-leaving.md", "visit www.cclg.org.uk.",
               f"visit www.cclg.org.uk.\n\nSee {long_address}.")
    output = tmp_path / "output"
    assert main(["clinical-trials", "--outputs", "screen,large-print", "--content",
                 str(library_copy), "--output", str(output)]) == 1
    error = capsys.readouterr().err
    assert re.search(r"07-leaving\.md:\d+: www\.cclg\.org\.uk/a-very.*runs \d+ mm past the "
                     r"margin; an address must never be split", error), error
    assert sorted(path.name for path in visible(output)) == ["clinical-trials.pdf"]


def test_the_standard_edition_says_large_print_exists_at_16_points(built: Built) -> None:
    path = built.output / "relapsed-cancer.pdf"
    back = len(built.reader("relapsed-cancer").pages) - 1
    statement = "Thisbookletisalsoavailableinlargeprint"
    placed = glyphs(path, back)
    text = "".join(glyph.char for glyph in placed)
    start = text.find(statement)
    assert start >= 0
    assert min(glyph.size for glyph in placed[start:start + len(statement)]) >= 16 - 0.01
