"""Post-processing: small pdf -> pdf steps applied with pikepdf (qpdf) after layout.

Each step changes an open `pikepdf.Pdf` in place; `finish_pdf` opens the bytes, applies the
steps in turn and saves. qpdf reads objects only when asked and parses content streams in
C++, so a 300-page press file is finished in a fraction of the time and memory pypdf took.
qpdf writes only the objects the document still refers to (a resource pruned away is gone),
and its /ID is a digest of the file's content: the same inputs give byte-identical files.
"""

from __future__ import annotations

import contextlib
import io
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence

import pikepdf
from pikepdf import Array, Dictionary, Name, Pdf

Step = Callable[[Pdf], None]
#: The pseudo-operator pikepdf gives an inline image (BI ... ID ... EI).
INLINE_IMAGE = b"INLINE IMAGE"


def label_pages(pdf: Pdf) -> None:
    """Label pages 1, 2, 3 … so viewers show the numbers printed on the pages."""
    set_page_labels(pdf, ((0, ""),))


def set_page_labels(pdf: Pdf, ranges: Iterable[tuple[int, str]]) -> None:
    """Number the pages in decimal from 1 in each range: (first page index, prefix) pairs."""
    numbers = Array()
    for first, prefix in ranges:
        label = Dictionary(S=Name.D, St=1)
        if prefix:
            label.P = pikepdf.String(prefix)
        numbers.extend([first, label])
    pdf.Root.PageLabels = Dictionary(Nums=numbers)


def viewer_preferences(pdf: Pdf) -> Dictionary:
    """Return the document's viewer preferences, made empty first if it has none."""
    if "/ViewerPreferences" not in pdf.Root:
        pdf.Root.ViewerPreferences = Dictionary()
    return pdf.Root.ViewerPreferences


def show_title_and_spreads(pdf: Pdf) -> None:
    """Show the title (not the file name), the bookmarks, and pages as booklet spreads."""
    viewer_preferences(pdf).DisplayDocTitle = True
    pdf.Root.PageLayout = Name.TwoPageRight
    pdf.Root.PageMode = Name.UseOutlines


def read_right_to_left(pdf: Pdf) -> None:
    """Ask viewers to show spreads right to left, as a right-bound booklet opens (/R2L)."""
    viewer_preferences(pdf).Direction = Name.R2L


def describe_links(descriptions: dict[str, str]) -> Step:
    """Return a step that gives every link a description a screen reader can speak."""
    def step(pdf: Pdf) -> None:
        for page in pdf.pages:
            for annotation in page.obj.get("/Annots", ()):
                if annotation.get("/Subtype") != Name.Link:
                    continue
                action = annotation.get("/A")
                target = str(action.get("/URI", "")) if action is not None \
                    else str(annotation.get("/Dest", ""))
                description = descriptions.get(target)
                if description:
                    annotation.Contents = pikepdf.String(description)
    return step


def drop_links(pdf: Pdf) -> None:
    """Remove link annotations: a print file has nothing to click."""
    for page in pdf.pages:
        if "/Annots" not in page.obj:
            continue
        kept = [annotation for annotation in page.obj.Annots
                if annotation.get("/Subtype") != Name.Link]
        if kept:
            page.obj.Annots = Array(kept)
        else:
            del page.obj.Annots


# While checks read a file, each page's or form's content as content_operations gave it, by
# object: a press file's checks read each page three times (colours, overprint, resources).
# A thread's own: another thread may be finishing another file meanwhile.
_READING = threading.local()


@contextlib.contextmanager
def contents_read_once() -> Iterator[None]:
    """Within this block, content_operations parses each page's or form's content once, and
    gives the same list each time: for checks, which read a file and change nothing."""
    outer = getattr(_READING, "once", None)
    _READING.once = {}
    try:
        yield
    finally:
        _READING.once = outer


def content_operations(content) -> list[tuple[list, bytes]]:
    """Return the (operands, operator) pairs of a page's or form's content (None: nothing).

    An inline image is one pair, ([the image instruction], INLINE_IMAGE).
    """
    if content is None or (isinstance(content, pikepdf.Page) and "/Contents" not in content.obj):
        return []
    key = (content.obj if isinstance(content, pikepdf.Page) else content).objgen
    once = getattr(_READING, "once", None)
    if once is not None and key in once:
        return once[key]
    operations = [([instruction], INLINE_IMAGE)
                  if isinstance(instruction, pikepdf.ContentStreamInlineImage)
                  else (list(instruction.operands), instruction.operator.unparse())
                  for instruction in pikepdf.parse_content_stream(content)]
    if once is not None and key != (0, 0):  # a direct object has no identity to keep
        once[key] = operations
    return operations


