"""Pagination as a print designer checks it, measured from the finished PDFs (not our HTML).

Every page's fill, hyphenated line ends, headings stranded at a page foot, blocks split over a
page turn, and widows and orphans, on both samples and on a seeded corpus of generated
booklets. The limits are the build's own (pibooklet.pagination.LIMITS).
"""

from __future__ import annotations

import itertools
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pytest
import weasyprint
from conftest import CONTENT, SAMPLES
from corpus import SLUG, write_library
from pdfminer.pdftypes import resolve1

from pibooklet.cli import main
from pibooklet.markup import CALLOUT_STYLES, MORE_LABEL
from pibooklet.pagination import LIMITS, analyse

MM = 72 / 25.4
#: Text area of each page size: (top margin, bottom margin) in mm, from page.css and
#: large-print.css; left and right margins are read from the text itself.
MARGINS = {"A5": (16, 20), "A4": (18, 24)}
TINT = (0.945098, 0.917647, 0.968627)  # organisation.yaml: colours.tint
PAPER = (1.0, 1.0, 1.0)  # organisation.yaml: colours.paper
HEADING_SIZE = 13.5  # h2 is 17 pt and h3 14 pt; body text is 12 pt
CORPUS_SEEDS = range(30)


@dataclass
class Line:
    """A line of text as printed: where it is, what it says and how it is set."""

    top: float
    bottom: float
    x0: float
    x1: float
    text: str
    size: float
    bold: bool
    italic: bool
    colour: tuple
    in_link: bool

    @property
    def heading(self) -> bool:
        return self.size >= HEADING_SIZE and self.bold


@dataclass
class Page:
    """One page as measured: its text area, lines, tinted boxes and lowest content."""

    number: int
    top: float
    bottom: float
    lines: list[Line]
    tints: list[dict]
    rules: list[dict]
    lowest: float
    drawn_top: float  # the top of the highest rule, box or picture in the text area
    pictures: list[tuple[float, float, float, float]]  # (x0, top, x1, bottom) of each picture

    @property
    def fill(self) -> float:
        return max(0.0, self.lowest - self.top) / (self.bottom - self.top)


def _lines(page, top: float, bottom: float) -> list[Line]:
    """Group the text area's characters into lines, in reading order."""
    links = _link_boxes(page)
    chars = sorted((char for char in page.chars if top - 2 <= char["top"]
                    and char["bottom"] <= bottom + 2 and char["text"].strip()),
                   key=lambda char: (round(char["top"]), char["x0"]))
    rows: list[list[dict]] = []
    for char in chars:
        if rows and abs(rows[-1][0]["top"] - char["top"]) < 3:
            rows[-1].append(char)
        else:
            rows.append([char])
    lines = []
    for row in rows:
        row.sort(key=lambda char: char["x0"])
        text = ""
        for before, char in zip([None, *row], row, strict=False):
            if before is not None and char["x0"] - before["x1"] > before["size"] * 0.2:
                text += " "
            text += char["text"]
        last = row[-1]
        main_char = max(row, key=lambda char: char["size"])
        lines.append(Line(min(c["top"] for c in row), max(c["bottom"] for c in row),
                          row[0]["x0"], last["x1"], text, main_char["size"],
                          "Bold" in main_char["fontname"], "Italic" in main_char["fontname"],
                          tuple(main_char["non_stroking_color"] or ()),
                          any(x0 - 1 <= last["x0"] <= x1 + 1 and y0 - 1 <= last["top"] <= y1 + 1
                              for x0, y0, x1, y1 in links)))
    return lines


def _link_boxes(page) -> list[tuple[float, float, float, float]]:
    """Return each link's (x0, top, x1, bottom); pdfplumber's own reader trips on the
    PDFDocEncoding of our link descriptions, so the rectangles are read directly."""
    boxes = []
    for annotation in resolve1(page.page_obj.annots) or []:
        annotation = resolve1(annotation)
        if getattr(annotation.get("Subtype"), "name", None) == "Link":
            x0, y0, x1, y1 = (float(value) for value in resolve1(annotation["Rect"]))
            boxes.append((min(x0, x1), page.height - max(y0, y1), max(x0, x1),
                          page.height - min(y0, y1)))
    return boxes


