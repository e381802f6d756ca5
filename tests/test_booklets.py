"""End-to-end checks on the built sample booklets, read back from the PDFs."""

from __future__ import annotations

import re
import shutil

import pypdf
import pytest
import yaml
from conftest import (
    CONTENT,
    MM,
    SAMPLES,
    Built,
    contents_entries,
    glyphs,
    page_lines,
    page_size,
    squash,
)

from pibooklet.cli import main

A5 = (148 * MM, 210 * MM)

# booklet.css keeps the notes heading with the first 4 ruled lines.
LEAST_NOTES_LINES = 4


def manifest(slug: str) -> dict:
    return yaml.safe_load((CONTENT / slug / "booklet.yaml").read_text(encoding="utf-8"))


def organisation() -> dict:
    return yaml.safe_load((CONTENT / "organisation.yaml").read_text(encoding="utf-8"))


def section_titles(slug: str) -> list[tuple[str, str | None]]:
    """Return (printed heading, contents entry) for each section, read from its front matter.

    The heading is "" for a section printed without one; the entry is None when unlisted.
    """
    found = []
    for name in manifest(slug)["sections"]:
        # shared/NAME.md lives in the content folder's shared/, not the booklet's.
        path = CONTENT / name if name.startswith("shared/") else CONTENT / slug / name
        front = yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])
        title = front.get("title", "")
        entry = front.get("contents", bool(title))
        found.append((title if front.get("heading", True) else "",
                      None if entry is False else entry if isinstance(entry, str) else title))
    return found


def typographic(text: str) -> str:
    """Curly apostrophes, as the typographer prints them."""
    return text.replace("'", "’")


def heading_page(reader: pypdf.PdfReader, title: str, start: int) -> int:
    """Return the 1-based page on which a heading line with this text first appears."""
    for index in range(start, len(reader.pages)):
        if title in page_lines(reader, index):
            return index + 1
    raise AssertionError(f"heading {title!r} not found after page {start}")


@pytest.mark.parametrize("slug", SAMPLES)
def test_every_page_is_a5(built: Built, slug: str) -> None:
    reader = built.reader(slug)
    for page in reader.pages:
        for box in (page.mediabox, page.trimbox):
            assert float(box.width) == pytest.approx(A5[0], abs=0.1)
            assert float(box.height) == pytest.approx(A5[1], abs=0.1)


@pytest.mark.parametrize("slug", SAMPLES)
def test_page_count_is_a_multiple_of_four(built: Built, slug: str) -> None:
    count = len(built.reader(slug).pages)
    assert count % 4 == 0 and count >= 8


def test_reference_booklet_has_the_reference_structure(built: Built) -> None:
    reader = built.reader("relapsed-cancer")
    entries = contents_entries(reader)
    # The reference lists 17 entries: 15 sections, Help and support, Your notes; the sample
    # adds the shared section on help with costs.
    assert len(entries) == 18
    assert [title for title, _ in entries][-2:] == ["Help and support", "Your notes"]


@pytest.mark.parametrize("slug", SAMPLES)
def test_pages_come_in_booklet_order(built: Built, slug: str) -> None:
    reader = built.reader(slug)
    data, org = manifest(slug), organisation()
    last = len(reader.pages) - 1
    cover = squash(reader.pages[0].extract_text())
    assert squash(typographic(data["title"])) in cover
    assert squash(typographic(org["name"])) in cover
    assert squash(org["website"]) in cover
    inside = squash(reader.pages[1].extract_text())
    reviewers = data.get("reviewers") or data["inside_cover"]["reviewers"]
    if isinstance(reviewers, str):  # one running sentence
        assert squash(typographic(reviewers)) in inside
    else:
        for reviewer in reviewers:
            assert squash(typographic(reviewer["name"])) in inside
    assert "Thisedition:" in inside and "Nextreviewdate:" in inside
    assert page_lines(reader, 2)[0] == "Contents"
    pages = [heading_page(reader, typographic(title), 2)
             for title, _ in section_titles(slug) if title]
    assert pages == sorted(pages), "sections must follow the manifest order"
    support = heading_page(reader, "Help and support", 2)
    notes = heading_page(reader, "Your notes", 2)
    assert pages[-1] <= support <= notes < last + 1
    back = reader.pages[last].extract_text()
    for charity in org["charity_numbers"]:
        assert charity["number"] in back
    assert org["email"] in back and org["phone"] in back and org["website"] in back