def content_bytes(operations: Iterable[tuple[list, bytes]]) -> bytes:
    """Return content stream bytes for (operands, operator) pairs as content_operations gives."""
    return pikepdf.unparse_content_stream(
        [operands[0] if operator == INLINE_IMAGE else (operands, pikepdf.Operator(operator))
         for operands, operator in operations])


# Which resource category each operator names, and where its name stands.
_NAMED_BY = {b"Tf": ("/Font", 0), b"gs": ("/ExtGState", 0), b"Do": ("/XObject", 0),
             b"cs": ("/ColorSpace", 0), b"CS": ("/ColorSpace", 0), b"sh": ("/Shading", 0),
             b"scn": ("/Pattern", -1), b"SCN": ("/Pattern", -1)}
PRUNED = {category for category, _ in _NAMED_BY.values()}


def names_used(content) -> dict[str, set[str]]:
    """Return, by resource category, the names a page's or form's content draws with."""
    used: dict[str, set[str]] = {category: set() for category in PRUNED}
    for operands, operator in content_operations(content):
        if operator in _NAMED_BY and operands:
            category, index = _NAMED_BY[operator]
            if isinstance(operands[index], Name):
                used[category].add(str(operands[index]))
        elif operator == INLINE_IMAGE:
            settings = operands[0].iimage.obj
            space = settings.get("/ColorSpace", settings.get("/CS"))
            if isinstance(space, Name):
                used["/ColorSpace"].add(str(space))
    return used


def _pruned(resources: Dictionary, content) -> Dictionary:
    used = names_used(content)
    kept = Dictionary()
    for category in resources:
        entries = resources[category]
        if category in PRUNED:
            entries = Dictionary({name: entries[name] for name in entries
                                  if name in used[category]})
            if not len(entries):
                continue
        kept[category] = entries
    return kept


def prune_resources(pdf: Pdf) -> None:
    """Keep in each page's and form's resources only what its content draws with.

    WeasyPrint gives every page one shared resource dictionary: every font, image and
    colour space of the document, used or not. Preflight flags the unused ones.
    """
    seen: set[tuple[int, int]] = set()
    for page in pdf.pages:
        page.obj.Resources = _pruned(page.obj.get("/Resources", Dictionary()), page)
        for form in forms_drawn(page.obj.Resources, seen):
            form.Resources = _pruned(form.get("/Resources", Dictionary()), form)


def forms_of(resources: Dictionary) -> dict[tuple[int, int], pikepdf.Stream]:
    """Return the form XObjects these resources name, by object number."""
    xobjects = resources.get("/XObject", Dictionary())
    return {xobjects[name].objgen: xobjects[name] for name in xobjects
            if xobjects[name].is_indirect and xobjects[name].get("/Subtype") == Name.Form}


def forms_drawn(resources: Dictionary, seen: set[tuple[int, int]] | None = None
                ) -> Iterator[pikepdf.Stream]:
    """Yield the forms these resources name, and the forms theirs name, each once (not those
    in `seen`, which is added to); a form's own resources are read after it is yielded, so
    the caller may change them first."""
    seen = set() if seen is None else seen
    pending = sorted(forms_of(resources).items(), reverse=True)
    while pending:
        number, form = pending.pop()
        if number in seen:
            continue
        seen.add(number)
        yield form
        pending += sorted(forms_of(form.get("/Resources", Dictionary())).items(), reverse=True)


def resources_drawn(pdf: Pdf) -> Iterator[Dictionary]:
    """Yield the resources of every page and of every form they draw, each form's once."""
    seen: set[tuple[int, int]] = set()
    for page in pdf.pages:
        resources = page.obj.get("/Resources", Dictionary())
        yield resources
        for form in forms_drawn(resources, seen):
            yield form.get("/Resources", Dictionary())


SCREEN_STEPS: tuple[Step, ...] = (label_pages, show_title_and_spreads)


def finish_pdf(pdf: bytes, steps: Sequence[Step] = SCREEN_STEPS) -> bytes:
    """Apply each step in turn and return the new PDF bytes.

    The header keeps the version WeasyPrint wrote for the variant (PDF/X-4 is defined on
    PDF 1.6, PDF/UA-1 on 1.7).
    """
    with pikepdf.open(io.BytesIO(pdf)) as document:
        for step in steps:
            step(document)
        return saved(document)


def saved(pdf: Pdf, min_version: str = "") -> bytes:
    """Return the document's bytes, the same for the same document, in a PDF of at least
    `min_version` (a PDF made new from others' pages takes their version).

    Its /ID is a digest of its content (both parts equal, as in a file first written), and
    its XMP is left exactly as written: it identifies the PDF/X and PDF/UA variant.
    """
    if "/ID" in pdf.trailer:  # an /ID read in would be kept as the first part
        del pdf.trailer.ID
    output = io.BytesIO()
    pdf.save(output, deterministic_id=True, fix_metadata_version=False,
             min_version=min_version)
    return output.getvalue()
