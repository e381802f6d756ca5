"""Hostile content templates (issue 9, findings 1 and 13): a content folder's templates/ render
in a sandbox, are read only as regular UTF-8 files inside the folder, cannot run away, and every
problem is `path:line: message` from --check and from the build, never a traceback."""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_content import write_library

from pibooklet.cli import main
from pibooklet.errors import display_path
from pibooklet.limits import (
    MAX_FILE_BYTES,
    MAX_TEMPLATE_LOOP_ITEMS,
    MAX_TEMPLATE_STEPS,
    MAX_TEMPLATE_STRING,
)

PROJECT = Path(__file__).resolve().parent.parent
UNDEFINED = ("is undefined: a template can use only the variables it is given and the "
             "documented filters (see the README)")
SANDBOX = "; templates run in a sandbox"
#: --check of a one-booklet library takes about 1.5 s; a runaway template must stop well
#: within this, on a loaded machine too.
CHECK_SECONDS = 10


def run(root: Path, output: Path, *extra: str) -> tuple[int, str, float]:
    """Run the command line in-process; return its status, everything it printed, seconds."""
    printed = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stderr(printed), contextlib.redirect_stdout(printed):
        status = main(["--outputs", "screen", "--content", str(root), "--output", str(output),
                       "--today", "2026-01-01", "--quiet", *extra])
    return status, printed.getvalue(), time.perf_counter() - started


def library_with(tmp_path: Path, template: str | bytes, name: str = "back-cover.html"
                 ) -> tuple[Path, str]:
    """Write a one-booklet library whose content folder has its own template `name`; return
    the folder and the template's path as messages print it."""
    root = write_library(tmp_path / "content")
    path = root / "templates" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(template, bytes):
        path.write_bytes(template)
    else:
        path.write_text(template, encoding="utf-8")
    return root, display_path(root.resolve() / "templates" / name)


def assert_refused(tmp_path: Path, template: str | bytes, expected: str,
                   name: str = "back-cover.html") -> None:
    """--check and the build each exit 1 with `expected` (after the template's path), no
    traceback, within the bound, and write nothing."""
    root, where = library_with(tmp_path, template, name)
    output = tmp_path / "output"
    for extra in (("--check",), ()):
        status, printed, seconds = run(root, output, *extra)
        assert status == 1, printed
        assert f"{where}:{expected}" in printed.splitlines(), printed
        assert "Traceback" not in printed
        assert seconds < CHECK_SECONDS
        assert not output.exists()


CYCLER = '{% set x = cycler.__init__.__globals__.os.system("id > MARKER") %}\n'