@pytest.mark.parametrize("slug", SAMPLES)
def test_notes_pages_are_lined_and_fill_to_the_back_cover(built: Built, slug: str) -> None:
    reader = built.reader(slug)
    first = heading_page(reader, "Your notes", 2)
    notes = range(first, len(reader.pages))  # 1-based: from 'Your notes' to the back cover
    assert len(notes) >= manifest(slug).get("notes_pages", 1)
    for number in notes:
        lines = page_lines(reader, number - 1)
        if number == first and lines[0] != "Your notes":
            # The notes begin under the end of Help and support: below their heading is
            # nothing but ruled lines and the page number.
            placed = glyphs(built.pdf(slug), number - 1)
            heading = min(glyph.box[1] for glyph in placed if glyph.char == "Y")
            below = "".join(glyph.char for glyph in placed if glyph.box[3] < heading)
            assert below == str(number)
            continue
        expected = ["Your notes", str(number)] if number == first else [str(number)]
        assert lines == expected
        drawing = reader.pages[number - 1].get_contents().get_data()
        # Each ruled line is a filled rectangle in the content stream.
        assert drawing.count(b" re") >= (LEAST_NOTES_LINES if number == first else 15)


@pytest.mark.parametrize("slug", SAMPLES)
def test_printed_page_numbers_and_labels_match_pdf_pages(built: Built, slug: str) -> None:
    reader = built.reader(slug)
    path = built.pdf(slug)
    count = len(reader.pages)
    for index in range(count):
        footer = "".join(glyph.char for glyph in glyphs(path, index) if glyph.box[3] < 18 * MM)
        expected = "" if index in (0, count - 1) else str(index + 1)
        assert footer == expected, f"page {index + 1}"
    assert reader.page_labels == [str(number) for number in range(1, count + 1)]


@pytest.mark.parametrize("slug", SAMPLES)
def test_contents_numbers_are_the_pages_of_the_headings(built: Built, slug: str) -> None:
    reader = built.reader(slug)
    entries = contents_entries(reader)
    sections = section_titles(slug)
    listed = [typographic(entry) for _, entry in sections if entry]
    assert [title for title, _ in entries] == [*listed, "Help and support", "Your notes"]
    headings = {typographic(entry): typographic(title) for title, entry in sections if entry}
    for title, printed in entries:
        # An entry worded apart from its heading points at the page of the heading.
        assert heading_page(reader, headings.get(title, title), 2) == printed, title


@pytest.mark.parametrize("slug", SAMPLES)
def test_contents_entries_link_to_their_pages(built: Built, slug: str) -> None:
    reader = built.reader(slug)
    destinations = reader.named_destinations
    tops: dict[str, float] = {}  # a link may be drawn as several rectangles
    for annotation in reader.pages[2].get("/Annots", []):
        annotation = annotation.get_object()
        if annotation.get("/Dest"):
            name = str(annotation["/Dest"])
            tops[name] = max(tops.get(name, 0.0), float(annotation["/Rect"][1]))
    ordered = sorted(tops, key=lambda name: -tops[name])
    pages = [reader.get_destination_page_number(destinations[name]) + 1 for name in ordered]
    assert pages == [number for _, number in contents_entries(reader)]


