"""Fixed words from gettext catalogues: a Welsh booklet has no English fixed words left, and a
missing or incomplete catalogue is an error at its path:line."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
from pathlib import Path

import pypdf
import pytest
from babel.messages.pofile import read_po
from test_content import MANIFEST, ORGANISATION, problems_of, write_library

from pibooklet.cli import main
from pibooklet.content import Booklet, gather_library, read_library
from pibooklet.messages import (
    LOCALE,
    TEMPLATE_FILE,
    check_language,
    extract_template,
    month_year,
    shipped_catalogues,
    template_messages,
    template_text,
    translations_for,
)
from pibooklet.render import render_html, theme_for

#: Welsh in the brand face: our Welsh fixed words avoid ŵ and ŷ, which Atkinson Hyperlegible
#: lacks. (Noto Sans, which has them, cannot be laid out by WeasyPrint 70 while fonts.py gives
#: a variable font the weight range "100 900": WeasyPrint refuses it.)
WELSH_ORGANISATION = ORGANISATION

WELSH_MANIFEST = """\
title: Llyfryn bach
subtitle: Ar gyfer profi
language: cy
edition: 2025-06
next_review: 2027-06
reviewers:
  - name: A Reviewer
    role: Nyrs
    organisation: Ysbyty
disclaimer: Siaradwch â’ch tîm gofal bob amser.
feedback: Anfonwch e-bost at info@example.org.uk.
sections:
  - one.md
"""

WELSH_SECTION = """\
---
title: Beth yw treial clinigol?
---
Mae treial clinigol yn astudiaeth ymchwil sy’n profi triniaeth newydd. Bydd eich tîm yn
siarad â chi am bob cam, a gallwch ofyn cwestiynau ar unrhyw adeg.

::: callout key
Chi sy’n penderfynu a ydych am gymryd rhan. Gallwch newid eich meddwl unrhyw bryd.
:::

Ffoniwch 0113 496 0000 neu anfonwch e-bost at info@example.org.uk.
"""

#: The Welsh every edition of the booklet must print, with its month from Babel.
WELSH_WORDS = ("Cynnwys", "Help a chymorth", "Eich nodiadau", "Neges allweddol",
               "Am y llyfryn hwn", "Yr argraffiad hwn: Mehefin 2025",
               "Dyddiad yr adolygiad nesaf: Mehefin 2027")


def _welsh_library(root: Path) -> Path:
    return write_library(root, WELSH_MANIFEST, WELSH_SECTION, WELSH_ORGANISATION)


def _text(path: Path) -> str:
    """Return a PDF's text with its line breaks and spacing made single spaces."""
    reader = pypdf.PdfReader(path)
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def _english_pieces() -> list[str]:
    """Return the words of every English msgid whose Welsh differs: the pieces between its
    placeholders and tags, each at least three letters long and a whole message or phrase."""
    welsh = translations_for("cy")
    pieces = set()
    for message in template_messages():
        english = message.id[0] if isinstance(message.id, tuple) else message.id
        translated = welsh.ngettext(*message.id, 5) if isinstance(message.id, tuple) \
            else welsh.gettext(message.id)
        if translated == english:
            continue
        for piece in re.split(r"%\(\w+\)s|<[^>]+>", english.replace("%%", "%")):
            piece = piece.strip(" .,:;()")
            # A lone word between tags ("and") could be the content's own English.
            whole = piece == english.strip(" .,:;()")
            if len(re.sub(r"[^A-Za-z]", "", piece)) >= 3 and (whole or " " in piece):
                pieces.add(piece)
    return sorted(pieces)


@pytest.fixture(scope="module")
def welsh_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the Welsh booklet's screen, large-print, office and spec outputs once."""
    root = _welsh_library(tmp_path_factory.mktemp("welsh"))
    output = root / "output"
    assert main(["--content", str(root), "--output", str(output), "--quiet",
                 "--outputs", "screen,large-print,office,spec"]) == 0
    return output


def test_the_english_pieces_list_is_the_one_a_check_needs() -> None:
    pieces = _english_pieces()
    for words in ("Contents", "Your notes", "Help and support", "Key message", "Go to",
                  "This edition", "How to print this booklet", "Registered charity in"):
        assert words in pieces


