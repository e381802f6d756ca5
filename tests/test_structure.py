"""The content model real booklets need: untitled sections and contents titles, shared sections,
inside-cover blocks, trust marks, Help and support items, back-cover blocks and fixed pages that
must fit. Each is built with the real command line and read back from the PDF."""

from __future__ import annotations

import itertools
import re
import textwrap
from pathlib import Path

import pypdf
import pytest
import weasyprint
from conftest import PROJECT, squash
from test_accessibility import structure
from test_content import MANIFEST, ORGANISATION, problems_of, write_library

from pibooklet.cli import main
from pibooklet.content import read_library

TODAY = "2026-01-01"
MARK = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 20" width="40" height="20">'
        '<rect width="40" height="20" fill="#00766C"/></svg>')
LOGO = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 20" width="40" height="20">'
        '<circle cx="10" cy="10" r="8" fill="#5B2A86"/></svg>')

RICH_ORGANISATION = ORGANISATION + """\
trust_marks:
  - image: mark.svg
    alt: "Trusted information mark"
    link: www.example.org.uk/trust
    placement: back-cover
back_cover:
  - logo
  - contacts:
      - "Call {phone}"
      - "{email} | {web}"
  - text: We print booklets for *every* family.
  - trust-marks
  - about
contact_labels: false
"""
RICH_MANIFEST = MANIFEST.replace("""reviewers:
  - name: A Reviewer
    role: Nurse
    organisation: A Hospital
""", """reviewers: >-
  Reviewed by Ann Other, Children's Nurse, A Hospital, and Bob Jones, Doctor,
  B Hospital, with our group of parents.
inside_cover:
  donating: false
  feedback: "## Your views\\n\\nWrite to feedback@example.org.uk."
""").replace("  - one.md\n", """  - intro.md
  - one.md
  - quiet.md
  - shared/costs.md
support:
  - text: Start with your own team.
  - heading: Money
  - money-line
  - heading: Talking
  - talk-line
""")
SECTIONS = {
    "small/intro.md": "---\ncontents: false\n---\nAn introduction with no heading of its own.\n",
    "small/one.md": "---\ntitle: A long heading about one thing\ncontents: One thing\n---\n"
                    "Some text.\n",
    "small/quiet.md": "---\ntitle: Quiet section\nheading: false\n---\n"
                      "Listed in the contents, with no heading printed.\n",
    "shared/costs.md": "---\ntitle: Help with costs\n---\nShared words about money.\n",
    "directory.yaml": """\
money-line:
  name: Money Helpline
  phone: "0808 808 00 00"
talk-line:
  name: Talk Line
  web: www.talk.example.org.uk
  description: Someone to talk to.
""",
    "mark.svg": MARK,
    "logo.svg": LOGO,
}


@pytest.fixture(scope="module")
def rich(tmp_path_factory: pytest.TempPathFactory) -> pypdf.PdfReader:
    """A small booklet using every structural feature, built once."""
    root = tmp_path_factory.mktemp("rich")
    write_library(root, manifest=RICH_MANIFEST, organisation=RICH_ORGANISATION, extra=SECTIONS)
    assert main(["--content", str(root), "--output", str(root / "out"), "--outputs", "screen",
                 "--today", TODAY, "--quiet"]) == 0
    return pypdf.PdfReader(root / "out" / "small.pdf")


def text_of(reader: pypdf.PdfReader, index: int) -> str:
    return reader.pages[index].extract_text()


def page_of(reader: pypdf.PdfReader, words: str) -> int:
    """Return the 1-based page whose text holds these words."""
    for index, page in enumerate(reader.pages):
        if squash(words) in squash(page.extract_text()):
            return index + 1
    raise AssertionError(f"{words!r} not printed")


