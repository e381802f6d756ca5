"""Post-processing: small pdf -> pdf steps applied with pypdf after layout."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

from pypdf import PdfReader, PdfWriter
from pypdf.generic import BooleanObject, DictionaryObject, NameObject, TextStringObject

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


SCREEN_STEPS: tuple[Step, ...] = (label_pages, show_title_and_spreads)


def finish_pdf(pdf: bytes, steps: Sequence[Step] = SCREEN_STEPS) -> bytes:
    """Apply each step in turn and return the new PDF bytes."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    for step in steps:
        step(writer)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()
