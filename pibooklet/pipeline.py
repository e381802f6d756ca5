"""One booklet from content to finished, verified PDF bytes."""

from __future__ import annotations

from dataclasses import dataclass

from .content import Booklet, Library
from .errors import BuildError
from .finish import finish_pdf
from .layout import (
    SPARE_NOTES_PAGES,
    ConfinedFetcher,
    count_notes_pages,
    keep_notes_for_saddle_stitch,
    lay_out,
    write_pdf,
)
from .render import Theme, render_html
from .verify import verify_booklet


@dataclass(frozen=True)
class BuiltBooklet:
    """A finished booklet and facts about it."""

    slug: str
    pdf: bytes
    pages: int
    notes_pages: int


def build_booklet(booklet: Booklet, library: Library, theme: Theme) -> BuiltBooklet:
    """Render, lay out, finish and verify one booklet; raise BuildError when it is not right."""
    rendered = render_html(booklet, library, theme,
                           notes_pages=booklet.notes_pages + SPARE_NOTES_PAGES)
    fetcher = ConfinedFetcher([library.root, *theme.folders,
                               *library.organisation.typeface.folders],
                              search_paths=(theme.template_dirs, theme.style_dirs))
    document = lay_out(rendered.html, booklet.folder, fetcher)
    document = keep_notes_for_saddle_stitch(document, booklet.notes_pages)
    pdf = finish_pdf(write_pdf(document, booklet.edition))
    problems = verify_booklet(pdf, library.organisation.typeface, rendered.contents_titles)
    if problems:
        raise BuildError("the finished PDF failed its checks:\n  " + "\n  ".join(problems))
    return BuiltBooklet(booklet.slug, pdf, len(document.pages), count_notes_pages(document))
