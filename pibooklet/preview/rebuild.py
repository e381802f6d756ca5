"""Rebuilding one booklet's screen edition for the preview, copyfitted as the build lays it out.

Each rebuild reads and checks the whole library again (nothing read before is trusted), then
lays the booklet out as a build does, through the same sandbox, fetcher and limits. The warm
process keeps only the images of pages drawn before. The layout is not finished or verified:
the preview is not a deliverable.
"""

from __future__ import annotations

import datetime as dt
import gc
import io
import os
import pickle
import tempfile
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import pypdfium2

from ..errors import ERROR, WARNING
from ..jobs import run_job

#: The stage a snapshot's pages come from (the page says what it means).
COPYFITTED = "copyfitted"
#: Pixels per inch of the page images: at 96, CSS's own, a page shows at its printed size.
PAGE_PPI = 96
_JPEG_QUALITY = 88
#: Fewest pages in each half for the pages to be drawn in two processes at once.
_FEWEST_PAGES_TO_SPLIT = 4
#: The cyclic collector's youngest-generation threshold once the process is warm (Python's
#: default is 700): a layout makes millions of short-lived objects, and the collector, run
#: thousands of times over, costs a fifth of it. Garbage is collected in full after each
#: stage instead, while the page shows its result.
_YOUNG_THRESHOLD = 50_000
#: Where a crash report is saved: the preview has no output folder of its own.
CRASH_FOLDER = Path(tempfile.gettempdir())


@dataclass(frozen=True)
class PreviewPage:
    """One page as the browser shows it: an image and the text read back from the PDF."""

    number: int
    image: bytes
    text: str


@dataclass(frozen=True)
class Snapshot:
    """What the preview of a booklet shows now; each change gets a new version."""

    version: int = 0
    building: bool = True
    stage: str = ""  # COPYFITTED once `pages` are laid out ("" before the first)
    pages_version: int = 0  # the version that made `pages`: their images' address
    pages: tuple[PreviewPage, ...] = ()
    contents: tuple[tuple[str, int], ...] = ()  # (title, page)
    report: dict = field(default_factory=dict)  # LayoutReport.as_dict(), faults located
    problems: tuple[str, ...] = ()  # errors: the last pages stay shown below them
    warnings: tuple[str, ...] = ()
    right_to_left: bool = False
    seconds: float = 0.0  # from the save to these pages
    cpu_seconds: float = 0.0  # the rebuilding thread's processor time for them: less
    # dependent on what else the machine runs than `seconds`

    def as_json(self, slug: str) -> dict[str, object]:
        """Return the snapshot as the page reads it (images by address, not bytes)."""
        return {"slug": slug, "version": self.version, "building": self.building,
                "stage": self.stage, "pages_version": self.pages_version,
                "seconds": round(self.seconds, 2),
                "cpu_seconds": round(self.cpu_seconds, 2),
                "pages": [{"number": page.number, "text": page.text,
                           "image": f"pages/{self.pages_version}-{page.number}.jpg"}
                          for page in self.pages],
                "contents": [{"title": title, "page": page} for title, page in self.contents],
                "report": self.report, "problems": list(self.problems),
                "warnings": list(self.warnings), "right_to_left": self.right_to_left,
                "spreads": spreads(len(self.pages))}


@dataclass
class _Made:
    """One layout's result, before it is published."""

    pages: tuple[PreviewPage, ...]
    contents: tuple[tuple[str, int], ...]
    report: dict
    warnings: list[str]
    right_to_left: bool


