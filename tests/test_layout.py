"""Layout: the confined fetcher, and keeping notes pages for saddle stitching."""

from __future__ import annotations

from pathlib import Path

import pytest
import weasyprint

from pibooklet.errors import BuildError
from pibooklet.layout import (
    ConfinedFetcher,
    count_notes_pages,
    keep_notes_for_saddle_stitch,
    lay_out,
    notes_page_indexes,
)
from pibooklet.render import SPARE_NOTES_PAGES


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


# Two ruled lines of 100 mm fill a page of WeasyPrint's default A4 (257 mm of page area).
_LINE = '<div class="notes-line" style="height: 100mm"></div>'


def _document(pages_before_notes: int, minimum: int, lines: int | None = None
              ) -> weasyprint.Document:
    """Lay out pages as a real build does: one flow of ruled lines for the minimum notes pages,
    the spares and one more (templates/notes.html), then the back cover."""
    body = "".join('<section style="break-before: page">Text</section>'
                   for _ in range(pages_before_notes))
    lines = 2 * (minimum + SPARE_NOTES_PAGES + 1) if lines is None else lines
    body += ('<section id="notes-page-1" style="break-before: page"><h2>Notes</h2>'
             f'<div class="notes-lines">{_LINE * lines}</div></section>')
    # Ruled space elsewhere is not a notes page (copyfit's write-in space has lines too).
    body = body.replace("Text", f'Text<div class="write-in">{_LINE}</div>', 1)
    body += '<section id="back-cover" style="break-before: page">Back</section>'
    return weasyprint.HTML(string=body).render()


@pytest.mark.parametrize(("before", "minimum", "expected"), [
    (3, 1, 8), (2, 1, 4), (5, 1, 8), (6, 1, 8), (6, 2, 12), (2, 0, 4), (3, 0, 4)])
def test_notes_pages_make_the_count_a_multiple_of_four(before: int, minimum: int,
                                                       expected: int) -> None:
    laid_out = _document(before, minimum)
    flow = notes_page_indexes(laid_out)
    assert len(flow) > minimum + SPARE_NOTES_PAGES  # the flow ran on past every page kept
    document = keep_notes_for_saddle_stitch(laid_out, minimum)
    assert len(document.pages) == expected
    assert "back-cover" in document.pages[-1].anchors
    notes = notes_page_indexes(document)
    assert len(notes) >= minimum and count_notes_pages(document) == len(notes)
    assert notes == list(range(before, expected - 1))  # the pages between text and back


def test_notes_lines_that_run_out_are_reported() -> None:
    # Lines shorter than notes.html allows for: too few pages of them to choose from.
    with pytest.raises(BuildError, match="notes lines ran out"):
        keep_notes_for_saddle_stitch(_document(3, 1, lines=3), 1)
