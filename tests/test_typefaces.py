"""Typefaces for every script: the brand face, per-script fallbacks, and nothing else in the PDF."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import fontpkg
import pdfplumber
import pypdf
import pytest
import weasyprint
import yaml
from conftest import CONTENT, SAMPLES, Built, drawn_fonts
from fontTools import unicodedata as script_data
from fontTools.ttLib import TTFont
from test_content import MANIFEST, ORGANISATION, SECTION, problems_of, write_library

from pibooklet.cli import main
from pibooklet.content import read_library
from pibooklet.fonts import TypefaceChain, load_typeface
from pibooklet.press import verify_press
from pibooklet.render import render_html, render_office_instructions, theme_for
from pibooklet.verify import verify_booklet

CHAIN = "fallback_typefaces:\n  Latin: [Noto Sans]\n  Arabic: [Noto Sans Arabic]\n"
BRAND = "Atkinson Hyperlegible"
# The weights and styles our stylesheets use, as WeasyPrint names each font in the PDF; Pango
# slants a face that has no italic (Noto Sans Arabic) and calls it Oblique.
STYLES = ("", "-Bold", "-Italic", "-Bold-Italic", "-Oblique", "-Bold-Oblique")
EDITIONS = ("", "-large-print", "-press", "-office-a4")

WELSH_MANIFEST = MANIFEST.replace("title: A small booklet", "title: Llyfryn bach ŵyr") \
    + "language: cy\n"
WELSH_SECTION = """\
---
title: Yr unig adran ŵyr
---
Mae'r ŵyr a'r wyres yn dŵad â'r ŷd i'r tŷ.

**Bydd ŵyr yn helpu** a *gwelwch ŷd* a ***dŵr â thân***.
"""
ARABIC_MANIFEST = MANIFEST.replace("title: A small booklet", "title: كتيب صغير") \
    + "language: ar\n"
ARABIC_SECTION = """\
---
title: القسم الوحيد
---
هذا الكتيب للعائلات، وفيه ٣ أقسام.

**هذا مهم جداً** و*هذا مائل*.
"""


def _families(organisation_yaml: str) -> list[str]:
    """Return the brand face and every fallback family an organisation.yaml declares."""
    data = yaml.safe_load(organisation_yaml)
    families = [data.get("typeface", BRAND)]
    for declared in (data.get("fallback_typefaces") or {}).values():
        families += [family for family in declared if family not in families]
    return families


def _pdf_names(families: list[str]) -> set[str]:
    """Return the names WeasyPrint gives the declared families' fonts in a PDF."""
    return {family.replace(" ", "-") + style for family in families for style in STYLES}


def _postscript_names(families: list[str]) -> set[str]:
    """Return the PostScript names of every file of the declared families, read by fontTools."""
    names = set()
    for family in families:
        for item in fontpkg.family(family).files:
            with TTFont(item.path, lazy=True) as font:
                names.add(font["name"].getDebugName(6))
    return names


def _base(name: str) -> str:
    """Return a PDF font name without its six-letter subset prefix."""
    return re.sub(r"^[A-Z]{6}\+", "", name.lstrip("/"))


def _char_problems(pdf: Path, allowed: set[str], clustered: str = "") -> list[str]:
    """Return each character drawn in an undeclared font or as an unknown glyph.

    Only in `clustered` fonts (Noto Sans Arabic draws a letter's dots as glyphs of their own)
    may a glyph stand for no character of its own.
    """
    problems = []
    with pdfplumber.open(pdf) as document:
        for number, page in enumerate(document.pages, 1):
            for char in page.chars:
                name = _base(char["fontname"])
                if name not in allowed:
                    problems.append(f"page {number}: {char['text']!r} in {char['fontname']}")
                if char["text"] == "\ufffd" or (
                        not char["text"] and not (clustered and name.startswith(clustered))):
                    problems.append(f"page {number}: a glyph with no character, in {name}")
    return problems


