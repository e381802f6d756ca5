"""The layout report: how full each page is, what it holds, and every pagination fault.

It reads WeasyPrint's laid-out boxes (there is no public box walker), so it sees the pages
exactly as they will print. The thresholds a print designer would sign off live in LIMITS; the
tests that read the finished PDFs import them from here.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import loader  # noqa: F401 - first: it loads WeasyPrint faster

# isort: split
import weasyprint
from weasyprint.formatting_structure import boxes

from .errors import ContentError, display_path
from .hyphenation import SOFT_HYPHEN
from .intake import read_content_text
from .limits import OFF_PAGE_TOLERANCE_PT


@dataclass(frozen=True)
class Limits:
    """What a print designer would sign off; the one place these numbers live."""

    #: Least share of the text area a page must fill (covers, notes and the page before the
    #: notes are exempt).
    min_fill: float = 0.5
    #: Most hyphenated line ends in a row.
    max_hyphen_ladder: int = 2
    #: Fewest letters on each side of a hyphenation break.
    min_hyphen_letters: int = 3
    #: Whether a page may end on a hyphenated line.
    hyphen_at_page_end: bool = False
    #: Fewest lines of a heading's own text that must follow it on its page.
    lines_after_heading: int = 2
    #: Fewest lines of a split paragraph on each page (widows and orphans).
    paragraph_lines: int = 2
    #: Fewest items of a split list (or questions) on each page.
    list_items: int = 2
    #: A line broken early: shorter than this share of its measure while the next line's first
    #: word would still have fitted on it (a line-breaking defect, never a designer's choice).
    short_line_share: float = 0.5


LIMITS = Limits()

#: Blocks that must not be split across a page turn, unless one alone is taller than a page.
KEPT_BLOCKS = {
    "callout": ".callout",
    "story": ".story",
    "pull quote": ".pull-quote",
    "figure": "figure",
    "question": ".questions li",
    "list item": "li",
    "directory entry": ".directory-entry",
}
#: Page kinds exempt from the fill rule: they are full-page furniture or ruled for writing.
UNFILLED_KINDS = frozenset({"cover", "inside-cover", "contents", "notes", "back-cover"})
#: The fault kind for text or a picture drawn outside its page's text area: never mended, always
#: an error, since a printed booklet would silently lose what is there.
OFF_PAGE = "off page"
#: Pictures meant to run off the page: full-bleed figures (components.css, press.css).
BLEED_CLASS = "place-bleed"
_PX_PER_PT = 96 / 72
_HEADINGS = frozenset({"h1", "h2", "h3", "h4"})
HYPHENS = ("-", "\u2010", "\u00ad")
LETTERS = re.compile(r"[^\W\d_]+")


@dataclass
class Fault:
    """One thing a print designer would send back, on a page, with the element to blame."""

    page: int
    kind: str
    message: str
    section: str | None = None  # the anchor of the section it is in, for path:line
    text: str = ""  # a sample of the text it concerns, to find its line in the source
    element: object = field(default=None, repr=False, compare=False)

    def as_dict(self) -> dict[str, object]:
        """Return the fault without its element, for JSON."""
        return {"page": self.page, "kind": self.kind, "message": self.message,
                "section": self.section, "text": self.text}


@dataclass
class PageReport:
    """One page: its kind, fill, what starts and ends there, and its hyphenated lines."""

    number: int
    kind: str
    fill: float
    starts: list[str] = field(default_factory=list)
    ends: list[str] = field(default_factory=list)
    split: list[str] = field(default_factory=list)
    hyphenated_lines: list[str] = field(default_factory=list)
    hyphen_at_page_end: bool = False


@dataclass
class LayoutReport:
    """A whole edition's layout report."""

    edition: str
    pages: list[PageReport]
    faults: list[Fault]

    def as_dict(self) -> dict[str, object]:
        """Return the report as plain data."""
        return {"edition": self.edition, "limits": asdict(LIMITS),
                "pages": [asdict(page) for page in self.pages],
                "faults": [fault.as_dict() for fault in self.faults]}

    def text(self) -> str:
        """Return the report as lines a person reads."""
        lines = [f"{self.edition}: {len(self.pages)} pages, {len(self.faults)} faults"]
        for page in self.pages:
            lines.append(f"page {page.number:>3} {page.kind:<12} {page.fill:4.0%} full")
            for label, items in (("starts", page.starts), ("ends", page.ends),
                                 ("split over the turn", page.split),
                                 ("hyphenated", page.hyphenated_lines)):
                if items:
                    lines.append(f"    {label}: " + "; ".join(items))
            if page.hyphen_at_page_end:
                lines.append("    ends on a hyphen")
        lines += [f"fault on page {fault.page}: {fault.message}" for fault in self.faults]
        return "\n".join(lines) + "\n"


