"""Bilingual booklets, back to back: one language from the front cover, the other from the back.

NHS Wales prints bilingual booklets either side by side or back to back ("tête-bêche"). We make
the back-to-back kind: each language is a whole booklet with its own cover, contents, notes and
page numbers, laid out and checked as any booklet is; here the two are joined. In print the
second language is turned upside down, so it reads from the other cover and the two meet in
the middle. On screen both halves read upright, one after the other, in one tagged PDF.
"""

from __future__ import annotations

import contextlib
import gettext
import io
import warnings

import pikepdf
from pikepdf import Array, Dictionary, Name, OutlineItem, Pdf

from .finish import saved, set_page_labels
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
    # Pages copied from another file keep reading their streams from it until it is saved.
    with pikepdf.open(io.BytesIO(first)) as pdf, pikepdf.open(io.BytesIO(second)) as other:
        for page in reversed(other.pages):
            pdf.pages.append(page)
            added = pdf.pages[-1]
            # Turned in the content itself, about the centre of the media box, so every box
            # (trim, bleed, crop marks) stays where the printer expects it.
            left, bottom, right, top = (float(value) for value in added.mediabox)
            added.contents_add(pdf.make_stream(
                f"-1 0 0 -1 {left + right:.6f} {bottom + top:.6f} cm\n".encode()), prepend=True)
        return saved(pdf)


def join_tagged(first: bytes, second: bytes, names: tuple[str, str],
                second_language: str) -> bytes:
    """Return one tagged PDF reading the first booklet, then the second, both upright.

    The second's structure tree becomes a Part with its own /Lang inside the first's
    Document; its pages' and links' keys into the parent tree are moved past the first's,
    and its links to named places become explicit ones (both halves use the same names).
    """
    with contextlib.ExitStack() as files:
        pdf = files.enter_context(pikepdf.open(io.BytesIO(first)))
        other = files.enter_context(pikepdf.open(io.BytesIO(second)))
        start = len(pdf.pages)
        outlines = (_outline(pdf), _outline(other))
        tree = pdf.Root.StructTreeRoot
        numbers = tree.ParentTree.Nums
        shift = max(int(key) for key in list(numbers)[::2]) + 1
        named = _named_pages(other)
        with warnings.catch_warnings():
            # pikepdf warns that named destinations are not copied: they are made explicit.
            warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
            pdf.pages.extend(other.pages)
        for added in pdf.pages[start:]:
            if "/StructParents" in added.obj:
                added.obj.StructParents = int(added.obj.StructParents) + shift
            for annotation in added.obj.get("/Annots", ()):
                if "/StructParent" in annotation:
                    annotation.StructParent = int(annotation.StructParent) + shift
                _make_destination_explicit(annotation, named, pdf, start)
        theirs = other.Root.StructTreeRoot
        their_numbers = list(theirs.ParentTree.Nums)
        for index in range(0, len(their_numbers), 2):
            numbers.append(int(their_numbers[index]) + shift)
            numbers.append(_copied(pdf, their_numbers[index + 1]))  # pages map to their copies
        ours = tree.K[0] if isinstance(tree.K, Array) else tree.K
        kids = theirs.K
        for kid in kids if isinstance(kids, Array) else [kids]:
            part = pdf.copy_foreign(kid)
            part.S = Name.Part
            part.Lang = pikepdf.String(second_language)
            part.P = ours
            ours.K.append(part)
        # Each half's bookmarks under its language's name, each half's pages numbered from 1.
        del pdf.Root.Outlines
        with pdf.open_outline() as outline:
            for items, offset, name in ((outlines[0], 0, names[0]),
                                        (outlines[1], start, names[1])):
                top = OutlineItem(name, offset)
                top.children.extend(_outline_items(items, offset))
                outline.root.append(top)
        set_page_labels(pdf, ((0, f"{names[0]} "), (start, f"{names[1]} ")))
        return saved(pdf)


def _copied(pdf: Pdf, value):
    """Return a value of another file's as this one holds it: its objects copied once each
    (direct arrays and dictionaries cannot be copied whole)."""
    if isinstance(value, pikepdf.Object) and value.is_indirect:
        return pdf.copy_foreign(value)
    if isinstance(value, Array):
        return Array([_copied(pdf, item) for item in value])
    if isinstance(value, Dictionary):
        return Dictionary({key: _copied(pdf, value[key]) for key in value})
    return value


def _named_pages(pdf: Pdf) -> dict[str, int]:
    """Return the page index each named destination of the document points at."""
    pages = {page.obj.objgen: index for index, page in enumerate(pdf.pages)}
    if "/Names" not in pdf.Root or "/Dests" not in pdf.Root.Names:
        return {}
    return {name: pages[_destination(target)[0].objgen]
            for name, target in pikepdf.NameTree(pdf.Root.Names.Dests).items()}


def _destination(target) -> Array:
    """Return an explicit destination, [page /Fit ...], given it or a dictionary holding it."""
    return target.D if isinstance(target, Dictionary) else target


def _make_destination_explicit(annotation: Dictionary, named: dict[str, int], pdf: Pdf,
                               start: int) -> None:
    """Point a link at its page itself, not at a name the other half also uses."""
    action = annotation.get("/A")
    name = annotation.get("/Dest")
    if action is not None and action.get("/S") == Name.GoTo:
        name = action.get("/D")
    if isinstance(name, pikepdf.String) and str(name) in named:
        explicit = Array([pdf.pages[start + named[str(name)]].obj, Name.Fit])
        if action is not None:
            action.D = explicit
        else:
            annotation.Dest = explicit


def _outline(pdf: Pdf) -> list[tuple[str, int, list]]:
    """Return a document's bookmarks as (title, page index, children)."""
    pages = {page.obj.objgen: index for index, page in enumerate(pdf.pages)}
    named = _named_pages(pdf)

    def read(items) -> list[tuple[str, int, list]]:
        found = []
        for item in items:
            target = item.destination
            if target is None and item.action is not None:
                target = item.action.get("/D")
            index = named[str(target)] if isinstance(target, (pikepdf.String, Name, str)) \
                else pages[_destination(target)[0].objgen]
            found.append((item.title, index, read(item.children)))
        return found
    with pdf.open_outline() as outline:
        return read(outline.root)


def _outline_items(items: list[tuple[str, int, list]], offset: int) -> list[OutlineItem]:
    """Return bookmarks to the pages, `offset` pages on."""
    made = []
    for title, index, children in items:
        item = OutlineItem(title, offset + index)
        item.children.extend(_outline_items(children, offset))
        made.append(item)
    return made
