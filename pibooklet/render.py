"""HTML for a booklet, from Jinja templates found on a search path.

A content folder may hold its own templates/ and styles/; a file there replaces ours of the same
name, so a charity can restyle one piece without copying the rest.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gettext
import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

from .colour import cmyk_css
from .content import (
    CONTACT_PLACEHOLDERS,
    DEFAULT_HOW_TO_GET,
    Booklet,
    Library,
    Organisation,
    icon_path,
)
from .direction import text_direction
from .errors import ContentError, Problem
from .links import LINK_CLASSES, contact_href, kind_of
from .markup import MarkdownRenderer, cover_address
from .messages import N_, translations_for
from .messages import month_year as babel_month_year
from .qr import qr_markup
from .translations import in_own_language

if TYPE_CHECKING:
    import jinja2

# The template sandbox (templates.py, and Jinja2 with it) is loaded where a template is
# rendered: the process that lays a booklet out seldom renders one (0.03 s to load).

PROJECT_ROOT = Path(__file__).resolve().parent.parent
STYLESHEETS = ("page.css", "booklet.css", "components.css")
PRESS_STYLESHEETS = ("press.css",)
LARGE_PRINT_STYLESHEETS = ("large-print.css",)
MAIN_TEMPLATE = "booklet.html"
OFFICE_INSTRUCTIONS_TEMPLATE = "office-instructions.html"


@dataclass(frozen=True)
class Theme:
    """Where templates and stylesheets are looked up, first match wins."""

    template_dirs: tuple[Path, ...]
    style_dirs: tuple[Path, ...]

    def layouts(self) -> frozenset[str]:
        """Return the names of the section layouts the templates provide."""
        return frozenset(path.stem for folder in self.template_dirs
                         for path in (folder / "layouts").glob("*.html"))

    def stylesheet(self, name: str) -> Path:
        """Return the first stylesheet called `name` on the search path."""
        for folder in self.style_dirs:
            if (folder / name).is_file():
                return folder / name
        raise FileNotFoundError(f"stylesheet {name} not found in {self.style_dirs}")

    @property
    def folders(self) -> tuple[Path, ...]:
        """Folders the layout may read theme files from."""
        return self.template_dirs + self.style_dirs


def theme_for(content_root: Path) -> Theme:
    """Return the theme for a content folder: its own files first, then the project's."""
    def search(name: str) -> tuple[Path, ...]:
        own = content_root / name
        if own.is_dir() and not own.resolve().is_relative_to(content_root.resolve()):
            # Its files would pass as inside it, and the layout would be allowed to read there.
            raise ContentError([Problem(own, None, "is a link to a folder outside the content "
                                                   "folder; a build reads only files inside it: "
                                                   "copy the folder in instead")])
        return ((own,) if own.is_dir() else ()) + (PROJECT_ROOT / name,)
    return Theme(search("templates"), search("styles"))


@dataclass(frozen=True)
class ContentsEntry:
    """One line of the contents page."""

    anchor: str
    title: str


@dataclass(frozen=True)
class RenderedBooklet:
    """A booklet's HTML and the contents entries as they will print."""

    html: str
    contents_titles: tuple[str, ...]
    link_descriptions: dict[str, str]


STANDARD_BODY_SIZE = 12
#: The notes lines run on this many pages past those the manifest asks for: the layout keeps
#: just enough of them to make a multiple of 4 (layout.keep_notes_for_saddle_stitch).
SPARE_NOTES_PAGES = 3


def render_edition(booklet: Booklet, library: Library, theme: Theme,
                   edition: str) -> RenderedBooklet:
    """Return an edition's HTML as the build lays it out, with its spare notes pages."""
    return render_html(booklet, library, theme, booklet.notes_pages + SPARE_NOTES_PAGES,
                       edition=edition)