def reports_json(reports: list[LayoutReport]) -> str:
    """Return several editions' reports as one JSON document."""
    return json.dumps([report.as_dict() for report in reports], indent=2, ensure_ascii=False)


@dataclass
class Line:
    """A line of text as laid out."""

    page: int
    top: float
    bottom: float
    text: str
    element: object  # the block the line belongs to
    boxes: list  # its text boxes, for repairs
    used: float = 0.0  # the width its text takes
    measure: float = 0.0  # the width it could take
    beside_float: bool = False  # a float narrows it, so its measure is not known
    container: int = 0  # the block box it is laid out in: lines of one paragraph share it


@dataclass
class MeasuredPage:
    """What the analysis gathers from one page."""

    index: int
    top: float
    height: float
    bottom: float = 0.0  # the lowest content drawn
    lines: list[Line] = field(default_factory=list)
    elements: dict[object, float] = field(default_factory=dict)  # element -> height here
    kinds: set[str] = field(default_factory=set)


def analyse(document: weasyprint.Document, edition: str = "screen",
            limits: Limits = LIMITS) -> LayoutReport:
    """Return the layout report of a laid-out document."""
    root = document.pages[0]._page_box.children[0].element if document.pages else None
    parents = {child: parent for parent in root.iter() for child in parent} if root is not None \
        else {}
    pages = [gather_page(index, page._page_box, parents)
             for index, page in enumerate(document.pages)]
    lines = [line for page in pages for line in page.lines]
    faults: list[Fault] = []
    reports = [PageReport(page.index + 1, page_kind(page), page_fill(page)) for page in pages]
    _sections_start_and_end(pages, parents, reports)
    faults += fill_faults(pages, reports, parents, limits)
    faults += _split_faults(pages, reports, parents)
    faults += _list_faults(pages, parents, limits)
    faults += _heading_faults(lines, parents, limits)
    faults += _paragraph_faults(lines, parents, limits)
    faults += _hyphen_faults(pages, lines, reports, parents, limits)
    faults += _short_line_faults(lines, parents, limits)
    faults += off_page_faults(document, parents)
    faults.sort(key=lambda fault: fault.page)
    return LayoutReport(edition, reports, faults)