class Previewer:
    """The preview of one booklet: its current snapshot, and how to rebuild it."""

    def __init__(self, root: Path, slug: str):
        self.root = root.resolve()
        self.slug = slug
        self.snapshot = Snapshot()
        self.changed = threading.Condition()
        #: The pages last shown, drawn, by their signature (see draw_document).
        self.drawn: dict[int, tuple[bytes, str]] = {}

    def wait_newer(self, version: int, timeout: float) -> Snapshot:
        """Return the snapshot once its version differs from `version`, or after `timeout`."""
        with self.changed:
            self.changed.wait_for(lambda: self.snapshot.version != version, timeout)
            return self.snapshot

    def publish(self, **changes) -> Snapshot:
        """Replace the snapshot with these changes under a new version; wake the page."""
        with self.changed:
            self.snapshot = replace(self.snapshot, version=self.snapshot.version + 1, **changes)
            self.changed.notify_all()
            return self.snapshot

    def rebuild(self, saved: float, sections_only: bool = False) -> None:
        """Read the library and lay the booklet out as the build does; `saved` is when the
        change was seen (perf_counter), `sections_only` that nothing but Markdown sections
        changed since the last rebuild (no cover can have changed)."""
        from ..thumbnail import forget_thumbnails

        if not sections_only:  # a cover's picture, style or template may have changed
            forget_thumbnails()
            self.drawn.clear()  # and so may any page, laid out the same or not
        self.publish(building=True)
        cpu = time.thread_time()
        read, problems = run_job(lambda: _read(self.root, self.slug), self.root, self.slug,
                                 "preview", CRASH_FOLDER)
        if read is None or read[2]:
            lines = [str(problem) for problem in problems] if read is None else read[2]
            self.publish(building=False, problems=tuple(lines))
            return
        library, theme, _, warnings = read
        booklet = library.booklets[self.slug]
        made, problems = run_job(lambda: _lay_out(booklet, library, theme, self.drawn),
                                 booklet.manifest, self.slug, "preview", CRASH_FOLDER)
        if made is None:
            self.publish(building=False, problems=tuple(map(str, problems)))
        else:
            version = self.snapshot.version + 1
            self.publish(building=False, stage=COPYFITTED, pages_version=version,
                         pages=made.pages, contents=made.contents, report=made.report,
                         problems=(), warnings=tuple(warnings + made.warnings),
                         right_to_left=made.right_to_left,
                         seconds=time.perf_counter() - saved,
                         cpu_seconds=time.thread_time() - cpu)
        gc.collect()  # the layout's garbage, now that its pages are shown

    def image(self, pages_version: int, number: int) -> bytes | None:
        """Return a page image of the current snapshot, or None if it has none such."""
        snapshot = self.snapshot
        if pages_version != snapshot.pages_version:
            return None
        return next((page.image for page in snapshot.pages if page.number == number), None)


def tune_collector() -> None:
    """Freeze what the warm process holds (modules, fonts, caches) out of the cyclic
    collector's sight and let it run less often: a quarter off each rebuild. For the preview's
    own process only, once it has built a preview."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(_YOUNG_THRESHOLD, *gc.get_threshold()[1:])


def _read(root: Path, slug: str):
    """Read and check the library as a build does; return it, the theme, the errors that stop
    this booklet (as printed) and the warnings."""
    from ..builder import check_chosen, check_own_templates

    # The page shows errors and warnings, never notes.
    theme, report, chosen = check_chosen(root, (), dt.date.today(), False, [slug], notes=False)
    problems = report.problems
    ready = slug in chosen and report.library is not None and slug in report.buildable()
    if ready:  # the content folder's own templates, checked and sandboxed, as a build does
        broken = check_own_templates(theme, report.library, [report.library.booklets[slug]],
                                     root, CRASH_FOLDER)
        problems, ready = problems + broken, not broken
    stopped = [] if ready else [str(problem) for problem in problems
                                if problem.severity == ERROR]
    warnings = [str(problem) for problem in problems if problem.severity == WARNING]
    return report.library, theme, stopped, warnings


def _lay_out(booklet, library, theme, drawn: dict) -> _Made:
    """Lay the screen edition out (see pipeline.screen_layout) and draw its pages (those not
    in `drawn`, see draw_document)."""
    from ..direction import is_right_to_left
    from ..pagination import where_written
    from ..pipeline import screen_layout

    _, document, report = screen_layout(booklet, library, theme)
    contents = contents_of(document)
    pages = draw_document(document, booklet.edition, drawn)
    del document
    located = report.as_dict()
    for fault, plain in zip(report.faults, located["faults"], strict=True):
        plain["where"] = where_written(fault, booklet, library)
    warnings = [f"{fault['where']}: screen edition: {fault['message']}"
                for fault in located["faults"]]
    return _Made(pages, tuple(contents), located, warnings, is_right_to_left(booklet.language))


def draw_document(document, edition: dt.date, drawn: dict | None = None
                  ) -> tuple[PreviewPage, ...]:
    """Return a laid-out document's pages drawn, reusing from `drawn` (a page's signature ->
    its image and text, kept by the caller and updated here) each page laid out exactly as
    one drawn before: a save usually changes a few pages, and drawing them all is a sixth of
    a rebuild."""
    for page in document.pages:
        page.links = [link for link in page.links if link[0] != "internal"]
    drawn = {} if drawn is None else drawn
    signatures = [page_signature(page) for page in document.pages]
    missing = [index for index, signature in enumerate(signatures) if signature not in drawn]
    if missing:
        subset = document.copy([document.pages[index] for index in missing])
        for index, page in zip(missing, _draw_all(subset, edition), strict=True):
            drawn[signatures[index]] = (page.image, page.text)
    kept = {signature: drawn[signature] for signature in signatures}
    drawn.clear()
    drawn.update(kept)  # only the pages shown now are kept
    return tuple(PreviewPage(number, *drawn[signature])
                 for number, signature in enumerate(signatures, 1))


def page_signature(page) -> int:
    """Return a digest of everything a page draws that a saved section can change: each box's
    kind, place and size, its text, colour and weight, and its element's picture or link."""
    parts = []
    for box in page._page_box.descendants():  # WeasyPrint has no public box walker
        style, element = box.style, getattr(box, "element", None)
        parts.append((type(box).__name__, *(round(value, 2) if isinstance(value, int | float)
                                            else str(value) for value in (
            box.position_x, box.position_y, box.width, box.height)),
            getattr(box, "text", None), str(style["color"]), str(style["background_color"]),
            style["font_weight"], style["font_style"], str(style["font_size"]),
            None if element is None else (element.tag, element.get("class"),
                                          element.get("src"), element.get("href"))))
    return hash(tuple(parts))


