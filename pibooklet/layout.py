"""Laying out booklet HTML as pages with WeasyPrint, and writing the PDF.

CSS paginates. Python only chooses how many of the spare notes pages to keep so that the page
count is a multiple of four (saddle stitching), which needs no second layout pass.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

from . import loader  # noqa: F401 - first: it loads WeasyPrint faster

# isort: split
import weasyprint
import weasyprint.images
from weasyprint.formatting_structure import boxes
from weasyprint.urls import URLFetcher, URLFetcherResponse

from . import (
    stylesheets,
    tags,  # noqa: F401 - gives tagged spans their own /Lang (see tags.py)
)
from .errors import BuildError, ContentError, display_path
from .intake import (
    css_import_lines,
    image_data_problem,
    kind_of_file,
    read_content_bytes,
    read_content_text,
)
from .limits import MAX_FILES_FETCHED, MAX_PAGES
from .markup import COVER_SCHEME

#: The notes section's container of ruled lines (templates/notes.html).
NOTES_LINES_CLASS = "notes-lines"
BACK_COVER_ANCHOR = "back-cover"
PAGES_PER_SHEET = 4
_FONT_SUFFIXES = (".ttf", ".otf", ".woff", ".woff2")


class _TooManyPages(BuildError):
    """The layout went past MAX_PAGES."""


_MAKE_ALL_PAGES = weasyprint.layout.make_all_pages


def _bounded_pages(*args, **kwargs):
    """WeasyPrint's page maker, stopped past MAX_PAGES: no public option bounds a layout."""
    for count, page in enumerate(_MAKE_ALL_PAGES(*args, **kwargs), start=1):
        if count > MAX_PAGES:
            raise _TooManyPages(f"the layout makes more than {MAX_PAGES} pages; a booklet is "
                                "far shorter: check the content stylesheet for page breaks "
                                "(break-before: page) and the sections for length")
        yield page


class _PictureNamedByContent(weasyprint.images.RasterImage):
    """A raster picture named in the PDF after its bytes, not after its address.

    WeasyPrint names each picture after the address it was fetched from, and a file address
    holds the folder the library is kept in: the same content, built in another checkout (a
    CI runner, a shard on another machine), made a different PDF. The name still tells apart
    what WeasyPrint keeps apart: other bytes, or the same bytes turned another way.
    """

    def __init__(self, pillow_image, image_id, image_data, filename=None, cache=None,
                 orientation="none", options=None):
        address_id = image_id  # WeasyPrint's: a digest of the address (press.py finds by it)
        if isinstance(image_data, bytes):
            named = hashlib.sha256(image_data)
            named.update(repr(orientation).encode())
            image_id = named.hexdigest()[:32]
        super().__init__(pillow_image, image_id, image_data, filename, cache, orientation,
                         weasyprint.DEFAULT_OPTIONS if options is None else options)
        self.address_id = address_id


weasyprint.layout.make_all_pages = _bounded_pages
weasyprint.images.RasterImage = _PictureNamedByContent  # as get_image_from_uri makes them
stylesheets.install()  # each stylesheet parsed once a process, not once a layout


