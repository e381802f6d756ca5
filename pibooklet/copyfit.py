"""Copyfitting: what a designer does about the faults the layout report finds.

A word broken at a page end, or as a third hyphen in a row, is kept whole. A heading stranded
at a page foot starts the next page. A line broken before a word that fits gets its paragraph's
word spacing opened or closed a hair. A page that a forced break or a tall block leaves more than
half empty gets ruled space to write on. Each change is made in the parsed document and the
booklet is laid out again; anything still wrong is left for the report to warn about.
"""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree import ElementTree

import cssselect2

from . import loader  # noqa: F401 - first: it loads WeasyPrint faster

# isort: split
import weasyprint
from weasyprint.formatting_structure import boxes

from .hyphenation import SOFT_HYPHEN, keep_whole, prepare
from .layout import lay_out
from .messages import N_
from .pagination import (
    HYPHENS,
    LETTERS,
    LIMITS,
    Line,
    PageReport,
    analyse,
    fill_faults,
    gather_page,
    kept_kind,
    page_fill,
    page_kind,
)

#: The heading of the ruled space that fills a page a forced break leaves more than half empty
#: (in English: it is printed in the booklet's language).
WRITE_IN_TITLE = N_("Your questions")
_WRITE_IN_OVERHEAD_PX = 64  # its title and margins
_MOST_PASSES = 4
#: The class that sends a heading to the top of the next page (booklet.css).
TURN_BEFORE_CLASS = "turn-before"
#: Classes that open or close a paragraph's word spacing slightly (booklet.css), in the order
#: tried: WeasyPrint sometimes breaks a line just before a word that fits, and a hair of
#: spacing moves the break.
RESPACING_CLASSES = ("loosen", "tighten", "loosen-more", "tighten-more")
#: The class that sets a floated picture in the flow, where it is kept whole (components.css).
IN_FLOW_CLASS = "in-flow"
#: The class that lets a kept block taller than a page begin under its heading (booklet.css):
#: it must split anyway, and kept whole it would leave the heading alone on its page.
SPLIT_TALL_CLASS = "split-tall"
#: The class that lets a web or email address wider than the whole line break where it allows,
#: after a slash or hyphen (large-print.css, where addresses are otherwise kept whole).
LONG_ADDRESS_CLASS = "long-address"
_ADDRESS_CLASSES = {"url", "email"}
#: One part of such an address, up to and including a slash, kept whole (large-print.css).
ADDRESS_PART_CLASS = "address-part"


def lay_out_designed(html: str, base: Path, fetcher, hyphenate: bool,
                     exceptions: tuple[str, ...],
                     write_in_title: str = WRITE_IN_TITLE) -> weasyprint.Document:
    """Lay out the booklet, then mend what a designer would: hyphens, headings, thin pages.

    A bad hyphen is mended by keeping its word whole, a stranded heading by starting it on the
    next page; a page that the next block or a new-page section leaves more than half empty
    gets ruled space to write on. Anything still wrong is left for the report to warn about.
    """
    source = weasyprint.HTML(string=html, base_url=base.as_uri() + "/", url_fetcher=fetcher)
    prepare(source.etree_element, hyphenate, exceptions)
    root = source.etree_element
    # Each layout is dropped before the next is made: a long booklet's boxes take more memory
    # than anything else in the build.
    document = _mend(source, root, base, fetcher, lay_out(source, base, fetcher))
    added = _fill_thin_pages(document, root, write_in_title)
    if added:
        document = None
        document = _lay_out_again(source, base, fetcher)
        # Ruled space that did not land where it was meant to fill is taken out again.
        strays = _misplaced(document, added)
        if strays:
            parents = {child: parent for parent in root.iter() for child in parent}
            for stray in strays:
                parents[stray].remove(stray)
            document = None
            document = _lay_out_again(source, base, fetcher)
    return document


def _mend(source: weasyprint.HTML, root, base: Path, fetcher,
          document: weasyprint.Document) -> weasyprint.Document:
    """Mend the faults a designer would, laying out again after each round; return the last
    layout (the one given, when nothing needed mending)."""
    for _ in range(_MOST_PASSES):
        if not _mended(root, document):
            break
        document = None  # freed before the next layout is made
        document = _lay_out_again(source, base, fetcher)
    return document


