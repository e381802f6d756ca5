"""Layout: the confined fetcher, and keeping notes pages for saddle stitching."""

from __future__ import annotations

from pathlib import Path

import pytest
import weasyprint

from pibooklet.errors import BuildError
from pibooklet.layout import (
    SPARE_NOTES_PAGES,
    ConfinedFetcher,
    keep_notes_for_saddle_stitch,
    lay_out,
)


def test_the_fetcher_serves_allowed_files_only(tmp_path: Path) -> None:
    allowed = tmp_path / "content"
    allowed.mkdir()
    (allowed / "pic.svg").write_text("<svg/>", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("secret", encoding="utf-8")
    fetcher = ConfinedFetcher([allowed])
    assert fetcher.fetch((allowed / "pic.svg").as_uri()).read() == b"<svg/>"
    for url in [(tmp_path / "secret.txt").as_uri(), (allowed / ".." / "secret.txt").as_uri(),
                "file:///etc/passwd", "https://www.example.org/x.png", "ftp://host/x"]:
        with pytest.raises(ValueError, match="refused"):
            fetcher.fetch(url)
    with pytest.raises(ValueError, match="file not found"):
        fetcher.fetch((allowed / "missing.svg").as_uri())


def test_a_theme_file_missing_from_an_override_folder_comes_from_ours(tmp_path: Path) -> None:
    own, ours = tmp_path / "content" / "styles", tmp_path / "project" / "styles"
    own.mkdir(parents=True)
    ours.mkdir(parents=True)
    (ours / "pattern.svg").write_text("<svg/>", encoding="utf-8")
    fetcher = ConfinedFetcher([own, ours], search_paths=((own, ours),))
    assert fetcher.fetch((own / "pattern.svg").as_uri()).read() == b"<svg/>"


def test_a_layout_never_touches_the_network(tmp_path: Path,
                                           server: tuple[str, list[str]]) -> None:
    address, requests = server
    with pytest.raises(BuildError, match="refused to load"):
        lay_out(f'<img src="{address}/image.png" alt="x">', tmp_path, ConfinedFetcher([tmp_path]))
    assert requests == []


def _document(pages_before_notes: int, minimum: int) -> weasyprint.Document:
    """Lay out pages as a real build does: the minimum notes pages plus the spares."""
    body = "".join('<section style="break-before: page">Text</section>'
                   for _ in range(pages_before_notes))
    body += "".join(f'<section id="notes-page-{number}" style="break-before: page">Notes</section>'
                    for number in range(1, minimum + SPARE_NOTES_PAGES + 1))
    body += '<section id="back-cover" style="break-before: page">Back</section>'
    return weasyprint.HTML(string=body).render()


@pytest.mark.parametrize(("before", "minimum", "expected"), [
    (3, 1, 8), (2, 1, 4), (5, 1, 8), (6, 1, 8), (6, 2, 12), (2, 0, 4), (3, 0, 4)])
def test_notes_pages_make_the_count_a_multiple_of_four(before: int, minimum: int,
                                                       expected: int) -> None:
    document = keep_notes_for_saddle_stitch(_document(before, minimum), minimum)
    assert len(document.pages) == expected
    assert "back-cover" in document.pages[-1].anchors
    notes = [page for page in document.pages
             if any(anchor.startswith("notes-page-") for anchor in page.anchors)]
    assert len(notes) >= minimum


def test_a_notes_page_that_overflows_is_reported() -> None:
    lines = '<div style="height: 10mm; border-bottom: 1px solid"></div>' * 40
    html = (f'<section id="notes-page-1">{lines}</section>'
            '<section id="notes-page-2" style="break-before: page">N</section>'
            '<section id="back-cover" style="break-before: page">Back</section>')
    with pytest.raises(BuildError, match="ran onto a second page"):
        keep_notes_for_saddle_stitch(weasyprint.HTML(string=html).render(), 1)