def render_html(booklet: Booklet, library: Library, theme: Theme, notes_pages: int,
                edition: str = "screen", fixed_only: bool = False,
                thumbnails: bool = True) -> RenderedBooklet:
    """Return the booklet's HTML, with ruled lines for `notes_pages` notes pages (and more)
    before the back cover.

    The press edition uses the brand's CMYK values, the printer's profile and a bleed; the
    large-print edition is re-flowed on A4 at the organisation's large-print size.
    `fixed_only` renders just the cover, inside cover and back cover, to check they fit.
    "More from us" blocks show other booklets' covers (cover_address); without
    `thumbnails`, a blank picture (used to draw a cover, which shows none of them).
    """
    press, large_print = edition == "press", edition == "large-print"
    translations = translations_for(booklet.language, library.root)
    _ = translations.gettext

    paper = library.organisation.colours["paper"]
    # Codes print in black ink alone on the paper colour: 100% K on press.
    dark, light = (cmyk_css((0, 0, 0, 100)), paper.css(True)) if press else ("#000000",
                                                                            paper.screen)

    def qr_source(address: str) -> str:
        return qr_markup(address, dark, light, translations)

    covers = _covers(library, thumbnails)
    titles = library.titles_for(booklet)
    markdown = MarkdownRenderer(titles, qr_source, covers, large_print, translations)
    environment = _environment(theme, markdown, translations, booklet.language)
    environment.filters["qr"] = lambda address: Markup(qr_source(str(address)))
    sections = [] if fixed_only else [
        (section, Markup(_shared_images(markdown.render(section.body), section, library)))
        for section in booklet.sections]
    notes_listed = booklet.notes_pages > 0
    contents = [ContentsEntry(section.anchor, section.contents_title)
                for section in booklet.sections if section.listed]
    contents.append(ContentsEntry("help-and-support", _("Help and support")))
    if notes_listed:
        contents.append(ContentsEntry("your-notes", _("Your notes")))

    printed = tuple(_plain(markdown.render_inline(entry.title)) for entry in contents)
    environment.filters["contact_line"] = lambda line: _contact_line(line, library, markdown)
    from .templates import render_template

    page = render_template(
        environment, MAIN_TEMPLATE,
        booklet=booklet,
        org=_our_defaults_translated(library.organisation_for(booklet), translations),
        sections=sections,
        contents=contents,
        bookmarks={entry.anchor: title for entry, title in zip(contents, printed, strict=True)},
        support=_support_items(booklet, library),
        fixed_only=fixed_only,
        related=[titles[related] for related in booklet.related],
        notes_pages=notes_pages,
        notes_listed=notes_listed,
        # A booklet that asks for no notes pages never gives Help and support's page to them.
        notes_follow_support=booklet.notes_pages > 0,
        font_faces=Markup(library.organisation.typefaces.font_face_css()),
        font_family=Markup(library.organisation.typefaces.css_family_list()),
        icon_rules=Markup(_icon_rules(booklet, library)),
        stylesheets=stylesheet_urls(theme, edition),
        press=press,
        large_print=large_print,
        body_size=library.organisation.large_print.body_size if large_print
        else STANDARD_BODY_SIZE,
        colour_profile=library.organisation.print.colour_profile.as_uri(),
    )
    descriptions = _link_descriptions(page, contents, printed, translations)
    for mark in library.organisation_for(booklet).trust_marks:
        if mark.link:
            descriptions[contact_href("web", mark.link)] = _("Website: %(address)s (%(name)s)") \
                % {"address": mark.link, "name": mark.alt}
    return RenderedBooklet(page, printed, descriptions)


def stylesheet_urls(theme: Theme, edition: str) -> list[str]:
    """Return the stylesheets an edition's HTML links to, in order."""
    return [theme.stylesheet(name).as_uri() for name in STYLESHEETS
            + (PRESS_STYLESHEETS if edition == "press" else ())
            + (LARGE_PRINT_STYLESHEETS if edition == "large-print" else ())]


def check_templates(theme: Theme, library: Library | None,
                    booklets: list[Booklet]) -> list[Problem]:
    """Check the content folder's own stylesheets, compile its own templates and render each
    booklet's editions with them; return every problem at its file's path:line."""
    from .templates import TemplateProblem, check_content_styles, check_content_templates

    own = theme.template_dirs[:-1]  # the last folder is ours
    problems = [problem for folder in own for problem in check_content_templates(folder)]
    problems += [problem for folder in theme.style_dirs[:-1]
                 for problem in check_content_styles(folder)]
    if problems or not own or library is None:
        return problems
    found: dict[Problem, None] = {}  # one broken template is one problem, not one per booklet
    for booklet in booklets:
        try:
            for edition in ("screen", "large-print", "press"):
                render_html(booklet, library, theme, notes_pages=1, edition=edition,
                            thumbnails=False)
            render_html(booklet, library, theme, notes_pages=0, fixed_only=True)
            render_office_instructions(booklet, library, theme, pages=8, sheets=2, last_page=6)
        except TemplateProblem as problem:
            found[problem.problem()] = None
    return list(found)


