"""`pibooklet check` foresees what the build refuses, and says what to write instead."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from conftest import CONTENT, replace_in
from test_content import write_library

from pibooklet.addresswidth import large_print_measure_mm, text_width_mm, too_wide_addresses
from pibooklet.cli import main
from pibooklet.content import read_library
from pibooklet.errors import ContentError
from pibooklet.render import theme_for
from pibooklet.yamlwords import explain

TODAY = "2026-11-24"
LONG_EMAIL = ("publications.and.information.requests.department@"
              "childrenscancerandleukaemiagroup.org.uk")


def check(root: Path, capsys, *slugs: str) -> tuple[int, str]:
    status = main(["check", *slugs, "--content", str(root), "--output",
                   str(root.parent / "out"), "--today", TODAY])
    return status, capsys.readouterr().out


@pytest.mark.parametrize(("text", "line", "words"), [
    ("title: a\nrelated_qr: true\n  bad: indent\n", 3, "indented under the line above"),
    ('title: "When\nsubtitle: x\nlanguage: en\n', 1, 'the quote " opened on this line'),
    ("title: Phase I: what it means\n", 1, "put the whole value in quotes"),
    ("title: a\n\tsub: b\n", 2, "a tab: indent with spaces only"),
    ("sections:\n  - a.md\n - b.md\n", 3, "not lined up"),
    ("keywords: [a, b\nother: c\n", 1, "end it with ]"),
    ("title: @home\n", 1, 'put the whole value in quotes, for example "@..."'),
    ('a: "C:\\path"\n', 1, "use single quotes"),
    ("support:\n  - x\n  heading: y\n", 3, "start it with '- '"),
    ("title: a\n---\nfoo: b\n", 2, "three dashes"),
])
def test_yaml_syntax_errors_in_plain_words(text: str, line: int, words: str) -> None:
    with pytest.raises(yaml.MarkedYAMLError) as caught:
        yaml.safe_load(text)
    found_line, message = explain(caught.value, text)
    assert (found_line + 1, words in message) == (line, True), message
    assert "<block" not in message and "scalar" not in message


def test_a_broken_manifest_is_one_error_in_plain_words_and_no_false_warnings(
        library_copy: Path, capsys) -> None:
    replace_in(library_copy / "relapsed-cancer" / "booklet.yaml", "related_qr: true\n",
               "related_qr: true\n  bad: indent\n")
    status, out = check(library_copy, capsys)
    assert status == 1
    assert ("relapsed-cancer/booklet.yaml:24: YAML: this key is indented under the line above, "
            "which already has a value") in out
    # Its help-and-support entries are unknown, so none is called unused.
    assert "is not used by any booklet" not in out
    assert "not looked for until this manifest can be read" in out


def test_a_missing_file_suggests_the_one_beside_it(library_copy: Path, capsys) -> None:
    replace_in(library_copy / "relapsed-cancer" / "booklet.yaml", "  - 05-where-return.md",
               "  - 05-where-returns.md")
    status, out = check(library_copy, capsys, "relapsed-cancer")
    assert status == 1
    assert ("section file '05-where-returns.md' not found in relapsed-cancer/: did you mean "
            "'05-where-return.md'?") in out


def test_a_colour_written_wrongly_is_told_its_whole_shape(library_copy: Path, capsys) -> None:
    replace_in(library_copy / "organisation.yaml",
               'primary: {screen: "#5B2A86", print: [72, 95, 0, 0]}', 'primary: "#5B2A86"')
    status, out = check(library_copy, capsys)
    assert status == 1
    # One error: the cross-references to its publications are not called unknown meanwhile.
    assert out.strip().endswith("1 errors, 0 warnings, 2 notes")
    assert ("organisation.yaml:49: 'primary' must be a colour written as 'key: value' lines "
            "(screen: sRGB for the screen edition, #RRGGBB; print: ink percentages for print, "
            "[C, M, Y, K]), for example primary: {screen: ") in out
    assert "got '#5B2A86'" in out


def test_the_check_foresees_brand_colours_too_pale_for_text(library_copy: Path,
                                                            capsys) -> None:
    # The accent is used for text only inside the body (callout labels, list markers): no
    # cover shows it, so only the specimen section can find it.
    replace_in(library_copy / "organisation.yaml", 'accent: {screen: "#00766C"',
               'accent: {screen: "#9999CC"')
    status, out = check(library_copy, capsys, "clinical-trials")
    assert status == 1
    assert ("organisation.yaml:50: accent text (#9999CC) on paper (#FFFFFF) has a contrast of "
            "2.70:1; WCAG AA needs 4.5:1") in out
    # The build refuses the very same pair, after laying the booklet out.
    output = library_copy.parent / "built"
    assert main(["clinical-trials", "--content", str(library_copy), "--output", str(output),
                 "--outputs", "screen", "--today", TODAY]) == 1
    assert "accent text (#9999CC) on paper (#FFFFFF) has a contrast of 2.70:1" in \
        capsys.readouterr().err


def test_the_large_print_line_comes_from_the_stylesheet(tmp_path: Path) -> None:
    theme = theme_for(CONTENT)
    assert large_print_measure_mm(theme.stylesheet("large-print.css")) == 210 - 18 - 18
    sheet = tmp_path / "large-print.css"
    sheet.write_text("@page { size: 210mm 297mm; margin: 20mm 15mm; }\n"
                     "@page :left { margin-left: 30mm; }\n")
    assert large_print_measure_mm(sheet) == 180
    sheet.write_text("@page { size: A4; margin: 2cm; }\n")
    assert large_print_measure_mm(sheet) is None  # not in mm: not guessed at
    # A content folder's stylesheet is untrusted: read through the front door, never waited on.
    pipe = tmp_path / "pipe.css"
    os.mkfifo(pipe)
    with pytest.raises(ContentError, match="is not a regular file"):
        large_print_measure_mm(pipe)


def test_advance_widths_add_up(tmp_path: Path) -> None:
    library = read_library(CONTENT, theme_for(CONTENT).layouts())
    font = library.organisation.typefaces.brand.files[0][0]
    one, two = text_width_mm("m", font, 16), text_width_mm("mm", font, 16)
    assert one > 0 and two == pytest.approx(2 * one)
    assert text_width_mm("m", font, 32) == pytest.approx(2 * one)
    assert too_wide_addresses(library, [CONTENT / "organisation.yaml"],
                              theme_for(CONTENT).stylesheet("large-print.css")) == []


def test_the_check_foresees_an_address_too_wide_for_large_print(library_copy: Path,
                                                                capsys) -> None:
    section = library_copy / "clinical-trials" / "01-what-is-a-trial.md"
    section.write_text(section.read_text() + f"\nWrite to {LONG_EMAIL} today.\n")
    line = section.read_text().splitlines().index(f"Write to {LONG_EMAIL} today.") + 1
    status, out = check(library_copy, capsys, "clinical-trials")
    assert status == 1
    assert (f"clinical-trials/01-what-is-a-trial.md:{line}: {LONG_EMAIL} is 232 mm wide at "
            "16 pt, wider than the large-print line of 174 mm") in out
    # The build lays the large print out and refuses the same address, as wide.
    assert main(["clinical-trials", "--content", str(library_copy), "--output",
                 str(library_copy.parent / "built"), "--outputs", "large-print",
                 "--today", TODAY]) == 1
    assert f"01-what-is-a-trial.md:{line}: {LONG_EMAIL} is 232 mm wide at 16 pt" in \
        capsys.readouterr().err


def test_a_web_address_that_breaks_after_its_slashes_is_not_refused(
        library_copy: Path, capsys) -> None:
    section = library_copy / "clinical-trials" / "01-what-is-a-trial.md"
    long_path = "www.cclg.org.uk/" + "/".join(["a-section-of-the-site"] * 8)
    section.write_text(section.read_text() + f"\nSee {long_path} for more.\n")
    status, out = check(library_copy, capsys, "clinical-trials")
    assert "large-print line" not in out and status == 0


def test_write_library_checks_clean(tmp_path: Path, capsys) -> None:
    # A guard for the tests above: the small library alone raises none of these problems.
    status, out = check(write_library(tmp_path), capsys)
    assert status == 0 and "contrast" not in out and "large-print line" not in out
