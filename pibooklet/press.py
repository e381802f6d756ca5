"""The press edition: CMYK artwork, image resolution, crop marks, and checks a printer's
preflight would make (PDF/X-4, boxes, no RGB, body text in black ink only)."""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pikepdf

from . import loader  # noqa: F401 - first: it loads WeasyPrint faster

# isort: split
import weasyprint.pdf.metadata
from pikepdf import Array, Name, Pdf
from weasyprint.images import RasterImage

from .colour import PressConverter
from .content import PrintSettings
from .finish import PRUNED, content_operations, contents_read_once, forms_drawn, names_used
from .overprint import overprint_faults

MM = 72 / 25.4
BLEED_MM = 3.0
TRIM_POINTS = (148 * MM, 210 * MM)
# Crop marks start just outside the bleed and are 5 mm long, in registration colour
# (all four inks) so they print on every plate.
MARK_GAP_MM = 0.5
MARK_LENGTH_MM = 5.0
WARN_BELOW_PPI = 300
FAIL_BELOW_PPI = 150
# Names of printing conditions in the ICC's characterization registry.
REGISTERED_CONDITION = re.compile(r"^(FOGRA\d+|CGATS[ ._]?TR[ ._]?\d+|GRACoL|SWOP|JC200|IFRA\d+)",
                                  re.IGNORECASE)
RASTER_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".tif", ".tiff")


def convert_artwork(converter: PressConverter):
    """Return a fetcher hook that hands WeasyPrint CMYK versions of SVG and raster images."""
    def convert(path: Path, data: bytes) -> tuple[bytes, str | None]:
        suffix = path.suffix.lower()
        if suffix == ".svg":
            return converter.svg(data), "image/svg+xml"
        if suffix in RASTER_SUFFIXES:
            return converter.raster(data), "image/jpeg"
        return data, None
    return convert


@dataclass(frozen=True)
class ImageResolution:
    """A raster image as laid out: its file and its effective resolution at printed size."""

    path: Path
    ppi: float


def image_resolutions(document, served: dict[str, Path]) -> list[ImageResolution]:
    """Return the effective resolution of every raster image in the laid-out document."""
    by_id = {hashlib.md5(url.encode(), usedforsecurity=False).hexdigest(): path
             for url, path in served.items()}
    found: dict[Path, float] = {}
    for page in document.pages:
        for box in page._page_box.descendants():  # WeasyPrint has no public box walker
            image = getattr(box, "replacement", None)
            # The digest of its address (layout.py names it in the PDF after its bytes).
            address = getattr(image, "address_id", None)
            if isinstance(image, RasterImage) and address in by_id and box.width:
                # CSS pixels are 1/96 inch; the lower of width and height governs.
                ppi = min(image.width / (box.width / 96), image.height / (box.height / 96))
                path = by_id[address]
                found[path] = min(ppi, found.get(path, ppi))
    return [ImageResolution(path, ppi) for path, ppi in sorted(found.items())]


@contextlib.contextmanager
def stable_document_id(seed: str) -> Iterator[None]:
    """Make WeasyPrint's XMP DocumentID derive from the booklet, not from chance."""
    original = weasyprint.pdf.metadata.uuid4
    weasyprint.pdf.metadata.uuid4 = lambda: uuid.uuid5(uuid.NAMESPACE_URL, seed)
    try:
        yield
    finally:
        weasyprint.pdf.metadata.uuid4 = original


def add_crop_marks(settings: PrintSettings):
    """Return a finishing step that widens each page for crop marks outside the bleed."""
    def step(pdf: Pdf) -> None:
        if not settings.crop_marks:
            return
        slug = (BLEED_MM + MARK_GAP_MM + MARK_LENGTH_MM) * MM
        for page in pdf.pages:
            left, bottom, right, top = (float(value) for value in page.trimbox)
            # Wrap the page's own drawing so its graphics state cannot leak into the marks;
            # its stream is kept as it is, between two new ones.
            page.contents_add(pdf.make_stream(b"q\n"), prepend=True)
            page.contents_add(pdf.make_stream(b"\nQ\n" + _crop_mark_operators(
                left, bottom, right, top)))
            page.mediabox = Array([left - slug, bottom - slug, right + slug, top + slug])
    return step


def _crop_mark_operators(left: float, bottom: float, right: float, top: float) -> bytes:
    near, far = (BLEED_MM + MARK_GAP_MM) * MM, (BLEED_MM + MARK_GAP_MM + MARK_LENGTH_MM) * MM
    lines = []
    for x, y, outward_x, outward_y in ((left, bottom, -1, -1), (right, bottom, 1, -1),
                                       (left, top, -1, 1), (right, top, 1, 1)):
        lines.append((x + outward_x * near, y, x + outward_x * far, y))  # along the trim edge
        lines.append((x, y + outward_y * near, x, y + outward_y * far))
    paths = "".join(f"{x1:.3f} {y1:.3f} m {x2:.3f} {y2:.3f} l S\n" for x1, y1, x2, y2 in lines)
    return f"q 0.25 w 0 J 1 1 1 1 K\n{paths}Q\n".encode()


