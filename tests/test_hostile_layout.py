"""Hostile or careless content and the page: nothing is drawn off it, nothing falls back.

Each test builds a minimal library and reads the finished PDF back: every character must lie
on the page and inside its text area, and every font must be the booklet's typeface.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pdfplumber
import pypdf
import pytest
from conftest import CONTENT, MM, PROJECT, replace_in
from test_content import SECTION, write_library

from pibooklet.cli import main
from pibooklet.limits import MAX_MARKDOWN_NESTING, OFF_PAGE_TOLERANCE_PT

#: The text area of each edition, in mm from the left edge: (right pages, left pages).
TEXT_AREAS_MM = {"small.pdf": ((20, 148 - 15), (15, 148 - 20)),
                 "small-large-print.pdf": ((18, 210 - 18), (18, 210 - 18))}
#: A word of 122 letters with no hyphenation point, as in the review.
LONG_WORD = "Pneumono" + "ultramicroscopicsilicovolcanoconiosis" * 3 + "x" * 3
TYPEFACE = "Atkinson-Hyperlegible"


def _build(root: Path, output: Path, outputs: str = "screen,large-print") -> int:
    return main(["--content", str(root), "--output", str(output), "--outputs", outputs,
                 "--quiet"])


def _stray_characters(pdf: Path) -> list[str]:
    """Return each character drawn off its page's trim or outside its text area."""
    areas = TEXT_AREAS_MM[pdf.name]
    tolerance = OFF_PAGE_TOLERANCE_PT
    strays = []
    with pdfplumber.open(pdf) as document:
        last = len(document.pages)
        for number, page in enumerate(document.pages, 1):
            left, right = areas[0] if number % 2 else areas[1]
            if number in (1, last):  # the covers run to the trim
                left, right = 0, float(page.width) / MM
            for char in page.chars:
                if not (left * MM - tolerance <= char["x0"] and
                        char["x1"] <= right * MM + tolerance and
                        -tolerance <= char["top"] and
                        char["bottom"] <= float(page.height) + tolerance):
                    strays.append(f"page {number}: {char['text']!r} at x {char['x0']:.0f}"
                                  f"-{char['x1']:.0f} pt, top {char['top']:.0f} pt")
    return strays


def _text(pdf: Path) -> str:
    with pdfplumber.open(pdf) as document:
        return "".join(char["text"] for page in document.pages for char in page.chars)


def _assert_built_on_the_page(root: Path, output: Path, capsys, *words: str) -> None:
    assert _build(root, output) == 0
    error = capsys.readouterr().err
    assert "Traceback" not in error and "warning:" not in error, error
    for name in TEXT_AREAS_MM:
        pdf = output / name
        assert _stray_characters(pdf) == [], name
        for word in words:  # every letter is printed: nothing was clipped or dropped
            assert word in _text(pdf).replace("-", ""), (name, word)


def test_finding_08_a_122_letter_word_breaks_inside_the_text_area(tmp_path: Path,
                                                                  capsys) -> None:
    body = SECTION + f"\nHere is {LONG_WORD} in a sentence.\n\n[{LONG_WORD}](https://example.org)\n"
    root = write_library(tmp_path / "content", section=body)
    _assert_built_on_the_page(root, tmp_path / "out", capsys, LONG_WORD)


def test_finding_08_a_62_letter_word_in_titles_breaks_inside_the_text_area(
        tmp_path: Path, capsys) -> None:
    word = LONG_WORD[:62]
    root = write_library(tmp_path / "content", section=SECTION.replace(
        "title: The only section", f"title: About {word}") + f"\n## Then {word}\n\nText.\n")
    replace_in(root / "small" / "booklet.yaml", "title: A small booklet", f"title: A {word}")
    _assert_built_on_the_page(root, tmp_path / "out", capsys, word)


@pytest.mark.parametrize("kind", ["quote", "callout", "list"])
def test_finding_08_the_deepest_nesting_allowed_fits_the_text_area(tmp_path: Path, kind: str,
                                                                   capsys) -> None:
    depth = MAX_MARKDOWN_NESTING
    text = "Deeply nested words that run on long enough to wrap over several lines of the column."
    if kind == "quote":
        nested = "> " * depth + text + "\n"
    elif kind == "callout":
        nested = "\n".join(["::: callout"] * depth + [text] + [":::"] * depth) + "\n"
    else:
        nested = "".join("    " * level + f"- Level {level + 1}\n" for level in range(depth - 1))
        nested += "    " * (depth - 1) + f"- {text}\n"
    root = write_library(tmp_path / "content", section=SECTION + "\n" + nested)
    _assert_built_on_the_page(root, tmp_path / "out", capsys, "Deeply")


