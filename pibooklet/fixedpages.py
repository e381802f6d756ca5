"""The cover, inside cover and back cover must each fit their one page.

Each part is measured as laid out: the lines and images it holds, against the room its page
gives. One that overflows is reported at the YAML key of its longest block (templates mark each
block with data-source), with how many lines too long it is. `build.py --check` lays out just
these three pages, so it foresees what the full build would find.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from .content import Booklet, Library
from .errors import ERROR, BuildError, Problem
from .specimen import specimen_booklet

PARTS = {"cover": "the cover", "inside-cover": "the inside cover",
         "back-cover": "the back cover"}
# Covers run to the trim; their text stays clear of the bottom edge, where other pages
# print their number.
COVER_SAFE_BOTTOM_MM = 18
# The cover's website line sits at the foot of the cover: the title must end above it.
COVER_FOOT_CLASS = "cover-website"
# What must still fit one page in the re-flowed large-print edition.
REFLOWED_MUST_FIT = ("cover", "back-cover")
LINE_HEIGHT_EM = 1.45
PX_PER_MM = 96 / 25.4
PX_PER_PT = 96 / 72


@dataclass
class _Part:
    """Where one fixed part's content sits, page by page, and its blocks' heights."""

    pages: dict[int, tuple[float, float]] = field(default_factory=dict)  # top, bottom
    limit: float | None = None  # the lowest its content may reach on its first page
    sources: dict[str, float] = field(default_factory=dict)

    def add(self, page: int, top: float, bottom: float, source: str | None) -> None:
        """Record one line or image of the part."""
        low, high = self.pages.get(page, (top, bottom))
        self.pages[page] = (min(low, top), max(high, bottom))
        if source:
            self.sources[source] = self.sources.get(source, 0) + bottom - top


def fixed_page_problems(document, booklet: Booklet, library: Library, body_size: float,
                        edition: str = "") -> list[Problem]:
    """Return a problem for each fixed page whose content does not fit its one page.

    The large-print edition is re-flowed, so its inside cover may run on to a second page like
    any other text; its covers must still fit.
    """
    parts: dict[str, _Part] = {}
    for index, page in enumerate(document.pages):
        page_box = page._page_box  # WeasyPrint has no public box walker
        bottom = page_box.content_box_y() + page_box.height
        _walk(page_box, index, None, None, parts, bottom)
    line = body_size * PX_PER_PT * LINE_HEIGHT_EM
    problems = []
    for part_id, part in parts.items():
        if edition == "large-print" and part_id not in REFLOWED_MUST_FIT:
            continue
        first = min(part.pages)
        overflow = max(0.0, part.pages[first][1] - part.limit) if part.limit else 0.0
        overflow += sum(bottom - top for page, (top, bottom) in part.pages.items()
                        if page != first)
        if overflow > 0.5:
            problems.append(_problem(part_id, part, math.ceil(overflow / line), booklet,
                                     library, edition))
    return problems


def _walk(box, page: int, part: str | None, source: str | None, parts: dict[str, _Part],
          page_bottom: float) -> None:
    element = getattr(box, "element", None)
    if element is not None and hasattr(element, "get"):
        if element.get("id") in PARTS and part is None:
            part = element.get("id")
            found = parts.setdefault(part, _Part())
            if found.limit is None and part in ("cover", "back-cover"):
                found.limit = page_bottom - COVER_SAFE_BOTTOM_MM * PX_PER_MM
            elif found.limit is None:
                found.limit = page_bottom
        source = element.get("data-source") or source
        if part == "cover" and COVER_FOOT_CLASS in (element.get("class") or "").split():
            parts[part].limit = min(parts[part].limit, box.position_y)
            return  # the foot line is the limit, not content
    kind = type(box).__name__
    if part and (kind == "LineBox" or kind.endswith("ReplacedBox")):
        parts[part].add(page, box.position_y, box.position_y + box.margin_height(), source)
        if kind == "LineBox":
            return
    for child in getattr(box, "children", ()):
        _walk(child, page, part, source, parts, page_bottom)


def _problem(part_id: str, part: _Part, lines: int, booklet: Booklet, library: Library,
             edition: str) -> Problem:
    """Blame the YAML key of the part's longest block, with its file and line."""
    organisation = library.organisation
    source = max(part.sources, key=part.sources.get) if part.sources else None
    where, key = (source or "manifest:title").split(":", 1)
    words = library.words_for(booklet)
    if where == "organisation" and words and key.split(".")[0] in words.source:
        path, data = words.path, words.source  # the words in the booklet's language
    elif where == "organisation":
        path, data = organisation.path, organisation.source
    else:
        path, data = booklet.manifest, booklet.source
    line = _line_of(data, key)
    edition_note = f" in the {edition} edition" if edition else ""
    how = {"cover": "shorten the title or subtitle",
           "inside-cover": "shorten it, or move text into a section",
           "back-cover": "shorten it, or leave a block out of 'back_cover' in "
                         f"{Path(organisation.path).name}"}[part_id]
    return Problem(path, line, f"{PARTS[part_id]} is {lines} line{'s' if lines != 1 else ''} "
                   f"too long for its page{edition_note}; its longest block is '{key}': {how}",
                   ERROR)


def _line_of(data, key: str) -> int | None:
    """Return the line of a dotted key such as inside_cover.reviewers."""
    line = None
    for part in key.split("."):
        if not hasattr(data, "line_of"):
            break
        line = data.line_of(part)
        data = data.get(part) if isinstance(data, dict) else None
    return line


def check_fixed_pages(booklets: list[Booklet], library: Library, theme) -> list[Problem]:
    """Lay out only the fixed pages of each booklet (screen edition) and report overflows."""
    # Imported here: only this check, not the rest of --check, needs the layout engine.
    from .contrast import contrast_problems
    from .layout import lay_out
    from .render import STANDARD_BODY_SIZE, render_html

    fetcher = _fetcher(library, theme)
    problems: dict[Problem, None] = {}  # a back cover too long is one problem, not one a booklet
    for booklet in booklets:
        rendered = render_html(booklet, library, theme, notes_pages=0, fixed_only=True)
        try:
            document = lay_out(rendered.html, booklet.folder, fetcher)
        except BuildError as error:
            problems[Problem(booklet.manifest, None, str(error))] = None
            continue
        problems.update(dict.fromkeys(
            fixed_page_problems(document, booklet, library, STANDARD_BODY_SIZE)))
        problems.update(dict.fromkeys(contrast_problems(document, library.organisation)))
    return list(problems)


def check_specimen_contrast(booklet: Booklet, library: Library, theme) -> list[Problem]:
    """Lay out the specimen section (specimen.py) in `booklet`'s dress; return the colour
    pairs that fall short of WCAG AA, at their colour's line in organisation.yaml."""
    from .contrast import contrast_problems
    from .layout import lay_out
    from .render import render_html

    rendered = render_html(specimen_booklet(booklet), library, theme, notes_pages=1)
    try:
        document = lay_out(rendered.html, booklet.folder, _fetcher(library, theme))
    except BuildError as error:
        return [Problem(booklet.manifest, None, str(error))]
    return contrast_problems(document, library.organisation)


def _fetcher(library: Library, theme):
    """Return the fetcher the check's small layouts read through: the content folder, the
    theme's folders and the typefaces, nothing else."""
    from .layout import ConfinedFetcher

    return ConfinedFetcher([library.root, *theme.folders,
                            *library.organisation.typefaces.folders],
                           search_paths=(theme.template_dirs, theme.style_dirs))
