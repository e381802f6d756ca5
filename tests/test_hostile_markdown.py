"""Hostile Markdown: patterns that backtracked, nesting that recursed, reference-style links and
images and raw tags over several lines that got past the check (issue 9)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PIL import Image
from test_content import SECTION, write_library

from pibooklet.checks import malformed_addresses
from pibooklet.cli import main
from pibooklet.limits import (
    MAX_LINE_CHARACTERS,
    MAX_MARKDOWN_NESTING,
    MAX_PARAGRAPH_CHARACTERS,
    MAX_PARAGRAPH_MARKUP,
)
from pibooklet.markup import MarkdownRenderer

# What a section's text starts with: SECTION, then a blank line, so added text starts on line 6.
FIRST = SECTION.count("\n") + 2


def check(tmp_path: Path, body: str, capsys) -> tuple[int, str, float]:
    """Run --check on a library whose one section ends with body; return status, output and
    the seconds it took beyond checking the same library with a plain section."""
    times = []
    for name, text in (("plain", "Some more text."), ("content", body)):
        root = write_library(tmp_path / name, section=SECTION + "\n" + text + "\n")
        start = time.perf_counter()
        status = main(["--content", str(root), "--check", "--today", "2026-01-01"])
        times.append(time.perf_counter() - start)
        captured = capsys.readouterr()
    # --check itself loads the layout engine and checks the fixed pages (2 to 4 s here): only
    # what the text adds to that is the text's.
    return status, captured.out + captured.err, times[1] - times[0]


def build(tmp_path: Path, body: str, capsys) -> tuple[int, str, Path]:
    """Build the screen edition of a one-section library; return status, output, output folder."""
    root = write_library(tmp_path / "content", section=SECTION + "\n" + body + "\n")
    output = tmp_path / "output"
    status = main(["--outputs", "screen", "--content", str(root), "--output", str(output),
                   "--today", "2026-01-01", "--quiet"])
    captured = capsys.readouterr()
    return status, captured.out + captured.err, output


def test_finding_03_an_alias_bomb_in_front_matter_is_refused_at_its_line_fast(
        tmp_path: Path, capsys) -> None:
    """Nine levels of nine aliases in a section's front matter once took 260 s to check."""
    bomb = "".join(f"z{level}: &l{level} ["
                   + ", ".join([f"*l{level - 1}" if level else "a"] * 9) + "]\n"
                   for level in range(9))
    root = write_library(tmp_path / "content",
                         section="---\ntitle: T\n" + bomb + "---\nSome text.\n")
    start = time.perf_counter()
    assert main(["--content", str(root), "--check"]) == 1
    took = time.perf_counter() - start
    out = capsys.readouterr().out
    # z1 (line 4) and z2 (line 5) hold 18 aliases; the 21st is on z3's line, line 6.
    assert ("small/one.md:6: YAML: more than 20 aliases (*name); write the values out instead"
            in out)
    assert "Traceback" not in out and took < 5


LINK_OPENINGS = "Para " + "[x](" * 3000  # 12 KB: the link-target pattern was cubic
PARAGRAPH_FROM = (f"the paragraph from line {FIRST} is longer than "
                  f"{MAX_PARAGRAPH_CHARACTERS:,} characters")
MARKUP_FROM = (f"the paragraph from line {FIRST} has more than {MAX_PARAGRAPH_MARKUP} markup "
               "characters")