def test_finding_08_a_stylesheet_that_moves_text_off_the_page_fails_at_its_line(
        tmp_path: Path, capsys) -> None:
    root = write_library(tmp_path / "content")
    (root / "styles").mkdir()
    ours = (PROJECT / "styles" / "booklet.css").read_text(encoding="utf-8")
    (root / "styles" / "booklet.css").write_text(
        ours + "\n.section-title { margin-left: -200mm; }\n", encoding="utf-8")
    output = tmp_path / "out"
    assert _build(root, output) == 1
    error = capsys.readouterr().err
    assert ("small/one.md:2: screen edition: the text \"The only section\" on page 3 is drawn "
            "200 mm past the left edge of the text area, where print would lose it; break or "
            "shorten it, or remove the style that moves it") in error, error
    assert "Traceback" not in error
    assert not output.exists() or not list(output.glob("*.pdf"))


def test_finding_08_text_moved_into_the_press_bleed_fails_the_press_file(
        tmp_path: Path, capsys) -> None:
    root = write_library(tmp_path / "content")
    (root / "styles").mkdir()
    ours = (PROJECT / "styles" / "press.css").read_text(encoding="utf-8")
    (root / "styles" / "press.css").write_text(
        ours + "\n.section-title { margin-left: -22mm; }\n", encoding="utf-8")
    output = tmp_path / "out"
    assert _build(root, output, "screen,press") == 1
    error = capsys.readouterr().err
    assert ("small/booklet.yaml: press file not made: drawn off the page:\n  "
            f"{root}/small/one.md:2: press edition: the text \"The only section\" on page 3 is "
            "drawn 22 mm past the left edge of the text area") in error, error
    assert "Traceback" not in error
    assert sorted(path.name for path in output.iterdir()) == ["small.pdf"]


def test_finding_08_a_running_head_off_the_page_fails(tmp_path: Path, capsys) -> None:
    root = write_library(tmp_path / "content")
    (root / "styles").mkdir()
    ours = (PROJECT / "styles" / "page.css").read_text(encoding="utf-8")
    (root / "styles" / "page.css").write_text(
        ours + "\n@page { @top-left { content: 'A running head far too long for any page';"
               " white-space: nowrap; font-size: 30pt; } }\n", encoding="utf-8")
    assert _build(root, tmp_path / "out", "screen") == 1
    error = capsys.readouterr().err
    assert ("small/booklet.yaml:1: screen edition: the text \"A running head far too long for "
            "any page\" on page 1 is drawn 40 mm past the right edge of the page, where print "
            "would lose it") in error, error
    assert "Traceback" not in error


def _fonts(pdf: Path) -> set[str]:
    """Return the base name of every font the PDF's pages use, subset prefix removed."""
    names = set()
    for page in pypdf.PdfReader(pdf).pages:
        for font in page["/Resources"].get("/Font", {}).values():
            names.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    return names


@pytest.mark.parametrize("body", [
    "- a\n    - b\n        - c\n",
    "Type `code here` now.\n\n    An indented code block.\n",
], ids=["nested list", "code"])
def test_finding_14_nested_lists_and_code_are_set_in_the_typeface(tmp_path: Path, body: str,
                                                                  capsys) -> None:
    root = write_library(tmp_path / "content", section=SECTION + "\n" + body)
    assert main(["--content", str(root), "--check"]) == 0
    capsys.readouterr()
    assert _build(root, tmp_path / "out") == 0
    error = capsys.readouterr().err
    assert "fell back" not in error and "Traceback" not in error, error
    for name in TEXT_AREAS_MM:
        fonts = _fonts(tmp_path / "out" / name)
        assert fonts and all(font.startswith(TYPEFACE) for font in fonts), fonts


@pytest.mark.parametrize("size", [22, 24])
def test_finding_15_the_largest_large_print_sizes_build_the_samples(tmp_path: Path, size: int,
                                                                    capsys) -> None:
    root = tmp_path / "content"
    shutil.copytree(CONTENT, root)
    replace_in(root / "organisation.yaml", "  body_size: 16", f"  body_size: {size}")
    output = tmp_path / "out"
    assert main(["--content", str(root), "--output", str(output), "--outputs", "large-print",
                 "--layout-report", "json", "--quiet"]) == 0
    error = capsys.readouterr().err
    assert "warning:" not in error and "Traceback" not in error, error
    for slug in ("relapsed-cancer", "clinical-trials"):
        pages = len(pypdf.PdfReader(output / f"{slug}-large-print.pdf").pages)
        assert pages % 4 == 0, (slug, pages)
        reports = json.loads((output / f"{slug}-layout.json").read_text(encoding="utf-8"))
        assert [report["edition"] for report in reports] == ["screen", "large-print"]
        assert all(report["faults"] == [] for report in reports)
