"""Post-processing: small pdf -> pdf steps applied with pypdf after layout."""

from __future__ import annotations

import functools
import hashlib
import io
from collections.abc import Callable, Sequence

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    ByteStringObject,
    ContentStream,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    TextStringObject,
)

Step = Callable[[PdfWriter], None]


def label_pages(writer: PdfWriter) -> None:
    """Label pages 1, 2, 3 … so viewers show the numbers printed on the pages."""
    writer.set_page_label(0, len(writer.pages) - 1, style="/D", start=1)


def show_title_and_spreads(writer: PdfWriter) -> None:
    """Show the title (not the file name), the bookmarks, and pages as booklet spreads."""
    preferences = writer._root_object.get("/ViewerPreferences") or DictionaryObject()
    preferences[NameObject("/DisplayDocTitle")] = BooleanObject(True)
    writer._root_object[NameObject("/ViewerPreferences")] = preferences
    writer._root_object[NameObject("/PageLayout")] = NameObject("/TwoPageRight")
    writer._root_object[NameObject("/PageMode")] = NameObject("/UseOutlines")


def read_right_to_left(writer: PdfWriter) -> None:
    """Ask viewers to show spreads right to left, as a right-bound booklet opens (/R2L)."""
    preferences = writer._root_object.get("/ViewerPreferences") or DictionaryObject()
    preferences[NameObject("/Direction")] = NameObject("/R2L")
    writer._root_object[NameObject("/ViewerPreferences")] = preferences


def describe_links(descriptions: dict[str, str]) -> Step:
    """Return a step that gives every link a description a screen reader can speak."""
    def step(writer: PdfWriter) -> None:
        for page in writer.pages:
            for annotation in page.get("/Annots", []):
                annotation = annotation.get_object()
                if annotation.get("/Subtype") != "/Link":
                    continue
                action = annotation.get("/A")
                target = str(action["/URI"]) if action else str(annotation.get("/Dest", ""))
                description = descriptions.get(target)
                if description:
                    annotation[NameObject("/Contents")] = TextStringObject(description)
    return step


def drop_links(writer: PdfWriter) -> None:
    """Remove link annotations: a print file has nothing to click."""
    for page in writer.pages:
        if "/Annots" not in page:
            continue
        kept = [annotation for annotation in page["/Annots"]
                if annotation.get_object().get("/Subtype") != "/Link"]
        if kept:
            page[NameObject("/Annots")] = ArrayObject(kept)
        else:
            del page["/Annots"]


def identify_file(seed: str) -> Step:
    """Return a step that sets the trailer /ID from the seed, so rebuilds stay identical."""
    def step(writer: PdfWriter) -> None:
        digest = ByteStringObject(hashlib.md5(seed.encode(), usedforsecurity=False).digest())
        # Both parts are equal in a file as first written (ISO 32000-1, 14.4).
        writer._ID = ArrayObject([digest, digest])
    return step


def content_operations(content) -> tuple:
    """Return a content stream's (operands, operator) pairs; the same content is parsed once.

    Rewriting, pruning and checking the press file read each page several times, and
    parsing is the slow part.
    """
    return () if content is None else _parse(content.get_data())


@functools.lru_cache(maxsize=256)
def _parse(data: bytes) -> tuple:
    stream = DecodedStreamObject()
    stream.set_data(data)
    return tuple(ContentStream(stream, None).operations)


# Which resource category each operator names, and where its name stands.
_NAMED_BY = {b"Tf": ("/Font", 0), b"gs": ("/ExtGState", 0), b"Do": ("/XObject", 0),
             b"cs": ("/ColorSpace", 0), b"CS": ("/ColorSpace", 0), b"sh": ("/Shading", 0),
             b"scn": ("/Pattern", -1), b"SCN": ("/Pattern", -1)}
PRUNED = {category for category, _ in _NAMED_BY.values()}


def names_used(content) -> dict[str, set[str]]:
    """Return, by resource category, the names a content stream draws with."""
    used: dict[str, set[str]] = {category: set() for category in PRUNED}
    for operands, operator in content_operations(content):
        if operator in _NAMED_BY and operands:
            category, index = _NAMED_BY[operator]
            if isinstance(operands[index], NameObject):
                used[category].add(str(operands[index]))
        elif operator == b"INLINE IMAGE":
            settings = operands[0].get("settings", {}) if isinstance(operands[0], dict) else {}
            space = settings.get("/CS", settings.get("/ColorSpace"))
            if isinstance(space, NameObject):
                used["/ColorSpace"].add(str(space))
    return used


def _pruned(resources: DictionaryObject, content) -> DictionaryObject:
    used = names_used(content)
    kept = DictionaryObject()
    for category, value in resources.items():
        entries = value.get_object() if category in PRUNED else value
        if category in PRUNED:
            entries = DictionaryObject({name: entries.raw_get(name) for name in entries
                                        if name in used[category]})
            if not entries:
                continue
        kept[NameObject(category)] = entries
    return kept


def prune_resources(writer: PdfWriter) -> None:
    """Keep in each page's and form's resources only what its content draws with.

    WeasyPrint gives every page one shared resource dictionary: every font, image and
    colour space of the document, used or not. Preflight flags the unused ones.
    """
    forms = {}
    for page in writer.pages:
        resources = page.get("/Resources", DictionaryObject()).get_object()
        page[NameObject("/Resources")] = _pruned(resources, page.get_contents())
        forms.update(_forms(page["/Resources"]))
    done: set[int] = set()
    while pending := sorted(set(forms) - done):
        for number in pending:
            done.add(number)
            form = forms[number]
            resources = form.get("/Resources", DictionaryObject()).get_object()
            form[NameObject("/Resources")] = _pruned(resources, form)
            forms.update(_forms(form["/Resources"]))


def _forms(resources: DictionaryObject) -> dict[int, object]:
    xobjects = resources.get("/XObject", DictionaryObject())
    return {xobjects.raw_get(name).idnum: xobjects[name] for name in xobjects
            if hasattr(xobjects.raw_get(name), "idnum")
            and xobjects[name].get("/Subtype") == "/Form"}


def drop_unused_objects(writer: PdfWriter) -> None:
    """Remove objects nothing refers to any more, such as resources pruned away."""
    while True:
        before = sum(obj is not None for obj in writer._objects)
        writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
        if sum(obj is not None for obj in writer._objects) == before:
            return


SCREEN_STEPS: tuple[Step, ...] = (label_pages, show_title_and_spreads)


def finish_pdf(pdf: bytes, steps: Sequence[Step] = SCREEN_STEPS) -> bytes:
    """Apply each step in turn and return the new PDF bytes.

    The header keeps the version WeasyPrint wrote for the variant (PDF/X-4 is defined on
    PDF 1.6, PDF/UA-1 on 1.7); pypdf would otherwise write %PDF-1.3.
    """
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)), keep_initial_header=True)
    for step in steps:
        step(writer)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()