def measure_pages(pdf_path: Path) -> list[Page]:
    """Return every page of a PDF as measured."""
    pages = []
    with pdfplumber.open(pdf_path) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            size = "A5" if page.width < 500 else "A4"
            top, bottom = (margin * MM for margin in MARGINS[size])
            bottom = page.height - bottom
            lines = _lines(page, top, bottom)
            inside = [shape for shape in (*page.rects, *page.lines, *page.curves, *page.images)
                      if shape["top"] >= top - 1 and shape["bottom"] <= bottom + 1
                      and shape["bottom"] > shape["top"] - 1]
            lowest = max([line.bottom for line in lines]
                         + [shape["bottom"] for shape in inside], default=top)
            # Boxes: the tinted or paper-white background of a callout or story (the important
            # callout is white inside its border). Borders are drawn as filled rectangles of
            # their own colour, so other colours are not backgrounds.
            tints = [rect for rect in page.rects if rect["width"] > 100 and (
                _close(rect.get("non_stroking_color"), TINT)
                or (_close(rect.get("non_stroking_color"), PAPER)
                    and rect["top"] >= top - 1 and rect["bottom"] <= bottom + 1))]
            rules = [shape for shape in (*page.rects, *page.lines)
                     if shape["height"] < 2 and shape["width"] > 30 * MM
                     and top - 1 <= shape["top"] <= bottom + 1]
            # A full-bleed picture starts above the text area, in the margin: what is drawn
            # over the text area counts, so its caption is seen to be under it.
            drawn_top = min((shape["top"] for shape in (*page.rects, *page.lines, *page.curves,
                                                        *page.images)
                             if shape["bottom"] > top + 1 and shape["top"] < bottom),
                            default=bottom)
            pictures = [(shape["x0"], shape["top"], shape["x1"], shape["bottom"])
                        for shape in (*page.images, *page.curves, *page.rects)
                        if shape["width"] > 20 and shape["height"] > 20]
            pages.append(Page(number, top, bottom, lines, tints, rules, lowest, drawn_top,
                              pictures))
    return pages


def _close(colour, target) -> bool:
    return colour is not None and len(colour) == 3 and all(
        abs(a - b) < 0.01 for a, b in zip(colour, target, strict=True))


def _exempt_from_fill(pages: list[Page]) -> set[int]:
    """Covers, inside cover, contents, notes pages and the page before the notes."""
    exempt = {1, 2, pages[-1].number}
    for page in pages:
        if page.lines and page.lines[0].text.startswith("Contents"):
            exempt.add(page.number)
        if page.lines and page.lines[0].text.startswith("Your notes"):
            exempt.update(range(page.number - 1, pages[-1].number + 1))
    return exempt


_LETTERS = re.compile(r"[^\W\d_]+")
_ITEM = re.compile(r"[•?]|\d+\.")  # list and question markers
_OPENING = re.compile(r"[•?“\"]|\d+\.")  # what starts a list item, question or quote
_END = (".", "!", "?", ":", "”", "’", ")")
#: The labels printed at the top of a block: a page that starts with one starts that block.
#: Some are set in from the text's edge (the important callout's band), like a run-on block.
_LABELS = (*CALLOUT_STYLES.values(), MORE_LABEL)


def faults_in(pdf_path: Path) -> list[str]:
    """Return every pagination fault a print designer would mark in the PDF."""
    pages = measure_pages(pdf_path)
    body = [page for page in pages if page.number not in (1, 2, pages[-1].number)]
    faults = []
    exempt = _exempt_from_fill(pages)
    notes = min((page.number for page in pages
                 if page.lines and page.lines[0].text.startswith("Your notes")),
                default=pages[-1].number)
    for page in pages:
        # The PDF shows glyphs, not line boxes: allow for the half-leading under the last line.
        if page.number not in exempt and page.fill < LIMITS.min_fill - 0.01:
            faults.append(f"page {page.number} is {page.fill:.0%} full")
    faults += _hyphen_faults(body)
    faults += _short_line_faults(body)
    for page, following in itertools.pairwise(body):
        if following.number >= notes:
            break
        faults += _turn_faults(page, following)
    return faults