def _embedded_font_problems(pdf: Path, allowed: set[str], postscript: set[str]) -> list[str]:
    """Return each font that is undeclared, not embedded, not instanced or shows .notdef."""
    problems = []
    for page in pypdf.PdfReader(pdf).pages:
        for font in page.get("/Resources", {}).get("/Font", {}).values():
            font = font.get_object()
            name = _base(str(font["/BaseFont"]))
            if name not in allowed:
                problems.append(f"{name} is not a declared face")
            # WeasyPrint gives a font its own encoding only to map missing characters to .notdef.
            if font.get("/Encoding") != "/Identity-H":
                problems.append(f"{name} draws a .notdef glyph")
            [descendant] = font["/DescendantFonts"]
            descriptor = descendant.get_object()["/FontDescriptor"].get_object()
            if "/FontFile2" not in descriptor:
                problems.append(f"{name} is not embedded as TrueType")
                continue
            program = TTFont(io.BytesIO(descriptor["/FontFile2"].get_data()))
            if program["name"].getDebugName(6) not in postscript:
                problems.append(f"{name} embeds {program['name'].getDebugName(6)}")
            if "fvar" in program:
                problems.append(f"{name} is embedded as a variable font, not an instance")
            weight = program["OS/2"].usWeightClass
            if ("-Bold" in name) != (weight == 700):
                problems.append(f"{name} is embedded at weight {weight}")
    return sorted(set(problems))


def _build(root: Path, output: Path, outputs: str) -> None:
    assert main(["--content", str(root), "--output", str(output), "--outputs", outputs,
                 "--quiet"]) == 0