def _draw_all(document, edition: dt.date) -> tuple[PreviewPage, ...]:
    """Return a laid-out document's pages drawn, the second half in a forked process.

    The PDF they are drawn from is written without PDF/UA tags (the pages look the same, and
    it is never kept), in two halves at once: writing it takes longer than drawing it, and the
    machine has a second core. The halves' PDFs have no internal links: the pictures show
    none, and a link to a page of the other half would not resolve.
    """
    from ..layout import write_pdf

    half = len(document.pages) // 2
    if half < _FEWEST_PAGES_TO_SPLIT or not hasattr(os, "fork"):
        return draw_pages(write_pdf(document, edition))
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # only computes, and leaves without running anything of the parent's
        try:
            os.close(reader)
            try:
                result = ("pages", draw_pages(write_pdf(document.copy(document.pages[half:]),
                                                        edition), half + 1))
            except Exception as error:
                result = ("error", error)
            with os.fdopen(writer, "wb") as stream:
                try:
                    pickle.dump(result, stream)
                except Exception:  # an exception that cannot be pickled: its text
                    pickle.dump(("error", RuntimeError(str(result[1]))), stream)
        finally:
            os._exit(0)
    os.close(writer)
    try:
        first = draw_pages(write_pdf(document.copy(document.pages[:half]), edition))
    finally:
        with os.fdopen(reader, "rb") as stream:
            data = stream.read()
        os.waitpid(child, 0)
    if not data:
        raise RuntimeError("the process drawing the second half of the pages died")
    kind, second = pickle.loads(data)
    if kind == "error":
        raise second
    return first + second


def draw_pages(pdf: bytes, first: int = 1, ppi: int = PAGE_PPI) -> tuple[PreviewPage, ...]:
    """Return each page of a PDF as a JPEG image (PDFium) with its text, numbered from
    `first`."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        pages = []
        for index, page in enumerate(document):
            image = io.BytesIO()
            page.render(scale=ppi / 72).to_pil().convert("RGB").save(
                image, "JPEG", quality=_JPEG_QUALITY)
            text = page.get_textpage().get_text_range()
            pages.append(PreviewPage(first + index, image.getvalue(),
                                     " ".join(text.replace("\u00ad", "").split())))
        return tuple(pages)
    finally:
        document.close()


def contents_of(document) -> list[tuple[str, int]]:
    """Return the contents page's entries as laid out: each title and the page it links to."""
    anchors: dict[str, int] = {}
    for number, page in enumerate(document.pages, 1):
        for name in page.anchors:
            anchors.setdefault(name, number)
    entries: dict[str, tuple[str, int]] = {}
    for page in document.pages:
        if "contents" not in page.anchors:
            continue
        for kind, target, _, box in page.links:
            element = getattr(box, "element", None)
            if kind == "internal" and target in anchors and element is not None:
                title = " ".join("".join(element.itertext()).replace("\u00ad", "").split())
                entries.setdefault(target, (title, anchors[target]))
    return list(entries.values())


def spreads(count: int) -> list[list[int]]:
    """Return the page numbers of each spread as a reader holds the booklet: the cover alone,
    then 2-3, 4-5, ..., and the back cover alone."""
    return [[1]] + [list(range(first, min(first + 2, count + 1)))
                    for first in range(2, count + 1, 2)] if count else []
