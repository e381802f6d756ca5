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
from pikepdf import Dictionary, Pdf

from .finish import resources_drawn


def share_font_programs(pdf: Pdf) -> None:
    """Replace the TrueType subsets of each font by one program holding all their glyphs."""
    descriptors_by_font: dict[str, list[Dictionary]] = defaultdict(list)
    for descriptor in _font_descriptors(pdf):
        if "/FontFile2" in descriptor:
            descriptors_by_font[str(descriptor.FontName)].append(descriptor)
    for descriptors in descriptors_by_font.values():
        programs = {descriptor.FontFile2.objgen: descriptor.FontFile2
                    for descriptor in descriptors}
        if len(programs) < 2:
            continue
        merged = merge_subsets([program.read_bytes() for _, program in sorted(programs.items())])
        stream = pdf.make_stream(merged, Length1=len(merged))  # compressed when saved
        for descriptor in descriptors:
            descriptor.FontFile2 = stream
            # A CIDSet lists the glyphs of one subset; it is optional, and now wrong.
            if "/CIDSet" in descriptor:
                del descriptor.CIDSet


def _font_descriptors(pdf: Pdf) -> list[Dictionary]:
    """Return each font descriptor the pages and their forms use, once."""
    found: dict[object, Dictionary] = {}
    for resources in resources_drawn(pdf):
        fonts = resources.get("/Font", Dictionary())
        for name in fonts:
            font = fonts[name]
            for descendant in font.get("/DescendantFonts", [font]):
                if "/FontDescriptor" in descendant:
                    descriptor = descendant.FontDescriptor
                    found[descriptor.objgen if descriptor.is_indirect else len(found)] = \
                        descriptor
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
