"""Addresses too wide for a large-print line, measured from the font's advance widths.

Large print never splits a web or email address except after a slash (RNIB and UKAAF
guidance; large-print.css), so a part of one wider than the whole line cannot be printed and
the build refuses it. `check` foresees that without laying anything out: it adds up each
character's advance width in the brand typeface at the large-print size and compares it with
the line the large-print stylesheet's page margins leave.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import tinycss2
from fontTools.ttLib import TTFont

from .content import DIRECTORY_FILE, Booklet, Library
from .errors import Problem
from .intake import read_content_text
from .links import find_contacts

MM_PER_PT = 25.4 / 72
# An address breaks only after its slashes (copyfit.py sets each part kept whole).
_ADDRESS_PARTS = re.compile(r"[^/]*/+|[^/]+$")
_MM = re.compile(r"^(\d+(?:\.\d+)?)mm$")


def large_print_measure_mm(stylesheet: Path) -> float | None:
    """Return the width in mm of a large-print line: the first @page rule's size less its left
    and right margins, or None when the stylesheet does not give both in mm."""
    # Through the front door: a content folder's own stylesheet is untrusted (size, FIFO).
    rules = tinycss2.parse_stylesheet(read_content_text(stylesheet, None),
                                      skip_comments=True, skip_whitespace=True)
    for rule in rules:
        if rule.type == "at-rule" and rule.lower_at_keyword == "page" and \
                not "".join(token.serialize() for token in rule.prelude).strip():
            values = {declaration.lower_name: [token.serialize() for token in declaration.value
                                               if token.type != "whitespace"]
                      for declaration in tinycss2.parse_blocks_contents(
                          rule.content, skip_comments=True, skip_whitespace=True)
                      if declaration.type == "declaration"}
            size, margin = values.get("size", []), values.get("margin", [])
            lengths = [_MM.match(value) for value in [*size[:1], *margin]]
            if not size or not margin or not all(lengths):
                return None
            width, *sides = (float(match[1]) for match in lengths)
            # CSS margin shorthand: one, two, three or four values.
            right = sides[1] if len(sides) > 1 else sides[0]
            left = sides[3] if len(sides) == 4 else right
            return width - left - right
    return None


@cache
def _advances(font: Path) -> tuple[dict[int, int], float]:
    """Return the font's advance width per character, and its units per em."""
    face = TTFont(font, lazy=True, fontNumber=0)
    glyphs = face.getBestCmap() or {}
    metrics = face["hmtx"].metrics
    return ({char: metrics[name][0] for char, name in glyphs.items() if name in metrics},
            float(face["head"].unitsPerEm))


def text_width_mm(text: str, font: Path, size_pt: float) -> float:
    """Return the width of `text` set in `font` at `size_pt`, without kerning."""
    advances, units = _advances(font)
    fallback = advances.get(ord("m"), units * 0.6)  # a character the font lacks: wide
    return sum(advances.get(ord(char), fallback) for char in text) / units * size_pt * MM_PER_PT


def printed_files(booklet: Booklet, library: Library) -> list[Path]:
    """Return the content files whose text a booklet prints: its words (for a translation),
    the organisation and directory, its manifest and its sections."""
    words = library.words_for(booklet)
    files = [*((words.path, words.directory_path) if words else ()),
             library.organisation.path, library.root / DIRECTORY_FILE, booklet.manifest,
             *(section.path for section in booklet.sections)]
    return list(dict.fromkeys(path for path in files if path is not None))


def too_wide_addresses(library: Library, files: list[Path], stylesheet: Path) -> list[Problem]:
    """Return a problem for each web or email address in `files` with a part wider than the
    large-print line, at its file and line."""
    measure = large_print_measure_mm(stylesheet)
    fonts = [path for path, weight, style in library.organisation.typefaces.brand.files
             if style == "normal" and weight in (None, "400", "normal")]
    if measure is None or not fonts:
        return []
    size = library.organisation.large_print.body_size
    problems: dict[Problem, None] = {}
    for path in files:
        for number, line in enumerate(read_content_text(path, None).splitlines(), 1):
            for contact in find_contacts(line):
                if contact.kind not in ("web", "email"):
                    continue
                width, part = max((text_width_mm(part, fonts[0], size), part)
                                  for part in _ADDRESS_PARTS.findall(contact.text))
                if width > measure:
                    where = "" if part == contact.text else f" (its part '{part}')"
                    problems[Problem(path, number, (
                        f"{contact.text}{where} is {width:.0f} mm wide at {size} pt, wider "
                        f"than the large-print line of {measure:.0f} mm; an address is never "
                        "split there, so use a shorter one (for example the organisation's "
                        "home page, or a short link it redirects)"))] = None
    return list(problems)
