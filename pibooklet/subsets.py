"""One embedded program per font when PDFs written apart are joined into one file.

WeasyPrint embeds each font as a subset holding only the glyphs one document uses, and
keeps every glyph at its place in the full font (retained glyph ids). Two documents set
in the same face therefore carry two subsets of one font, under the same subset name. The
union of their glyphs serves both, because each font dictionary names glyphs by the same ids.
"""

from __future__ import annotations

import io
from collections import defaultdict

from fontTools.ttLib import TTFont
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, NumberObject, StreamObject


def share_font_programs(writer: PdfWriter) -> None:
    """Replace the TrueType subsets of each font by one program holding all their glyphs."""
    descriptors_by_font: dict[str, list[DictionaryObject]] = defaultdict(list)
    for descriptor in _font_descriptors(writer):
        if "/FontFile2" in descriptor:
            descriptors_by_font[str(descriptor["/FontName"])].append(descriptor)
    for descriptors in descriptors_by_font.values():
        programs = {descriptor.raw_get("/FontFile2").idnum: descriptor["/FontFile2"]
                    for descriptor in descriptors}
        if len(programs) < 2:
            continue
        merged = merge_subsets([program.get_data() for _, program in sorted(programs.items())])
        stream = StreamObject()
        stream.set_data(merged)
        stream[NameObject("/Length1")] = NumberObject(len(merged))
        stream = stream.flate_encode()
        reference = writer._add_object(stream)
        for descriptor in descriptors:
            descriptor[NameObject("/FontFile2")] = reference
            # A CIDSet lists the glyphs of one subset; it is optional, and now wrong.
            if "/CIDSet" in descriptor:
                del descriptor["/CIDSet"]


def _font_descriptors(writer: PdfWriter) -> list[DictionaryObject]:
    """Return each font descriptor the pages use, once."""
    found: dict[int, DictionaryObject] = {}
    for page in writer.pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for name in fonts:
            font = fonts[name]
            for descendant in font.get("/DescendantFonts", [font]):
                descendant = descendant.get_object()
                if "/FontDescriptor" in descendant:
                    reference = descendant.raw_get("/FontDescriptor")
                    found[getattr(reference, "idnum", id(reference))] = \
                        descendant["/FontDescriptor"]
    return list(found.values())


def merge_subsets(programs: list[bytes]) -> bytes:
    """Return a TrueType font holding the glyphs of every subset, each at its own id."""
    fonts = sorted((TTFont(io.BytesIO(program), recalcTimestamp=False) for program in programs),
                   key=lambda font: -font["maxp"].numGlyphs)
    base = fonts[0]
    order = base.getGlyphOrder()
    for other in fonts[1:]:
        other_order = other.getGlyphOrder()
        for index, name in enumerate(other_order):
            glyph = other["glyf"][name]
            if glyph.numberOfContours == 0 or base["glyf"][order[index]].numberOfContours != 0:
                continue
            if glyph.isComposite():
                for component in glyph.components:
                    component.glyphName = order[other_order.index(component.glyphName)]
            base["glyf"][order[index]] = glyph
            base["hmtx"][order[index]] = other["hmtx"][name]
    output = io.BytesIO()
    base.save(output)
    return output.getvalue()