def _short_line_faults(pages: list[Page]) -> list[str]:
    """Lines broken early: a short line that runs on (no closing punctuation, the next line
    starting in lower case) although the next line's first word fits after it."""
    faults = []
    for page in pages:
        for line, following in itertools.pairwise(page.lines):
            # The measure: as wide as the widest line set from the same left edge (a caption
            # in a floated picture has its own), and narrowed by any picture beside the line.
            right = max(other.x1 for other in page.lines if abs(other.x0 - line.x0) < 1)
            # A caption is as wide as the picture above it.
            right = min([right, *(x1 for x0, _, x1, bottom in page.pictures
                                  if abs(x0 - line.x0) < 2 and 0 <= line.top - bottom < 80)])
            beside = any(x0 >= line.x1 and top < line.bottom and bottom > line.top
                         for x0, top, _, bottom in [*page.pictures, *(
                             (other.x0, other.top, other.x1, other.bottom)
                             for other in page.lines)])
            measure = right - line.x0
            word = following.text.split()[0] if following.text.split() else ""
            if not word or beside or line.heading or abs(following.x0 - line.x0) > 1 \
                    or line.x1 - line.x0 >= measure * LIMITS.short_line_share \
                    or line.text[-1] in ".:;!?,)”’" or not word[0].islower() \
                    or following.in_link:  # a QR code's address has a line of its own
                continue
            word_width = (following.x1 - following.x0) * len(word) / len(following.text)
            if line.x1 + following.size * 0.3 + word_width < right - 1:
                faults.append(f"page {page.number}: \"{line.text}\" breaks before "
                              f"\"{word}\", which fits after it")
    return faults


def _hyphen_faults(pages: list[Page]) -> list[str]:
    faults, run = [], 0
    for page in pages:
        for index, line in enumerate(page.lines):
            hyphenated = line.text.endswith("-") and not line.in_link
            run = run + 1 if hyphenated else 0
            if not hyphenated:
                continue
            where = f"page {page.number}: \"{line.text[-30:]}\""
            if index == len(page.lines) - 1:
                faults.append(f"{where} ends the page on a hyphen")
            if run > LIMITS.max_hyphen_ladder:
                faults.append(f"{where} is hyphenated line {run} in a row")
            before = _LETTERS.findall(line.text)
            after = _LETTERS.findall(page.lines[index + 1].text) if index + 1 < len(
                page.lines) else []
            if not before or not after or min(len(before[-1]), len(after[0])) < \
                    LIMITS.min_hyphen_letters:
                faults.append(f"{where} breaks a word fewer than "
                              f"{LIMITS.min_hyphen_letters} letters from its end")
    return faults