@pytest.mark.parametrize("name", ["small.pdf", "small-large-print.pdf", "small-office-a4.pdf"])
def test_a_welsh_edition_prints_no_english_fixed_words(welsh_build: Path, name: str) -> None:
    text = _text(welsh_build / name)
    left = [piece for piece in _english_pieces()
            if re.search(rf"(?<![A-Za-z]){re.escape(piece)}(?![A-Za-z])", text)]
    assert left == []
    for words in WELSH_WORDS:
        assert words in text


def test_the_office_instructions_are_in_welsh(welsh_build: Path) -> None:
    reader = pypdf.PdfReader(welsh_build / "small-office-a4.pdf")
    first = " ".join(reader.pages[0].extract_text().split())
    assert "Sut i argraffu’r llyfryn hwn" in first
    assert "ar 3 dalen A4" in first or "ar 2 dalen A4" in first or "ar 1 dalen A4" in first
    assert reader.metadata.title == "Llyfryn bach (llyfryn A4 i’w argraffu yn y swyddfa)"


def test_the_print_specification_is_in_the_printers_language(welsh_build: Path) -> None:
    # The organisation writes in English, so its printer gets an English specification.
    text = " ".join((welsh_build / "small-print-spec.txt").read_text(encoding="utf-8").split())
    assert text.startswith("PRINT SPECIFICATION Title: Llyfryn bach")
    assert "Edition: June 2025 (next review June 2027)" in text


def test_a_welsh_organisations_print_specification_has_no_english_labels(
        tmp_path: Path) -> None:
    root = _welsh_library(tmp_path / "content")
    organisation = root / "organisation.yaml"
    organisation.write_text(organisation.read_text(encoding="utf-8") + "language: cy\n",
                            encoding="utf-8")
    assert main(["--content", str(root), "--output", str(tmp_path / "out"), "--quiet",
                 "--outputs", "spec"]) == 0
    text = " ".join((tmp_path / "out" / "small-print-spec.txt").read_text("utf-8").split())
    left = [piece for piece in _english_pieces()
            if re.search(rf"(?<![A-Za-z]){re.escape(piece)}(?![A-Za-z])", text)]
    assert left == []
    assert text.startswith("MANYLEB ARGRAFFU Teitl: Llyfryn bach")
    assert "Argraffiad: Mehefin 2025 (adolygiad nesaf Mehefin 2027)" in text


def test_links_are_described_in_welsh(welsh_build: Path) -> None:
    reader = pypdf.PdfReader(welsh_build / "small.pdf")
    descriptions = {str(annotation.get_object()["/Contents"])
                    for page in reader.pages for annotation in page.get("/Annots", [])
                    if annotation.get_object().get("/Subtype") == "/Link"}
    assert "Ewch i: Help a chymorth" in descriptions
    assert "Ffôn: 0113 496 0000" in descriptions
    assert "E-bost: info@example.org.uk" in descriptions
    assert not [text for text in descriptions if text.startswith(("Go to", "Phone", "Email"))]


def test_babel_gives_month_names_in_the_booklet_language() -> None:
    assert month_year(dt.date(2025, 6, 1), "cy") == "Mehefin 2025"
    assert month_year(dt.date(2025, 6, 1), "cy-GB") == "Mehefin 2025"
    assert month_year(dt.date(2025, 4, 1), "en-GB") == "April 2025"
    assert month_year(dt.date(2025, 6, 1), "ar") == "يونيو 2025"


def test_language_tags_find_their_catalogue() -> None:
    assert translations_for("cy-GB").gettext("Contents") == "Cynnwys"
    assert translations_for("en-GB").gettext("Contents") == "Contents"
    assert translations_for("ar").gettext("Contents") == "المحتويات"
    # Welsh and Arabic have six plural forms; English two.
    assert [translations_for("ar").ngettext("%(num)s page", "%(num)s pages", count)
            for count in (0, 1, 2, 5, 11, 100)] == [
        "%(num)s صفحة", "صفحة واحدة", "صفحتان", "%(num)s صفحات", "%(num)s صفحة", "%(num)s صفحة"]