def _mended(root, document: weasyprint.Document) -> bool:
    """Mend in the parsed document the faults of this layout; return whether any was."""
    report = analyse(document)
    mended = [fault for fault in report.faults if isinstance(fault.element, Line)
              and _keep_word_whole(root, fault.element)]
    mended += [fault for fault in report.faults if fault.kind == "heading"
               and (_turn_before(fault.element)
                    or _let_tall_block_follow(fault.element, root, document))]
    mended += [fault for fault in report.faults if fault.kind == "short line"
               and _respace(fault.element)]
    mended += [fault for fault in report.faults if fault.kind == "split block"
               and _set_in_flow(fault.element)]
    return bool(mended) or _break_long_addresses(document)


def _misplaced(document: weasyprint.Document, added: dict) -> list:
    """Return the ruled spaces that are not on the page they were made for."""
    pages = {}
    for index, page in enumerate(document.pages):
        for box in page._page_box.descendants():
            if getattr(box, "element", None) in added:
                pages.setdefault(box.element, set()).add(index)
    return [element for element, index in added.items() if pages.get(element) != {index}]


def _lay_out_again(source: weasyprint.HTML, base: Path, fetcher) -> weasyprint.Document:
    """Lay out a document whose tree was changed (the selector wrapper caches the old one)."""
    source.wrapper_element = cssselect2.ElementWrapper.from_html_root(
        source.etree_element, content_language=None)
    return lay_out(source, base, fetcher)


def _turn_before(heading) -> bool:
    """Start a heading stranded at a page foot on the next page; return whether it moved."""
    classes = (heading.get("class") or "").split()
    if TURN_BEFORE_CLASS in classes:
        return False
    heading.set("class", " ".join([*classes, TURN_BEFORE_CLASS]))
    return True


def _respace(block) -> bool:
    """Open or close a block's word spacing a little more at each try, as a designer tracks a
    paragraph that breaks badly; return whether there was a spacing left to try."""
    classes = (block.get("class") or "").split()
    tried = next((index for index, name in enumerate(RESPACING_CLASSES) if name in classes), -1)
    if tried + 1 == len(RESPACING_CLASSES):
        return False
    if tried >= 0:
        classes.remove(RESPACING_CLASSES[tried])
    block.set("class", " ".join([*classes, RESPACING_CLASSES[tried + 1]]))
    return True


def _set_in_flow(figure) -> bool:
    """Set a floated picture that a page turn splits in the flow; return whether it was one.

    WeasyPrint lays a float out as if at the top of a page, so it splits it at the page foot
    whatever its break-inside; in the flow it is kept whole and moves to the next page.
    """
    classes = (figure.get("class") or "").split()
    if not {"place-left", "place-right"} & set(classes) or IN_FLOW_CLASS in classes:
        return False
    figure.set("class", " ".join([*classes, IN_FLOW_CLASS]))
    return True


def _let_tall_block_follow(heading, root, document: weasyprint.Document) -> bool:
    """Let the kept block after a stranded heading split, when it is taller than a page anyway;
    return whether it was such a block."""
    parents = {child: parent for parent in root.iter() for child in parent}
    parent = parents.get(heading)
    siblings = list(parent) if parent is not None else []
    following = siblings[siblings.index(heading) + 1] \
        if heading in siblings[:-1] else None
    if following is None or kept_kind(following, parents) is None or \
            SPLIT_TALL_CLASS in (following.get("class") or "").split():
        return False
    height = sum(box.height for page in document.pages
                 for box in page._page_box.descendants()
                 if isinstance(box, boxes.BlockBox) and box.element is following)
    if height <= max(page._page_box.height for page in document.pages):
        return False
    following.set("class", " ".join([*(following.get("class") or "").split(),
                                     SPLIT_TALL_CLASS]))
    return True


def _break_long_addresses(document: weasyprint.Document) -> bool:
    """Let each address kept whole but wider than its whole line break; return whether any was.

    An address kept whole moves to the next line when it does not fit the rest of one, so one
    that still runs past the text area cannot fit a line of its own.
    """
    changed = False
    for page in document.pages:
        page_box = page._page_box  # WeasyPrint has no public box walker
        right = page_box.content_box_x() + page_box.width
        for box in page_box.descendants():
            element = getattr(box, "element", None)
            if not isinstance(box, boxes.InlineBox) or element is None or element.tag != "a":
                continue
            classes = (element.get("class") or "").split()
            if not _ADDRESS_CLASSES & set(classes) or LONG_ADDRESS_CLASS in classes:
                continue
            if box.position_x + box.margin_width() > right + 0.5:
                element.set("class", " ".join([*classes, LONG_ADDRESS_CLASS]))
                _part_at_slashes(element)
                changed = True
    return changed