def test_contents_list_entries_worded_apart_from_headings_and_sections_without_one(
        rich: pypdf.PdfReader) -> None:
    contents = [line.strip() for line in text_of(rich, 2).splitlines() if line.strip()]
    entries = [re.sub(r"[ .]+\d+$", "", line) for line in contents if re.search(r"\.\s*\d+$",
                                                                                    line)]
    # The untitled introduction is not listed; 'One thing' stands for its longer heading;
    # the quiet section is listed with no heading printed.
    assert entries == ["One thing", "Quiet section", "Help with costs", "Help and support",
                       "Your notes"]
    everything = "".join(page.extract_text() for page in rich.pages)
    assert "A long heading about one thing" in everything
    assert everything.count("Quiet section") == 1  # in the contents only, no heading
    assert "An introduction with no heading" in text_of(rich, 2)  # under the contents list


def test_bookmarks_and_links_follow_the_contents_wording(rich: pypdf.PdfReader) -> None:
    outline = [item.title for item in rich.outline]
    assert outline == ["One thing", "Quiet section", "Help with costs", "Help and support",
                       "Your notes"]
    pages = {item.title: rich.get_destination_page_number(item) + 1 for item in rich.outline}
    assert pages["One thing"] == page_of(rich, "A long heading about one thing")
    assert pages["Quiet section"] == page_of(rich, "Listed in the contents, with no heading")
    assert pages["Help with costs"] == page_of(rich, "Shared words about money")


def test_headings_still_nest_with_untitled_sections(rich: pypdf.PdfReader) -> None:
    levels = [int(tag[1]) for tag, _ in structure(rich) if re.fullmatch(r"H[1-6]", tag)]
    assert levels[0] == 1
    assert all(later <= earlier + 1 for earlier, later in itertools.pairwise(levels))
    # Help and support's entries under its sub-headings (H3) are H4.
    assert 4 in levels


def test_the_inside_cover_takes_the_manifests_own_blocks(rich: pypdf.PdfReader) -> None:
    inside = squash(text_of(rich, 1))
    assert squash("Reviewed by Ann Other, Children’s Nurse, A Hospital, and Bob Jones") in inside
    assert "Supportourwork" not in inside  # donating: false
    assert squash("Your views") in inside and "Telluswhatyouthink" not in inside
    assert squash("Check with your team.") in inside  # the default disclaimer block stays
    assert "Thisedition:April2025" in inside


def test_help_and_support_items_headings_text_and_no_labels(rich: pypdf.PdfReader) -> None:
    support = squash("".join(page.extract_text() for page in rich.pages[3:-1]))
    order = [support.index(squash(words)) for words in (
        "Start with your own team.", "Money", "Money Helpline", "0808 808 00 00", "Talking",
        "Talk Line", "Someone to talk to.", "www.talk.example.org.uk")]
    assert order == sorted(order)
    assert "Phone:" not in support and "Web:" not in support


def test_the_back_cover_prints_its_blocks_in_the_chosen_order(rich: pypdf.PdfReader) -> None:
    back = text_of(rich, len(rich.pages) - 1)
    lines = [line.strip() for line in back.splitlines() if line.strip()]
    assert "info@example.org.uk | www.example.org.uk" in lines
    assert "Call 0113 496 0000" in lines
    flat = squash(back)
    order = [flat.index(squash(words)) for words in (
        "Call 0113", "We print booklets for every family.", "About EHC", "We help families.")]
    assert order == sorted(order)
    assert "Registeredcharity" not in flat  # left out of back_cover


def test_a_trust_mark_is_a_figure_with_alt_text_and_its_link(rich: pypdf.PdfReader) -> None:
    alts = [str(element.get("/Alt", "")) for tag, element in structure(rich) if tag == "Figure"]
    assert "Trusted information mark" in alts
    back = rich.pages[-1]
    uris = [annotation.get_object()["/A"].get("/URI") for annotation in back.get("/Annots", [])
            if annotation.get_object().get("/A")]
    assert "https://www.example.org.uk/trust" in uris
    assert len(rich.pages) % 4 == 0


def test_notes_begin_under_a_short_directory(rich: pypdf.PdfReader) -> None:
    support = page_of(rich, "Help and support Start")
    notes = next(index + 1 for index in range(3, len(rich.pages))
                 if "Your notes" in rich.pages[index].extract_text())
    contents = text_of(rich, 2)
    # The contents gives 'Your notes' the directory's page, and the back cover stays last.
    assert re.search(rf"Your notes[ .]+{support}\s*$", contents, re.MULTILINE)
    assert notes == support
    assert "About EHC" in text_of(rich, len(rich.pages) - 1)