def _our_defaults_translated(organisation: Organisation,
                             translations: gettext.NullTranslations) -> Organisation:
    """Return the organisation with our default large-print statement, where it kept it, in
    the booklet's language."""
    large_print = organisation.large_print
    if large_print.how_to_get != DEFAULT_HOW_TO_GET:
        return organisation
    return dataclasses.replace(organisation, large_print=dataclasses.replace(
        large_print, how_to_get=translations.gettext(DEFAULT_HOW_TO_GET)))


def _support_items(booklet: Booklet, library: Library) -> list[tuple[str, object, int]]:
    """Return Help and support as (kind, entry or text, heading level of an entry's name)."""
    items, level = [], 3
    directory = library.directory_for(booklet)
    for item in booklet.support:
        if item.kind == "heading":
            level = 4  # entries under a sub-heading sit one level below it
        items.append((item.kind, directory[item.value] if item.kind == "entry"
                      else item.value, level))
    return items


_RELATIVE_IMAGE = re.compile(r'(<img [^>]*?src=")(?![a-z]+:)([^"]+)"')


def _shared_images(fragment: str, section, library: Library) -> str:
    """Point a shared section's images at the shared folder, not the booklet's."""
    if not section.shared:
        return fragment
    folder = section.path.parent
    return _RELATIVE_IMAGE.sub(
        lambda match: f'{match[1]}{(folder / html.unescape(match[2])).resolve().as_uri()}"',
        fragment)


def _contact_line(line: str, library: Library, markdown: MarkdownRenderer) -> Markup:
    """Return a back-cover contact line: Markdown, with {phone}, {email} and {web} as links."""
    organisation = library.organisation
    parts = []
    for index, piece in enumerate(re.split(r"\{(\w+)\}", line)):
        if index % 2:
            parts.append(contact_link(getattr(organisation, CONTACT_PLACEHOLDERS[piece])))
        elif piece:
            # Keep the spaces around separators such as " | ", which Markdown would trim.
            lead, core, trail = re.match(r"(\s*)(.*?)(\s*)$", piece, re.DOTALL).groups()
            parts.append(Markup(lead + (markdown.render_inline(core) if core else "") + trail))
    return Markup("").join(parts)


# A one-pixel white PNG.
_BLANK_PNG = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4"
              "nGP4//8/AAX+Av4N70a4AAAAAElFTkSuQmCC")


def _covers(library: Library, thumbnails: bool) -> Callable[[str], str | None]:
    """Return what gives a "more from us" block its picture (see render_html): none for a
    booklet not in the library (content.py has warned, with the line)."""
    if not thumbnails:
        return lambda _: _BLANK_PNG
    return lambda booklet_id: cover_address(booklet_id) if booklet_id in library.booklets \
        else None


@dataclass(frozen=True)
class CoverToDraw:
    """What a booklet's cover thumbnail is drawn from (thumbnail.cover_thumbnail): the HTML,
    the folder its addresses are relative to, and where the layout may read."""

    html: str
    base: Path
    allowed: tuple[Path, ...]
    search_paths: tuple[tuple[Path, ...], ...]


def cover_to_draw(library: Library, theme: Theme, booklet_id: str) -> CoverToDraw | None:
    """Return what a booklet's cover thumbnail is drawn from, or None if it is no booklet."""
    other = library.booklets.get(booklet_id)
    if other is None:
        return None
    return CoverToDraw(
        render_html(other, library, theme, notes_pages=1, fixed_only=True,
                    thumbnails=False).html, other.folder,
        (library.root, *theme.folders, *library.organisation.typefaces.folders),
        (theme.template_dirs, theme.style_dirs))


#: What a screen reader says before an address, by the link's class.
_KIND_OF_LINK = {"url": N_("Website: %(address)s"), "email": N_("Email: %(address)s"),
                 "tel": N_("Phone: %(address)s")}