def _part_at_slashes(link) -> None:
    """Set an address's text as parts each ending in a slash, kept whole (large-print.css), so
    it breaks only after a slash, never at a hyphen where it would read as hyphenated."""
    if len(link) or not link.text:
        return
    parts = re.findall(r"[^/]*/+|[^/]+$", link.text)
    link.text = None
    for part in parts:
        ElementTree.SubElement(link, "span", {"class": ADDRESS_PART_CLASS}).text = part


def _keep_word_whole(root, line: Line) -> bool:
    """Keep the word broken at the end of a faulty line whole; return whether it was found."""
    last = line.boxes[-1]
    before = LETTERS.findall(last.text.rstrip().rstrip("".join(HYPHENS)))
    if not before or last.element is None:
        return False
    word = before[-1]
    follow = _following_letters(line)
    return keep_whole(root, word + "-" + follow if follow else word, first_only_in=last.element)


def _following_letters(line: Line) -> str:
    """Return the letters that continue the broken word on the next line, if known."""
    element = line.boxes[-1].element
    text = "".join(element.itertext()) if element is not None else ""
    head = line.boxes[-1].text.rstrip().rstrip("".join(HYPHENS))
    start = text.replace(SOFT_HYPHEN, "").find(head.replace(SOFT_HYPHEN, ""))
    if start < 0:
        return ""
    rest = text.replace(SOFT_HYPHEN, "")[start + len(head.replace(SOFT_HYPHEN, "")):]
    match = LETTERS.match(rest.lstrip("-"))
    return match[0] if match else ""


def _fill_thin_pages(document: weasyprint.Document, root, title: str) -> dict:
    """Put ruled space headed `title` on each thin page; return it, by page index."""
    parents = {child: parent for parent in root.iter() for child in parent}
    pages = [gather_page(index, page._page_box, parents)
             for index, page in enumerate(document.pages)]
    reports = [PageReport(page.index + 1, page_kind(page), page_fill(page)) for page in pages]
    first_page: dict[object, int] = {}
    for page in pages:
        for element in page.elements:
            first_page.setdefault(element, page.index)
    added = {}
    pitch = _notes_line_pitch(document)
    for fault in fill_faults(pages, reports, parents, LIMITS):
        page = pages[fault.page - 1]
        following = pages[fault.page] if fault.page < len(pages) else None
        if following is None or not following.lines:
            continue
        start = following.lines[0].element
        if first_page.get(start) != following.index:
            continue  # the page ends mid-block: ruled space there would split it
        while start.tag != "section" and parents.get(start) is not None \
                and parents[start].tag not in ("main", "body") \
                and first_page.get(parents[start]) == following.index:
            start = parents[start]
        lines = int((page.top + page.height - page.bottom - _WRITE_IN_OVERHEAD_PX - pitch)
                    // pitch)
        if lines < 2:
            continue
        parent = parents[start]
        write_in = _write_in(lines, title)
        parent.insert(list(parent).index(start), write_in)
        added[write_in] = page.index
    return added


def _notes_line_pitch(document: weasyprint.Document) -> float:
    """Return the height of one ruled line as this edition sets it (from the notes pages)."""
    for page in reversed(document.pages):
        for box in page._page_box.descendants():
            element = getattr(box, "element", None)
            if element is not None and "notes-line" in (element.get("class") or "").split() \
                    and isinstance(box, boxes.BlockBox):
                return box.margin_height()
    return 8.6 / 25.4 * 96  # booklet.css: .notes-line height


def _write_in(lines: int, heading: str):
    """Return ruled space to write on, with its heading."""
    box = ElementTree.Element("div", {"class": "write-in"})
    title = ElementTree.SubElement(box, "p", {"class": "write-in-title"})
    title.text = heading
    ruled = ElementTree.SubElement(box, "div", {"class": "write-in-lines",
                                                "aria-hidden": "true"})
    for _ in range(lines):
        ElementTree.SubElement(ruled, "div", {"class": "notes-line"})
    return box