class ConfinedFetcher(URLFetcher):
    """Serves only local files under the allowed folders: the build never uses the network.

    A file missing from one folder of a search path (a charity's own styles/) is looked up
    in the later folders (ours), so an overriding stylesheet may still use our images.
    """

    def __init__(self, allowed: list[Path], search_paths: tuple[tuple[Path, ...], ...] = (),
                 convert: Callable[[Path, bytes], tuple[bytes, str | None]] | None = None,
                 covers: Callable[[str], tuple[bytes, str]] | None = None):
        super().__init__(allowed_protocols=("file", "data"))
        self.allowed = [folder.resolve() for folder in allowed]
        self.search_paths = tuple(tuple(folder.resolve() for folder in path)
                                  for path in search_paths)
        self.convert = convert
        #: What serves render.cover_address: a booklet's cover thumbnail, drawn on demand.
        self.covers = covers
        #: Why a cover could not be drawn: WeasyPrint would report only that a picture
        #: failed to load, so lay_out raises this instead.
        self.failure: Exception | None = None
        #: Every file served, by the URL WeasyPrint asked for.
        self.served: dict[str, Path] = {}
        self.fetches = 0

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        """Return the resource, or refuse anything outside the allowed folders."""
        self.fetches += 1
        if self.fetches > MAX_FILES_FETCHED:
            raise ValueError(f"refused to load {url}: the layout asked for more than "
                             f"{MAX_FILES_FETCHED} files; a stylesheet probably imports "
                             "itself or another one over and over: remove the @import rules")
        parts = urlsplit(url)
        if parts.scheme == "data":
            return self._checked_data(url, headers)
        if parts.scheme == COVER_SCHEME and self.covers is not None:
            return self._cover(url, unquote(parts.path))
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise ValueError(self._at_use(url, None, f"refused to load {url}: a build reads "
                                                     "local files only, never the network"))
        path = Path(unquote(parts.path)).resolve()
        if not any(path.is_relative_to(folder) for folder in self.allowed):
            raise ValueError(self._at_use(Path(unquote(parts.path)).name, None,
                                          f"refused to load {url}: only files in the project, "
                                          "the content folder and the typeface package are read"))
        # Any file that exists is read through the front door, which refuses pipes and devices.
        found = path if path.exists() else self._along_search_path(path)
        if found is None:
            raise ValueError(f"file not found: {path}")
        data, content_type = self._read(found), _content_type(found)
        self.served[url] = found
        if self.convert:
            converted, converted_type = self.convert(found, data)
            if converted is not data:
                return _ConvertedResponse(url, converted,
                                          {"Content-Type": converted_type or content_type})
        return URLFetcherResponse(url, data, {"Content-Type": content_type})

    def _read(self, path: Path) -> bytes:
        """Read a file through the front door; an image is judged by its bytes, whatever its name.

        The content checks name each image where it is written; this is the last line of
        defence for one referenced in a way they did not see.
        """
        try:
            data = read_content_bytes(path, None)
        except ContentError as error:
            raise ValueError(self._at_use(path.name, path, str(error))) from None
        if path.suffix.lower() == ".css":
            # Imports nest by recursion in the layout engine: a stylesheet that imports itself
            # would run it out of stack, so no stylesheet the build reads may import.
            lines = css_import_lines(data.decode("utf-8", errors="replace"))
            if lines:
                raise ValueError(self._at_use(path.name, path, (
                    f"{display_path(path)}:{lines[0]}: @import is not allowed in a stylesheet "
                    "the build reads: copy the rules into this file")))
        if kind_of_file(path) in ("svg", "image") and path.suffix.lower() not in _FONT_SUFFIXES:
            problem = image_data_problem(data, path, display_path(path))
            if problem:
                raise ValueError(self._at_use(path.name, path, problem))
        return data

    def _cover(self, url: str, booklet_id: str) -> URLFetcherResponse:
        try:
            data, content_type = self.covers(booklet_id)
        except Exception as error:
            self.failure = self.failure or error
            raise
        # No path: WeasyPrint must embed these bytes.
        return _ConvertedResponse(url, data, {"Content-Type": content_type})

    def _checked_data(self, url: str, headers: dict | None) -> URLFetcherResponse:
        """Return a data: URL's content; an image in one is judged like an image file."""
        response = super().fetch(url, headers)
        data = response.read()
        if response.content_type and response.content_type.startswith("image/"):
            problem = image_data_problem(data, Path(""), url.partition(",")[0])
            if problem:
                raise ValueError(problem)
        return URLFetcherResponse(url, data, response.headers)

    def _at_use(self, name: str, path: Path | None, message: str) -> str:
        """Prefix the message with the first section line that names the refused file.

        Sections are looked for in the allowed folder holding the file (the content folder,
        first in the list, for a file outside them all), the booklet's own sections first.
        """
        folders = [folder for folder in self.allowed if path and path.is_relative_to(folder)]
        folder = max(folders, key=lambda folder: len(folder.parts)) if folders else \
            self.allowed[0] if self.allowed else None
        if folder is None or not name:
            return message
        sections = sorted(folder.rglob("*.md"), key=lambda section: (
            not (path and path.is_relative_to(section.parent)), section))
        for section in sections:
            try:
                text = read_content_text(section, folder)
            except ContentError:
                continue  # reported when the library was read
            for number, line in enumerate(text.splitlines(), 1):
                if name in line:
                    return f"{display_path(section)}:{number}: {message}"
        return message

    def _along_search_path(self, path: Path) -> Path | None:
        for folders in self.search_paths:
            for index, folder in enumerate(folders):
                if path.is_relative_to(folder):
                    relative = path.relative_to(folder)
                    for later in folders[index + 1:]:
                        if (later / relative).is_file():
                            return later / relative
        return None


class _ConvertedResponse(URLFetcherResponse):
    """Converted data for a file: WeasyPrint must embed these bytes, not re-read the file."""

    @property
    def path(self) -> None:
        # With a path, WeasyPrint embeds a raster image straight from the file on disk: the
        # original RGB photograph, mislabelled as the CMYK one it was converted to.
        return None


def _content_type(path: Path) -> str:
    types = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg",
             ".jpeg": "image/jpeg", ".css": "text/css", ".ttf": "font/ttf", ".otf": "font/otf"}
    return types.get(path.suffix.lower(), "application/octet-stream")


