"""Bilingual booklets, back to back: one language from the front cover, the other from the back.

NHS Wales prints bilingual booklets either side by side or back to back ("tête-bêche"). We make
the back-to-back kind: each language is a whole booklet with its own cover, contents, notes and
page numbers, laid out and checked as any booklet is; here the two are joined. In print the
second language is turned upside down, so it reads from the other cover and the two meet in
the middle. On screen both halves read upright, one after the other, in one tagged PDF.
"""

from __future__ import annotations

import gettext
import io

from pypdf import PdfReader, PdfWriter, Transformation
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from .messages import babel_locale
from .translations import primary_language


def language_name(tag: str, in_language: str | None = None) -> str:
    """Return a language's name, in itself ('Cymraeg') or in another ('Welsh')."""
    shown = babel_locale(primary_language(tag)).get_display_name(
        primary_language(in_language) if in_language else None)
    return shown[:1].upper() + shown[1:]


def bilingual_specification(first, second, first_pages: int, second_pages: int,
                            translations: gettext.NullTranslations,
                            language: str) -> dict[str, object]:
    """Return what a printer must know of a back-to-back booklet, beyond any booklet's facts,
    in the printer's language."""
    _ = translations.gettext
    names = {"first": language_name(first.language, language),
             "second": language_name(second.language, language),
             "first_pages": first_pages, "second_pages": second_pages}
    return {
        "title": f"{first.title} / {second.title}",
        "format": _("bilingual, back to back (tête-bêche): %(first)s reads from the front cover "
                    "(%(first_pages)s pages), %(second)s from the back cover (%(second_pages)s "
                    "pages), printed upside down to the %(first)s; the two halves meet at the "
                    "centre spread") % names,
        "pages_supplied": _("single pages in print order: the %(first)s half from its cover "
                            "(page 1), then the %(second)s half from its last page to its "
                            "cover, each of those turned through 180 degrees") % names,
    }


def back_to_back(first: bytes, second: bytes) -> bytes:
    """Return the print order: the first booklet's pages, then the second's from its back
    cover to its front cover, each turned through 180 degrees."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(first)))
    second_reader = PdfReader(io.BytesIO(second))
    for page in reversed(second_reader.pages):
        added = writer.add_page(page)
        # Turned in the content itself, about the centre of the media box, so every box
        # (trim, bleed, crop marks) stays where the printer expects it.
        left, bottom, right, top = (float(value) for value in added.mediabox)
        added.add_transformation(Transformation((-1, 0, 0, -1, left + right, bottom + top)))
    return _written(writer)


def join_tagged(first: bytes, second: bytes, names: tuple[str, str],
                second_language: str) -> bytes:
    """Return one tagged PDF reading the first booklet, then the second, both upright.

    The second's structure tree becomes a Part with its own /Lang inside the first's
    Document; its pages' and links' keys into the parent tree are moved past the first's,
    and its links to named places become explicit ones (both halves use the same names).
    """
    first_reader = PdfReader(io.BytesIO(first))
    writer = PdfWriter(clone_from=first_reader)
    reader = PdfReader(io.BytesIO(second))
    start = len(writer.pages)
    tree = writer._root_object["/StructTreeRoot"]
    numbers = tree["/ParentTree"]["/Nums"]
    shift = max(int(key) for key in numbers[::2]) + 1
    named = {name: reader.get_destination_page_number(destination)
             for name, destination in reader.named_destinations.items()}
    for page in reader.pages:
        writer.add_page(page)
    for added in writer.pages[start:]:
        if "/StructParents" in added:
            added[NameObject("/StructParents")] = NumberObject(added["/StructParents"] + shift)
        for annotation in added.get("/Annots", []):
            annotation = annotation.get_object()
            if "/StructParent" in annotation:
                annotation[NameObject("/StructParent")] = NumberObject(
                    annotation["/StructParent"] + shift)
            _make_destination_explicit(annotation, named, writer, start)
    theirs = reader.trailer["/Root"]["/StructTreeRoot"]
    their_numbers = theirs["/ParentTree"]["/Nums"]
    for index in range(0, len(their_numbers), 2):
        numbers.append(NumberObject(int(their_numbers[index]) + shift))
        numbers.append(their_numbers[index + 1].clone(writer))  # pages map to their copies
    ours = tree["/K"][0].get_object() if isinstance(tree["/K"], ArrayObject) else \
        tree["/K"].get_object()
    kids = theirs["/K"]
    for kid in kids if isinstance(kids, ArrayObject) else [kids]:
        part = kid.clone(writer).get_object()
        part[NameObject("/S")] = NameObject("/Part")
        part[NameObject("/Lang")] = TextStringObject(second_language)
        part[NameObject("/P")] = ours.indirect_reference
        ours["/K"].append(part.indirect_reference)
    # Each half's bookmarks under its language's name, each half's pages numbered from 1.
    del writer._root_object["/Outlines"]
    for reader_of_half, offset, name in ((first_reader, 0, names[0]),
                                         (reader, start, names[1])):
        _copy_outline(reader_of_half, writer, offset, name)
    del writer._root_object["/PageLabels"]
    writer.set_page_label(0, start - 1, style="/D", start=1, prefix=f"{names[0]} ")
    writer.set_page_label(start, len(writer.pages) - 1, style="/D", start=1,
                          prefix=f"{names[1]} ")
    return _written(writer)


def _make_destination_explicit(annotation: DictionaryObject, named: dict[str, int],
                               writer: PdfWriter, start: int) -> None:
    """Point a link at its page itself, not at a name the other half also uses."""
    action = annotation.get("/A")
    name = annotation.get("/Dest")
    if action is not None and action.get_object().get("/S") == "/GoTo":
        name = action.get_object().get("/D")
    if isinstance(name, str) and str(name) in named:
        page = writer.pages[start + named[str(name)]]
        explicit = ArrayObject([page.indirect_reference, NameObject("/Fit")])
        if action is not None:
            action.get_object()[NameObject("/D")] = explicit
        else:
            annotation[NameObject("/Dest")] = explicit


def _copy_outline(reader: PdfReader, writer: PdfWriter, start: int, name: str) -> None:
    """Add the second booklet's bookmarks under one bookmark named for its language."""
    top = writer.add_outline_item(title=name, page_number=start)

    def copy(items: list, parent) -> None:
        last = None
        for item in items:
            if isinstance(item, list):
                copy(item, last)
                continue
            last = writer.add_outline_item(
                title=item.title,
                page_number=start + reader.get_destination_page_number(item), parent=parent)
    copy(reader.outline, top)


def _written(writer: PdfWriter) -> bytes:
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()