def off_page_faults(document: weasyprint.Document, parents: dict | None = None) -> list[Fault]:
    """Text or pictures drawn outside their page's text area, except what is meant to bleed.

    Running heads and page numbers (margin boxes) may use the margins but not leave the trim;
    full-bleed pictures may run into the bleed; everything else stays in the text area.
    """
    if parents is None:
        root = document.pages[0]._page_box.children[0].element if document.pages else None
        parents = {child: parent for parent in root.iter() for child in parent} \
            if root is not None else {}
    faults: list[Fault] = []
    seen: set[object] = set()  # one fault per block, however many of its boxes stray
    tolerance = OFF_PAGE_TOLERANCE_PT * _PX_PER_PT
    for index, page in enumerate(document.pages):
        page_box = page._page_box  # WeasyPrint has no public box walker
        trim = (0.0, 0.0, page_box.margin_width(), page_box.margin_height())
        bleed = (-page.bleed["left"], -page.bleed["top"], trim[2] + page.bleed["right"],
                 trim[3] + page.bleed["bottom"])
        text_area = (page_box.content_box_x(), page_box.content_box_y(),
                     page_box.content_box_x() + page_box.width,
                     page_box.content_box_y() + page_box.height)
        for child in page_box.children:
            area = trim if isinstance(child, boxes.MarginBox) else text_area
            # Placeholders too: an absolutely positioned box is laid out inside one.
            for box in child.descendants(placeholders=True):
                if box.style["transform"] and box.element is not None:
                    # Boxes are measured where they are laid out, before a transform moves or
                    # turns them: a booklet's own styles never transform, so refuse it.
                    block = _block_of(box, parents)
                    if block not in seen:
                        seen.add(block)
                        faults.append(_transformed_fault(index, block, parents))
                    continue
                if not isinstance(box, boxes.TextBox | boxes.ReplacedBox) or \
                        box.style["visibility"] != "visible":
                    continue
                if isinstance(box, boxes.TextBox) and not box.text.strip():
                    continue  # a space past the edge (a contents entry's last) loses nothing
                allowed = bleed if isinstance(box, boxes.ReplacedBox) and \
                    _has_ancestor_class(box.element, BLEED_CLASS, parents) else area
                extent = (box.position_x, box.position_y, box.position_x + box.margin_width(),
                          box.position_y + box.margin_height())
                if _inside(extent, allowed, tolerance):
                    continue
                block = _block_of(box, parents) if box.element is not None else None
                if block in seen:
                    continue
                seen.add(block)
                faults.append(_off_page_fault(index, box, extent, allowed, block, parents,
                                              "text area" if allowed is text_area else "page"))
    return faults


def _inside(extent: tuple[float, ...], area: tuple[float, ...], tolerance: float) -> bool:
    left, top, right, bottom = extent
    return left >= area[0] - tolerance and top >= area[1] - tolerance and \
        right <= area[2] + tolerance and bottom <= area[3] + tolerance


def _off_page_fault(index: int, box, extent: tuple[float, ...], area: tuple[float, ...],
                    block, parents: dict, area_name: str) -> Fault:
    """Say what strays, which way and how far, in millimetres as a designer measures."""
    overruns = {"left": area[0] - extent[0], "top": area[1] - extent[1],
                "right": extent[2] - area[2], "bottom": extent[3] - area[3]}
    side = max(overruns, key=overruns.get)
    millimetres = math.ceil(overruns[side] * 25.4 / 96)
    what = f"the text \"{_sample(block, 6) or box.text.strip()[:40]}\"" \
        if isinstance(box, boxes.TextBox) else "a picture"
    return Fault(index + 1, OFF_PAGE,
                 f"{what} on page {index + 1} is drawn {millimetres} mm past "
                 f"the {side} edge of the {area_name}, where print would lose it; break or "
                 "shorten it, or remove the style that moves it",
                 _anchor(_section_of(block, parents)), _sample(block), block)


def _transformed_fault(index: int, block, parents: dict) -> Fault:
    """Say that a style moves or turns a block, which the check cannot follow."""
    what = f"the text \"{_sample(block, 6)}\"" if _sample(block, 6) else "a block"
    return Fault(index + 1, OFF_PAGE,
                 f"{what} on page {index + 1} is moved or turned by a CSS transform, which "
                 "can take it off the page; remove the transform from the stylesheet",
                 _anchor(_section_of(block, parents)), _sample(block), block)


def _has_ancestor_class(element, name: str, parents: dict) -> bool:
    """Return whether an element or one of its ancestors has a class."""
    while element is not None:
        if name in (element.get("class") or "").split():
            return True
        element = parents.get(element)
    return False


