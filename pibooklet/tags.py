"""Structure tags for words in another language: /Lang on the element that holds them.

WeasyPrint 70 writes the document's language on the catalogue but ignores the lang attribute
of any other element, so a screen reader would read an English name in a Welsh or Arabic
booklet with the wrong voice. Its tag tree is built by one recursive generator,
weasyprint.pdf.tags._build_box_tree; wrapping it (the recursion calls the module's name, so
every level passes through the wrapper) sets /Lang on each structure element whose HTML
element has its own lang, different from the document's. tests/test_rtl.py fails if
WeasyPrint's internals change under it.
"""

from __future__ import annotations

import pydyf

from . import loader  # noqa: F401 - first: it loads WeasyPrint faster

# isort: split
from weasyprint.pdf import tags as _weasyprint_tags

_BUILD_BOX_TREE = _weasyprint_tags._build_box_tree


def _build_box_tree_with_languages(box, parent, pdf, page_number, nums, annotations, tags):
    """WeasyPrint's tag builder, then /Lang on the element made for a box with its own lang."""
    element = getattr(box, "element", None)
    language = element.get("lang") if element is not None else None
    document_language = getattr(pdf.catalog.get("Lang"), "string", None)
    own = language and element.tag not in ("html", "body") and language != document_language
    for structure in _BUILD_BOX_TREE(box, parent, pdf, page_number, nums, annotations, tags):
        if own and "Lang" not in structure:
            structure["Lang"] = pydyf.String(language)
        yield structure


_weasyprint_tags._build_box_tree = _build_box_tree_with_languages