def _expected_uris(slug: str) -> set[str]:
    """Addresses in the booklet's content, found with the test's own patterns."""
    data = manifest(slug)
    texts = [(CONTENT / "organisation.yaml").read_text(encoding="utf-8"),
             (CONTENT / slug / "booklet.yaml").read_text(encoding="utf-8")]
    texts += [(CONTENT / name if name.startswith("shared/") else CONTENT / slug / name)
              .read_text(encoding="utf-8") for name in data["sections"]]
    directory = yaml.safe_load((CONTENT / "directory.yaml").read_text(encoding="utf-8"))
    for entry in data.get("support", []):
        if isinstance(entry, str):  # a directory id, not a sub-heading or text
            texts += [str(directory[entry].get(key, "")) for key in ("phone", "web", "email",
                                                                     "description")]
    text = "\n".join(texts)
    uris = {"https://" + web.rstrip(".,)") for web in re.findall(r"www\.[^\s\"']+", text)}
    uris |= {"https://" + web for web in re.findall(r"^[a-z0-9-]+\.org$", text, re.MULTILINE)}
    uris |= {"tel:" + short.replace(" ", "")
             for short in re.findall(r"\b(?:call|on) (116 \d{3}|111|999)\b", text)}
    uris |= {"mailto:" + email for email in re.findall(r"[\w.]+@[\w.]+\w", text)}
    for phone in re.findall(r"\b0\d{3}[ \d]{7,9}\d", text):
        uris.add("tel:+44" + phone.replace(" ", "")[1:])
    return uris


@pytest.mark.parametrize("slug", SAMPLES)
def test_link_uris_are_exactly_the_addresses_in_the_content(built: Built, slug: str) -> None:
    reader = built.reader(slug)
    uris = set()
    for page in reader.pages:
        for annotation in page.get("/Annots", []):
            action = annotation.get_object().get("/A")
            if action and action.get("/S") == "/URI":
                uris.add(str(action["/URI"]))
    assert uris == _expected_uris(slug)
    # Paper readers see every address printed in full (a line may break after its own hyphen).
    text = "".join(page.extract_text() for page in reader.pages)
    printed = (squash(text), re.sub(r"\s+", "", text))
    for uri in uris:
        address = re.sub(r"^(https://|mailto:)", "", uri)
        if uri.startswith("tel:"):
            continue
        assert any(squash(address) in form or address in form for form in printed), address
    for phone in re.findall(r"\b0\d{3}[ \d]{7,9}\d", "\n".join(
            page.extract_text() for page in reader.pages)):
        assert "tel:+44" + phone.replace(" ", "")[1:] in uris


@pytest.mark.parametrize("slug", SAMPLES)
def test_outline_matches_the_contents(built: Built, slug: str) -> None:
    reader = built.reader(slug)
    outline = [(item.title, reader.get_destination_page_number(item) + 1)
               for item in reader.outline]
    assert outline == contents_entries(reader)


@pytest.mark.parametrize("slug", SAMPLES)
def test_metadata_comes_from_the_content(built: Built, slug: str) -> None:
    reader = built.reader(slug)
    data = manifest(slug)
    info = reader.metadata
    # Curly apostrophes, as every printed text has them.
    assert info.title == typographic(data["title"])
    assert info.author == typographic(organisation()["name"])
    assert info.subject == typographic(" ".join(data["subtitle"].split()))
    assert info["/Keywords"] == typographic(", ".join(data["keywords"]))
    edition = str(data["edition"]).replace("-", "")
    assert info["/CreationDate"].startswith(f"D:{edition}01")
    assert info["/ModDate"] == info["/CreationDate"]
    root = reader.trailer["/Root"]
    assert root["/Lang"] == data["language"]
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])


@pytest.mark.parametrize("slug", SAMPLES)
def test_only_the_booklet_typeface_is_used_and_it_is_embedded_as_a_subset(
        built: Built, slug: str) -> None:
    reader = built.reader(slug)
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts[str(font["/BaseFont"])] = font
    assert fonts
    for name, font in fonts.items():
        assert re.fullmatch(r"/[A-Z]{6}\+Atkinson-Hyperlegible(-\w+)?", name), name
        descriptor = (font.get("/FontDescriptor") or
                      font["/DescendantFonts"][0].get_object()["/FontDescriptor"]).get_object()
        assert "/FontFile2" in descriptor or "/FontFile3" in descriptor