def name_output_condition(settings: PrintSettings):
    """Return a finishing step that names the printing condition in the OutputIntent."""
    def step(pdf: Pdf) -> None:
        if not settings.output_condition:
            return
        for intent in pdf.Root.get("/OutputIntents", ()):
            intent.OutputConditionIdentifier = pikepdf.String(settings.output_condition)
            intent.OutputCondition = pikepdf.String(settings.output_condition)
            if REGISTERED_CONDITION.match(settings.output_condition):
                # A characterization registered with the ICC, such as FOGRA39 or FOGRA51.
                intent.RegistryName = pikepdf.String("http://www.color.org")
    return step


def verify_press(pdf: bytes) -> list[str]:
    """Return what a printer's preflight would reject in the press file."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return _press_problems(document)


def _press_problems(pdf: Pdf) -> list[str]:
    problems = []
    bleed = BLEED_MM * MM
    for number, page in enumerate(pdf.pages, start=1):
        trim = [float(value) for value in page.trimbox]
        size = (trim[2] - trim[0], trim[3] - trim[1])
        if any(abs(got - want) > 0.1 for got, want in zip(size, TRIM_POINTS, strict=True)):
            problems.append(f"page {number}: TrimBox is not 148 x 210 mm")
        expected = [trim[0] - bleed, trim[1] - bleed, trim[2] + bleed, trim[3] + bleed]
        if "/BleedBox" not in page.obj or any(
                abs(float(got) - want) > 0.1 for got, want in zip(page.obj.BleedBox, expected,
                                                                  strict=True)):
            problems.append(f"page {number}: BleedBox is not 3 mm outside the TrimBox")
        # Three checks read the page's content: parsed once, and let go with the page (a
        # 300-page press file's, all kept to the end, raised the worker's peak by 65 MB).
        with contents_read_once():
            problems += [f"page {number}: {problem}" for problem in colour_problems(page)]
            problems += [f"page {number}: {problem}" for problem in overprint_faults(page)]
            problems += [f"page {number}: {problem}" for problem in _structure_problems(page)]
    if pdf.pdf_version < "1.6":
        problems.append(f"the header says %PDF-{pdf.pdf_version}; PDF/X-4 needs PDF 1.6 or "
                        "later")
    if not pdf.trailer.get("/ID"):
        problems.append("the trailer has no /ID")
    intents = pdf.Root.get("/OutputIntents", ())
    if not any(intent.get("/S") == Name.GTS_PDFX and intent.get("/DestOutputProfile")
               is not None for intent in intents):
        problems.append("no PDF/X OutputIntent with an embedded profile")
    metadata = pdf.Root.get("/Metadata")
    if metadata is None or b"<pdfxid:GTS_PDFXVersion>PDF/X-4<" not in metadata.read_bytes():
        problems.append("the XMP metadata does not identify the file as PDF/X-4")
    return sorted(set(problems))


def _structure_problems(page: pikepdf.Page) -> list[str]:
    """Return annotations and unused resources on a page."""
    problems = []
    annotations = [annotation.get("/Subtype") for annotation in page.obj.get("/Annots", ())]
    if annotations:
        problems.append(f"carries {len(annotations)} annotations "
                        f"({', '.join(sorted(set(map(str, annotations))))}); a press file has none")
    used = names_used(page)
    resources = page.obj.get("/Resources", {})
    for category in sorted(PRUNED):
        unused = set(resources.get(category, {}).keys()) - used[category]
        if unused:
            problems.append(f"unused {category[1:]} resources: {', '.join(sorted(unused))}")
    return problems


def colour_problems(page: pikepdf.Page) -> list[str]:
    """Return RGB colour and rich-black text found in a page and the forms it draws."""
    problems = []
    for content, resources in _drawings(page):
        fill: tuple[str, ...] = ()
        for operands, operator in content_operations(content):
            if operator in (b"rg", b"RG") or (operator in (b"cs", b"CS") and
                                              str(operands[0]) == "/DeviceRGB"):
                problems.append("uses DeviceRGB colour")
            elif operator in (b"scn", b"sc", b"k"):
                fill = tuple(f"{float(value):g}" for value in operands)
            elif operator in (b"Tj", b"TJ", b"'", b'"') and _is_rich_black(fill):
                problems.append(f"text in rich black {' '.join(fill)}; use 0 0 0 1 (100% K)")
        xobjects = resources.get("/XObject", {})
        for name in xobjects:
            if xobjects[name].get("/ColorSpace") == Name.DeviceRGB:
                problems.append("holds an RGB image")
    return problems


def _drawings(page: pikepdf.Page):
    """Yield (content, resources) for a page and every form XObject it uses."""
    resources = page.obj.get("/Resources", pikepdf.Dictionary())
    yield page, resources
    for form in forms_drawn(resources):
        yield form, form.get("/Resources", pikepdf.Dictionary())


def _is_rich_black(fill: tuple[str, ...]) -> bool:
    if len(fill) != 4:
        return False
    cyan, magenta, yellow, black = (float(value) for value in fill)
    return black >= 0.9 and cyan + magenta + yellow > 0

