"""The project itself: code style, and the README kept true to the code."""

from __future__ import annotations

import shutil
import subprocess

from conftest import PROJECT

from pibooklet.content import MANIFEST_FIELDS, SECTION_FIELDS
from pibooklet.markup import BLOCK_KINDS


def test_code_passes_ruff() -> None:
    ruff = shutil.which("ruff")
    assert ruff, "ruff is a test dependency: pip install -e '.[test]'"
    result = subprocess.run([ruff, "check", "."], cwd=PROJECT, capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stdout


def test_readme_documents_every_manifest_key_and_block() -> None:
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    for field in (*MANIFEST_FIELDS, *SECTION_FIELDS):
        assert f"`{field.name}`" in readme or f"{field.name}:" in readme, field.name
    for kind in BLOCK_KINDS:
        assert f"::: {kind}" in readme, kind


def test_readme_starts_with_the_install_and_test_commands() -> None:
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    commands = [block.split("```", 1)[0].strip()
                for block in readme.split("```sh\n")[1:3]]
    assert "pip install -e \".[test]\"" in commands[0] and "build.py" in commands[0]
    assert commands[1] == "python3 -m pytest"
    ci = (PROJECT / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install --quiet -e \".[test]\"" in ci and commands[1] in ci
