"""The command line: options, one booklet or all, bad content, and a charity's own theme."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pypdf
import pytest
from conftest import CONTENT, PROJECT, SAMPLES, replace_in, visible

from pibooklet.cli import main


def test_help_documents_every_option(capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    text = capsys.readouterr().out
    for option in ("SLUG", "--content DIR", "--output DIR", "--outputs LIST", "large-print",
                   "--quiet", "--version"):
        assert option in text


def test_naming_a_slug_builds_only_that_booklet(tmp_path: Path, capsys) -> None:
    assert main(["clinical-trials", "--content", str(CONTENT), "--output", str(tmp_path)]) == 0
    assert sorted(path.name for path in visible(tmp_path)) == [
        "clinical-trials-large-print.pdf", "clinical-trials-office-a4.pdf",
        "clinical-trials-press.pdf", "clinical-trials-print-spec.json",
        "clinical-trials-print-spec.txt", "clinical-trials.pdf"]
    printed = capsys.readouterr().out
    assert re.search(r"built .*clinical-trials\.pdf: 12 pages, A5\n", printed)
    assert re.search(r"clinical-trials: done in [\d.]+ s", printed)


@pytest.mark.parametrize(("outputs", "files"), [
    ("screen", ["clinical-trials.pdf"]),
    ("office,screen", ["clinical-trials-office-a4.pdf", "clinical-trials.pdf"]),
    ("spec", ["clinical-trials-press.pdf", "clinical-trials-print-spec.json",
              "clinical-trials-print-spec.txt"]),
])
def test_outputs_can_be_chosen(tmp_path: Path, outputs: str, files: list[str]) -> None:
    assert main(["clinical-trials", "--outputs", outputs, "--content", str(CONTENT),
                 "--output", str(tmp_path), "--quiet"]) == 0
    assert sorted(path.name for path in visible(tmp_path)) == files


def test_unknown_outputs_are_refused(tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--outputs", "screen,poster", "--output", str(tmp_path)])
    assert exited.value.code == 2
    assert "choose from screen, large-print, press, office, spec" in capsys.readouterr().err


def test_an_unknown_slug_is_reported(tmp_path: Path, capsys) -> None:
    assert main(["leaflet", "--content", str(CONTENT), "--output", str(tmp_path)]) == 1
    error = capsys.readouterr().err
    assert ("no booklet called 'leaflet'; the booklets are: clinical-trials, relapsed-cancer"
            in error)
    assert not list(tmp_path.iterdir())


# The clinical-trials booklet with its translations and its bilingual edition.
CLINICAL_TRIALS = {"clinical-trials", "clinical-trials-cy", "clinical-trials-ar",
                   "clinical-trials-cy-en"}


@pytest.mark.parametrize(("file", "change", "message", "built"), [
    ("relapsed-cancer/booklet.yaml", ("edition: 2025-04", "edition: April"),
     r"relapsed-cancer/booklet\.yaml:7: 'edition' is not a date", CLINICAL_TRIALS),
    ("relapsed-cancer/booklet.yaml", ("  - 03-adjusting.md", "  - 03-adjusting-news.md"),
     r"relapsed-cancer/booklet\.yaml:\d+: section file '03-adjusting-news\.md' not found",
     CLINICAL_TRIALS),
    ("relapsed-cancer/booklet.yaml", ("disclaimer: >-", "disclaimers: >-"),
     r"relapsed-cancer/booklet\.yaml:\d+: unknown key 'disclaimers': did you mean 'disclaimer'\?",
     CLINICAL_TRIALS),
    # Unreadable YAML hides the title the other booklet cross-references: neither is built.
    ("clinical-trials/booklet.yaml", ("title: Taking", "title: [Taking"),
     r"clinical-trials/booklet\.yaml:\d+: YAML:.*relapsed-cancer/08-clinical-trials\.md:\d+: "
     r"the booklet 'clinical-trials' cannot be read", set()),
])
def test_bad_content_is_reported_by_file_and_line_and_its_pdf_is_not_written(
        library_copy: Path, tmp_path: Path, capsys, file: str, change: tuple[str, str],
        message: str, built: set[str]) -> None:
    output = tmp_path / "output"
    output.mkdir()
    previous = output / "relapsed-cancer.pdf"
    previous.write_bytes(b"%PDF-1.7 previous edition")
    replace_in(library_copy / file, *change)
    assert main(["--outputs", "screen", "--content", str(library_copy), "--output",
                 str(output)]) == 1
    error = capsys.readouterr().err
    assert re.search(message, error, re.DOTALL), error
    assert "Traceback" not in error and "warning" not in error
    assert ("nothing was built" in error) == (not built)
    # Broken booklets keep their previous PDF; the others are built as usual.
    assert {path.name for path in visible(output)} == {f"{slug}.pdf" for slug in built} | {
        "relapsed-cancer.pdf"}
    assert previous.read_bytes() == b"%PDF-1.7 previous edition"


def test_a_content_folder_kept_elsewhere_can_restyle_one_file(library_copy: Path,
                                                              tmp_path: Path) -> None:
    templates = library_copy / "templates"
    templates.mkdir()
    back = (PROJECT / "templates" / "back-cover.html").read_text(encoding="utf-8")
    (templates / "back-cover.html").write_text(
        back.replace("%}About {{ name }}", "%}All about {{ name }}"),
        encoding="utf-8")
    styles = library_copy / "styles"
    styles.mkdir()
    css = (PROJECT / "styles" / "booklet.css").read_text(encoding="utf-8")
    (styles / "booklet.css").write_text(
        css + '\n.cover-website::after { content: " – our own style"; }\n', encoding="utf-8")
    output = tmp_path / "elsewhere"
    assert main(["--content", str(library_copy), "--output", str(output), "--quiet"]) == 0
    for slug in SAMPLES:
        reader = pypdf.PdfReader(output / f"{slug}.pdf")
        assert "our own style" in reader.pages[0].extract_text()
        assert "All about CCLG" in reader.pages[-1].extract_text()


def test_a_layout_failure_names_the_booklet_and_writes_nothing(library_copy: Path,
                                                              tmp_path: Path, capsys) -> None:
    templates = library_copy / "templates"
    templates.mkdir()
    notes = (PROJECT / "templates" / "notes.html").read_text(encoding="utf-8")
    # Too few ruled lines for the pages the build may keep.
    assert "lines_per_page = 20" in notes
    (templates / "notes.html").write_text(notes.replace("lines_per_page = 20",
                                                        "lines_per_page = 4"), encoding="utf-8")
    output = tmp_path / "output"
    assert main(["clinical-trials", "--content", str(library_copy), "--output", str(output)]) == 1
    error = capsys.readouterr().err
    assert "clinical-trials/booklet.yaml: the notes lines ran out" in error
    assert "Traceback" not in error
    assert not output.exists() or not list(output.iterdir())


def test_build_py_runs_from_the_project_folder() -> None:
    import subprocess
    import sys
    result = subprocess.run([sys.executable, "build.py", "--version"], cwd=PROJECT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0 and result.stdout.startswith("build.py ")


def test_an_interrupt_while_a_command_loads_is_one_line(monkeypatch, capsys) -> None:
    from pibooklet import cli

    def interrupted(name, package=None):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli.importlib, "import_module", interrupted)
    assert cli.main(["diff", "a.pdf", "b.pdf"], prog="pibooklet") == 130
    assert capsys.readouterr().err == "pibooklet diff: interrupted\n"


def test_an_interrupt_while_build_py_loads_is_one_line() -> None:
    # Ctrl-C before the build has loaded: the import raises it, as a signal would.
    script = ("import builtins, runpy, sys\n"
              "real = builtins.__import__\n"
              "def interrupted(name, *args, **kwargs):\n"
              "    if name == 'pibooklet.cli':\n"
              "        raise KeyboardInterrupt\n"
              "    return real(name, *args, **kwargs)\n"
              "builtins.__import__ = interrupted\n"
              "runpy.run_path('build.py', run_name='__main__')\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=PROJECT, capture_output=True,
                            text=True, timeout=120, check=False)
    assert (result.returncode, result.stderr) == (
        130, "build.py: interrupted; nothing was written\n")