def gather_page(index: int, page_box, parents: dict) -> MeasuredPage:
    """Collect a page's lines, the height each element takes on it and its lowest content."""
    page = MeasuredPage(index, page_box.content_box_y(), page_box.height)
    for child in page_box.children:
        if isinstance(child, boxes.MarginBox):
            continue  # running heads and page numbers are not content
        containers = {id(line): block for block in child.descendants()
                      if isinstance(block, boxes.BlockContainerBox)
                      for line in block.children if isinstance(line, boxes.LineBox)}
        floats = [(box.position_y, box.position_y + box.margin_height())
                  for box in child.descendants()
                  if isinstance(box, boxes.Box) and box.style["float"] != "none"]
        for box in child.descendants():
            if not isinstance(box, boxes.Box):
                continue
            element = box.element
            if isinstance(box, boxes.LineBox):
                texts = [text for text in box.descendants() if isinstance(text, boxes.TextBox)]
                words = "".join(text.text for text in texts).replace(SOFT_HYPHEN, "").strip()
                if words and _in_address(texts[-1].element, parents):
                    words = words.rstrip("".join(HYPHENS)) + " "  # addresses break as they may
                if words:
                    bottom = box.position_y + box.height
                    container = containers.get(id(box))
                    line = Line(index, box.position_y, bottom, words, _block_of(box, parents),
                                texts, box.width, container.width if container else 0.0,
                                any(top < bottom and box.position_y < end
                                    for top, end in floats), id(container))
                    page.lines.append(line)
                    page.bottom = max(page.bottom, line.bottom)
            elif isinstance(box, boxes.ReplacedBox) or _is_drawn(box):
                page.bottom = max(page.bottom, box.position_y + box.margin_height()
                                  - box.margin_bottom)
            if element is not None and isinstance(box, boxes.BlockLevelBox | boxes.ReplacedBox):
                page.elements[element] = page.elements.get(element, 0) + box.height
            if element is not None and element.get("class"):
                page.kinds.update(element.get("class").split())
    return page


def _in_address(element, parents: dict) -> bool:
    """Return whether text sits in a link: addresses have their own breaking rules."""
    while element is not None:
        if element.tag == "a":
            return True
        element = parents.get(element)
    return False


def _is_drawn(box) -> bool:
    """Return whether a box paints something: a visible border or a background."""
    style = box.style
    background = style["background_color"]
    return (box.height > 0 and style["border_bottom_width"] > 0) or (
        background.alpha > 0 and box.height > 0 and box.width > 0) or (
        style["background_image"] and style["background_image"][0][0] != "none")


def _block_of(line_box, parents: dict):
    """Return the element a line's text belongs to."""
    element = line_box.element
    while element is not None and element.tag in ("span", "a", "strong", "em"):
        element = parents.get(element)
    return element


def page_kind(page: MeasuredPage) -> str:
    """Return what a page is: cover, contents, notes, support, section..."""
    for kind, name in (("cover", "cover"), ("back-cover", "back-cover"),
                       ("inside-cover", "inside-cover"), ("contents", "contents"),
                       ("notes-page", "notes"), ("support", "support")):
        if kind in page.kinds:
            return name
    return "section"


def page_fill(page: MeasuredPage) -> float:
    """Return how much of the text area is used, from its top to the lowest content."""
    if page.height <= 0:
        return 0.0
    return round(max(0.0, min(1.0, (page.bottom - page.top) / page.height)), 3)


def _section_of(element, parents: dict):
    """Return the section element (booklet section, support, contents...) holding element."""
    while element is not None:
        if element.tag in ("section", "nav") and element.get("id"):
            return element
        element = parents.get(element)
    return None


def _anchor(section) -> str | None:
    """Return a section element's anchor, as section files name it."""
    if section is None:
        return None
    anchor = section.get("id")
    return anchor[:-len("-section")] if anchor.endswith("-section") else anchor


def _title(section) -> str:
    """Return a section's printed title, or its file's name when it prints none."""
    for heading in section.iter():
        if heading.tag in ("h1", "h2"):
            return " ".join("".join(heading.itertext()).split())
    return f"(no heading: {(_anchor(section) or '').removeprefix('section-')})"


def _sample(element, words: int = 8) -> str:
    """Return the start of an element's text."""
    return " ".join("".join(element.itertext()).split()[:words]) if element is not None else ""