@pytest.mark.parametrize(("line", "expected"), ids=["link-openings", "line-too-long",
                                                    "longest-line", "double-brackets",
                                                    "brackets", "image-openings"], argvalues=[
    (LINK_OPENINGS, [PARAGRAPH_FROM, MARKUP_FROM]),
    ("<" + "a" * 20000, [f"this line is 20,001 characters long; the limit is "
                         f"{MAX_LINE_CHARACTERS:,}"]),
    ("<" + "a" * (MAX_LINE_CHARACTERS - 1), [PARAGRAPH_FROM]),  # the longest line allowed
    ("[[" * 5000, [PARAGRAPH_FROM, MARKUP_FROM]),  # quadratic inside Python-Markdown
    ("[" * MAX_LINE_CHARACTERS, [PARAGRAPH_FROM, MARKUP_FROM]),
    ("![" * (MAX_LINE_CHARACTERS // 2), [PARAGRAPH_FROM, MARKUP_FROM]),
])
def test_finding_04_a_pathological_line_is_refused_in_seconds(
        tmp_path: Path, capsys, line: str, expected: list[str]) -> None:
    status, out, took = check(tmp_path, line, capsys)
    assert status == 1
    for message in expected:
        assert f"small/one.md:{FIRST}: {message}" in out
    assert "Traceback" not in out and took < 3


@pytest.mark.parametrize("line", ids=["dots", "www-dots", "zeros", "underscores"], argvalues=[
    "a." * (MAX_PARAGRAPH_CHARACTERS // 2 - 1),  # the address patterns backtracked on these
    "www." + "a." * (MAX_PARAGRAPH_CHARACTERS // 2 - 3),
    "0" * (MAX_PARAGRAPH_CHARACTERS - 1),
    "_a" * (MAX_PARAGRAPH_MARKUP // 2)
    + "b" * (MAX_PARAGRAPH_CHARACTERS - MAX_PARAGRAPH_MARKUP - 1),
])
def test_finding_04_the_longest_paragraph_allowed_is_checked_in_seconds(
        tmp_path: Path, capsys, line: str) -> None:
    _, out, took = check(tmp_path, line, capsys)
    assert "Traceback" not in out and took < 3
    assert f"small/one.md:{FIRST}: the paragraph" not in out


def test_finding_04_the_address_patterns_are_linear_at_the_line_limit() -> None:
    for line in ("a." * (MAX_LINE_CHARACTERS // 2), "0" * MAX_LINE_CHARACTERS,
                 "_a" * (MAX_LINE_CHARACTERS // 2), "<a:" + "a" * (MAX_LINE_CHARACTERS - 3)):
        start = time.perf_counter()
        malformed_addresses(line)
        assert time.perf_counter() - start < 0.5, line[:10]


@pytest.mark.parametrize("head", ["[", "[[", "<em ", "*a", "`a", "_a", "[x]("])
def test_finding_04_the_worst_paragraph_allowed_renders_in_seconds(head: str) -> None:
    """Python-Markdown reads each '[' to the paragraph's end: the markup limit bounds that."""
    count = MAX_PARAGRAPH_MARKUP // sum(head.count(mark) for mark in "[<*_`")
    text = head * count
    text += " word" * ((MAX_PARAGRAPH_CHARACTERS - 2 - len(text)) // 5)
    renderer = MarkdownRenderer({})
    start = time.perf_counter()
    renderer.render(text)
    assert time.perf_counter() - start < 5  # about 1 s alone; the machine may be shared


NESTINGS = {
    "callouts": "\n".join(["::: callout"] * 1000 + ["Deep."] + [":::"] * 1000),
    "quotes": "> " * 150 + "Deep.",
    "lists": "\n".join("    " * level + "- item" for level in range(100)),
}
# The line where each first goes past the limit.
TOO_DEEP = {"callouts": FIRST + MAX_MARKDOWN_NESTING, "quotes": FIRST,
            "lists": FIRST + MAX_MARKDOWN_NESTING}


@pytest.mark.parametrize("kind", sorted(NESTINGS))
def test_finding_10_deep_nesting_is_refused_at_its_line_and_the_build_does_not_crash(
        tmp_path: Path, capsys, kind: str) -> None:
    message = (f"small/one.md:{TOO_DEEP[kind]}: blocks are nested more than "
               f"{MAX_MARKDOWN_NESTING} deep here")
    status, out, _ = check(tmp_path / "check", NESTINGS[kind], capsys)
    assert status == 1 and message in out and "Traceback" not in out
    status, out, output = build(tmp_path / "build", NESTINGS[kind], capsys)
    assert status == 1 and message in out and "Traceback" not in out
    assert not (output / "small.pdf").exists()


def test_finding_10_nesting_up_to_the_limit_is_allowed(tmp_path: Path, capsys) -> None:
    body = "\n".join(["::: callout", "::: quote", "> - item", ">     - inner", "", ":::", ":::"])
    status, out, _ = check(tmp_path, body, capsys)
    assert "nested more than" not in out and status == 0


REFERENCE_LINKS = ("See [the file][l] and [this page][d] and [Our site][].\n\n"
                   "[l]: file:///etc/passwd\n"
                   "[D]: data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\n"
                   "[our site]: https://www.example.org.uk")


def test_finding_16_reference_style_links_to_file_and_data_are_refused(
        tmp_path: Path, capsys) -> None:
    status, out, _ = check(tmp_path / "check", REFERENCE_LINKS, capsys)
    assert status == 1
    assert (f"small/one.md:{FIRST + 2}: link to 'file:///etc/passwd' is not allowed: links go "
            "to https:// or mailto: addresses") in out
    assert f"small/one.md:{FIRST + 3}: link to 'data:text/html;base64," in out
    assert f"small/one.md:{FIRST + 4}:" not in out  # an https:// definition is fine
    status, out, output = build(tmp_path / "build", REFERENCE_LINKS, capsys)
    assert status == 1 and "Traceback" not in out and not (output / "small.pdf").exists()
    # Were such text ever rendered, neither target becomes a link nor is printed.
    html = MarkdownRenderer({}).render(REFERENCE_LINKS)
    assert "file:" not in html and "data:" not in html and "www.example.org.uk" in html


def test_finding_17_reference_style_and_multi_line_images_are_checked_at_their_line(
        tmp_path: Path, capsys) -> None:
    body = ("![A password][p] and ![A photograph][Big]\n\n"
            "[p]: file:///etc/passwd\n"
            "[big]: big.png \"A title\"\n\n"
            "Text <img\nsrc=\"big.png\" alt=\"A photograph\">")
    root = write_library(tmp_path / "content", section=SECTION + "\n" + body + "\n")
    Image.new("L", (8000, 5000), 128).save(root / "small" / "big.png")  # 40 megapixels
    assert main(["--content", str(root), "--check"]) == 1
    out = capsys.readouterr().out
    assert (f"small/one.md:{FIRST + 2}: image 'file:///etc/passwd' must be a file inside the "
            "content folder") in out
    assert (f"small/one.md:{FIRST + 3}: image 'big.png' is 40 megapixels (8000 x 5000); the "
            "limit is 25") in out
    assert f"small/one.md:{FIRST + 5}: HTML <img> is not allowed in content" in out
    assert "booklet.yaml" not in out and "Traceback" not in out


def test_finding_18_a_class_on_a_raw_tag_over_two_lines_is_refused_and_never_rendered(
        tmp_path: Path, capsys) -> None:
    body = "Visit <small\nclass=\"cover-website\">X</small> today."
    status, out, _ = check(tmp_path, body, capsys)
    assert status == 1
    assert f"small/one.md:{FIRST}: the attribute 'class' is not allowed on <small>" in out
    renderer = MarkdownRenderer({})
    for text in (body, "<div\n\nclass=\"cover-website\">X</div>"):
        assert "cover-website" not in renderer.render(text)


def test_finding_04_text_past_the_limits_is_never_given_to_markdown() -> None:
    """Text from YAML files is rendered too; past the limits it stops at once, not in minutes."""
    renderer = MarkdownRenderer({})
    for text in ("[" * MAX_LINE_CHARACTERS, "[[" * (MAX_PARAGRAPH_CHARACTERS // 2)):
        start = time.perf_counter()
        with pytest.raises(ValueError, match="text too long to render: the paragraph"):
            renderer.render_inline(text)
        assert time.perf_counter() - start < 1