def test_a_booklet_language_without_a_catalogue_lists_the_strings_to_translate(
        tmp_path: Path) -> None:
    write_library(tmp_path, MANIFEST.replace("edition:", "language: pl\nedition:", 1))
    [problem] = problems_of(tmp_path)
    assert problem.startswith("small/booklet.yaml:3: no catalogue of fixed words for language "
                              "'pl': copy pibooklet/locale/pibooklet.pot to ")
    assert "locale/pl/LC_MESSAGES/pibooklet.po, fill in each msgstr" in problem
    for message in template_messages():
        shown = message.id if isinstance(message.id, str) else message.id[0]
        assert f'"{shown}"' in problem


def test_a_content_catalogue_with_strings_missing_names_each_at_its_line(
        tmp_path: Path) -> None:
    text = (LOCALE / "cy/LC_MESSAGES/pibooklet.po").read_text(encoding="utf-8")
    text = text.replace('msgid "Contents"\nmsgstr "Cynnwys"', 'msgid "Contents"\nmsgstr ""')
    text = text.replace('msgid "Your notes"', '#, fuzzy\nmsgid "Your notes"')
    text = re.sub(r'(#[^\n]*\n)*msgid "Tip"\nmsgstr "Awgrym"\n\n', "", text)
    lines = text.splitlines()
    empty, fuzzy = lines.index('msgid "Contents"') + 1, lines.index('msgid "Your notes"') + 1
    write_library(tmp_path, MANIFEST.replace("edition:", "language: pl\nedition:", 1),
                  extra={"locale/pl/LC_MESSAGES/pibooklet.po": text})
    assert problems_of(tmp_path) == [
        f"locale/pl/LC_MESSAGES/pibooklet.po:{empty}: "
        '"Contents" has no translation (its msgstr is empty)',
        f"locale/pl/LC_MESSAGES/pibooklet.po:{fuzzy}: "
        '"Your notes" is marked fuzzy (remove \'#, fuzzy\' once it is checked)',
        "locale/pl/LC_MESSAGES/pibooklet.po:1: strings missing from this catalogue (copy their "
        'entries from pibooklet/locale/pibooklet.pot and translate them): "Tip"']


def test_a_content_catalogue_overrides_some_of_our_words(tmp_path: Path) -> None:
    po = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n' \
         'msgid "Contents"\nmsgstr "Tabl cynnwys"\n\nmsgid "Contnets"\nmsgstr "Cynnwys"\n'
    root = write_library(tmp_path, WELSH_MANIFEST, organisation=WELSH_ORGANISATION,
                         extra={"locale/cy/LC_MESSAGES/pibooklet.po": po})
    library, problems = gather_library(root)
    assert [str(problem).removeprefix(str(root) + "/") for problem in problems.items
            if "pibooklet.po" in str(problem)] == [
        'locale/cy/LC_MESSAGES/pibooklet.po:8: warning: "Contnets" is not a string pibooklet '
        "prints; check it against pibooklet/locale/pibooklet.pot"]
    translations = translations_for("cy", library.root)
    assert translations.gettext("Contents") == "Tabl cynnwys"
    assert translations.gettext("Your notes") == "Eich nodiadau"  # ours, not overridden


@pytest.mark.parametrize(("line", "message"), [
    ('msgstr "Tabl cynnwys', "is not a line of a gettext catalogue"),
    ('msgstr "%(title)99999s"', "formats a placeholder as '%(title)99999s'"),
    ('msgstr "<a href=\\"file:///etc/passwd\\">x</a>"', "has markup its msgid does not have"),
])
def test_a_broken_content_catalogue_is_an_error_at_its_line(tmp_path: Path, line: str,
                                                              message: str) -> None:
    msgid = 'msgid "Cover of the booklet %(title)s"' if "title" in line else 'msgid "Contents"'
    po = f'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n{msgid}\n{line}\n'
    write_library(tmp_path, WELSH_MANIFEST, organisation=WELSH_ORGANISATION,
                  extra={"locale/cy/LC_MESSAGES/pibooklet.po": po})
    [problem] = problems_of(tmp_path)
    where = 6 if "not a line" in message else 5
    assert problem.startswith(f"locale/cy/LC_MESSAGES/pibooklet.po:{where}: ")
    assert message in problem


def test_the_committed_template_is_what_extraction_gives_now() -> None:
    assert TEMPLATE_FILE.read_bytes() == template_text(extract_template())