def _sections_start_and_end(pages: list[MeasuredPage], parents: dict,
                            reports: list[PageReport]) -> None:
    seen: dict[object, list[int]] = {}
    for page in pages:
        for line in page.lines:
            section = _section_of(line.element, parents)
            if section is not None:
                seen.setdefault(section, []).append(page.index)
    for section, indexes in seen.items():
        reports[indexes[0]].starts.append(_title(section))
        reports[indexes[-1]].ends.append(_title(section))


def fill_faults(pages: list[MeasuredPage], reports: list[PageReport], parents: dict,
                 limits: Limits) -> list[Fault]:
    """Pages under the least fill, except furniture and the page before the notes."""
    faults = []
    notes = [page.index for page in pages if "notes-page" in page.kinds]
    before_notes = notes[0] - 1 if notes else len(pages) - 2
    if notes and "support" in pages[notes[0]].kinds:
        # The notes begin under the directory, on its page: that page is the one before the
        # notes, and the page before the directory is an ordinary page a new page leaves.
        before_notes = notes[0]
    for page, report in zip(pages, reports, strict=True):
        if report.kind in UNFILLED_KINDS or page.index == before_notes or \
                report.fill >= limits.min_fill:
            continue
        last = page.lines[-1].element if page.lines else None
        section = _section_of(last, parents)
        forced = page.index + 1 < len(pages) and _starts_with_forced_break(pages[page.index + 1],
                                                                            parents)
        why = "a section that starts a new page follows" if forced else \
            "the next block did not fit"
        faults.append(Fault(page.index + 1, "thin page",
                            f"page {page.index + 1} is only {report.fill:.0%} full ({why}); "
                            f"at least {limits.min_fill:.0%} is needed",
                            _anchor(section), _sample(last), last))
    return faults


def _starts_with_forced_break(page: MeasuredPage, parents: dict) -> bool:
    """Return whether a page begins with a section set to start a new page."""
    if not page.lines:
        return False
    section = _section_of(page.lines[0].element, parents)
    classes = (section.get("class") or "").split() if section is not None else []
    return "layout-new-page" in classes or "support" in classes


def _matches(element, selector: str, parents: dict) -> bool:
    """Return whether an element matches one of our simple selectors (.class, tag, .a tag)."""
    parts = selector.split()
    if not _matches_one(element, parts[-1]):
        return False
    if len(parts) == 1:
        return True
    ancestor = parents.get(element)
    while ancestor is not None:
        if _matches_one(ancestor, parts[0]):
            return True
        ancestor = parents.get(ancestor)
    return False


def _matches_one(element, simple: str) -> bool:
    if simple.startswith("."):
        return simple[1:] in (element.get("class") or "").split()
    return element.tag == simple


def kept_kind(element, parents: dict) -> str | None:
    """Return which kind of kept block an element is, if any."""
    for kind, selector in KEPT_BLOCKS.items():
        if _matches(element, selector, parents):
            return kind
    return None


def _split_faults(pages: list[MeasuredPage], reports: list[PageReport],
                  parents: dict) -> list[Fault]:
    """Kept blocks whose content lies on more than one page, unless taller than a page."""
    where: dict[object, list[int]] = {}
    for page in pages:
        for element, height in page.elements.items():
            if height > 1:  # a continuation holding only padding is not a split
                where.setdefault(element, []).append(page.index)
    faults = []
    for element, indexes in where.items():
        kind = kept_kind(element, parents)
        if kind is None or len(indexes) < 2:
            continue
        first = indexes[0]
        reports[first].split.append(f"{kind}: {_sample(element, 6)}")
        height = sum(pages[index].elements[element] for index in indexes)
        if height > pages[first].height * 0.98:
            continue  # taller than a page: it cannot be kept whole
        faults.append(Fault(first + 1, "split block",
                            f"a {kind} runs from page {first + 1} to page {indexes[-1] + 1} "
                            f"(\"{_sample(element, 6)}\")",
                            _anchor(_section_of(element, parents)), _sample(element), element))
    return faults


