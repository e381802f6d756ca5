"""Pairing old and new pages, and finding what changed on each: regions, words, reflow.

Words are compared across the whole edition, not page by page, so text pushed onto the next
page by an edit is told apart from text that changed: "text reflowed from old page 6".
Pages are paired by the words they share (a page added or removed shifts the pairs), then
each pair is rendered and compared pixel by pixel; the changed pixels are grouped into
regions a paragraph wide, not one a glyph.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from difflib import SequenceMatcher

import numpy

from ..limits import MAX_DIFF_REGIONS
from .pages import Edition, render_scale

MM = 72 / 25.4
#: How far a pixel's colour must move (of 255, in any channel) to count as changed: more
#: than a rounding, less than the faintest tint a booklet prints.
PIXEL_TOLERANCE = 24
#: Changed pixels are gathered in cells of this size; cells this many apart join one region,
#: so the lines of a changed paragraph (about 2 mm apart) make one box.
CELL_MM = 2.0
REACH_CELLS = 1
#: Pages whose sizes differ by more than this, in points, are compared as wholes.
SIZE_TOLERANCE_PT = 0.5
#: How much of an edit's old and new text a message quotes.
SNIPPET_CHARACTERS = 40

ADDED, REMOVED, SIZE, TEXT, REFLOWED, LAYOUT = (
    "added", "removed", "size", "text", "reflowed", "layout")


@dataclass(frozen=True)
class Region:
    """A changed rectangle of a page, in points from the page's top-left corner."""

    left: float
    top: float
    right: float
    bottom: float


@dataclass
class PageChange:
    """What changed between an old page and the new page paired with it (either may be None)."""

    old: int | None
    new: int | None
    kind: str
    message: str
    regions: list[Region] = field(default_factory=list)
    reflowed_from: tuple[int, ...] = ()
    reflowed_to: tuple[int, ...] = ()
    #: The inks (C, M, Y, K) whose separations differ, when press files were compared.
    inks: tuple[str, ...] | None = None


@dataclass
class Comparison:
    """Two editions, their pages paired in reading order, and the changes of each pair."""

    old: Edition
    new: Edition
    pairs: list[tuple[int | None, int | None]]
    changes: dict[tuple[int | None, int | None], PageChange]

    @property
    def identical(self) -> bool:
        """Whether nothing at all changed."""
        return not self.changes

    def changed_pages(self) -> list[int]:
        """Return the new edition's changed and added pages, in order."""
        return sorted({change.new for change in self.changes.values() if change.new})


def compare_editions(old: Edition, new: Edition) -> Comparison:
    """Pair the pages of two editions and find what changed on each pair."""
    words = _WordMatch(old, new)
    pairs = align_pages(len(old.pages), len(new.pages), words.similarity)
    changes = {}
    for pair in pairs:
        change = _compare_pair(old, new, pair, words)
        if change is not None:
            changes[pair] = change
    return Comparison(old, new, pairs, changes)


