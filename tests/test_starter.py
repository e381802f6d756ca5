"""`pibooklet new`: a library that builds at once, every key explained; new booklets in it."""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from pathlib import Path

import pypdf
import pytest
import yaml
from conftest import contents_entries, visible

from pibooklet.cli import VERBS, main
from pibooklet.content import MANIFEST_FIELDS, ORGANISATION_FIELDS, read_library
from pibooklet.render import theme_for
from pibooklet.starter import _NESTED

TODAY = "2026-12-02"




def test_a_new_library_checks_clean_and_builds_at_once(tmp_path: Path, capsys) -> None:
    library = tmp_path / "our-booklets"
    assert main(["new", "library", str(library), "--today", TODAY]) == 0
    out = capsys.readouterr().out
    assert "wrote " in out and f"pibooklet check --content {library}" in out
    assert main(["check", "--content", str(library), "--output", str(tmp_path / "out"),
                 "--today", TODAY]) == 0
    assert capsys.readouterr().out.strip().endswith("0 errors, 0 warnings, 0 notes")
    output = tmp_path / "out"
    assert main(["build", "--content", str(library), "--output", str(output),
                 "--outputs", "screen", "--today", TODAY, "--quiet"]) == 0
    reader = pypdf.PdfReader(output / "my-first-booklet.pdf")
    assert len(reader.pages) % 4 == 0
    assert "My first booklet" in reader.pages[0].extract_text().replace("\xa0", " ")
    assert [title for title, _ in contents_entries(reader)] == [
        "Writing a section", "Boxes and pictures", "Questions to ask", "A family\u2019s story",
        "Help and support", "Your notes"]
    assert [path.name for path in visible(output)] == ["my-first-booklet.pdf"]


def test_the_new_organisation_file_gives_every_key_with_its_meaning(tmp_path: Path) -> None:
    assert main(["new", "library", str(tmp_path / "lib"), "--today", TODAY]) == 0
    text = (tmp_path / "lib" / "organisation.yaml").read_text()
    lines = text.splitlines()
    written = {}
    for index, line in enumerate(lines):
        match = re.match(r"^(\s*)(?:# )?([a-z_]+):( |$)", line)
        if match and index and lines[index - 1].lstrip().startswith("# ") and \
                not re.match(r"^\s*# [A-Z]", line):
            written.setdefault(len(match[1]), {})[match[2]] = lines[index - 1]
    assert set(written[0]) == {field.name for field in ORGANISATION_FIELDS}
    for name, fields in _NESTED.items():
        nested = [line for line in lines[lines.index(f"{name}:"):]][1:len(fields) * 4]
        for field in fields:
            assert any(re.match(rf"^  (# )?{field.name}:", line) for line in nested), \
                (name, field.name)
    # The defaults written out are the defaults the build uses when a key is left out.
    required = {field.name for field in ORGANISATION_FIELDS if field.required}
    data = yaml.safe_load(text)
    minimal = tmp_path / "minimal"
    shutil.copytree(tmp_path / "lib", minimal)
    (minimal / "organisation.yaml").write_text(yaml.safe_dump(
        {key: value for key, value in data.items() if key in required}, allow_unicode=True))
    full = read_library(tmp_path / "lib", theme_for(tmp_path / "lib").layouts()).organisation
    bare = read_library(minimal, theme_for(minimal).layouts()).organisation
    assert replace(full, logo=None, path=None) == replace(bare, logo=None, path=None)


def test_the_new_manifest_lists_every_key(tmp_path: Path) -> None:
    assert main(["new", "library", str(tmp_path / "lib"), "--today", TODAY]) == 0
    text = (tmp_path / "lib" / "my-first-booklet" / "booklet.yaml").read_text()
    for field in MANIFEST_FIELDS:
        assert re.search(rf"^(# )?{field.name}:", text, re.M), field.name
    data = yaml.safe_load(text)
    assert (str(data["edition"]), str(data["next_review"])) == ("2026-12", "2029-12")
    assert data["support"] == ["nhs-111", "samaritans"]  # from the library's directory


def test_a_new_booklet_joins_an_existing_library(library_copy: Path, capsys) -> None:
    assert main(["new", "booklet", "after-treatment", "--content", str(library_copy),
                 "--title", "After treatment ends", "--today", TODAY]) == 0
    folder = library_copy / "after-treatment"
    assert sorted(path.name for path in folder.glob("*.md")) == [
        "00-introduction.md", "01-writing-a-section.md", "02-boxes-and-pictures.md",
        "03-questions.md", "04-a-story.md"]
    manifest = yaml.safe_load((folder / "booklet.yaml").read_text())
    assert manifest["title"] == "After treatment ends"
    capsys.readouterr()
    assert main(["check", "after-treatment", "--content", str(library_copy), "--output",
                 str(library_copy.parent / "out"), "--today", TODAY]) == 0
    assert "0 errors, 0 warnings" in capsys.readouterr().out


@pytest.mark.parametrize(("argv", "message"), [
    (["new", "booklet", "After Treatment"], "cannot name a booklet: use lower-case letters"),
    (["new", "booklet", "relapsed-cancer"], "already exists: choose another name"),
])
def test_a_new_booklet_that_cannot_be_made_is_refused(library_copy: Path, capsys,
                                                      argv: list[str], message: str) -> None:
    before = sorted(path.name for path in library_copy.iterdir())
    assert main([*argv, "--content", str(library_copy)]) == 1
    assert message in capsys.readouterr().err
    assert sorted(path.name for path in library_copy.iterdir()) == before


def test_new_never_writes_over_a_folder_in_use(tmp_path: Path, capsys) -> None:
    (tmp_path / "mine.txt").write_text("keep me")
    assert main(["new", "library", str(tmp_path)]) == 1
    assert "is not empty" in capsys.readouterr().err
    assert [path.name for path in tmp_path.iterdir()] == ["mine.txt"]
    assert main(["new", "booklet", "x", "--content", str(tmp_path)]) == 1
    assert "has no organisation.yaml" in capsys.readouterr().err


def test_every_verb_has_help(capsys) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--help"], prog="pibooklet")
    assert done.value.code == 0
    listed = capsys.readouterr().out
    for verb in VERBS:
        assert f"pibooklet {verb}" in listed
        with pytest.raises(SystemExit) as done:
            main([verb, "--help"], prog="pibooklet")
        assert done.value.code == 0
        assert f"usage: pibooklet {verb}" in capsys.readouterr().out