# Reading: every mistake with its file and line.

def test_an_untitled_section_needs_contents_wording_to_be_listed(tmp_path: Path) -> None:
    write_library(tmp_path, section="---\ncontents: true\n---\nText.\n")
    assert problems_of(tmp_path) == [
        "small/one.md:2: a section with no 'title' has no heading to list: give the contents "
        "entry as text ('contents: Your words') or 'contents: false'"]


def test_inside_cover_and_support_mistakes_name_their_lines(tmp_path: Path) -> None:
    manifest = MANIFEST + "inside_cover:\n  donate: false\nsupport:\n  - [a list]\n"
    write_library(tmp_path, manifest=manifest)
    assert problems_of(tmp_path) == [
        "small/booklet.yaml:14: unknown key 'donate': did you mean 'donating'?",
        "small/booklet.yaml:16: item 1 must be a directory id, 'heading: A sub-heading' or "
        "'text: Markdown'"]


def test_reviewers_may_be_given_only_as_an_inside_cover_block(tmp_path: Path) -> None:
    manifest = MANIFEST.replace("""reviewers:
  - name: A Reviewer
    role: Nurse
    organisation: A Hospital
""", "")
    write_library(tmp_path, manifest=manifest)
    assert problems_of(tmp_path) == [
        "small/booklet.yaml:1: the manifest is missing 'reviewers' (people who reviewed this "
        "edition: a list of name, role and organisation, or one running sentence (Markdown))"]
    write_library(tmp_path, manifest=manifest + "inside_cover:\n  reviewers: Checked by A.\n")
    booklet = read_library(tmp_path).booklets["small"]
    assert booklet.inside_cover["reviewers"] == "Checked by A." and booklet.reviewers == ()


def test_back_cover_and_trust_mark_mistakes_name_their_lines(tmp_path: Path) -> None:
    organisation = ORGANISATION + textwrap.dedent("""\
        trust_marks:
          - image: missing.svg
            alt: A mark
            placement: front-cover
        back_cover:
          - logo
          - adress
          - contacts: ["{fax}"]
          - contacts: ["Call {phone"]
        """)
    write_library(tmp_path, organisation=organisation)
    assert problems_of(tmp_path) == [
        "organisation.yaml:16: 'placement' must be one of: inside-cover, back-cover "
        "(got 'front-cover')",
        "organisation.yaml:19: item 2 'adress' is not a back-cover block; use one of: logo, "
        "about, address, contacts, large-print, charity-numbers, legal, trust-marks, "
        "'contacts: [lines]' or 'text: Markdown'",
        "organisation.yaml:20: item 3 contact line '{fax}' uses {fax}; the placeholders are "
        "{phone}, {email}, {web}",
        "organisation.yaml:21: item 4 contact line 'Call {phone' has a '{' or '}' that is not "
        "part of a placeholder; the placeholders are {phone}, {email}, {web}",
        "organisation.yaml:14: trust mark image 'missing.svg' not found"]


def test_a_shared_section_is_read_once_and_its_problems_point_at_it(tmp_path: Path) -> None:
    manifest = MANIFEST + "  - shared/costs.md\n  - shared/gone.md\n"
    other = manifest.replace("A small booklet", "Another booklet")
    write_library(tmp_path, manifest=manifest, extra={
        "other/booklet.yaml": other, "other/one.md": "---\ntitle: Other\n---\nText.\n",
        "shared/costs.md": "---\ntitle: Costs\n---\nSee [[nowhere]].\n"})
    found = problems_of(tmp_path)
    # The shared file's own mistake once, though two booklets list it; each manifest its own.
    assert [problem for problem in found if problem.startswith("shared/")] == [
        "shared/costs.md:4: no booklet or publication has the id 'nowhere'; known ids: other, "
        "small"]
    assert "small/booklet.yaml:14: section file 'gone.md' not found in shared/" in found
    assert "other/booklet.yaml:14: section file 'gone.md' not found in shared/" in found


