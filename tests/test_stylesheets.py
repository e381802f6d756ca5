"""Stylesheets parsed once a process: a later layout gets what a fresh parse would give it."""

from __future__ import annotations

import datetime as dt
import io
import shutil
from pathlib import Path

import pikepdf
import pytest

from pibooklet import intake, stylesheets
from pibooklet.errors import BuildError
from pibooklet.fonts import load_typeface
from pibooklet.layout import ConfinedFetcher, lay_out, write_pdf

_PAGE = ('<!doctype html><html lang="en"><head><title>t</title>'
         '<link rel="stylesheet" href="sheet.css"></head>'
         '<body><p>Stylesheets once a process.</p></body></html>')


@pytest.fixture
def parses(monkeypatch) -> list[str]:
    """Each stylesheet WeasyPrint parses, by its base URL, from a cache emptied first."""
    parsed = []
    real = stylesheets._WEASYPRINT_CSS

    def counted(*args, **kwargs):
        parsed.append(kwargs.get("base_url") or kwargs.get("url"))
        return real(*args, **kwargs)

    stylesheets.forget_stylesheets()
    monkeypatch.setattr(stylesheets, "_WEASYPRINT_CSS", counted)
    yield parsed
    stylesheets.forget_stylesheets()


def _pdf(folder: Path) -> bytes:
    document = lay_out(_PAGE, folder, ConfinedFetcher([folder]))
    return document.write_pdf()


def _font_folder(tmp_path: Path) -> Path:
    """A folder with one font file and a stylesheet that loads it for every page."""
    path = load_typeface("Atkinson Hyperlegible").files[0][0]
    shutil.copy(path, tmp_path / "brand.ttf")
    (tmp_path / "sheet.css").write_text(
        '@font-face { font-family: "Brand"; src: url("brand.ttf"); }\n'
        '@page { size: 100mm 150mm; margin: 10mm; }\n'
        'body { font-family: "Brand"; }\n', encoding="utf-8")
    return tmp_path


def test_a_stylesheet_is_parsed_once_and_every_layout_gets_the_same_pdf(
        tmp_path: Path, parses: list[str]) -> None:
    folder = _font_folder(tmp_path)
    first = _pdf(folder)
    sheet = (folder / "sheet.css").as_uri()
    assert parses.count(sheet) == 1
    second = _pdf(folder)
    assert parses.count(sheet) == 1  # the second layout had a copy
    assert second == first
    stylesheets.forget_stylesheets()
    assert _pdf(folder) == first  # as a fresh parse gives it
    assert parses.count(sheet) == 2


def test_a_copy_brings_its_page_rules_and_fonts_to_each_document(
        tmp_path: Path, parses: list[str]) -> None:
    folder = _font_folder(tmp_path)
    _pdf(folder)
    with intake.recording_reads() as reads:
        pdf = _pdf(folder)
    assert len(parses) == 1
    with pikepdf.open(io.BytesIO(pdf)) as document:
        box = [float(number) for number in document.pages[0].MediaBox]
        fonts = {str(font.BaseFont) for font in document.pages[0].Resources.Font.values()}
    assert round((box[2] - box[0]) / 72 * 25.4) == 100  # the @page rule
    assert [font.split("+")[-1] for font in fonts] == ["Brand"]  # the @font-face rule
    # The font was fetched for this layout too: the job that made it names the file.
    assert folder / "brand.ttf" in {Path(path) for path in reads}


def test_an_edited_stylesheet_is_parsed_again(tmp_path: Path, parses: list[str]) -> None:
    sheet = tmp_path / "sheet.css"
    sheet.write_text("@page { size: 100mm 150mm; }", encoding="utf-8")
    first = lay_out(_PAGE, tmp_path, ConfinedFetcher([tmp_path]))
    sheet.write_text("@page { size: 120mm 150mm; }", encoding="utf-8")
    second = lay_out(_PAGE, tmp_path, ConfinedFetcher([tmp_path]))
    assert [round(page.width / 96 * 25.4) for page in (first.pages[0], second.pages[0])] == \
        [100, 120]
    assert len(parses) == 2


def test_a_stylesheets_warning_fails_every_layout_not_only_the_first(
        tmp_path: Path, parses: list[str]) -> None:
    (tmp_path / "sheet.css").write_text("p { colour: red; }", encoding="utf-8")
    messages = []
    for _ in range(2):
        with pytest.raises(BuildError, match="layout problems") as raised:
            lay_out(_PAGE, tmp_path, ConfinedFetcher([tmp_path]))
        messages.append(str(raised.value))
    assert len(parses) == 2  # one that warned is not kept: it warns again, as it would
    assert messages[0] == messages[1] and "colour" in messages[0]