def test_finding_01_the_cycler_payload_does_not_run(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    assert_refused(tmp_path, CYCLER.replace("MARKER", str(marker)) + "<p>back</p>\n",
                   f"1: 'cycler' {UNDEFINED}")
    assert not marker.exists()


@pytest.mark.parametrize(("payload", "message"), [
    ("{{ ''.__class__.__mro__[1].__subclasses__() }}",
     "access to attribute '__class__' of 'str' object is unsafe"),
    ("{{ self._TemplateReference__context }}",
     "access to attribute '_TemplateReference__context' of 'TemplateReference' object is "
     "unsafe"),
    ("{{ org.__class__.__init__.__globals__ }}",
     "access to attribute '__class__' of 'Organisation' object is unsafe"),
    ("{{ '{0.__class__}'.format(1) }}", "the string method format() is not allowed in a "
                                        "template"),
])
def test_finding_01_sandbox_escapes_are_refused_at_their_line(
        tmp_path: Path, payload: str, message: str) -> None:
    marker = tmp_path / "marker"
    assert_refused(tmp_path, f"<p>\n</p>\n{payload}\n", f"3: not allowed in a template: "
                   f"{message}{SANDBOX}")
    assert not marker.exists()


@pytest.mark.parametrize("name", ["lipsum", "config", "request", "namespace", "cycler",
                                  "joiner", "dict"])
def test_finding_01_jinja_and_flask_globals_are_absent(tmp_path: Path, name: str) -> None:
    marker = tmp_path / "marker"
    assert_refused(tmp_path, f"<p>\n\n{{{{ {name}.__globals__.os.popen('touch {marker}') }}}}\n",
                   f"3: '{name}' {UNDEFINED}")
    assert not marker.exists()


def test_finding_01_a_template_may_not_include_files_outside_the_templates(
        tmp_path: Path) -> None:
    assert_refused(tmp_path, '\n{% include "../organisation.yaml" %}\n',
                   "2: template '../organisation.yaml' not found in the templates folders")


def test_finding_01_a_template_linking_outside_the_folder_is_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.html"
    secret.write_text("{{ org.name }} SECRET", encoding="utf-8")
    root = write_library(tmp_path / "content")
    (root / "templates").mkdir()
    (root / "templates" / "back-cover.html").symlink_to(secret)
    where = display_path(root.resolve() / "templates" / "back-cover.html")
    status, printed, _ = run(root, tmp_path / "output", "--check")
    assert status == 1
    assert (f"{where}: links to a file outside its templates folder; put the template itself "
            "in the folder") in printed.splitlines()
    assert "SECRET" not in printed and "Traceback" not in printed


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_finding_01_a_fifo_template_does_not_block(tmp_path: Path) -> None:
    root = write_library(tmp_path / "content")
    (root / "templates").mkdir()
    os.mkfifo(root / "templates" / "back-cover.html")
    where = display_path(root.resolve() / "templates" / "back-cover.html")
    status, printed, seconds = run(root, tmp_path / "output", "--check")
    assert status == 1 and seconds < CHECK_SECONDS
    assert (f"{where}: is not a regular file (a device, FIFO or folder); a template must be "
            "an ordinary text file") in printed.splitlines()


def test_finding_13_a_syntax_error_is_reported_at_its_line(tmp_path: Path) -> None:
    assert_refused(tmp_path, "<section>\n<p>\n{% if %}\n</section>\n",
                   "3: template syntax error: Expected an expression, got 'end of statement "
                   "block'")


def test_finding_13_an_unknown_filter_is_a_syntax_error_at_its_line(tmp_path: Path) -> None:
    assert_refused(tmp_path, "<p>\n{{ org.name | center(80) }}\n",
                   "2: template syntax error: No filter named 'center'; the filters a template "
                   "may use are listed in the README")


def test_finding_13_an_undefined_variable_is_reported_at_its_line(tmp_path: Path) -> None:
    assert_refused(tmp_path, "<p>\n\n\n{{ organisation.name }}\n</p>\n",
                   f"4: 'organisation' {UNDEFINED}")


def test_finding_13_an_undefined_name_in_one_edition_is_found_by_check(tmp_path: Path) -> None:
    assert_refused(tmp_path, "<p>\n{% if press %}{{ bleed }}{% endif %}\n</p>\n",
                   f"2: 'bleed' {UNDEFINED}")


def test_finding_13_bytes_that_are_not_utf8_get_a_clear_message(tmp_path: Path) -> None:
    assert_refused(tmp_path, b"<p>\n<p>caf\xe9</p>\n",
                   "2: byte 0xe9 is not UTF-8 text: save the template as UTF-8")


def test_finding_13_a_broken_template_no_booklet_uses_is_still_checked(tmp_path: Path) -> None:
    assert_refused(tmp_path, "{% for %}\n", "1: template syntax error: Expected an expression, "
                   "got 'end of statement block'", name="layouts/spare.html")


def test_finding_13_a_template_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    size = MAX_FILE_BYTES["template"] + 1
    assert_refused(tmp_path, "x" * size, f" is {size} bytes; a template may be at most "
                   f"{MAX_FILE_BYTES['template']} bytes")


@pytest.mark.parametrize(("payload", "message"), [
    ("{{ 'x' * 10**9 }}", f"not allowed in a template: repeating a value 1000000000 times "
                          f"makes it longer than the {MAX_TEMPLATE_STRING} characters "
                          f"allowed{SANDBOX}"),
    ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
     f"not allowed in a template: the templates' loops run over more than "
     f"{MAX_TEMPLATE_LOOP_ITEMS} numbers in all{SANDBOX}"),
    ("{% set s = 'x' * 1000 %}{% for a in s %}{% for b in s %}{% for c in s %}{% endfor %}"
     "{% endfor %}{% endfor %}",
     f"the template ran more than {MAX_TEMPLATE_STEPS} steps; a template must not loop or "
     "recurse without end"),
    ("{% macro f(n) %}{{ f(n) }}{{ f(n) }}{% endmacro %}{{ f(1) }}",
     "the template calls itself too deeply (a macro or include without end)"),
    ("{% macro d(s) %}{{ d(s ~ s) }}{% endmacro %}{{ d('x') }}",
     f"not allowed in a template: the template made a value of 1048576 characters or items; "
     f"at most {MAX_TEMPLATE_STRING} are allowed{SANDBOX}"),
    ("{{ ('x' * 1000000).replace('', 'xx') }}",
     f"not allowed in a template: replace() would make a string longer than the "
     f"{MAX_TEMPLATE_STRING} characters allowed{SANDBOX}"),
    ("{{ '%0999999999d' % 1 }}", f"not allowed in a template: a % format with a width of 1000 "
                                 f"or more, or *, is not allowed in a template{SANDBOX}"),
    ("{{ 9 ** 99999 }}", f"not allowed in a template: 9 ** 99999 is too large a number for "
                         f"a template{SANDBOX}"),
])
def test_finding_01_a_runaway_template_stops_within_the_bound(
        tmp_path: Path, payload: str, message: str) -> None:
    assert_refused(tmp_path, f"<p>\n{payload}\n", f"2: {message}")