def _list_faults(pages: list[MeasuredPage], parents: dict, limits: Limits) -> list[Fault]:
    """Lists split over a page turn with fewer than two items on one of the pages."""
    where: dict[object, list[int]] = {}
    for page in pages:
        for element, height in page.elements.items():
            if element.tag == "li" and height > 1:
                where.setdefault(element, []).append(page.index)
    lists: dict[object, list[int]] = {}
    for item, indexes in where.items():
        lists.setdefault(parents.get(item), []).append(indexes[0])
    faults = []
    for owner, firsts in lists.items():
        turns = sorted(set(firsts))
        if len(turns) < 2:
            continue
        fewest = min(firsts.count(turns[0]), firsts.count(turns[-1]))
        if fewest < limits.list_items:
            first = next(iter(owner), None)
            kind = "questions" if first is not None and \
                kept_kind(first, parents) == "question" else "list"
            faults.append(Fault(turns[0] + 1, "split list",
                                f"a {kind} list split over pages {turns[0] + 1} and "
                                f"{turns[-1] + 1} leaves {fewest} item on one of them "
                                f"(\"{_sample(owner, 6)}\")",
                                _anchor(_section_of(owner, parents)), _sample(owner), owner))
    return faults


def _heading_faults(lines: list[Line], parents: dict, limits: Limits) -> list[Fault]:
    """Headings with fewer than two lines of their own text after them on their page."""
    faults = []
    for index, line in enumerate(lines):
        if line.element is None or line.element.tag not in _HEADINGS:
            continue
        if index + 1 < len(lines) and lines[index + 1].element is line.element:
            continue  # judge a heading by its last line
        level = int(line.element.tag[1])
        own = []
        for after in lines[index + 1:]:
            if after.element is not None and after.element.tag in _HEADINGS and \
                    int(after.element.tag[1]) <= level:
                break
            if _section_of(after.element, parents) is not _section_of(line.element, parents):
                break
            own.append(after)
        needed = min(limits.lines_after_heading, len(own))
        if sum(after.page == line.page for after in own[:needed]) < needed:
            faults.append(Fault(line.page + 1, "heading",
                                f"the heading \"{line.text}\" ends page {line.page + 1} "
                                f"without {needed} lines of its text after it",
                                _anchor(_section_of(line.element, parents)), line.text,
                                line.element))
    return faults


def _paragraph_faults(lines: list[Line], parents: dict, limits: Limits) -> list[Fault]:
    """Split paragraphs with fewer than two lines on either page: widows and orphans."""
    by_element: dict[object, list[Line]] = {}
    for line in lines:
        if line.element is not None and line.element.tag not in _HEADINGS:
            by_element.setdefault(line.element, []).append(line)
    faults = []
    for element, own in by_element.items():
        pages = sorted({line.page for line in own})
        if len(pages) < 2:
            continue
        first = sum(line.page == pages[0] for line in own)
        last = sum(line.page == pages[-1] for line in own)
        if min(first, last) < limits.paragraph_lines:
            what = "orphan" if first < limits.paragraph_lines else "widow"
            faults.append(Fault(pages[0] + 1, what,
                                f"a paragraph split over pages {pages[0] + 1} and "
                                f"{pages[-1] + 1} leaves {min(first, last)} line on one of "
                                f"them ({what}): \"{_sample(element, 6)}\"",
                                _anchor(_section_of(element, parents)), _sample(element),
                                element))
    return faults