def _turn_faults(page: Page, following: Page) -> list[str]:
    """Faults across one page turn: stranded headings, split blocks, widows and orphans."""
    faults = []
    if not page.lines or not following.lines:
        return faults
    turn = f"pages {page.number}-{following.number}"
    first = following.lines[0]
    # A heading needs two lines of its own text after it on its page, when its text goes on.
    for index, line in enumerate(page.lines):
        if line.heading and not (index + 1 < len(page.lines) and page.lines[index + 1].heading):
            after = page.lines[index + 1:]
            own = next((count for count, later in enumerate(after) if later.heading),
                       len(after))
            if own < LIMITS.lines_after_heading and own == len(after) and not first.heading:
                faults.append(f"{turn}: heading \"{line.text}\" has {own} lines after it")
    # A tinted box (callout, story) that goes on over the turn has no top padding there.
    lowest_tint = max((tint["bottom"] - tint["top"] for tint in page.tints
                       if tint["bottom"] >= page.lowest - 2 * MM), default=0)
    for tint in following.tints:
        if abs(tint["top"] - following.top) < 1:
            inside = [line for line in following.lines if line.top >= tint["top"] - 1]
            taller = lowest_tint + tint["bottom"] - tint["top"] > page.bottom - page.top
            if inside and inside[0].top - tint["top"] < 2 * MM and not taller:
                faults.append(f"{turn}: a callout or story runs over the turn "
                              f"(\"{inside[0].text[:40]}\")")
    # Answer lines at the top of a page belong to a question on the page before.
    top_rules = [rule for rule in following.rules if rule["top"] < first.top]
    if top_rules:
        faults.append(f"{turn}: a question's answer lines run over the turn")
    # A list item, question or quote goes on at the top of the page without its marker. (Text
    # under a picture or box that starts the page, such as a caption, begins a block there.)
    left = min(line.x0 for line in following.lines)
    if not first.heading and first.x0 > left + 2 * MM and not _OPENING.match(first.text) \
            and first.text not in _LABELS and following.drawn_top >= first.top - 1 and not any(
            abs(tint["top"] - following.top) < 1 for tint in following.tints):
        markers = [line for line in following.lines if abs(line.top - first.top) < 3
                   and line.x0 < first.x0 - 1]
        if not markers:
            faults.append(f"{turn}: an indented block runs over the turn "
                          f"(\"{first.text[:40]}\")")
    # A list or questions running over the turn keeps at least two items on each page.
    foot = _items(page.lines[::-1], min(line.x0 for line in page.lines))
    head = _items(following.lines, left)
    if foot and head and min(foot, head) < LIMITS.list_items:
        faults.append(f"{turn}: a list leaves {foot} item(s) before the turn and {head} after")
    if first.italic and not first.heading and following.drawn_top >= first.top - 1:
        faults.append(f"{turn}: a caption is parted from its figure (\"{first.text[:40]}\")")
    # Widows and orphans: a paragraph set at the text's left edge, running on over the turn.
    last = page.lines[-1]
    page_left = min(line.x0 for line in page.lines)
    pitch = 12 * 1.45
    if not (last.bold or first.bold or last.italic or first.italic) \
            and abs(last.x0 - page_left) < 1 \
            and abs(first.x0 - left) < 1 and not last.text.endswith(_END) \
            and last.size == first.size and not last.in_link:
        # Lines of one paragraph are one line pitch apart; paragraphs have space between.
        before = 1
        for upper, lower in zip(page.lines[-2::-1], page.lines[::-1], strict=False):
            if abs(lower.top - upper.top - pitch) > 1:
                break
            before += 1
        # A line set straight under an italic caption is its credit, not a paragraph.
        caption = len(page.lines) > 1 and page.lines[-2].italic \
            and last.top - page.lines[-2].top < 2 * pitch
        after = 1
        for upper, lower in itertools.pairwise(following.lines):
            if abs(lower.top - upper.top - pitch) > 1:
                break
            after += 1
        if min(before, after) < LIMITS.paragraph_lines and not caption:
            faults.append(f"{turn}: a paragraph leaves {before} line(s) before the turn and "
                          f"{after} after (\"{last.text[:40]}\")")
    return faults


def _items(lines: list[Line], left: float) -> int:
    """Count list items (lines with a marker) from the first line given, until other text."""
    count = 0
    for line in lines:
        if line.heading:
            break
        if _ITEM.match(line.text):
            count += 1
        elif line.x0 <= left + 1:  # text at the left edge: not part of a list
            break
    return count


@pytest.mark.parametrize("slug", SAMPLES)
def test_samples_have_no_pagination_faults(built, slug: str) -> None:
    """Every page of both samples, screen and large print, passes a designer's checks."""
    assert faults_in(built.pdf(slug)) == []
    assert faults_in(built.output / f"{slug}-large-print.pdf") == []


