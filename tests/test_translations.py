"""Translations of a booklet: where they live, what they take from their source, and the
path:line errors that keep them in step."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pypdf
import pytest
from conftest import CONTENT, Built
from test_content import MANIFEST, ORGANISATION, problems_of, write_library

from pibooklet.checks import check_library
from pibooklet.content import read_library
from pibooklet.messages import translations_for
from pibooklet.translations import ForeignText

TRANSLATION = """\
language: cy
source_edition: 2025-04
title: Llyfryn bach
reviewers:
  - name: A Reviewer
    role: Nyrs
    organisation: Ysbyty
disclaimer: Holwch eich tîm.
feedback: E-bostiwch info@example.org.uk.
sections:
  - one.md
"""
SECTION_CY = """\
---
title: Yr unig adran
---
Rhywfaint o destun.
"""
WORDS_CY = """\
about: Rydym yn helpu teuluoedd.
donation: Rhowch yn www.example.org.uk/give.
large_print:
  how_to_get: Ffoniwch ni am brint bras.
charity_numbers:
  - where: Cymru a Lloegr
"""


def translated_library(root: Path, translation: str = TRANSLATION, words: str | None = WORDS_CY,
                       extra: dict[str, str] | None = None) -> Path:
    """Write a library with one booklet and its Welsh translation."""
    files = {"small/cy/booklet.yaml": translation, "small/cy/one.md": SECTION_CY,
             **({"organisation.cy.yaml": words} if words is not None else {}), **(extra or {})}
    return write_library(root, extra=files)


def test_a_translation_is_its_own_booklet_with_the_sources_facts(tmp_path: Path) -> None:
    library = read_library(translated_library(tmp_path))
    assert sorted(library.booklets) == ["small", "small-cy"]
    welsh, english = library.booklets["small-cy"], library.booklets["small"]
    assert welsh.language == "cy" and welsh.title == "Llyfryn bach"
    assert welsh.translates == "small"
    assert (welsh.edition, welsh.next_review) == (english.edition, english.next_review)
    assert welsh.sections[0].path == tmp_path / "small/cy/one.md"
    organisation = library.organisation_for(welsh)
    assert organisation.about == "Rydym yn helpu teuluoedd."
    assert library.organisation_for(english).about == "We help families."


def test_a_stale_translation_names_both_editions_and_lines(tmp_path: Path) -> None:
    root = translated_library(tmp_path)
    manifest = tmp_path / "small/booklet.yaml"
    manifest.write_text(MANIFEST.replace("edition: 2025-04", "edition: 2026-01"))
    problems = problems_of(root)
    assert problems == [
        f"small/cy/booklet.yaml:2: stale translation: it translates the 2025-04 edition, but the "
        f"source ({manifest}:3) is now the 2026-01 edition; translate what changed, then set "
        f"'source_edition: 2026-01'"]


def test_sections_missing_from_or_extra_in_a_translation(tmp_path: Path) -> None:
    root = write_library(tmp_path, manifest=MANIFEST + "  - two.md\n", extra={
        "small/two.md": "---\ntitle: Two\n---\nText.\n",
        "small/cy/booklet.yaml": TRANSLATION + "  - three.md\n",
        "small/cy/one.md": SECTION_CY, "small/cy/three.md": "---\ntitle: Tri\n---\nTestun.\n",
        "organisation.cy.yaml": WORDS_CY})
    problems = problems_of(root)
    assert problems == [
        "small/cy/booklet.yaml:10: section 'two.md' of the source is not translated: translate "
        "it as cy/two.md and list it here",
        f"small/cy/booklet.yaml:12: section 'three.md' is not in the source "
        f"({tmp_path / 'small/booklet.yaml'}); translations follow their source: remove it, or "
        f"add it to the source first"]


def test_keys_that_are_not_words_come_from_the_source(tmp_path: Path) -> None:
    root = translated_library(tmp_path, TRANSLATION + "notes_pages: 3\n")
    assert problems_of(root) == [
        f"small/cy/booklet.yaml:12: 'notes_pages' comes from the source booklet "
        f"({tmp_path / 'small/booklet.yaml'}:1); set it there, not in a translation"]


def test_a_translation_without_the_organisations_words_is_an_error(tmp_path: Path) -> None:
    root = translated_library(tmp_path, words=None)
    assert problems_of(root) == [
        "small/cy/booklet.yaml:1: the organisation's words (about, donation, large print, legal "
        "note) are not given in 'cy': add organisation.cy.yaml and directory.cy.yaml to the "
        "content folder, or declare 'fallback: en-GB' in organisation.cy.yaml"]


def test_words_missing_from_a_language_file_are_listed(tmp_path: Path) -> None:
    root = translated_library(tmp_path, words="about: Rydym yn helpu teuluoedd.\n")
    assert problems_of(root) == [
        f"organisation.cy.yaml:1: '{key}' is not given in this language: translate it from "
        f"organisation.yaml, or declare 'fallback: en-GB' to print the original"
        for key in ("donation", "large_print", "charity_numbers")]


def test_a_declared_fallback_prints_the_original_marked_with_its_language(
        tmp_path: Path) -> None:
    root = translated_library(tmp_path, words="fallback: en-GB\nabout: Amdanom ni.\n")
    library = read_library(root)
    organisation = library.organisation_for(library.booklets["small-cy"])
    assert organisation.about == "Amdanom ni."
    assert isinstance(organisation.donation, ForeignText)
    assert (organisation.donation, organisation.donation.language) == (
        "Give at www.example.org.uk/give.", "en-GB")


def test_directory_words_per_language(tmp_path: Path) -> None:
    directory = """\
        samaritans:
          name: Samaritans
          phone: "116 123"
          description: Someone to talk to.
        """
    manifest = MANIFEST + "support: [samaritans]\n"
    translation = TRANSLATION + "support: [samaritans]\n"
    root = write_library(tmp_path, manifest=manifest, extra={
        "directory.yaml": directory, "small/cy/booklet.yaml": translation,
        "small/cy/one.md": SECTION_CY, "organisation.cy.yaml": WORDS_CY})
    assert problems_of(root) == [
        "small/cy/booklet.yaml:12: directory entry 'samaritans' has no description in 'cy': "
        "add it to directory.cy.yaml, or declare a fallback in organisation.cy.yaml"]
    (root / "directory.cy.yaml").write_text(textwrap.dedent("""\
        samaritans:
          name: Samariaid
          description: Rhywun i siarad ag ef.
        """))
    library = read_library(root)
    entry = library.directory_for(library.booklets["small-cy"])["samaritans"]
    assert (entry.name, entry.description, entry.phone) == (
        "Samariaid", "Rhywun i siarad ag ef.", "116 123")


def test_a_translation_folder_must_be_a_language_tag(tmp_path: Path) -> None:
    root = write_library(tmp_path, extra={"small/welsh/booklet.yaml": TRANSLATION})
    assert problems_of(root) == [
        "small/welsh/booklet.yaml:1: a booklet inside another booklet's folder is a translation, "
        "in a folder named by its language tag (cy, ar, pt-br); rename 'welsh/' or move the "
        "booklet up a level"]


def test_the_translation_language_must_match_its_folder(tmp_path: Path) -> None:
    root = translated_library(tmp_path, TRANSLATION.replace("language: cy", "language: ga"))
    problems = problems_of(root)
    assert problems[0] == ("small/cy/booklet.yaml:1: this translation is in the folder 'cy/' "
                           "but says 'language: ga'; rename the folder or fix the language")


def test_a_broken_translation_leaves_its_source_buildable(tmp_path: Path) -> None:
    root = translated_library(tmp_path, TRANSLATION.replace("2025-04", "2024-01"))
    import datetime as dt
    report = check_library(root, frozenset({"standard"}), dt.date(2025, 6, 1))
    assert report.buildable() == ["small"]
    assert all(problem.path.parent.name == "cy" for problem in report.errors)


@pytest.mark.parametrize("organisation_language", ["cy", "cy-GB"])
def test_a_booklet_in_the_organisations_own_language_needs_no_words(
        tmp_path: Path, organisation_language: str) -> None:
    english = ("about: We help families.\ndonation: Give.\nlarge_print: {how_to_get: Call us.}\n"
               "charity_numbers: [{where: England and Wales}]\n")
    root = translated_library(tmp_path, words=None,
                              extra={"organisation.en-GB.yaml": english})
    (root / "organisation.yaml").write_text(
        ORGANISATION + f"language: {organisation_language}\n")
    library = read_library(root)
    assert "small-cy" in library.booklets


def test_charity_numbers_are_given_once_each_in_a_language(tmp_path: Path) -> None:
    words = WORDS_CY + "  - where: yr Alban\n"
    root = translated_library(tmp_path, words=words)
    assert problems_of(root) == [
        "organisation.cy.yaml:5: 'charity_numbers' gives 2 item(s), but organisation.yaml has "
        "1: give one for each, in the same order"]


# The shipped translations, as built ------------------------------------------------------

def _pdf_text(path: Path) -> str:
    reader = pypdf.PdfReader(path)
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


@pytest.mark.parametrize("name", ["clinical-trials-cy", "clinical-trials-cy-large-print",
                                  "clinical-trials-cy-office-a4"])
def test_the_welsh_sample_has_no_english_fixed_words(built: Built, name: str) -> None:
    from test_messages import _english_pieces
    text = _pdf_text(built.output / f"{name}.pdf")
    left = [piece for piece in _english_pieces()
            if re.search(rf"(?<![A-Za-z]){re.escape(piece)}(?![A-Za-z])", text)]
    assert left == []
    for welsh in ("Cynnwys", "Help a chymorth", "Eich nodiadau", "Mehefin 2025"):
        assert welsh in text or name.endswith("office-a4")


def test_the_translations_declare_their_language_and_are_stamped(built: Built) -> None:
    for slug, language in (("clinical-trials-cy", "cy"), ("clinical-trials-ar", "ar")):
        for name in (f"{slug}.pdf", f"{slug}-large-print.pdf"):
            reader = pypdf.PdfReader(built.output / name)
            assert reader.trailer["/Root"]["/Lang"] == language
        stamp = translations_for(language).gettext(
            "Sample translation: a qualified translator must review this translation before "
            "it is used.")
        inside = " ".join(pypdf.PdfReader(built.output / f"{slug}.pdf").pages[1]
                          .extract_text().split())
        assert stamp.split()[0] in inside


def test_the_arabic_sample_reads_back_as_written(built: Built) -> None:
    # Every Arabic word of a section is found in the text a screen reader gets from the PDF.
    source = (CONTENT / "clinical-trials/ar/02-why-trials.md").read_text(encoding="utf-8")
    written = set(re.findall(r"[\u0621-\u064A]{2,}", source.split("---", 2)[2]))
    read = set(re.findall(r"[\u0621-\u064A]{2,}", _pdf_text(built.pdf("clinical-trials-ar"))))
    missing = sorted(written - read)
    assert len(missing) <= len(written) // 20, missing  # a few words split at line ends


# Hostile translations: each is a path:line error, never a crash or a silent wrong build ----

def _problems(root: Path) -> list[str]:
    return [problem.removeprefix(f"{root}/") for problem in problems_of(root)]


def test_a_folder_named_like_a_translation_does_not_take_its_id(tmp_path: Path) -> None:
    root = translated_library(tmp_path, extra={"small-cy/booklet.yaml": MANIFEST,
                                               "small-cy/one.md": SECTION_CY})
    assert (f"small/cy/booklet.yaml:1: this booklet's id 'small-cy' is also the id of "
            f"{tmp_path / 'small-cy/booklet.yaml'}; rename one of the folders") in \
        _problems(root)


def test_a_translation_of_a_translation_is_reported(tmp_path: Path) -> None:
    root = translated_library(tmp_path, extra={"small/cy/fr/booklet.yaml": TRANSLATION})
    assert "small/cy/fr/booklet.yaml:1: a translation of a translation is not read: translate " \
           "from the source booklet, in its own LANG/ folder" in _problems(root)


def test_a_translation_must_be_in_another_language(tmp_path: Path) -> None:
    root = write_library(tmp_path, extra={
        "small/en/booklet.yaml": TRANSLATION.replace("language: cy", "language: en-GB"),
        "small/en/one.md": SECTION_CY})
    assert "small/en/booklet.yaml:1: a translation must be in another language than its " \
           "source (en-GB)" in _problems(root)


def test_a_right_to_left_half_cannot_be_made_back_to_back(tmp_path: Path) -> None:
    arabic = TRANSLATION.replace("language: cy", "language: ar") + "bilingual: true\n"
    root = write_library(tmp_path, extra={"small/ar/booklet.yaml": arabic,
                                          "small/ar/one.md": SECTION_CY,
                                          "organisation.ar.yaml": "fallback: en-GB\n"})
    assert "small/ar/booklet.yaml:12: a back-to-back bilingual booklet is made only from two " \
           "left-to-right languages: a right-to-left half would open from the other cover" in \
        _problems(root)


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("organisation.CY.yaml", "fallback: en-GB\n",
     "organisation.CY.yaml:1: 'CY' in this file's name is not a language tag like cy or pt-BR; "
     "rename the file"),
    ("organisation.cy.yaml", "fallback: zz\n",
     "organisation.cy.yaml:1: 'fallback' must be a language tag like en-GB (got 'zz')"),
    ("organisation.cy.yaml", WORDS_CY + "legal_note: <b>Ein</b> enw.\n",
     "organisation.cy.yaml:7: HTML <b> is not allowed in content"),
])
def test_language_files_are_checked_like_the_organisations(
        tmp_path: Path, name: str, text: str, expected: str) -> None:
    root = translated_library(tmp_path, words=None, extra={name: text})
    assert any(problem.startswith(expected) for problem in _problems(root)), _problems(root)


def test_an_impossible_source_edition_is_an_error_at_its_line(tmp_path: Path) -> None:
    root = translated_library(tmp_path, TRANSLATION.replace("2025-04", "2025-06-31"))
    assert "small/cy/booklet.yaml:2: YAML: '2025-06-31' is not a real date (day is out of " \
           "range for month)" in _problems(root)


def test_a_translation_linked_from_outside_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "booklet.yaml").write_text(TRANSLATION, encoding="utf-8")
    root = write_library(tmp_path / "content")
    (root / "small/cy").symlink_to(outside)
    problems = _problems(root)
    assert problems and all(problem.startswith("small/cy/booklet.yaml") for problem in problems)
    assert "outside the content folder" in problems[0]


@pytest.mark.parametrize(("msgstr", "header"), [
    ("Cynnwys 100%", None),
    ("Cynnwys %(num)s", None),
    ("Cynnwys", "nplurals=6; plural=(n%0);"),
])
def test_a_catalogue_that_would_fail_in_the_build_fails_the_check(
        tmp_path: Path, msgstr: str, header: str | None) -> None:
    text = (CONTENT.parent / "pibooklet/locale/cy/LC_MESSAGES/pibooklet.po").read_text("utf-8")
    text = text.replace('msgid "Contents"\nmsgstr "Cynnwys"',
                        f'msgid "Contents"\nmsgstr "{msgstr}"')
    if header:
        text = re.sub(r"nplurals=6; plural=[^\\]*", header, text, count=1)
    root = write_library(tmp_path, MANIFEST.replace("edition:", "language: pl\nedition:", 1),
                         extra={"locale/pl/LC_MESSAGES/pibooklet.po": text})
    problems = _problems(root)
    assert problems and all(problem.startswith("locale/pl/LC_MESSAGES/pibooklet.po:")
                            for problem in problems), problems


def test_the_arabic_back_cover_prints_the_address_as_written(built: Built) -> None:
    back = pypdf.PdfReader(built.pdf("clinical-trials-ar")).pages[-1].extract_text()
    assert "24 De Montfort Street" in back.splitlines()