@pytest.fixture(scope="module")
def scripts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Welsh booklet ('small') and an Arabic one, built in every edition."""
    root = write_library(tmp_path_factory.mktemp("scripts") / "content",
                         manifest=WELSH_MANIFEST, section=WELSH_SECTION,
                         organisation=ORGANISATION + CHAIN,
                         extra={"arabic/booklet.yaml": ARABIC_MANIFEST,
                                "arabic/one.md": ARABIC_SECTION,
                                "organisation.ar.yaml": "fallback: en-GB\n"})
    output = root.parent / "output"
    _build(root, output, "screen,large-print,press,office")
    return output


SCRIPT_FAMILIES = _families(ORGANISATION + CHAIN)


def test_the_shipped_chain_is_the_brand_face_then_the_fallbacks_in_order() -> None:
    organisation = read_library(CONTENT, theme_for(CONTENT.resolve()).layouts()).organisation
    assert organisation.typefaces.css_family_list() == \
        '"Atkinson Hyperlegible", "Noto Sans", "IBM Plex Sans Arabic"'
    for family in ("Atkinson Hyperlegible", "Noto Sans", "IBM Plex Sans Arabic"):
        assert load_typeface(family).folders <= organisation.typefaces.folders


def test_the_booklet_and_the_office_sheet_are_set_in_the_whole_chain(tmp_path: Path) -> None:
    root = write_library(tmp_path, organisation=ORGANISATION + CHAIN)
    theme = theme_for(root)
    library = read_library(root, theme.layouts())
    booklet = library.booklets["small"]
    family = 'font-family: "Atkinson Hyperlegible", "Noto Sans", "Noto Sans Arabic";'
    booklet_html = render_html(booklet, library, theme, notes_pages=1).html
    sheet_html = render_office_instructions(booklet, library, theme, 8, 2, 8)
    for html in (booklet_html, sheet_html):
        assert re.search(r"\bhtml \{ " + re.escape(family), html)
        assert re.search(r"@page \{[^}]*" + re.escape(family), html)
        for declared in SCRIPT_FAMILIES:  # every file of every face is loaded
            for item in fontpkg.family(declared).files:
                assert f'src: url("{Path(item.path).as_uri()}")' in html


@pytest.mark.parametrize("name", [slug + edition for slug in SAMPLES for edition in EDITIONS])
def test_every_character_of_the_samples_is_in_the_brand_face(built: Built, name: str) -> None:
    families = _families((CONTENT / "organisation.yaml").read_text(encoding="utf-8"))
    assert families == ["Atkinson Hyperlegible", "Noto Sans", "IBM Plex Sans Arabic"]
    pdf = built.output / f"{name}.pdf"
    # The English samples look as they did: the brand face draws every character.
    assert not _char_problems(pdf, _pdf_names([BRAND]))
    assert not _embedded_font_problems(pdf, _pdf_names([BRAND]), _postscript_names([BRAND]))


@pytest.mark.parametrize("name", [slug + edition for slug in ("small", "arabic")
                                  for edition in EDITIONS])
def test_welsh_and_arabic_letters_are_drawn_by_their_declared_fallbacks(scripts: Path,
                                                                        name: str) -> None:
    pdf = scripts / f"{name}.pdf"
    assert not _char_problems(pdf, _pdf_names(SCRIPT_FAMILIES), clustered="Noto-Sans-Arabic")
    assert not _embedded_font_problems(pdf, _pdf_names(SCRIPT_FAMILIES),
                                       _postscript_names(SCRIPT_FAMILIES))
    with pdfplumber.open(pdf) as document:
        chars = [char for page in document.pages for char in page.chars]
    by_family = {}
    for char in chars:
        family = re.sub(r"(-Bold)?(-Italic|-Oblique)?$", "", _base(char["fontname"]))
        by_family.setdefault(family, set()).add(char["text"])
    if name.startswith("small"):
        assert {"ŵ", "ŷ"} <= by_family["Noto-Sans"]  # Atkinson Hyperlegible lacks them
        assert "â" in by_family["Atkinson-Hyperlegible"]  # the brand face draws what it has
        assert "Noto-Sans-Arabic" not in by_family
    else:
        arabic = {char["text"] for char in chars
                  if char["text"] and script_data.script(char["text"]) == "Arab"}
        assert len(arabic) > 10 and arabic <= by_family["Noto-Sans-Arabic"]
        assert "Noto-Sans" not in by_family
    assert set("Contents") <= by_family["Atkinson-Hyperlegible"]


@pytest.mark.parametrize("slug", ["small", "arabic"])
def test_the_screen_editions_with_fallback_faces_pass_the_pdf_ua_checker(scripts: Path,
                                                                         slug: str) -> None:
    checker = shutil.which("pdfua")
    assert checker, "the pdfua checker is a test dependency: pip install -e '.[test]'"
    result = subprocess.run([checker, "check", "--format", "json", str(scripts / f"{slug}.pdf")],
                            capture_output=True, text=True, check=False)
    report = json.loads(result.stdout)
    assert result.returncode == 0 and report["findings"] == [], result.stdout


@pytest.mark.parametrize("slug", ["small", "arabic"])
def test_the_press_files_with_instanced_variable_fonts_are_pdf_x4(scripts: Path,
                                                                  slug: str) -> None:
    data = (scripts / f"{slug}-press.pdf").read_bytes()
    assert verify_press(data) == []
    root = pypdf.PdfReader(io.BytesIO(data)).trailer["/Root"]
    assert b"<pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>" in \
        root["/Metadata"].get_object().get_data()


def _to_unicode(font) -> dict[int, str]:
    """Return the character each glyph id of a font stands for, from its ToUnicode map."""
    data = font["/ToUnicode"].get_data().decode("latin-1")
    found = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", data, re.DOTALL):
        for glyph, text in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>", block):
            found[int(glyph, 16)] = bytes.fromhex(text).decode("utf-16-be")
    return found


@pytest.mark.parametrize("slug", ["small", "arabic"])
def test_the_office_booklet_merges_instanced_subsets_without_losing_a_glyph(scripts: Path,
                                                                            slug: str) -> None:
    reader = pypdf.PdfReader(scripts / f"{slug}-office-a4.pdf")
    programs: dict[str, set[int]] = {}
    checked = 0
    for page in reader.pages:
        for font in drawn_fonts(page["/Resources"]):
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            reference = descriptor.get_object().raw_get("/FontFile2")
            programs.setdefault(str(descriptor.get_object()["/FontName"]), set()).add(
                reference.idnum)
            program = TTFont(io.BytesIO(descriptor.get_object()["/FontFile2"].get_data()))
            order = program.getGlyphOrder()
            for glyph, text in _to_unicode(font).items():
                if text.strip() and unicodedata.category(text[0]) != "Cf":
                    assert program["glyf"][order[glyph]].numberOfContours != 0, (
                        f"{font['/BaseFont']}: {text!r} lost its outline in the merge")
                    checked += 1
    assert checked > 50
    # The sheet and the booklet pages share one program per font, fallbacks included.
    assert all(len(ids) == 1 for ids in programs.values()), programs
    fallback = "Noto-Sans-Bold" if slug == "small" else "Noto-Sans-Arabic-Bold"
    assert any(_base(name) == fallback for name in programs)


def test_a_letter_of_a_script_with_no_fallback_names_a_package_that_draws_it(
        tmp_path: Path) -> None:
    write_library(tmp_path, organisation=ORGANISATION + CHAIN, section=SECTION + "Bengali: ক.\n")
    assert problems_of(tmp_path) == [
        "small/one.md:5: character 'ক' (U+0995, Bengali script) is in none of the typefaces "
        "Atkinson Hyperlegible; pip install fontpkg-hind-siliguri, then add it to "
        "organisation.yaml under fallback_typefaces: 'Bengali: [Hind Siliguri]'"]


def test_an_arabic_letter_needs_the_arabic_fallback_declared(tmp_path: Path) -> None:
    # Noto Sans is declared for Latin only: it must not stand in for Arabic.
    write_library(tmp_path, section=SECTION + "Arabic: ب\n",
                  organisation=ORGANISATION + "fallback_typefaces: {Latin: [Noto Sans]}\n")
    assert problems_of(tmp_path) == [
        "small/one.md:5: character 'ب' (U+0628, Arabic script) is in none of the typefaces "
        "Atkinson Hyperlegible; pip install fontpkg-ibm-plex-sans-arabic, then add it to "
        "organisation.yaml under fallback_typefaces: 'Arabic: [IBM Plex Sans Arabic]'"]


def test_a_welsh_letter_without_a_latin_fallback_names_noto_sans(tmp_path: Path) -> None:
    write_library(tmp_path, manifest=MANIFEST.replace("title: A small booklet",
                                                      "title: Llyfryn ŵyr"))
    assert problems_of(tmp_path) == [
        "small/booklet.yaml:1: character 'ŵ' (U+0175, Latin script) is in none of the typefaces "
        "Atkinson Hyperlegible; pip install fontpkg-noto-sans, then add it to organisation.yaml "
        "under fallback_typefaces: 'Latin: [Noto Sans]'"]


def test_a_script_no_known_package_draws_says_which_script_to_search_for(
        tmp_path: Path) -> None:
    write_library(tmp_path, organisation=ORGANISATION + CHAIN, section=SECTION + "Chinese: 中\n")
    assert problems_of(tmp_path) == [
        "small/one.md:5: character '中' (U+4E2D, Han script) is in none of the typefaces "
        "Atkinson Hyperlegible; find a font package that draws the Han script (search PyPI for "
        "a fontpkg Noto package, such as fontpkg-noto-sans-han), install it and add it to "
        "organisation.yaml under fallback_typefaces: 'Han: [its family]'"]


def test_a_symbol_no_face_draws_is_in_none_of_the_chain(tmp_path: Path) -> None:
    # Digits and punctuation may come from any face of the chain; this arrow is in none.
    write_library(tmp_path, organisation=ORGANISATION + CHAIN, section=SECTION + "Next → ward\n")
    assert problems_of(tmp_path) == [
        "small/one.md:5: character '→' (U+2192) is in none of the typefaces Atkinson "
        "Hyperlegible, Noto Sans, Noto Sans Arabic; replace it, or draw it with IBM Plex Sans "
        "Arabic (fontpkg-ibm-plex-sans-arabic): add it to organisation.yaml under "
        "fallback_typefaces"]


def test_fallback_typefaces_are_checked_with_their_lines(tmp_path: Path) -> None:
    write_library(tmp_path, organisation=ORGANISATION + (
        "fallback_typefaces:\n"
        "  latin: [Noto Sans]\n"
        "  Arabic: [Noto Sans Arabic, Comic Neue]\n"
        "  Bengali: Hind Siliguri\n"))
    assert problems_of(tmp_path) == [
        "organisation.yaml:14: 'latin' is not a Unicode script name; did you mean 'Latin'?",
        "organisation.yaml:15: the typeface 'Comic Neue' is not installed; "
        "pip install fontpkg-comic-neue",
        "organisation.yaml:16: 'Bengali' must list font families, for example "
        "'Bengali: [Noto Sans]'"]


def test_a_variable_brand_typeface_builds_in_its_own_weights(tmp_path: Path) -> None:
    # Regression: a variable font once gave "font-weight: None", then "100 900", which
    # WeasyPrint 70 rejects in @font-face; either failed the layout.
    root = write_library(tmp_path / "content", organisation=ORGANISATION + "typeface: Noto Sans\n",
                         section=SECTION + "\n**Bold** and *italic* ŵ.\n")
    assert "font-weight" not in load_typeface("Noto Sans").font_face_css()
    _build(root, tmp_path / "output", "screen")
    pdf = tmp_path / "output" / "small.pdf"
    names = _pdf_names(["Noto Sans"])
    assert not _char_problems(pdf, names)
    assert not _embedded_font_problems(pdf, names, _postscript_names(["Noto Sans"]))
    with pdfplumber.open(pdf) as document:
        used = {_base(char["fontname"]) for page in document.pages for char in page.chars}
    assert {"Noto-Sans", "Noto-Sans-Bold", "Noto-Sans-Italic"} <= used


def test_a_pdf_font_belongs_to_a_family_only_by_its_whole_name() -> None:
    chain = TypefaceChain(load_typeface(BRAND), (("Latin", (load_typeface("Noto Sans"),)),))
    assert chain.family_of_pdf_font("ABCDEF+Noto-Sans-Bold-Italic") == "Noto Sans"
    assert chain.family_of_pdf_font("/ABCDEF+Atkinson-Hyperlegible") == BRAND
    # System faces whose names start like a declared one are not that face.
    assert chain.family_of_pdf_font("ABCDEF+Noto-Sans-Mono") is None
    assert chain.family_of_pdf_font("ABCDEF+Noto-Sans-Arabic-Bold") is None
    assert chain.family_of_pdf_font("ABCDEF+DejaVu-Sans") is None


def _pdf_of(text: str, chain: TypefaceChain) -> bytes:
    """Lay out one paragraph in the chain's faces, as the booklet templates set them."""
    html = (f"<style>{chain.font_face_css()} html {{ font-family: {chain.css_family_list()}; }}"
            f"</style><p>{text}</p>")
    return weasyprint.HTML(string=html).write_pdf()