@pytest.mark.parametrize("slug", SAMPLES)
def test_contents_leaders_stop_short_of_numbers_at_one_distance(built, slug: str) -> None:
    """The dots end at one x on every contents line; numbers right-aligned in tabular figures."""
    with pdfplumber.open(built.pdf(slug)) as pdf:
        page = next(page for page in pdf.pages
                    if (page.extract_text() or "").lstrip().startswith("Contents"))
        rows: dict[int, list[dict]] = {}
        for char in page.chars:
            rows.setdefault(round(char["top"]), []).append(char)
    dots_end, numbers_end, digit_widths = set(), set(), set()
    for row in rows.values():
        row.sort(key=lambda char: char["x0"])
        digits = [char for char in row if char["text"].isdigit()]
        dots = [char for char in row if char["text"] == "."]
        if len(dots) > 3 and digits:
            dots_end.add(round(dots[-1]["x1"], 1))
            numbers_end.add(round(digits[-1]["x1"], 1))
            digit_widths |= {round(char["width"], 2) for char in digits}
            # The dots stop a space short of a column two figures wide.
            assert digits[-1]["x1"] - dots[-1]["x1"] < 12 * 2.2
    assert len(dots_end) == 1, f"the leader dots end at {sorted(dots_end)}"
    assert len(numbers_end) == 1, f"the page numbers end at {sorted(numbers_end)}"
    assert len(digit_widths) == 1, f"figures of different widths: {sorted(digit_widths)}"


def _build(content: Path, output: Path, *extra: str) -> int:
    return main(["--content", str(content), "--output", str(output), "--outputs", "screen",
                 "--quiet", "--layout-report", "json", *extra, SLUG])


@pytest.mark.parametrize("seed", CORPUS_SEEDS)
def test_generated_booklet_has_no_pagination_faults(tmp_path: Path, seed: int, capsys) -> None:
    """A generated booklet (seeded, so a failure reproduces) has zero faults, as measured."""
    content = write_library(tmp_path, seed)
    assert _build(content, tmp_path / "out") == 0
    warnings = capsys.readouterr().err
    pdf = tmp_path / "out" / "generated.pdf"
    assert faults_in(pdf) == [], f"seed {seed}"
    report = json.loads((tmp_path / "out" / "generated-layout.json").read_text())[0]
    assert report["faults"] == [] and "edition:" not in warnings, warnings
    # The build's own page fill agrees with the fill measured from the PDF.
    measured = measure_pages(pdf)
    for page, reported in zip(measured, report["pages"], strict=True):
        if page.number not in (1, measured[-1].number):
            assert abs(page.fill - reported["fill"]) < 0.06, (page.number, page.fill,
                                                              reported["fill"])


def test_faults_are_found_and_reported_with_their_line(tmp_path: Path, capsys) -> None:
    """With our keep-together rules taken away, the PDF measures and the build both see faults."""
    content = write_library(tmp_path, 7)
    styles = content / "styles"
    styles.mkdir()
    ours = (Path(__file__).resolve().parent.parent / "styles" / "booklet.css").read_text()
    (styles / "booklet.css").write_text(
        ours + "\n* { break-inside: auto !important; break-after: auto !important;"
               " orphans: 1 !important; widows: 1 !important; }\n"
               ".layout-new-page { break-before: page; }\n")
    assert _build(content, tmp_path / "out") == 0
    warnings = capsys.readouterr().err
    assert faults_in(tmp_path / "out" / "generated.pdf")
    assert re.search(r"content/generated/\d\d-section\.md:\d+: warning: |"
                     r"\d\d-section\.md:\d+: screen edition: ", warnings), warnings


def test_hyphenation_is_off_by_default_and_follows_the_setting(built, tmp_path: Path) -> None:
    """Default: no word is split. Turned on: words split, never as the dictionary gets wrong."""
    pages = measure_pages(built.pdf("relapsed-cancer"))
    assert not [line.text for page in pages[1:-1] for line in page.lines
                if line.text.endswith("-") and not line.in_link]
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    with (content / "organisation.yaml").open("a") as organisation:
        organisation.write("hyphenation:\n  enabled: true\n  exceptions:\n"
                           "    en-GB: [treatment, hos-pital]\n")
    assert main(["--content", str(content), "--output", str(tmp_path / "out"),
                 "--outputs", "screen,large-print", "--quiet", "relapsed-cancer"]) == 0
    pages = measure_pages(tmp_path / "out" / "relapsed-cancer.pdf")
    broken = [(line.text, after.text) for page in pages[1:-1]
              for line, after in itertools.pairwise(page.lines)
              if line.text.endswith("-") and not line.in_link]
    assert broken, "hyphenation was turned on but no word was broken"
    words = {_LETTERS.findall(line)[-1] + _LETTERS.findall(after)[0]
             for line, after in broken}
    assert not words & {"treatment", "Treatment"}  # listed whole: never broken
    assert all(not line.endswith(("hos-", "hospi-")) for line, _ in broken)
    assert faults_in(tmp_path / "out" / "relapsed-cancer.pdf") == []
    large = measure_pages(tmp_path / "out" / "relapsed-cancer-large-print.pdf")
    assert not [line.text for page in large for line in page.lines
                if line.text.endswith("-") and not line.in_link]