def test_a_content_template_that_restyles_our_own_still_builds(tmp_path: Path) -> None:
    ours = (PROJECT / "templates" / "back-cover.html").read_text(encoding="utf-8")
    root, _ = library_with(tmp_path, ours.replace('<section class="back-cover"',
                                                  '<section data-ours="no" class="back-cover"'))
    status, printed, _ = run(root, tmp_path / "output")
    assert status == 0, printed
    assert (tmp_path / "output" / "small.pdf").is_file()


# Random templates: Jinja syntax, attribute names, dunders, filters and plain HTML.
FRAGMENTS = st.sampled_from([
    "{{", "}}", "{%", "%}", "{#", "#}", " ", "\n", "<p>", "</p>", "<section>", "x", "'s'",
    "1", "10**9", "100000", "(", ")", "[", "]", ".", ",", "|", "~", "*", "**", "%", "+",
    "if", "endif", "for", "endfor", "in", "macro", "endmacro", "set", "=", "include", "extends",
    "block", "endblock", "call", "endcall", "range", "org", "booklet", "sections", "self",
    "loop", "cycler", "lipsum", "namespace", "config", "__class__", "__mro__", "__globals__",
    "__subclasses__", "__init__", "_TemplateReference__context", "__builtins__", "os",
    "system", "popen", "MARKER", "format", "center", "join", "replace", "inline", "markdown",
    "qr", "safe", "attr", "name", "title", "'back-cover.html'", "'booklet.html'",
    "{% include 'back-cover.html' %}", "{{ org.name }}", "{% for i in range(100000) %}",
    "{% endfor %}", "{{ cycler.__init__.__globals__.os.system('touch MARKER') }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}", "{% macro m(x) %}{{ m(x ~ x) }}",
]).map(str)
NAMES = st.sampled_from(["org", "booklet", "sections", "self", "loop", "cycler", "range",
                         "asset", "press", "contents", "support", "x", "''", "[1, 2]", "1"])
ATTRIBUTES = st.sampled_from(["name", "title", "colours", "items", "__class__", "__init__",
                              "__globals__", "__mro__", "__subclasses__", "_private",
                              "mro", "format", "upper", "replace", "append", "edition",
                              "isoformat", "primary", "css", "os", "system"])