def test_every_shipped_catalogue_is_complete_with_its_plural_forms() -> None:
    languages = {path.parent.parent.name: path for path in shipped_catalogues()}
    assert {"en", "cy", "ar"} <= set(languages)
    for language, path in languages.items():
        assert check_language(language, path, None, None) == []
    plurals = {language: dict(read_po(io.BytesIO(path.read_bytes())).mime_headers)
               ["Plural-Forms"] for language, path in languages.items()}
    assert plurals["cy"].startswith("nplurals=6;")
    assert plurals["ar"].startswith("nplurals=6;")


def test_the_sample_translation_stamp_is_printed_when_the_manifest_says_so(
        tmp_path: Path) -> None:
    if "sample_translation" not in {field.name for field in dataclasses.fields(Booklet)}:
        pytest.skip("the Booklet has no sample_translation field on this branch")
    library = read_library(_welsh_library(tmp_path))
    booklet = dataclasses.replace(library.booklets["small"], sample_translation=True)
    html = render_html(booklet, library, theme_for(library.root), notes_pages=0,
                       fixed_only=True).html
    assert "Cyfieithiad enghreifftiol: rhaid i gyfieithydd cymwysedig adolygu’r" in html
    plain = render_html(library.booklets["small"], library, theme_for(library.root),
                        notes_pages=0, fixed_only=True).html
    assert "Cyfieithiad enghreifftiol" not in plain


@pytest.mark.parametrize("call", [
    '{{ _("%(a)s" * 100000, a="x" * 999000) }}',
    '{{ ngettext("%(a)s" * 100000, "%(a)s", 1, a="x" * 999000) }}',
    '{{ _("%(a)999999999s", a=1) }}',
])
def test_a_content_template_cannot_grow_a_message_without_bound(tmp_path: Path,
                                                               call: str) -> None:
    from test_hostile import SANDBOX, assert_refused
    assert_refused(tmp_path, f"<p>\n{call}\n", "2: not allowed in a template: filling in this "
                   f"message would make more than the 1000000 characters allowed{SANDBOX}")


def test_a_content_template_can_use_our_fixed_words(tmp_path: Path) -> None:
    template = ('<section class="back-cover" id="back-cover"><p>{% trans name=org.short_name %}'
                'About {{ name }}{% endtrans %} {{ _("Your notes") }}</p></section>\n')
    root = _welsh_library(tmp_path)
    (root / "templates").mkdir()
    (root / "templates/back-cover.html").write_text(template, encoding="utf-8")
    library = read_library(root)
    html = render_html(library.booklets["small"], library, theme_for(root), notes_pages=0,
                       fixed_only=True).html
    assert "<p>Am EHC Eich nodiadau</p>" in html


@pytest.mark.parametrize(("language", "pages", "sheets", "expected"), [
    ("ar", 12, 3, "<cite>Llyfryn bach</cite>: 12 صفحة على 3 أوراق من مقاس A4."),
    ("ar", 8, 2, "<cite>Llyfryn bach</cite>: 8 صفحات على ورقتين من مقاس A4."),
    ("cy", 12, 3, "<cite>Llyfryn bach</cite>: 12 tudalen ar 3 dalen A4."),
    ("en-GB", 12, 3, "<cite>Llyfryn bach</cite>: 12 pages on 3 sheets of A4."),
])
def test_office_instructions_count_in_each_language_s_plural_forms(
        tmp_path: Path, language: str, pages: int, sheets: int, expected: str) -> None:
    from pibooklet.render import render_office_instructions
    root = write_library(tmp_path, WELSH_MANIFEST.replace("language: cy", f"language: {language}"),
                         WELSH_SECTION, WELSH_ORGANISATION)
    library = read_library(root)
    html = render_office_instructions(library.booklets["small"], library, theme_for(root),
                                      pages=pages, sheets=sheets, last_page=2 + pages // 2)
    assert expected in html


def test_an_arabic_booklet_prints_arabic_fixed_words(tmp_path: Path) -> None:
    root = write_library(tmp_path, WELSH_MANIFEST.replace("language: cy", "language: ar"),
                         WELSH_SECTION, WELSH_ORGANISATION)
    library = read_library(root)
    html = render_html(library.booklets["small"], library, theme_for(root), notes_pages=1).html
    for words in ("عن هذا الكتيّب", "المحتويات", "المساعدة والدعم", "ملاحظاتك", "رسالة أساسية",
                  "هذا الإصدار: يونيو 2025", "نبذة عن EHC"):
        assert words in html
    assert "Contents" not in html and "Help and support" not in html