def test_hyphenation_setting_is_checked_with_its_line(library_copy: Path, capsys) -> None:
    """A malformed exception word is a content error at its line in organisation.yaml."""
    organisation = library_copy / "organisation.yaml"
    lines = organisation.read_text().splitlines()
    organisation.write_text("\n".join([*lines, "hyphenation:", "  enabled: yes please",
                                       "  exceptions:", "    en-GB: [di-ag-no-sis, x2-ray]"])
                            + "\n")
    assert main(["--content", str(library_copy), "--check"]) == 1
    out = capsys.readouterr().out
    assert f"organisation.yaml:{len(lines) + 2}: 'enabled' must be true or false" in out
    assert f"organisation.yaml:{len(lines) + 4}: hyphenation exception 'x2-ray'" in out


def test_layout_report_lists_every_page(tmp_path: Path) -> None:
    """--layout-report text writes each page's kind and fill, agreeing with the PDF."""
    content = write_library(tmp_path, 4)
    assert main(["--content", str(content), "--output", str(tmp_path / "out"), "--outputs",
                 "screen", "--quiet", "--layout-report", "text"]) == 0
    text = (tmp_path / "out" / "generated-layout.txt").read_text()
    fills = [int(match) for match in re.findall(r"^page +\d+ +\S+ +(\d+)% full$", text,
                                                 re.MULTILINE)]
    measured = measure_pages(tmp_path / "out" / "generated.pdf")
    assert len(fills) == len(measured)
    assert text.startswith(f"screen: {len(measured)} pages, 0 faults")
    assert all(abs(page.fill * 100 - fill) < 6 for page, fill in zip(measured[1:-1],
                                                                       fills[1:-1], strict=True))


def test_a_line_broken_before_a_word_that_fits_is_a_fault(tmp_path: Path) -> None:
    """A short line whose next word would have fitted (a WeasyPrint line-breaking defect the
    build mends by respacing) is found by the build's report and by the PDF measures alike."""
    html = ("<style>@page { size: 148mm 210mm; margin: 16mm 15mm 20mm 20mm }"
            "p { white-space: pre-line; font-size: 12pt; margin: 0 }</style>"
            "<main><section id='help-section'><p>Ask\nyour hospital team for free printed "
            "copies, or download them from our website.</p></section></main>")
    document = weasyprint.HTML(string=html).render()
    faults = [fault for fault in analyse(document).faults if fault.kind == "short line"]
    assert [(fault.page, fault.text, fault.section) for fault in faults] == [(1, "Ask", "help")]
    document.write_pdf(tmp_path / "short.pdf")
    assert _short_line_faults(measure_pages(tmp_path / "short.pdf")) == [
        'page 1: "Ask" breaks before "your", which fits after it']
    # The PDF cannot show markup: a short line that ends a sentence may be the author's.
    ended = html.replace("Ask\nyour", "Ask.\nYour")
    weasyprint.HTML(string=ended).write_pdf(tmp_path / "ended.pdf")
    assert _short_line_faults(measure_pages(tmp_path / "ended.pdf")) == []
    # A break the author asks for with <br> is not a fault for the build either.
    asked = html.replace("Ask\nyour", "Ask<br>your").replace("pre-line", "normal")
    assert not [fault for fault in analyse(weasyprint.HTML(string=asked).render()).faults
                if fault.kind == "short line"]
