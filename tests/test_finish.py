"""The finishing steps, each on its own, on tiny PDFs: read back with pypdf, not with the qpdf
that wrote them."""

from __future__ import annotations

import io

import pikepdf
import pypdf
import weasyprint

from pibooklet.finish import (
    SCREEN_STEPS,
    content_bytes,
    content_operations,
    describe_links,
    drop_links,
    finish_pdf,
    prune_resources,
    read_right_to_left,
)
from pibooklet.overprint import overprint_black, overprint_faults

HTML = ('<style>@page { size: 148mm 210mm }</style><p>One <a href="https://example.org/">'
        'link</a></p><p style="break-before: page">Two</p>'
        '<p style="break-before: page">Three</p><p style="break-before: page">Four</p>')


def _tagged() -> bytes:
    return weasyprint.HTML(string=HTML).write_pdf(pdf_variant="pdf/ua-1")


def _with_unused_font() -> bytes:
    """A one-page PDF whose shared resources name a font its content never uses."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font,
                                                Subtype=pikepdf.Name.Type1,
                                                BaseFont=pikepdf.Name.Helvetica))
    unused = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font,
                                                  Subtype=pikepdf.Name.Type1,
                                                  BaseFont=pikepdf.Name("/Courier")))
    page = pdf.pages[0]
    page.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font, F2=unused))
    page.obj.Contents = pdf.make_stream(b"BT /F1 12 Tf 10 10 Td (Hi) Tj ET")
    output = io.BytesIO()
    pdf.save(output)
    return output.getvalue()


def test_the_screen_steps_label_pages_and_show_spreads_with_the_title() -> None:
    reader = pypdf.PdfReader(io.BytesIO(finish_pdf(_tagged(), SCREEN_STEPS)))
    assert reader.page_labels == ["1", "2", "3", "4"]
    root = reader.trailer["/Root"]
    assert root["/PageLayout"] == "/TwoPageRight" and root["/PageMode"] == "/UseOutlines"
    assert root["/ViewerPreferences"]["/DisplayDocTitle"].value is True
    assert "/Direction" not in root["/ViewerPreferences"]


def test_finishing_keeps_the_header_and_xmp_and_is_deterministic() -> None:
    raw = _tagged()
    first, second = finish_pdf(raw), finish_pdf(raw)
    assert first == second
    reader = pypdf.PdfReader(io.BytesIO(first))
    assert reader.pdf_header == pypdf.PdfReader(io.BytesIO(raw)).pdf_header == "%PDF-1.7"
    # Both parts of the /ID are the digest of the content, as in a file first written.
    parts = [part.original_bytes for part in reader.trailer["/ID"]]
    assert len(parts[0]) == 16 and parts[0] == parts[1]
    assert reader.trailer["/Root"]["/Metadata"].get_object().get_data() == \
        pypdf.PdfReader(io.BytesIO(raw)).trailer["/Root"]["/Metadata"].get_object().get_data()
    # A different document gets a different /ID.
    other = finish_pdf(weasyprint.HTML(string=HTML.replace("Four", "Five"))
                       .write_pdf(pdf_variant="pdf/ua-1"))
    assert pypdf.PdfReader(io.BytesIO(other)).trailer["/ID"][0].original_bytes != parts[0]


def test_links_are_described_then_dropped_for_print() -> None:
    described = finish_pdf(_tagged(), (describe_links({"https://example.org/": "Website"}),))
    annotations = [annotation.get_object() for annotation in
                   pypdf.PdfReader(io.BytesIO(described)).pages[0]["/Annots"]]
    assert [annotation["/Contents"] for annotation in annotations] == ["Website"]
    dropped = pypdf.PdfReader(io.BytesIO(finish_pdf(described, (drop_links,))))
    assert all("/Annots" not in page for page in dropped.pages)


def test_right_to_left_spreads_are_asked_for() -> None:
    reader = pypdf.PdfReader(io.BytesIO(finish_pdf(_tagged(), (read_right_to_left,))))
    assert reader.trailer["/Root"]["/ViewerPreferences"]["/Direction"] == "/R2L"


def test_pruning_keeps_what_the_page_draws_with_and_the_unused_object_is_not_written() -> None:
    raw = _with_unused_font()
    assert b"/Courier" in raw
    pruned = finish_pdf(raw, (prune_resources,))
    reader = pypdf.PdfReader(io.BytesIO(pruned))
    assert list(reader.pages[0]["/Resources"]["/Font"]) == ["/F1"]
    assert b"/Courier" not in pruned  # qpdf writes only objects still referred to
    assert reader.pages[0].extract_text() == "Hi"


def test_content_operations_round_trip_an_inline_image() -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    page = pdf.pages[0]
    drawing = b"q BI /W 1 /H 1 /CS /G /BPC 8 ID \x80 EI Q 0 0 1 rg 0 0 5 5 re f"
    page.obj.Contents = pdf.make_stream(drawing)
    operations = content_operations(page)
    assert [operator for _, operator in operations] == [
        b"q", b"INLINE IMAGE", b"Q", b"rg", b"re", b"f"]
    page.obj.Contents = pdf.make_stream(content_bytes(operations))
    assert content_operations(page)[3:] == operations[3:]
    assert b"\x80 EI" in page.obj.Contents.read_bytes()


def test_black_overprints_and_other_colours_knock_out_after_the_step() -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    page = pdf.pages[0]
    page.obj.Contents = pdf.make_stream(b"0 0 0 1 k 0 0 5 5 re f 0.5 0 0 0 k 5 5 5 5 re f")
    assert overprint_faults(page) == ["100% K fill knocks out; it must overprint"]
    overprint_black(pdf)
    assert overprint_faults(pdf.pages[0]) == []