class _WordMatch:
    """The words of both editions matched as one text: shared words and edits per page."""

    def __init__(self, old: Edition, new: Edition):
        old_words = [(word, key, page.number) for page in old.pages
                     for word, key in zip(page.words, page.keys, strict=True)]
        new_words = [(word, key, page.number) for page in new.pages
                     for word, key in zip(page.words, page.keys, strict=True)]
        self.shared: Counter[tuple[int, int]] = Counter()
        self.edits: dict[int, list[tuple[str, str]]] = defaultdict(list)
        self.old_edits: dict[int, list[tuple[str, str]]] = defaultdict(list)
        matcher = SequenceMatcher(None, [key for _, key, _ in old_words],
                                  [key for _, key, _ in new_words], autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                for offset in range(i2 - i1):
                    self.shared[old_words[i1 + offset][2], new_words[j1 + offset][2]] += 1
                continue
            removed = " ".join(word for word, _, _ in old_words[i1:i2])
            added: dict[int, list[str]] = {}  # each page quotes the part of the edit it holds
            for word, _, page in new_words[j1:j2]:
                added.setdefault(page, []).append(word)
            if not added and new_words:  # removed words belong to the page of the one before
                added[new_words[max(j1 - 1, 0)][2]] = []
            for page, on_page in added.items():
                self.edits[page].append((removed, " ".join(on_page)))
            edit = (removed, " ".join(word for word, _, _ in new_words[j1:j2]))
            for page in {page for _, _, page in old_words[i1:i2]}:
                self.old_edits[page].append(edit)
        # Pages with the same words (blank notes pages, say) are alike even with no words.
        old_by_text: dict[tuple[str, ...], list[int]] = defaultdict(list)
        for page in old.pages:
            old_by_text[page.keys].append(page.number)
        self._same_text = {(number, page.number) for page in new.pages
                           for number in old_by_text.get(page.keys, ())}
        self._sources: dict[int, set[int]] = defaultdict(set)
        self._targets: dict[int, set[int]] = defaultdict(set)
        for old_page, new_page in self.shared:
            self._sources[new_page].add(old_page)
            self._targets[old_page].add(new_page)

    def similarity(self, old_page: int, new_page: int) -> float:
        """Return how alike two pages (numbered from 1) are: their shared words, and a little
        for any pair, so pages are paired rather than counted as removed and added."""
        return (self.shared.get((old_page, new_page), 0)
                + ((old_page, new_page) in self._same_text) + 0.001)

    def reflowed_from(self, old_page: int | None, new_page: int) -> tuple[int, ...]:
        """Return the old pages, other than its pair, that text on the new page came from."""
        return tuple(sorted(self._sources[new_page] - {old_page}))

    def reflowed_to(self, old_page: int, new_page: int | None) -> tuple[int, ...]:
        """Return the new pages, other than its pair, that text of the old page went to."""
        return tuple(sorted(self._targets[old_page] - {new_page}))


def align_pages(old_count: int, new_count: int, similarity) -> list[tuple[int | None, int | None]]:
    """Return the pages paired in reading order (numbered from 1; None: no partner), pairing
    the most alike pages without crossing, as a sequence alignment does."""
    score = [[0.0] * (new_count + 1) for _ in range(old_count + 1)]
    for i in range(1, old_count + 1):
        row, above = score[i], score[i - 1]
        for j in range(1, new_count + 1):
            row[j] = max(above[j - 1] + similarity(i, j), above[j], row[j - 1])
    pairs: list[tuple[int | None, int | None]] = []
    i, j = old_count, new_count
    while i or j:
        if i and j and score[i][j] == score[i - 1][j - 1] + similarity(i, j):
            pairs.append((i, j))
            i, j = i - 1, j - 1
        elif i and (not j or score[i][j] == score[i - 1][j]):
            pairs.append((i, None))
            i -= 1
        else:
            pairs.append((None, j))
            j -= 1
    return pairs[::-1]


def _compare_pair(old: Edition, new: Edition, pair: tuple[int | None, int | None],
                  words: _WordMatch) -> PageChange | None:
    """Return what changed between the two pages of a pair, or None when nothing did."""
    old_number, new_number = pair
    if old_number is None:
        sources = words.reflowed_from(None, new_number)
        edits = words.edits.get(new_number)
        return PageChange(None, new_number, ADDED, _joined(
            "added", _describe_edits(edits) if edits else "",
            _pages_phrase("text reflowed from old page", sources)),
            [_whole(new.pages[new_number - 1].size)], reflowed_from=sources)
    if new_number is None:
        targets = words.reflowed_to(old_number, None)
        return PageChange(old_number, None, REMOVED, _joined(
            "removed", _pages_phrase("its text reflowed to page", targets)),
            [_whole(old.pages[old_number - 1].size)], reflowed_to=targets)
    old_page, new_page = old.pages[old_number - 1], new.pages[new_number - 1]
    sources = words.reflowed_from(old_number, new_number)
    targets = words.reflowed_to(old_number, new_number)
    if any(abs(a - b) > SIZE_TOLERANCE_PT for a, b in zip(old_page.size, new_page.size,
                                                          strict=True)):
        return PageChange(old_number, new_number, SIZE, "page size changed from "
                          f"{_size(old_page.size)} to {_size(new_page.size)}",
                          [_whole(new_page.size)], sources, targets)
    regions = _changed_regions(old, new, old_number - 1, new_number - 1)
    edits = words.edits.get(new_number, [])
    if not regions and not edits:
        return None
    parts = []
    if edits:
        kind = TEXT
        parts.append(_describe_edits(edits))
    elif sources or targets:
        kind = REFLOWED
    else:
        kind = LAYOUT
        parts.append("layout or pictures changed; the text is the same")
    message = _joined(*parts, _pages_phrase("text reflowed from old page", sources),
                      _pages_phrase("text reflowed to page", targets))
    return PageChange(old_number, new_number, kind, message, regions, sources, targets)


def _changed_regions(old: Edition, new: Edition, old_index: int,
                     new_index: int) -> list[Region]:
    """Render both pages alike and return the regions where their pixels differ."""
    scale = render_scale(old.pages[old_index].size, new.pages[new_index].size)
    before, after = old.render(old_index, scale), new.render(new_index, scale)
    height = min(before.shape[0], after.shape[0])
    width = min(before.shape[1], after.shape[1])
    difference = numpy.abs(before[:height, :width].astype(numpy.int16)
                           - after[:height, :width].astype(numpy.int16))
    mask = difference.max(axis=2) > PIXEL_TOLERANCE
    return [Region(left / scale, top / scale, right / scale, bottom / scale)
            for left, top, right, bottom in changed_boxes(mask, scale)]


def changed_boxes(mask: numpy.ndarray, scale: float) -> list[tuple[int, int, int, int]]:
    """Return boxes (left, top, right, bottom, in pixels) around the changed pixels of a
    mask, those within a cell or two of each other in one box; `scale` is pixels a point."""
    if not mask.any():
        return []
    cell = max(1, round(CELL_MM * MM * scale))
    height, width = mask.shape
    rows, columns = math.ceil(height / cell), math.ceil(width / cell)
    padded = numpy.zeros((rows * cell, columns * cell), dtype=bool)
    padded[:height, :width] = mask
    grid = padded.reshape(rows, cell, columns, cell).any(axis=(1, 3))
    boxes = []
    for cells in _components(_grown(grid, REACH_CELLS)):
        found = [(row, column) for row, column in cells if grid[row, column]]
        top, bottom = min(r for r, _ in found) * cell, (max(r for r, _ in found) + 1) * cell
        left, right = min(c for _, c in found) * cell, (max(c for _, c in found) + 1) * cell
        boxes.append(_tightened(mask, left, top, min(right, width), min(bottom, height)))
    boxes = _merged(boxes, cell)
    if len(boxes) > MAX_DIFF_REGIONS:  # a page laid out anew: one box says it all
        boxes = [(min(b[0] for b in boxes), min(b[1] for b in boxes),
                  max(b[2] for b in boxes), max(b[3] for b in boxes))]
    return sorted(boxes, key=lambda box: (box[1], box[0]))


def _grown(grid: numpy.ndarray, reach: int) -> numpy.ndarray:
    """Return the grid with every set cell spread `reach` cells in each direction."""
    rows, columns = grid.shape
    padded = numpy.zeros((rows + 2 * reach, columns + 2 * reach), dtype=bool)
    padded[reach:reach + rows, reach:reach + columns] = grid
    grown = numpy.zeros_like(grid)
    for dy in range(2 * reach + 1):
        for dx in range(2 * reach + 1):
            grown |= padded[dy:dy + rows, dx:dx + columns]
    return grown


def _components(grid: numpy.ndarray) -> Iterator[list[tuple[int, int]]]:
    """Yield the cells of each group of set cells that touch (including corners)."""
    seen = numpy.zeros_like(grid)
    rows, columns = grid.shape
    for start in zip(*numpy.nonzero(grid), strict=True):
        if seen[start]:
            continue
        seen[start] = True
        pending, cells = [start], []
        while pending:
            row, column = pending.pop()
            cells.append((int(row), int(column)))
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    near = (row + dy, column + dx)
                    if 0 <= near[0] < rows and 0 <= near[1] < columns and grid[near] \
                            and not seen[near]:
                        seen[near] = True
                        pending.append(near)
        yield cells


def _tightened(mask: numpy.ndarray, left: int, top: int, right: int,
               bottom: int) -> tuple[int, int, int, int]:
    """Return the box shrunk to the changed pixels inside it."""
    inside = mask[top:bottom, left:right]
    rows, columns = numpy.nonzero(inside.any(axis=1))[0], numpy.nonzero(inside.any(axis=0))[0]
    return (left + int(columns[0]), top + int(rows[0]),
            left + int(columns[-1]) + 1, top + int(rows[-1]) + 1)


def _merged(boxes: list[tuple[int, int, int, int]], gap: int) -> list[tuple[int, int, int, int]]:
    """Return the boxes with any two that overlap (or nearly touch) joined, until none do."""
    boxes = list(boxes)
    joined = True
    while joined:
        joined = False
        for a in range(len(boxes)):
            for b in range(a + 1, len(boxes)):
                first, second = boxes[a], boxes[b]
                if (first[0] - gap <= second[2] and second[0] - gap <= first[2]
                        and first[1] - gap <= second[3] and second[1] - gap <= first[3]):
                    boxes[a] = (min(first[0], second[0]), min(first[1], second[1]),
                                max(first[2], second[2]), max(first[3], second[3]))
                    del boxes[b]
                    joined = True
                    break
            if joined:
                break
    return boxes


def _whole(size: tuple[float, float]) -> Region:
    return Region(0.0, 0.0, size[0], size[1])


def _size(size: tuple[float, float]) -> str:
    return f"{size[0] / MM:.0f} x {size[1] / MM:.0f} mm"


def _describe_edits(edits: list[tuple[str, str]]) -> str:
    """Return the first edit in words, and how many more there are."""
    before, after = (_snippet(text) for text in edits[0])
    if before and after:
        first = f"text changed: \u201c{before}\u201d \u2192 \u201c{after}\u201d"
    elif after:
        first = f"text added: \u201c{after}\u201d"
    else:
        first = f"text removed: \u201c{before}\u201d"
    more = len(edits) - 1
    return first + (f" and {more} more edit{'s' if more > 1 else ''}" if more else "")


def _snippet(text: str) -> str:
    return text if len(text) <= SNIPPET_CHARACTERS else text[:SNIPPET_CHARACTERS - 1] + "\u2026"


def _pages_phrase(lead: str, pages: tuple[int, ...]) -> str:
    """Return "lead 6", "lead(s) 6-8", or nothing for no pages."""
    if not pages:
        return ""
    return f"{lead}{'s' if len(pages) > 1 else ''} {page_ranges(pages)}"


def page_ranges(pages) -> str:
    """Return page numbers as ranges: 3, 5-7, 9."""
    numbers = sorted(set(pages))
    runs: list[list[int]] = []
    for number in numbers:
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    return ", ".join(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]) for run in runs)


def _joined(*parts: str) -> str:
    return "; ".join(part for part in parts if part)