def test_a_bad_var_value_fails_every_layout_not_only_the_first(tmp_path: Path,
                                                               parses: list[str]) -> None:
    # WeasyPrint checks a var() value when it computes styles, and marks it once it has
    # warned: a copy of a kept stylesheet must bring values of its own.
    (tmp_path / "sheet.css").write_text("p { --bad: 12px; color: var(--bad); "
                                        "margin: var(--bad) var(--none); }", encoding="utf-8")
    messages = []
    for _ in range(3):
        with pytest.raises(BuildError, match="problems") as raised:
            write_pdf(lay_out(_PAGE, tmp_path, ConfinedFetcher([tmp_path])),
                      dt.date(2026, 1, 1))
        messages.append(str(raised.value))
    assert len(parses) == 1  # nothing warned while it was parsed: it is kept
    assert messages[0] == messages[1] == messages[2] and "color: 12px" in messages[0]


def test_a_stylesheet_that_uses_layers_is_parsed_for_each_document(
        tmp_path: Path, parses: list[str]) -> None:
    # The layers' order is the document's: with "@layer a, b" named first in one document
    # only, a kept copy of the next stylesheet would name layers the other document lacks.
    (tmp_path / "sheet.css").write_text("@layer b { p { color: red; } }\n"
                                        "@layer a { p { color: blue; } }", encoding="utf-8")
    first = _PAGE.replace('<link rel="stylesheet"',
                          '<style>@layer a, b;</style><link rel="stylesheet"')
    for page in (first, _PAGE):
        lay_out(page, tmp_path, ConfinedFetcher([tmp_path]))
    assert parses.count((tmp_path / "sheet.css").as_uri()) == 2


def test_a_long_stylesheet_is_not_kept(tmp_path: Path, parses: list[str]) -> None:
    rules = "".join(f".a{number} {{ color: red; }}\n" for number in range(4000))
    assert len(rules) > stylesheets.MAX_KEPT_STYLESHEET
    (tmp_path / "sheet.css").write_text(rules, encoding="utf-8")
    for _ in range(2):
        lay_out(_PAGE, tmp_path, ConfinedFetcher([tmp_path]))
    assert len(parses) == 2 and not stylesheets._KEPT


def test_a_stylesheet_that_defines_a_counter_style_is_parsed_for_each_layout(
        tmp_path: Path, parses: list[str]) -> None:
    page = _PAGE.replace('<link rel="stylesheet" href="sheet.css">',
                         '<style>@counter-style thumbs { system: cyclic; symbols: "*"; '
                         'suffix: " "; }</style>')
    for _ in range(2):
        lay_out(page, tmp_path, ConfinedFetcher([tmp_path]))
    assert len(parses) == 2  # the counter style is the document's: a copy would lack it


def test_a_style_that_imports_a_stylesheet_reads_it_again_for_each_layout(
        tmp_path: Path, parses: list[str]) -> None:
    page = _PAGE.replace('<link rel="stylesheet" href="sheet.css">',
                         '<style>@import url("sheet.css");</style>')
    sheet, widths = tmp_path / "sheet.css", []
    for width in (100, 120):
        sheet.write_text(f"@page {{ size: {width}mm 150mm; }}", encoding="utf-8")
        document = lay_out(page, tmp_path, ConfinedFetcher([tmp_path]))
        widths.append(round(document.pages[0].width / 96 * 25.4))
    assert widths == [100, 120]  # a copy of the <style> would have kept the first import


def test_a_stylesheet_parsed_ahead_is_the_one_the_layout_takes(tmp_path: Path,
                                                               parses: list[str]) -> None:
    folder = _font_folder(tmp_path)
    sheet = (folder / "sheet.css").as_uri()
    fresh = _pdf(folder)
    stylesheets.forget_stylesheets()
    stylesheets.parse_ahead([sheet], ConfinedFetcher([folder]))
    assert parses.count(sheet) == 2  # the fresh layout's, then the one ahead
    assert _pdf(folder) == fresh
    assert parses.count(sheet) == 2  # the layout took a copy


def test_a_stylesheet_parsed_ahead_leaves_its_problems_to_the_layout(
        tmp_path: Path, parses: list[str]) -> None:
    stylesheets.parse_ahead([(tmp_path / "missing.css").as_uri()], ConfinedFetcher([tmp_path]))
    (tmp_path / "sheet.css").write_text("p { colour: red; }", encoding="utf-8")
    stylesheets.parse_ahead([(tmp_path / "sheet.css").as_uri()], ConfinedFetcher([tmp_path]))
    with pytest.raises(BuildError, match="colour"):
        lay_out(_PAGE, tmp_path, ConfinedFetcher([tmp_path]))