@contextlib.contextmanager
def weasyprint_problems() -> Iterator[list[str]]:
    """Collect WeasyPrint's warnings and errors: in our own output any of them is a defect."""
    messages: list[str] = []

    class Collector(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            # Escape control characters so a message never breaks a report line.
            messages.append("".join(char if char.isprintable() else f"\\x{ord(char):02x}"
                                    for char in record.getMessage()))

    logger = logging.getLogger("weasyprint")
    handler = Collector(level=logging.WARNING)
    logger.addHandler(handler)
    previous = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield messages
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


def lay_out(html: str | weasyprint.HTML, base: Path,
            fetcher: ConfinedFetcher) -> weasyprint.Document:
    """Lay out the HTML (text, or a parsed tree) into pages; any WeasyPrint warning fails."""
    with styles_read():
        source = html if isinstance(html, weasyprint.HTML) else weasyprint.HTML(
            string=html, base_url=base.as_uri() + "/", url_fetcher=fetcher)
        document = source.render()
        if fetcher.failure is not None:  # before WeasyPrint's "failed to load" for it
            raise fetcher.failure
    return document


@contextlib.contextmanager
def styles_read() -> Iterator[None]:
    """Fail, as a layout does, on any WeasyPrint warning logged within. A style is computed
    when it is first read and warns once, so a check that reads styles the layout did not (a
    text's colour) may be the one to meet a bad value; outside this, its warning is lost."""
    with weasyprint_problems() as messages:
        yield
    if messages:
        raise BuildError("layout problems:\n  " + "\n  ".join(dict.fromkeys(messages)))


def keep_notes_for_saddle_stitch(document: weasyprint.Document,
                                 minimum: int) -> weasyprint.Document:
    """Keep at least `minimum` notes pages, and as many more as make the count a multiple of 4.

    The notes are one flow of ruled lines (templates/notes.html) with lines for more pages than
    are ever kept; its last page, seldom full, is never kept.
    """
    pages = document.pages
    notes = notes_page_indexes(document)
    back = [index for index, page in enumerate(pages) if BACK_COVER_ANCHOR in page.anchors]
    if not notes or back != [len(pages) - 1] or notes[-1] != len(pages) - 2:
        raise BuildError("the layout must end with notes pages and then the back cover on "
                         "one page; check the back-cover and notes templates")
    first, full = notes[0], len(notes) - 1
    before = first + 1  # pages before the notes, plus the back cover
    for kept in range(minimum, full + 1):
        if (before + kept) % PAGES_PER_SHEET == 0:
            break
    else:
        raise BuildError("the notes lines ran out before the page count reached a multiple of "
                         "four: the ruled lines in the theme are shorter than "
                         "templates/notes.html allows for; raise its lines_per_page")
    return document.copy([*pages[:first + kept], pages[-1]])


def notes_page_indexes(document: weasyprint.Document) -> list[int]:
    """Return the indexes of the pages holding ruled notes lines: the run before the back
    cover (a page Help and support shares with the first lines is one of them)."""
    pages = document.pages
    index = len(pages) - 2
    while index >= 0 and _holds_notes_lines(pages[index]):
        index -= 1
    return list(range(index + 1, len(pages) - 1))


def _holds_notes_lines(page: weasyprint.Page) -> bool:
    # WeasyPrint has no public box walker. The ruled space copyfitting adds has lines too, but
    # not in this container; its fragment on a page the notes only reach has no children.
    return any(isinstance(box, boxes.BlockBox) and box.children and box.element is not None
               and NOTES_LINES_CLASS in (box.element.get("class") or "").split()
               for box in page._page_box.descendants())


def overflowing_addresses(document: weasyprint.Document) -> list[tuple[str, float, float]]:
    """Return (address, width mm, overrun mm) for each link that runs past the text area.

    Addresses are set never to break, so one that does not fit runs past the margin (the
    left one in right-to-left text).
    """
    found = {}
    for page in document.pages:
        page_box = page._page_box  # WeasyPrint has no public box walker
        left = page_box.content_box_x()
        right = left + page_box.width
        for box in page_box.descendants():
            element = getattr(box, "element", None)
            overrun = max(box.position_x + box.width - right, left - box.position_x) \
                if element is not None else 0
            if (element is not None and element.tag == "a"
                    and {"url", "email", "tel"} & set((element.get("class") or "").split())
                    and overrun > 0.5):
                text = "".join(element.itertext())
                found[text] = (box.width * 25.4 / 96, overrun * 25.4 / 96)
    return [(text, width, overrun) for text, (width, overrun) in found.items()]


def count_notes_pages(document: weasyprint.Document) -> int:
    """Return how many notes pages the document holds."""
    return len(notes_page_indexes(document))


def write_pdf(document: weasyprint.Document, edition: dt.date, **options) -> bytes:
    """Return the PDF bytes; embedded font dates are set from the edition, not the clock."""
    epoch = int(dt.datetime.combine(edition, dt.time(), dt.UTC).timestamp())
    options.setdefault("pdf_identifier", False)
    with _source_date_epoch(epoch), weasyprint_problems() as messages:
        pdf = document.write_pdf(**options)
    if messages:
        raise BuildError("PDF problems:\n  " + "\n  ".join(dict.fromkeys(messages)))
    return pdf


@contextlib.contextmanager
def _source_date_epoch(epoch: int) -> Iterator[None]:
    # fontTools stamps subset fonts with this time (the reproducible-builds convention).
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    try:
        yield
    finally:
        if previous is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous
