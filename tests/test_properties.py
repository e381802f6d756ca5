"""Property-based tests: any manifest or Markdown gives a PDF or path:line errors, never a
traceback. Hypothesis generates the content; the real command line builds it."""

from __future__ import annotations

import contextlib
import io
import re
import tempfile
import time
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


# Nesting and reference-style links and images (issue 9, findings 10, 16, 17): random mixes of
# ::: blocks, > quotes, list indents, and "[x][l]" uses of "[l]: target" definitions whose
# targets have any scheme. Whatever the mix, --check and the build each finish within their
# bound, show no traceback, and a PDF that is built links only to https:, mailto: or tel:.
CHECK_SECONDS, BUILD_SECONDS = 20, 90
LABELS = st.sampled_from(["l", "L", "pic", "two  words", "Two words"])
TARGETS = st.sampled_from(
    ["file:///etc/passwd", "data:text/html;base64,PHA+", "data:image/png;base64,iVBO",
     "https://www.example.org", "http://www.example.org", "javascript:alert(1)", "pic.svg",
     "missing.png", "mailto:info@example.org", "#section-one", "../../secret.txt",
     "<file:///etc/passwd>", "ftp://example.org/x"])
DEFINITION = st.builds(lambda label, target, indent, title: f"{indent}[{label}]: {target}{title}",
                       LABELS, TARGETS, st.sampled_from(["", " ", "   "]),
                       st.sampled_from(["", ' "A title"', " (A title)"]))
USE = st.builds(lambda form, label: form.format(label=label), st.sampled_from(
    ["[words][{label}]", "[{label}][]", "[{label}]", "![A picture][{label}]", "![{label}]",
     "See [this] [{label}] here", "![A picture](pic.svg)"]), LABELS)
PREFIX = st.lists(st.sampled_from(["> ", "    ", "- ", "1. ", ">"]), max_size=9).map("".join)
NESTED_LINE = st.one_of(
    st.sampled_from(["", "::: callout", "::: quote", "::: story", ":::", "Some text."]),
    st.builds(str.__add__, PREFIX, st.one_of(USE, DEFINITION, WORDS)))
NESTED_MARKDOWN = st.lists(NESTED_LINE, max_size=30).map("\n".join)
ALLOWED_URI = re.compile(r"^(?:https://|mailto:|tel:)")


def link_targets(pdf: Path) -> list[str]:
    """Return the URI of every link in a PDF."""
    uris = []
    for page in pypdf.PdfReader(pdf).pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            if action is not None and "/URI" in action.get_object():
                uris.append(str(action.get_object()["/URI"]))
    return uris


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=NESTED_MARKDOWN)
def test_any_nesting_or_reference_style_link_gives_a_pdf_or_path_line_errors(body: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "content"
        write_library(root, section=SECTION + "\n" + body + "\n",
                      extra={"small/pic.svg": "<svg/>"})
        out = io.StringIO()
        start = time.perf_counter()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            main(["--content", str(root), "--check", "--today", "2026-01-01"])
        assert time.perf_counter() - start < CHECK_SECONDS
        assert "Traceback" not in out.getvalue()
        output = Path(folder) / "output"
        start = time.perf_counter()
        assert_pdf_or_problems(root, output)
        assert time.perf_counter() - start < BUILD_SECONDS
        if (output / "small.pdf").exists():
            for uri in link_targets(output / "small.pdf"):
                assert ALLOWED_URI.match(uri), uri