FILTERS = st.sampled_from(["inline", "markdown", "join", "upper", "length", "list", "safe",
                           "replace('a', 'b')", "qr", "contact", "month_year", "attr('x')",
                           "center(99)", "first", "default('x')", "selectattr('x')"])
EXPRESSIONS = st.builds(
    lambda name, path, filters: name + "".join(
        f".{attribute}" + ("()" if call else "") for attribute, call in path)
    + "".join(f" | {item}" for item in filters),
    NAMES, st.lists(st.tuples(ATTRIBUTES, st.booleans()), max_size=3),
    st.lists(FILTERS, max_size=2))
STATEMENTS = st.one_of(
    EXPRESSIONS.map("{{{{ {} }}}}".format), EXPRESSIONS.map("{{% if {} %}}".format),
    EXPRESSIONS.map("{{% for item in {} %}}{{{{ item }}}}{{% endfor %}}".format),
    st.sampled_from(["{% endif %}", "<p>text</p>", "\n", "{% include 'notes.html' %}"]))
TEMPLATES = st.lists(st.one_of(FRAGMENTS, STATEMENTS), max_size=30).map("".join)
#: Largest time one random template may take: --check about 1.5 s, the build of one booklet
#: in one edition about 10 s on a loaded machine; a runaway stops at MAX_TEMPLATE_STEPS.
CHECK_BOUND, BUILD_BOUND = 20, 90


def assert_bounded(template: str, *extra: str, bound: float) -> None:
    with tempfile.TemporaryDirectory() as folder:
        marker = Path(folder) / "marker"
        root, _ = library_with(Path(folder), template.replace("MARKER", str(marker)))
        status, printed, seconds = run(root, Path(folder) / "output", *extra)
        assert "Traceback" not in printed
        assert status in (0, 1)
        assert seconds < bound
        assert not marker.exists()
        if status == 1:  # the template's problem, or what its HTML did to the layout
            assert any(line.startswith(display_path(root.resolve()))
                       for line in printed.splitlines()), printed


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(template=TEMPLATES)
def test_any_template_is_checked_within_a_bound_without_a_traceback(template: str) -> None:
    assert_bounded(template, "--check", bound=CHECK_BOUND)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(template=TEMPLATES)
def test_any_template_is_built_within_a_bound_without_a_traceback(template: str) -> None:
    assert_bounded(template, bound=BUILD_BOUND)


def test_finding_01_a_content_stylesheet_may_not_import(tmp_path: Path) -> None:
    # Fifteen files each importing the next twice make WeasyPrint fetch 2**15 of them.
    root = write_library(tmp_path / "content")
    styles = root / "styles"
    styles.mkdir()
    (styles / "booklet.css").write_text('p { color: black }\n@\\69mport "s1.css";\n',
                                        encoding="utf-8")
    for index in range(1, 15):
        (styles / f"s{index}.css").write_text(f'@import "s{index + 1}.css";\n' * 2,
                                              encoding="utf-8")
    (styles / "big.css").write_text("/" + "*" * MAX_FILE_BYTES["stylesheet"] + "/",
                                    encoding="utf-8")
    output = tmp_path / "output"
    for extra in (("--check",), ()):
        status, printed, seconds = run(root, output, *extra)
        lines = printed.splitlines()
        assert status == 1 and seconds < CHECK_SECONDS and "Traceback" not in printed
        where = display_path(root.resolve() / "styles")
        assert (f"{where}/booklet.css:2: @import is not allowed in a content stylesheet: copy "
                "the rules into this file") in lines
        assert (f"{where}/s7.css:1: @import is not allowed in a content stylesheet: copy "
                "the rules into this file") in lines
        size = MAX_FILE_BYTES["stylesheet"] + 2
        assert (f"{where}/big.css: is {size} bytes; a stylesheet may be at most "
                f"{MAX_FILE_BYTES['stylesheet']} bytes") in lines
        assert not output.exists()
