"""Whether the notes can begin on the page where Help and support ends, and with how many lines.

A designer starts "Your notes" under the directory when the directory ends early, rather than
leaving the rest of that page empty. CSS cannot fill "the rest of a page", so the first layout
is measured: the room left under Help and support, the height of the notes heading and the
pitch of the ruled lines. When at least MIN_LINES fit, the parsed booklet is changed as
templates/notes.html would write it with `notes_start_lines` (start_notes_under_support) and
laid out once more, with the notes starting there.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from .layout import NOTES_ANCHOR_PREFIX

# Fewer ruled lines than this under the directory is not worth starting the notes for.
MIN_LINES = 4
SUPPORT_ANCHOR = "help-and-support"
#: The class that lets the first notes section follow Help and support (booklet.css).
NOTES_START_CLASS = "notes-start"
# The gap above the notes heading when it follows the directory: .notes-start's margin-top.
GAP_EM = 1.2
PX_PER_PT = 96 / 72


def notes_start_lines(document, body_size: float) -> int:
    """Return how many ruled lines fit under Help and support (0 when fewer than MIN_LINES)."""
    pages = document.pages
    notes_first = next((index for index, page in enumerate(pages)
                        if f"{NOTES_ANCHOR_PREFIX}1" in page.anchors), None)
    if notes_first is None or notes_first == 0:
        return 0
    support_page = pages[notes_first - 1]
    if not any(SUPPORT_ANCHOR in page.anchors for page in pages[:notes_first]):
        return 0
    heading, pitch = _notes_geometry(pages[notes_first]._page_box)
    if not pitch:
        return 0
    page_box = support_page._page_box  # WeasyPrint has no public box walker
    page_bottom = page_box.content_box_y() + page_box.height
    room = page_bottom - _content_bottom(page_box) - GAP_EM * body_size * PX_PER_PT - heading
    lines = math.floor(room / pitch + 0.01)
    return lines if lines >= MIN_LINES else 0


def start_notes_under_support(root, lines: int) -> Callable[[], None]:
    """Make the first notes section follow Help and support with `lines` ruled lines, as
    templates/notes.html writes it given notes_start_lines; return what undoes the change."""
    section = next(element for element in root.iter("section")
                   if element.get("id") == f"{NOTES_ANCHOR_PREFIX}1")
    ruled = next(element for element in section.iter("div")
                 if "notes-lines" in (element.get("class") or "").split())
    classes, kept = section.get("class"), list(ruled)
    section.set("class", f"{classes} {NOTES_START_CLASS}")
    for line in kept[lines:]:
        ruled.remove(line)
    for _ in range(lines - len(kept)):
        ruled.append(ruled.makeelement(kept[0].tag, dict(kept[0].attrib)))

    def undo() -> None:
        section.set("class", classes)
        ruled[:] = kept
    return undo


def _notes_geometry(page_box) -> tuple[float, float]:
    """Return the height above the first ruled line, and the pitch of the lines."""
    tops = sorted(box.position_y for box in page_box.descendants()
                  if _has_class(box, "notes-line"))
    if len(tops) < 2:
        return 0.0, 0.0
    return tops[0] - page_box.content_box_y(), tops[1] - tops[0]


def _content_bottom(page_box) -> float:
    """Return the lowest edge of any line, image or drawn box in the page area."""
    bottom = page_box.content_box_y()
    for box in _in_page_area(page_box):
        kind = type(box).__name__
        if kind == "LineBox" or kind.endswith("ReplacedBox") or _has_class(box, "notes-line"):
            bottom = max(bottom, box.position_y + box.margin_height())
    return bottom


def _in_page_area(box):
    """Yield the boxes of the page area, leaving out the margin boxes (page numbers)."""
    for child in getattr(box, "children", ()):
        if type(child).__name__ == "MarginBox":
            continue
        yield child
        yield from _in_page_area(child)


def _has_class(box, name: str) -> bool:
    element = getattr(box, "element", None)
    return element is not None and hasattr(element, "get") and \
        name in (element.get("class") or "").split() and \
        type(box).__name__ == "BlockBox"