_LINK = re.compile(r'<a class="(?P<kind>url|email|tel)" href="(?P<href>[^"]+)">(?P<text>.*?)</a>',
                   re.DOTALL)


def _link_descriptions(page: str, contents: list[ContentsEntry], titles: tuple[str, ...],
                       translations: gettext.NullTranslations) -> dict[str, str]:
    """Return what each link target should be called by a screen reader."""
    _ = translations.gettext
    descriptions = {entry.anchor: _("Go to: %(title)s") % {"title": title}
                    for entry, title in zip(contents, titles, strict=True)}
    for link in _LINK.finditer(page):
        href = html.unescape(link["href"])
        described = _KIND_OF_LINK[link["kind"]]
        descriptions.setdefault(href, _(described) % {"address": _plain(link["text"])})
    return descriptions


def render_office_instructions(booklet: Booklet, library: Library, theme: Theme,
                               pages: int, sheets: int, last_page: int) -> str:
    """Return the HTML of the sheet that tells a ward clerk how to print the office booklet."""
    from .templates import render_template

    translations = translations_for(booklet.language, library.root)
    markdown = MarkdownRenderer(library.titles_for(booklet), translations=translations)
    return render_template(_environment(theme, markdown, translations, booklet.language),
                           OFFICE_INSTRUCTIONS_TEMPLATE,
                           booklet=booklet, org=library.organisation_for(booklet), pages=pages,
                           sheets=sheets, last_page=last_page,
                           font_faces=Markup(library.organisation.typefaces.font_face_css()),
                           font_family=Markup(library.organisation.typefaces.css_family_list()))


def _icon_rules(booklet: Booklet, library: Library) -> str:
    """Return the CSS that draws each sub-heading icon the booklet uses."""
    rules = {}
    for section in booklet.sections:
        # A shared section's icons are looked up from the shared folder, as they were checked.
        folder = section.path.parent if section.shared else booklet.folder
        for reference in section.references:
            path = icon_path(reference.target, folder, library.root) \
                if reference.kind == "icon" else None
            if path:  # content.py has reported any missing icon with its line
                rules.setdefault(reference.target, f'.icon-{reference.target} '
                                 f'{{ background-image: url("{path.as_uri()}"); }}')
    return "\n".join(rules[name] for name in sorted(rules))


def _plain(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def _environment(theme: Theme, markdown: MarkdownRenderer,
                 translations: gettext.NullTranslations, language: str) -> jinja2.Environment:
    """Return the sandbox every template renders in, ours and the content folder's alike,
    with the fixed words and month names of the booklet's language."""
    from .templates import sandboxed_environment

    return sandboxed_environment(
        theme.template_dirs, PROJECT_ROOT / "templates",
        filters={"inline": lambda text: in_own_language(
                     text, Markup(markdown.render_inline(str(text))), "span"),
                 "markdown": lambda text: in_own_language(
                     text, Markup(markdown.render(str(text))), "div"),
                 "contact": contact_link,
                 "web_href": lambda address: contact_href("web", str(address)),
                 "month_year": lambda date: month_year(date, language),
                 "last_words_together": last_words_together,
                 "direction": text_direction},
        asset=lambda path: Path(path).as_uri(), translations=translations)


def contact_link(text: str) -> Markup:
    """Return an address as a link that prints the address itself."""
    kind = kind_of(text)
    if kind is None:
        return escape(text)
    return Markup('<a class="{}" href="{}">{}</a>').format(
        LINK_CLASSES[kind], contact_href(kind, text), text)


#: Most characters of a title's last two words that are kept on one line: more could overflow.
_MOST_JOINED_CHARACTERS = 16


def last_words_together(text: str) -> str:
    """Return a title with its last two words joined by a no-break space, so no word stands
    alone on the last line, as a designer sets a display title."""
    head, _, last = str(text).rstrip().rpartition(" ")
    before = head.rpartition(" ")[2]
    if not head or len(before) + 1 + len(last) > _MOST_JOINED_CHARACTERS:
        return str(text)
    return f"{head}\u00a0{last}"


def month_year(date: dt.date, language: str = "en-GB") -> str:
    """Return a date as it is printed in booklets, in their language: 'April 2025'."""
    return babel_month_year(date, language)
