"""Which printing plates changed: the sheet sides a changed page is printed on, and its inks.

Each page's separations are rendered by Poppler's pdftoppm in CMYK with overprint simulated
(`-tiff -overprint`), so a plate is compared as it will be made: black text that overprints a
tint leaves the cyan plate alone, and a changed tint under it shows on its own plates. PDFium,
which renders the pages compared, draws RGB only. The sheet sides follow our own imposition
(see impose.saddle_stitch_order): a saddle-stitched booklet is printed a sheet side at a time.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy
from PIL import Image

from ..errors import display_path
from ..impose import saddle_stitch_order
from ..limits import MAX_PLATE_RENDER_SECONDS
from . import ProofError
from .compare import Comparison, page_ranges
from .pages import Edition, render_scale

INKS = ("C", "M", "Y", "K")
#: How much an ink's coverage must move (of 255) to count as a change to its plate.
INK_TOLERANCE = 24


@dataclass(frozen=True)
class SheetSide:
    """One printed side of a sheet whose plates change: its pages and the inks that change."""

    sheet: int  # from 1, the outermost sheet first
    side: str  # "front" (the outer pages) or "back"
    pages: tuple[int, int]  # left, right
    inks: tuple[str, ...]

    def __str__(self) -> str:
        return (f"sheet {self.sheet} {self.side} (pages {self.pages[0]} and {self.pages[1]}): "
                f"{' '.join(self.inks)}")


@dataclass
class Plates:
    """The sheet sides whose plates change, and a note when the imposition itself changed."""

    sides: list[SheetSide]
    note: str = ""

    def as_dict(self) -> dict[str, object]:
        """Return the plates for the JSON report."""
        return {"note": self.note or None, "sides": [
            {"sheet": side.sheet, "side": side.side, "pages": list(side.pages),
             "inks": list(side.inks)} for side in self.sides]}


def find_plates(comparison: Comparison) -> Plates:
    """Fill in each change's inks, and return the sheet sides whose plates change."""
    if shutil.which("pdftoppm") is None:
        raise ProofError("the plate list needs Poppler's pdftoppm to render the separations: "
                         "apt-get install poppler-utils")
    with tempfile.TemporaryDirectory(prefix="pibooklet-plates-") as folder:
        renderer = _Separations(Path(folder))
        for (old, new), change in comparison.changes.items():
            before = renderer.page(comparison.old, old) if old else None
            after = renderer.page(comparison.new, new) if new else None
            change.inks = _changed_inks(before, after)
        return _sheet_sides(comparison, renderer)


def _sheet_sides(comparison: Comparison, renderer: _Separations) -> Plates:
    """Return the sheet sides that carry changed pages, or every side after a page count change."""
    old_count, new_count = len(comparison.old.pages), len(comparison.new.pages)
    if new_count % 4:
        return Plates([], f"{new_count} pages cannot be saddle-stitched (not a multiple of 4); "
                          f"changed pages: {page_ranges(comparison.changed_pages()) or 'none'}")
    order = saddle_stitch_order(new_count, comparison.new.right_to_left)
    if old_count != new_count:
        note = (f"the page count changed from {old_count} to {new_count}: every sheet is "
                "imposed anew, so every plate changes")
        inks_of = {number: _changed_inks(None, renderer.page(comparison.new, number))
                   for number in range(1, new_count + 1)}
    else:
        note = ""
        inks_of = {change.new: change.inks or () for change in comparison.changes.values()
                   if change.new}
    sides = []
    for index, side in enumerate(order):
        inks = {ink for page in (side.left, side.right) for ink in inks_of.get(page, ())}
        if inks:
            sides.append(SheetSide(side.sheet + 1, "back" if index % 2 else "front",
                                   (side.left, side.right),
                                   tuple(ink for ink in INKS if ink in inks)))
    return Plates(sides, note)


def _changed_inks(before: numpy.ndarray | None, after: numpy.ndarray | None) -> tuple[str, ...]:
    """Return the inks whose coverage differs (against no page: the inks the page uses)."""
    if before is None or after is None:
        page = after if before is None else before
        changed = (page > INK_TOLERANCE).any(axis=(0, 1))
    else:
        height = min(before.shape[0], after.shape[0])
        width = min(before.shape[1], after.shape[1])
        difference = numpy.abs(before[:height, :width].astype(numpy.int16)
                               - after[:height, :width].astype(numpy.int16))
        changed = (difference > INK_TOLERANCE).any(axis=(0, 1))
        if before.shape != after.shape:  # the page's size changed: every ink it uses
            changed |= (before > INK_TOLERANCE).any(axis=(0, 1))
            changed |= (after > INK_TOLERANCE).any(axis=(0, 1))
    return tuple(ink for ink, differs in zip(INKS, changed, strict=True) if differs)


class _Separations:
    """Renders pages' CMYK separations with pdftoppm, each page once."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.rendered: dict[tuple[Path, int], numpy.ndarray] = {}

    def page(self, edition: Edition, number: int) -> numpy.ndarray:
        """Return a page's four separations as an array (rows, columns, C M Y K) of coverage."""
        key = (edition.path, number)
        if key not in self.rendered:
            self.rendered[key] = self._render(edition, number)
        return self.rendered[key]

    def _render(self, edition: Edition, number: int) -> numpy.ndarray:
        size = edition.pages[number - 1].size
        # The longer side in pixels, as PDFium renders it: bounded whatever the page claims.
        longest = max(1, round(max(size) * render_scale(size)))
        prefix = self.folder / f"page-{len(self.rendered)}"
        command = ["pdftoppm", "-q", "-tiff", "-overprint", "-scale-to", str(longest),
                   "-f", str(number), "-l", str(number), "-singlefile", str(edition.path),
                   str(prefix)]
        try:
            subprocess.run(command, check=True, timeout=MAX_PLATE_RENDER_SECONDS,
                           stdin=subprocess.DEVNULL, capture_output=True)
            with Image.open(prefix.with_suffix(".tif")) as image:
                if image.mode != "CMYK":
                    raise ProofError(f"{display_path(edition.path)}: pdftoppm rendered page "
                                     f"{number} in {image.mode}, not CMYK separations")
                return numpy.asarray(image)
        except subprocess.TimeoutExpired:
            raise ProofError(f"{display_path(edition.path)}: page {number}'s separations took "
                             f"longer than {MAX_PLATE_RENDER_SECONDS} s to render") from None
        except (subprocess.CalledProcessError, OSError) as error:
            raise ProofError(f"{display_path(edition.path)}: page {number}'s separations could "
                             f"not be rendered ({error})") from None
        finally:
            prefix.with_suffix(".tif").unlink(missing_ok=True)
