"""Hostile or careless content: nothing outside the project is read, nothing is fetched."""

from __future__ import annotations

from pathlib import Path

from conftest import replace_in
from PIL import Image
from test_content import MANIFEST, ORGANISATION, SECTION, write_library

from pibooklet.cli import main


def test_content_pointing_outside_the_project_is_refused_by_line(
        tmp_path: Path, server: tuple[str, list[str]], capsys) -> None:
    address, requests = server
    (tmp_path / "secret.txt").write_text("secret", encoding="utf-8")
    body = SECTION + (f"\n![A picture]({address}/image.png)\n"
                      "\n![The password file](file:///etc/passwd)\n"
                      "\n![A secret](../../secret.txt)\n"
                      f"\n[Our server]({address}/page)\n")
    root = write_library(tmp_path / "content", section=body)
    output = tmp_path / "output"
    assert main(["--content", str(root), "--output", str(output)]) == 1
    error = capsys.readouterr().err
    for line, target in ((6, f"{address}/image.png"), (8, "file:///etc/passwd"),
                         (10, "../../secret.txt")):
        assert (f"small/one.md:{line}: image '{target}' must be a file inside the content "
                "folder") in error
    assert f"small/one.md:12: link to '{address}/page' is not allowed" in error
    assert "Traceback" not in error and not output.exists()
    assert requests == []


def test_a_stylesheet_that_reaches_out_is_refused_and_nothing_is_fetched(
        tmp_path: Path, server: tuple[str, list[str]], capsys) -> None:
    address, requests = server
    root = write_library(tmp_path / "content")
    (root / "styles").mkdir()
    project_css = Path(__file__).resolve().parent.parent / "styles" / "booklet.css"
    (root / "styles" / "booklet.css").write_text(
        project_css.read_text(encoding="utf-8")
        + f'\nbody {{ background: url("{address}/track.png"); }}\n'
        + '\nh2 { background: url("file:///etc/passwd"); }\n', encoding="utf-8")
    assert main(["--outputs", "screen", "--content", str(root), "--output",
                 str(tmp_path / "out")]) == 1
    error = capsys.readouterr().err
    assert "refused to load" in error and "Traceback" not in error
    assert requests == []


def test_the_logo_cannot_leave_the_content_folder(tmp_path: Path, capsys) -> None:
    root = write_library(tmp_path / "content")
    replace_in(root / "organisation.yaml", "logo: logo.svg", "logo: ../../../../etc/passwd")
    assert main(["--content", str(root), "--output", str(tmp_path / "out")]) == 1
    assert ("organisation.yaml:3: 'logo' must be a file inside the content folder"
            in capsys.readouterr().err)


def test_a_40_megapixel_image_is_refused_before_it_is_decoded(tmp_path: Path, capsys) -> None:
    root = write_library(tmp_path / "content",
                         section=SECTION + "\n![A huge photograph](huge.png)\n")
    Image.new("L", (8000, 5000), 128).save(root / "small" / "huge.png")  # 40 megapixels
    assert main(["--content", str(root), "--output", str(tmp_path / "out")]) == 1
    error = capsys.readouterr().err
    assert ("small/one.md:6: image 'huge.png' is 40 megapixels (8000 x 5000); the limit is 25"
            in error)


def test_an_image_that_is_not_an_image_is_reported(tmp_path: Path, capsys) -> None:
    root = write_library(tmp_path / "content",
                         section=SECTION + "\n![A broken photograph](broken.png)\n")
    (root / "small" / "broken.png").write_bytes(b"not a png at all")
    assert main(["--content", str(root), "--output", str(tmp_path / "out")]) == 1
    assert "small/one.md:6: image 'broken.png' cannot be read as an image" in \
        capsys.readouterr().err


def test_a_300_page_booklet_builds(tmp_path: Path) -> None:
    import sys

    import pypdf
    from conftest import CONTENT, PROJECT
    sys.path.insert(0, str(PROJECT / "bench"))
    from large_library import write_long_booklet

    root = write_long_booklet(tmp_path / "content", CONTENT, sections=54)
    assert main(["long-booklet", "--outputs", "screen", "--content", str(root), "--output",
                 str(tmp_path / "out"), "--quiet"]) == 0
    pages = len(pypdf.PdfReader(tmp_path / "out" / "long-booklet.pdf").pages)
    assert pages >= 300 and pages % 4 == 0


def test_deeply_nested_yaml_is_refused_at_its_line_without_a_traceback(
        tmp_path: Path, capsys) -> None:
    """300 nested brackets once ended in a RecursionError; now it is a content error."""
    manifest = MANIFEST + "keywords: " + "[" * 300 + "]" * 300 + "\n"
    root = write_library(tmp_path / "content", manifest=manifest)
    assert main(["--content", str(root), "--check"]) == 1
    out = capsys.readouterr().out
    line = manifest.count("\n")
    assert f"booklet.yaml:{line}: YAML: lists and maps are nested more than 20 deep" in out
    assert "Traceback" not in out


def test_a_yaml_alias_bomb_is_refused_before_it_expands(tmp_path: Path, capsys) -> None:
    """Nine levels of nine aliases once took minutes to check; the alias count stops it."""
    bomb = "".join(f"z{level}: &l{level} ["
                   + ", ".join([f"*l{level - 1}" if level else "a"] * 9) + "]\n"
                   for level in range(9))
    root = write_library(tmp_path / "content", organisation=ORGANISATION + bomb)
    assert main(["--content", str(root), "--check"]) == 1
    out = capsys.readouterr().out
    assert "organisation.yaml:" in out and "more than 20 aliases (*name)" in out