@pytest.mark.parametrize("slug", SAMPLES)
def test_no_text_is_below_12_points_or_near_an_edge(built: Built, slug: str) -> None:
    path = built.pdf(slug)
    for index in range(len(built.reader(slug).pages)):
        width, height = page_size(path, index)
        for glyph in glyphs(path, index):
            assert glyph.size >= 11.9, f"page {index + 1}: {glyph.char!r} at {glyph.size} pt"
            left, bottom, right, top = glyph.box
            # Nothing clipped, and clear of the 6 mm an office printer cannot print.
            assert left >= 6 * MM and right <= width - 6 * MM, f"page {index + 1}: {glyph.char!r}"
            assert bottom >= 6 * MM and top <= height - 6 * MM, f"page {index + 1}: {glyph.char!r}"


@pytest.mark.parametrize("slug", SAMPLES)
def test_headings_are_never_the_last_line_of_a_page(built: Built, slug: str) -> None:
    reader = built.reader(slug)
    headings = {typographic(title) for title, _ in section_titles(slug) if title}
    for index in range(2, len(reader.pages) - 1):
        lines = [line for line in page_lines(reader, index) if not line.isdigit()]
        if lines and lines != ["Your notes"]:  # notes pages hold only ruled lines
            assert lines[-1] not in headings, f"page {index + 1} ends with a heading"


def test_text_is_hyphenated_in_british_english(built: Built) -> None:
    reader = built.reader("relapsed-cancer")
    text = "\n".join(page.extract_text() for page in reader.pages[3:-2])
    breaks = re.findall(r"[a-z]+-\n[a-z]+", text)
    assert breaks, "expected at least one hyphenated line break"


def test_cross_references_print_the_other_booklets_title(built: Built) -> None:
    # Page numbers and list markers dropped, so a sentence may run on over a page turn.
    text = squash("".join(line for page in built.reader("relapsed-cancer").pages
                          for line in page.extract_text().splitlines(keepends=True)
                          if not re.fullmatch(r"\s*(\d+|•)?\s*", line)))
    # The trials booklet is pointed to by a "more from us" block: label, then title.
    assert squash("More from us Taking part in a clinical trial") in text
    assert squash("Our booklet Complementary and natural therapies for your child") in text
    other = squash("".join(page.extract_text() for page in built.reader("clinical-trials").pages))
    assert squash(typographic("Our booklet " + manifest("relapsed-cancer")["title"])) in other


def test_two_builds_are_byte_identical_wherever_the_library_is_kept(built: Built,
                                                                   tmp_path) -> None:
    # Another checkout: WeasyPrint named each picture after its file's address.
    content = tmp_path / "another checkout" / "content"
    shutil.copytree(CONTENT, content)
    assert main(["--content", str(content), "--output", str(tmp_path / "output"),
                 "--quiet"]) == 0
    made = sorted(path.name for path in (tmp_path / "output").iterdir()
                  if not path.name.startswith("."))
    assert made == sorted(path.name for path in built.output.iterdir()
                          if not path.name.startswith("."))
    assert {f"{slug}.pdf" for slug in SAMPLES} < set(made)
    for name in made:
        assert (tmp_path / "output" / name).read_bytes() == (built.output / name).read_bytes()


@pytest.mark.parametrize("slug", SAMPLES)
def test_margins_are_mirrored_and_page_numbers_sit_at_the_outer_corner(built: Built,
                                                                       slug: str) -> None:
    path = built.pdf(slug)
    count = len(built.reader(slug).pages)
    for index in range(1, count - 1):
        width, _ = page_size(path, index)
        placed = glyphs(path, index)
        body = [glyph.box[0] for glyph in placed if glyph.box[1] > 25 * MM]
        number = [glyph.box for glyph in placed if glyph.box[3] < 18 * MM]
        right_hand = index % 2 == 0  # page 1 (index 0) is a right-hand page
        inner, outer = 20 * MM, 15 * MM
        if body:  # ruled notes pages carry no text but their number
            assert min(body) == pytest.approx(inner if right_hand else outer, abs=2.0)
        if right_hand:
            assert number[-1][2] == pytest.approx(width - outer, abs=2.0)  # less side bearing
        else:
            assert number[0][0] == pytest.approx(outer, abs=2.0)