def test_check_warns_of_unused_shared_sections_and_stops_only_their_users(
        tmp_path: Path, capsys) -> None:
    write_library(tmp_path, manifest=MANIFEST + "  - shared/costs.md\n", extra={
        "other/booklet.yaml": MANIFEST.replace("A small booklet", "Another"),
        "other/one.md": "---\ntitle: Other\n---\nText.\n",
        "shared/costs.md": "---\ntitle: Costs\n---\nCall 0207 946 000.\n",
        "shared/spare.md": "---\ntitle: Spare\n---\nText.\n",
        "logo.svg": LOGO})
    assert main(["--check", "--content", str(tmp_path), "--today", TODAY]) == 1
    out = capsys.readouterr().out
    assert "shared/spare.md: warning: shared section not used" in out
    assert "shared/costs.md:4: '0207 946 000' looks like a UK phone number" in out
    assert main(["--content", str(tmp_path), "--output", str(tmp_path / "out"), "--outputs",
                 "screen", "--today", TODAY, "--quiet"]) == 1
    # The booklet that does not use the broken shared section is still built.
    assert (tmp_path / "out" / "other.pdf").is_file()
    assert not (tmp_path / "out" / "small.pdf").exists()


# Fixed pages: each fits its page, or the build names the YAML key, line and overflow.

LONG = " ".join(["We write clear, trusted information for families and check it with them."]
                * 14)


def test_a_back_cover_too_long_is_reported_at_its_key_by_check_and_build(
        tmp_path: Path, capsys) -> None:
    write_library(tmp_path, organisation=ORGANISATION.replace("We help families.", LONG),
                  extra={"logo.svg": LOGO})
    assert main(["--check", "--content", str(tmp_path), "--today", TODAY]) == 1
    out = capsys.readouterr().out
    message = re.search(r"organisation\.yaml:4: the back cover is (\d+) lines? too long for its "
                        r"page; its longest block is 'about'", out)
    assert message and 1 <= int(message[1]) <= 12, out
    assert main(["--content", str(tmp_path), "--output", str(tmp_path / "out"),
                 "--today", TODAY]) == 1
    err = capsys.readouterr().err
    checked = next(line for line in out.splitlines() if message[0] in line)
    assert checked in err.splitlines()  # the build reports the very line --check does
    assert "the layout must end with notes pages" not in err
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_the_overflow_grows_with_the_text(tmp_path: Path, capsys) -> None:
    counts = []
    for repeat in (14, 20):
        root = tmp_path / str(repeat)
        text = LONG.replace(LONG, " ".join([LONG.split(". ")[0] + "."] * repeat))
        write_library(root, organisation=ORGANISATION.replace("We help families.", text),
                      extra={"logo.svg": LOGO})
        main(["--check", "--content", str(root), "--today", TODAY])
        found = re.search(r"back cover is (\d+) line", capsys.readouterr().out)
        assert found
        counts.append(int(found[1]))
    assert counts[1] > counts[0]


def test_an_inside_cover_too_long_never_moves_the_contents(tmp_path: Path, capsys) -> None:
    manifest = MANIFEST.replace("disclaimer: Check with your team.",
                                f"disclaimer: {LONG} {LONG}")
    write_library(tmp_path, manifest=manifest, extra={"logo.svg": LOGO})
    assert main(["--check", "--content", str(tmp_path), "--today", TODAY]) == 1
    out = capsys.readouterr().out
    found = re.search(r".*small/booklet\.yaml:9: the inside cover is \d+ lines too long for its "
                      r"page; its longest block is 'disclaimer'.*", out)
    assert found, out
    _assert_build_reports(tmp_path, found[0], capsys)


