"""Reading the content library, and the path:line messages bad content gets."""

from __future__ import annotations

import datetime as dt
import re
import textwrap
from pathlib import Path

import pytest

from pibooklet.content import read_library
from pibooklet.errors import ContentError
from pibooklet.translations import is_known_language

ORGANISATION = """\
name: Example Health Charity
short_name: EHC
logo: logo.svg
about: We help families.
address: [1 High Street, Leeds LS1 1AA]
phone: "0113 496 0000"
email: info@example.org.uk
website: www.example.org.uk
charity_numbers:
  - number: "1234567"
    where: England and Wales
donation: Give at www.example.org.uk/give.
"""

MANIFEST = """\
title: A small booklet
subtitle: For testing
edition: 2025-04
next_review: 2027-04
reviewers:
  - name: A Reviewer
    role: Nurse
    organisation: A Hospital
disclaimer: Check with your team.
feedback: Email info@example.org.uk.
sections:
  - one.md
"""

SECTION = """\
---
title: The only section
---
Some text.
"""


def write_library(root: Path, manifest: str = MANIFEST, section: str = SECTION,
                  organisation: str = ORGANISATION, extra: dict[str, str] | None = None) -> Path:
    """Write a one-booklet library into root and return its folder.

    A booklet in another language than English gets the organisation's words in it from a
    declared fallback to English, unless the test gives its own language file.
    """
    files = {"organisation.yaml": organisation, "logo.svg": "<svg/>",
             "small/booklet.yaml": manifest, "small/one.md": section}
    language = re.search(r"^language: ([\w-]+)", textwrap.dedent(manifest), re.MULTILINE)
    if language and not language[1].startswith("en") and is_known_language(language[1]):
        files[f"organisation.{language[1]}.yaml"] = "fallback: en-GB\n"
    files.update(extra or {})
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def problems_of(root: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        read_library(root)
    return [f"{problem.path.relative_to(root)}:{problem.line}: {problem.message}"
            for problem in caught.value.problems]


def test_a_valid_library_is_read_with_typed_values(tmp_path: Path) -> None:
    library = read_library(write_library(tmp_path))
    booklet = library.booklets["small"]
    assert booklet.title == "A small booklet"
    assert booklet.edition == dt.date(2025, 4, 1)
    assert booklet.next_review == dt.date(2027, 4, 1)
    assert booklet.language == "en-GB" and booklet.notes_pages == 1
    assert [section.title for section in booklet.sections] == ["The only section"]
    assert booklet.sections[0].body.strip() == "Some text." and booklet.sections[0].body_line == 4
    assert library.organisation.colours["primary"].screen == "#5B2A86"  # a default
    assert library.organisation.colours["text"].print == (0, 0, 0, 100)
    assert library.titles() == {"small": "A small booklet"}


def test_a_missing_required_field_names_the_file_and_field(tmp_path: Path) -> None:
    write_library(tmp_path, manifest=MANIFEST.replace("disclaimer: Check with your team.\n", ""))
    assert problems_of(tmp_path) == [
        "small/booklet.yaml:1: the manifest is missing 'disclaimer' (accuracy disclaimer "
        "(Markdown))"]


def test_an_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    write_library(tmp_path, manifest=MANIFEST.replace("subtitle:", "subtitel:"))
    assert problems_of(tmp_path) == ["small/booklet.yaml:2: unknown key 'subtitel': "
                                     "did you mean 'subtitle'?"]


def test_an_unknown_section_file_points_at_its_manifest_line(tmp_path: Path) -> None:
    write_library(tmp_path, manifest=MANIFEST + "  - missing.md\n")
    assert problems_of(tmp_path) == [
        "small/booklet.yaml:13: section file 'missing.md' not found in small/"]


def test_a_bad_date_says_how_to_write_one(tmp_path: Path) -> None:
    write_library(tmp_path, manifest=MANIFEST.replace("edition: 2025-04", "edition: 2025-13"))
    [problem] = problems_of(tmp_path)
    assert problem.startswith("small/booklet.yaml:3: 'edition' is not a date: write it as "
                              "YYYY-MM or YYYY-MM-DD")


def test_next_review_must_follow_the_edition(tmp_path: Path) -> None:
    write_library(tmp_path, manifest=MANIFEST.replace("next_review: 2027-04",
                                                      "next_review: 2024-01"))
    assert problems_of(tmp_path) == ["small/booklet.yaml:4: 'next_review' must come after "
                                     "'edition'"]


def test_malformed_yaml_gives_the_line_of_the_mistake(tmp_path: Path) -> None:
    write_library(tmp_path, manifest=MANIFEST.replace("subtitle: For testing",
                                                      "subtitle: [For testing"))
    [problem] = problems_of(tmp_path)
    # The line the bracket was opened on, where the mistake is (the parser finds it later).
    assert problem.startswith("small/booklet.yaml:2: YAML: a list in square brackets is not "
                              "closed")


def test_malformed_front_matter_gives_the_line_in_the_section_file(tmp_path: Path) -> None:
    write_library(tmp_path, section="---\ntitle: One\ncontents: [yes\n---\nText.\n")
    [problem] = problems_of(tmp_path)
    assert problem.startswith("small/one.md:3: YAML: a list in square brackets is not closed")


def test_a_duplicate_key_is_an_error_not_a_silent_overwrite(tmp_path: Path) -> None:
    write_library(tmp_path, manifest=MANIFEST + "title: Again\n")
    [problem] = problems_of(tmp_path)
    assert problem.startswith("small/booklet.yaml:13: YAML: 'title' is given twice")


def test_yaml_tags_are_refused(tmp_path: Path) -> None:
    write_library(tmp_path, manifest=MANIFEST.replace("For testing",
                                                      "!!python/object/apply:os.system [ls]"))
    [problem] = problems_of(tmp_path)
    assert "YAML tags (!!...) are not allowed" in problem


def test_wrong_types_and_unquoted_numbers_are_reported(tmp_path: Path) -> None:
    write_library(tmp_path, manifest=MANIFEST + "notes_pages: many\n",
                  organisation=ORGANISATION.replace("short_name: EHC", "short_name: 2025"))
    assert problems_of(tmp_path) == [
        "organisation.yaml:2: 'short_name' must be text: put 2025 in quotes",
        "small/booklet.yaml:13: 'notes_pages' must be a whole number from 0 to 20"]


def test_a_section_without_front_matter_is_reported(tmp_path: Path) -> None:
    write_library(tmp_path, section="# Heading\nText.\n")
    assert problems_of(tmp_path) == [
        "small/one.md:1: must start with front matter: a line '---', 'title: ...', "
        "then a closing line '---'"]


def test_markdown_problems_name_their_line_in_the_section_file(tmp_path: Path) -> None:
    body = ("---\ntitle: One\n---\nText.\n\n::: callout\nOpen.\n\n"
            "![](pic.svg)\n\nSee [[nowhere]].\n\n## Sub {icon=none}\n\n-- the end\n")
    write_library(tmp_path, section=body, extra={"small/pic.svg": "<svg/>"})
    # Every problem at once: the editor fixes them in one pass.
    assert problems_of(tmp_path) == [
        "small/one.md:9: image 'pic.svg' has no alternative text: write what it shows between "
        "the brackets, ![like this](...)",
        "small/one.md:6: '::: callout' is never closed; end it with a line holding only ':::'",
        "small/one.md:11: no booklet or publication has the id 'nowhere'; known ids: small",
        "small/one.md:13: icon 'none' not found: add images/icons/none.svg to the booklet or "
        "content folder",
    ]


def test_images_and_sections_cannot_leave_their_folders(tmp_path: Path) -> None:
    (tmp_path / "secret.md").write_text("---\ntitle: x\n---\n", encoding="utf-8")
    write_library(tmp_path / "lib", manifest=MANIFEST + "  - ../../secret.md\n",
                  section=SECTION + "\n![A secret](../../secret.png)\n")
    assert problems_of(tmp_path / "lib") == [
        "small/one.md:6: image '../../secret.png' must be a file inside the content folder; "
        "builds never read other files or the network",
        "small/booklet.yaml:13: section '../../secret.md' must be inside the booklet folder"]


def test_unknown_related_booklets_and_support_entries_are_reported(tmp_path: Path) -> None:
    write_library(tmp_path, manifest=MANIFEST + "related: [other]\nsupport: [helpline]\n")
    assert problems_of(tmp_path) == [
        "small/booklet.yaml:13: no booklet or publication has the id 'other'; known ids: small",
        "small/booklet.yaml:14: 'helpline' is not in directory.yaml; add it there or fix the id"]


def test_characters_missing_from_the_typeface_are_content_errors(tmp_path: Path) -> None:
    write_library(tmp_path, section=SECTION + "Next step → the ward.\n")
    assert problems_of(tmp_path) == [
        "small/one.md:5: character '→' (U+2192) is in none of the typefaces Atkinson "
        "Hyperlegible; replace it, or draw it with IBM Plex Sans Arabic "
        "(fontpkg-ibm-plex-sans-arabic): add it to organisation.yaml under fallback_typefaces"]


def test_unknown_layouts_and_languages_are_reported(tmp_path: Path) -> None:
    write_library(tmp_path, manifest=MANIFEST + "language: xx-YY\n",
                  section=SECTION.replace("title:", "layout: poster\ntitle:"))
    assert problems_of(tmp_path) == [
        "small/booklet.yaml:13: 'xx-YY' is not a language we know; use a tag like en-GB, cy or "
        "ar",
        "small/one.md:2: unknown layout 'poster'; use one of: standard"]


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    write_library(tmp_path, manifest=MANIFEST.replace("title:", "titel:") + "  - gone.md\n",
                  organisation=ORGANISATION.replace("www.example.org.uk\n", "example\n"))
    assert problems_of(tmp_path) == [
        "organisation.yaml:8: 'website' is not a valid web address (got 'example'; write it "
        "like www.example.org.uk)",
        "small/booklet.yaml:1: unknown key 'titel': did you mean 'title'?",
        "small/booklet.yaml:2: unknown key 'subtitel': did you mean 'subtitle'?",
        "small/booklet.yaml:1: the manifest is missing 'title' (the booklet's title, printed on "
        "the cover)",
        "small/booklet.yaml:13: section file 'gone.md' not found in small/: did you mean "
        "'one.md'?"]