def test_the_finished_pdf_check_refuses_undeclared_faces_and_empty_boxes() -> None:
    brand_only = TypefaceChain(load_typeface(BRAND))
    with_noto = TypefaceChain(load_typeface(BRAND), (("Latin", (load_typeface("Noto Sans"),)),))
    welsh = _pdf_of("Mae'r ŵyr yma.", with_noto)
    assert _font_messages(verify_booklet(welsh, with_noto, [])) == []
    assert _font_messages(verify_booklet(welsh, brand_only, [])) == [
        "text is set in Noto-Sans, not in Atkinson Hyperlegible: a character fell back to a "
        "system font"]
    # A private-use character is in no font: WeasyPrint draws .notdef in the brand face.
    boxed = _pdf_of("A \ue000 box.", brand_only)
    assert _font_messages(verify_booklet(boxed, brand_only, [])) == [
        "font Atkinson-Hyperlegible lacks a character it is asked to draw: it prints as an "
        "empty box"]


def _font_messages(problems: list[str]) -> list[str]:
    """Return the problems about fonts (a one-page test PDF has others: page count, size)."""
    return [problem for problem in problems if "font" in problem]


@pytest.mark.xfail(strict=True, raises=AssertionError,
                   reason="Noto Sans Arabic draws dots as glyphs of their own and shares "
                   "dotless shapes between letters (د ذ, ج ح), and WeasyPrint 70 maps each glyph "
                   "to the first letter it drew: the shapes print right, the text reads back "
                   "wrong. IBM Plex Sans Arabic (precomposed letters) reads back right.")
def test_arabic_text_reads_back_as_written(scripts: Path) -> None:
    with pdfplumber.open(scripts / "arabic.pdf") as document:
        bold = [char for char in document.pages[2].chars
                if _base(char["fontname"]).endswith("-Arabic-Bold")]
    last_line = max(round(char["top"]) for char in bold)  # the bold run; the heading is above
    # Glyphs come in visual order, right to left; a ligature's text is in reading order.
    letters = "".join(char["text"] for char in reversed(bold)
                      if round(char["top"]) == last_line and char["text"]
                      and all(unicodedata.category(letter) == "Lo" for letter in char["text"]))
    assert letters == "هذامهمجدا"