def test_a_cover_title_too_long_is_reported(tmp_path: Path, capsys) -> None:
    title = "A very long title " * 14
    write_library(tmp_path, manifest=MANIFEST.replace("title: A small booklet",
                                                      f"title: {title.strip()}"),
                  extra={"logo.svg": LOGO})
    assert main(["--check", "--content", str(tmp_path), "--today", TODAY]) == 1
    found = re.search(r".*small/booklet\.yaml:1: the cover is \d+ lines? too long for its page; "
                      r"its longest block is 'title'.*", capsys.readouterr().out)
    assert found
    _assert_build_reports(tmp_path, found[0], capsys)


def _assert_build_reports(root: Path, line: str, capsys) -> None:
    """A build lays out the whole booklet and reports the very line --check does."""
    assert main(["--content", str(root), "--output", str(root / "out"), "--today", TODAY,
                 "--outputs", "screen"]) == 1
    err = capsys.readouterr().err
    assert line in err.splitlines(), err


def test_headings_in_manifest_markdown_follow_the_section_rules(tmp_path: Path) -> None:
    write_library(tmp_path, manifest=MANIFEST + 'inside_cover:\n  feedback: "### Views"\n')
    assert problems_of(tmp_path) == [
        "small/booklet.yaml:14: heading level skipped: a ### heading follows the section "
        "title; use ##"]


def _support_then_notes(support_mm: float) -> weasyprint.Document:
    """Help and support of a given height, then the notes as templates/notes.html writes them,
    laid out with our page.css and booklet.css."""
    lines = '<div class="notes-line"></div>' * 60
    html = ('<style>:root { --body-size: 12pt }</style>'
            f'<section class="support"><p style="margin: 0; height: {support_mm}mm">Help</p>'
            '</section><section class="notes-page notes-start" id="notes-page-1">'
            '<h2 class="section-title" id="your-notes">Your notes</h2>'
            f'<div class="notes-lines">{lines}</div></section>')
    styles = [weasyprint.CSS(filename=PROJECT / "styles" / name)
              for name in ("page.css", "booklet.css")]
    return weasyprint.HTML(string=html).render(stylesheets=styles)


def _notes_on(page) -> tuple[list[float], float | None]:
    """Return the tops of the ruled notes lines on a page and the top of its notes heading."""
    found = [(box.position_y, box.element.tag) for box in page._page_box.descendants()
             if type(box).__name__ == "BlockBox" and box.element is not None
             and ("notes-line" in (box.element.get("class") or "").split()
                 or box.element.tag == "h2")]
    return ([top for top, tag in found if tag == "div"],
            next((top for top, tag in found if tag == "h2"), None))


def test_the_notes_start_under_the_directory_only_with_room_for_four_lines() -> None:
    # Directories ending lower and lower down the page: the notes heading and at least four
    # lines follow on the same page, filling it; with room for fewer, they start the next.
    under, after = [], []
    for support_mm in range(90, 175, 3):
        first, second = _support_then_notes(support_mm).pages[:2]
        lines, heading = _notes_on(first)
        page_bottom = first._page_box.content_box_y() + first._page_box.height
        if heading is None:
            assert not lines
            next_lines, next_heading = _notes_on(second)
            assert next_heading == second._page_box.content_box_y()  # no gap at a page top
            assert next_lines and next_lines[0] > next_heading
            after.append(support_mm)
        else:
            assert len(lines) >= 4
            pitch = lines[1] - lines[0]
            assert page_bottom - (lines[-1] + pitch) < pitch  # the page is filled
            under.append(support_mm)
    assert under and after and max(under) < min(after)


def test_logo_and_trust_mark_images_are_held_to_the_image_size_limit(tmp_path: Path) -> None:
    """A decompression bomb as the logo or a trust mark is refused from its header, at its line."""
    from PIL import Image

    organisation = ORGANISATION.replace("logo: logo.svg", "logo: huge.png") + textwrap.dedent("""\
        trust_marks:
          - image: huge.png
            alt: A mark
        """)
    write_library(tmp_path, organisation=organisation)
    Image.new("1", (6000, 5000)).save(tmp_path / "huge.png")  # 30 megapixels, a small file
    found = problems_of(tmp_path)
    assert [problem.split(":")[0] for problem in found if "30 megapixels" in problem] == \
        ["organisation.yaml", "organisation.yaml"]
