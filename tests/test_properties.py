"""Property-based tests: any manifest or Markdown gives a PDF or path:line errors, never a
traceback. Hypothesis generates the content; the real command line builds it."""

from __future__ import annotations

import contextlib
import io
import re
import tempfile
from pathlib import Path

import pypdf
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_content import MANIFEST, ORGANISATION, SECTION, write_library

from pibooklet.cli import main

# Problems are "path:line: message", "path: message", or the closing summary lines.
PROBLEM = re.compile(r"^(\S.*?:(\d+:)? .+|\d+ errors? found;.*|\d+ of \d+ booklets failed.*|"
                     r"warning: .*)$")

TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
WORDS = st.lists(st.sampled_from(
    ["the", "child", "team", "**bold**", "_it_", "0333 050 7654", "www.cclg.org.uk",
     "info@cclg.org.uk", "<sup>2</sup>", "<script>x</script>", "[[clinical-trials]]",
     "[[small]]", "[[qr:www.example.org]]", "[link](https://www.example.org)",
     "[bad](javascript:alert(1))", "![alt](missing.png)", "![](x.svg)", "&amp;", "<", ">",
     "'quoted'", "\"quoted\"", "--", "…", "£3", "→", "\\", "`code`", "{icon=talk}"]),
    max_size=12).map(" ".join)
LINE = st.one_of(WORDS, TEXT, st.sampled_from(
    ["", "## Sub", "### Deeper", "#### Too deep", "# Top", "::: callout", "::: quote",
     "::: story", "::: nope", ":::", "- item", "1. item", "-- Name, role", "---", "> quote",
     "    indented code", "![A picture](pic.svg \"Caption\")"]))
MARKDOWN = st.lists(LINE, max_size=25).map("\n".join)


def build(root: Path, output: Path) -> tuple[int, str]:
    """Run the command line in-process; return its status and what it printed to stderr."""
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
        status = main(["--outputs", "screen", "--content", str(root), "--output", str(output),
                       "--today", "2026-01-01", "--quiet"])
    return status, stderr.getvalue()


def assert_pdf_or_problems(root: Path, output: Path) -> None:
    status, errors = build(root, output)
    assert "Traceback" not in errors
    assert status in (0, 1)
    if status == 0:
        assert pypdf.PdfReader(output / "small.pdf").pages
    else:
        lines = [line for line in errors.splitlines() if line.strip()]
        assert lines, "a failure must say what is wrong"
        for line in lines:
            if not line.startswith((" ", "\t")):  # indented lines continue a message
                assert PROBLEM.match(line), line


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=MARKDOWN, title=TEXT)
def test_any_markdown_gives_a_pdf_or_path_line_errors(body: str, title: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "content"
        section = "---\n" + yaml.safe_dump({"title": title or "T"}) + "---\n" + body + "\n"
        write_library(root, section=section, extra={"small/pic.svg": "<svg/>"})
        assert_pdf_or_problems(root, Path(folder) / "output")


VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-5, 3000), st.floats(allow_nan=False),
              TEXT, st.dates().map(str), st.sampled_from(["2025-04", "2027-04", "one.md"])),
    lambda children: st.one_of(st.lists(children, max_size=3),
                               st.dictionaries(st.sampled_from(["name", "role", "x"]), children,
                                               max_size=3)),
    max_leaves=6)
KEYS = st.sampled_from(["title", "subtitle", "language", "edition", "next_review", "reviewers",
                        "disclaimer", "feedback", "sections", "notes_pages", "related",
                        "support", "keywords", "plain_language", "related_qr", "titel"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changes=st.dictionaries(KEYS, VALUES, max_size=4), drop=st.sets(KEYS, max_size=3),
       raw=st.one_of(st.none(), TEXT))
def test_any_manifest_gives_a_pdf_or_path_line_errors(changes: dict, drop: set,
                                                      raw: str | None) -> None:
    manifest = yaml.safe_load(MANIFEST)
    manifest.update(changes)
    for key in drop:
        manifest.pop(key, None)
    text = raw if raw is not None else yaml.safe_dump(manifest, allow_unicode=True)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "content"
        write_library(root, manifest=text, section=SECTION)
        assert_pdf_or_problems(root, Path(folder) / "output")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changes=st.dictionaries(st.sampled_from(["name", "phone", "email", "website", "logo",
                                                "colours", "print", "large_print", "typeface",
                                                "address", "charity_numbers", "governance"]),
                               VALUES, max_size=3))
def test_any_organisation_file_gives_a_pdf_or_path_line_errors(changes: dict) -> None:
    organisation = yaml.safe_load(ORGANISATION)
    organisation.update(changes)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "content"
        write_library(root, organisation=yaml.safe_dump(organisation, allow_unicode=True))
        assert_pdf_or_problems(root, Path(folder) / "output")