def _short_line_faults(lines: list[Line], parents: dict, limits: Limits) -> list[Fault]:
    """Lines broken early: the next line's first word would have fitted on them."""
    faults = []
    for line, following in itertools.pairwise(lines):
        element = line.element
        if element is None or following.container != line.container \
                or element.tag in _HEADINGS \
                or line.beside_float or following.beside_float or not line.measure \
                or line.used >= line.measure * limits.short_line_share \
                or next(element.iter("br"), None) is not None:  # a break the author asked for
            continue
        first_box = following.boxes[0]
        word = first_box.text.split()[0] if first_box.text.split() else ""
        if not word or not first_box.text:
            continue
        # The word's width, in proportion to its share of the first text box on its line.
        word_width = first_box.width * len(word) / len(first_box.text)
        space = first_box.style["font_size"] * 0.3
        if line.used + space + word_width < line.measure - 1:
            faults.append(Fault(line.page + 1, "short line",
                                f"a line breaks early on page {line.page + 1}: \"{line.text}\" "
                                f"is followed by \"{word}\", which fits after it",
                                _anchor(_section_of(element, parents)), line.text, element))
    return faults


def ends_with_hyphen(text: str) -> bool:
    """Return whether a line of text ends on a hyphen (not a dash)."""
    return text.rstrip().endswith(HYPHENS)


def _hyphen_faults(pages: list[MeasuredPage], lines: list[Line], reports: list[PageReport],
                   parents: dict, limits: Limits) -> list[Fault]:
    """Hyphens at a page's end, ladders of hyphenated lines and breaks too near a word's end."""
    faults = []
    run = 0
    for index, line in enumerate(lines):
        hyphenated = ends_with_hyphen(line.text)
        following = lines[index + 1] if index + 1 < len(lines) else None
        run = run + 1 if hyphenated else 0
        if not hyphenated:
            continue
        report = reports[line.page]
        before = LETTERS.findall(line.text.rstrip().rstrip("".join(HYPHENS)))
        after = LETTERS.findall(following.text) if following else []
        word = (before[-1] if before else "") + "-" + (after[0] if after else "")
        report.hyphenated_lines.append(word)
        section = _anchor(_section_of(line.element, parents))
        last_on_page = following is None or following.page != line.page
        if last_on_page:
            report.hyphen_at_page_end = True
            if not limits.hyphen_at_page_end:
                faults.append(Fault(line.page + 1, "hyphen at page end",
                                    f"page {line.page + 1} ends on a hyphenated word "
                                    f"(\"{word}\")", section, line.text, line))
        if run > limits.max_hyphen_ladder:
            faults.append(Fault(line.page + 1, "hyphen ladder",
                                f"{run} hyphenated lines in a row on page {line.page + 1}, "
                                f"ending \"{word}\"", section, line.text, line))
        if not before or not after or min(len(before[-1]), len(after[0])) < \
                limits.min_hyphen_letters:
            faults.append(Fault(line.page + 1, "short hyphenation",
                                f"\"{word}\" on page {line.page + 1} leaves fewer than "
                                f"{limits.min_hyphen_letters} letters on one side",
                                section, line.text, line))
    return faults


def where_written(fault: Fault, booklet, library) -> str:
    """Return path:line of the source a fault concerns: its text's line, or its section's."""
    section = next((section for section in booklet.sections
                    if section.anchor == fault.section), None)
    if section is not None:
        path = section.path
    elif fault.section == "help-and-support":
        path = library.root / "directory.yaml"
    else:
        path = booklet.manifest
    return f"{display_path(path)}:{_line_of(path, fault.text)}"


def _line_of(path: Path, text: str) -> int:
    """Return the line holding the start of `text`, or the title line, or 1."""
    try:
        lines = [_plain(line) for line in read_content_text(path, None).splitlines()]
    except (OSError, ContentError):
        return 1
    words = _plain(text).split()
    for count in (5, 3, 2):
        if len(words) >= count:
            phrase = " ".join(words[:count])
            for number, line in enumerate(lines, 1):
                if phrase in " ".join(line.split()):
                    return number
    for number, line in enumerate(lines, 1):
        if line.startswith("title:"):
            return number
    return 1


def _plain(text: str) -> str:
    """Return text without Markdown marks, soft hyphens or curly quotes, for matching."""
    text = text.replace(SOFT_HYPHEN, "").translate(str.maketrans("‘’“”", "''\"\""))
    return re.sub(r"[*_`\[\]#>]", "", text)
