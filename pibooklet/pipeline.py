"""One booklet from content to its finished, verified outputs."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field

import pikepdf

from . import OUTPUTS
from .addresswidth import printed_files
from .bilingual import (
    back_to_back,
    bilingual_specification,
    join_tagged,
    language_name,
)
from .colour import PressConverter
from .content import Booklet, Library
from .contrast import contrast_problems
from .copyfit import WRITE_IN_TITLE, lay_out_designed
from .direction import is_right_to_left
from .errors import BuildError, ContentError, display_path
from .finish import (
    SCREEN_STEPS,
    describe_links,
    drop_links,
    finish_pdf,
    label_pages,
    prune_resources,
    read_right_to_left,
    show_title_and_spreads,
)
from .fixedpages import fixed_page_problems
from .hyphenation import exceptions_for, has_hyphenation_dictionary
from .impose import A4_LANDSCAPE, impose_booklet
from .intake import read_content_text
from .layout import (
    ConfinedFetcher,
    count_notes_pages,
    keep_notes_for_saddle_stitch,
    lay_out,
    overflowing_addresses,
    styles_read,
    write_pdf,
)
from .messages import translations_for
from .overprint import overprint_black
from .pagination import OFF_PAGE, Fault, LayoutReport, analyse, off_page_faults, where_written
from .press import (
    FAIL_BELOW_PPI,
    WARN_BELOW_PPI,
    add_crop_marks,
    convert_artwork,
    image_resolutions,
    name_output_condition,
    stable_document_id,
    verify_press,
)
from .render import (
    STANDARD_BODY_SIZE,
    RenderedBooklet,
    Theme,
    render_edition,
    render_office_instructions,
    stylesheet_urls,
)
from .spec import print_specification, specification_json, specification_text
from .stylesheets import parse_ahead
from .thumbnail import CoverPictures, DrawnCovers
from .translations import bilingual_slug
from .verify import A4_POINTS, A5_POINTS, verify_booklet


@dataclass(frozen=True)
class OutputFile:
    """One file to write, and a line about it for the user."""

    name: str
    data: bytes
    summary: str


@dataclass
class BuiltBooklet:
    """What a booklet's build made, warned about and failed to make."""

    slug: str
    pages: int
    notes_pages: int
    files: list[OutputFile] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    layout: list[LayoutReport] = field(default_factory=list)


def build_booklet(booklet: Booklet, library: Library, theme: Theme,
                  outputs: tuple[str, ...] = OUTPUTS, screen_apart: bool = False,
                  rendered: RenderedBooklet | None = None,
                  covers_drawn: Callable[[], DrawnCovers | None] | None = None) -> BuiltBooklet:
    """Make the requested outputs; a screen-edition problem raises BuildError. `rendered`:
    the screen edition's HTML, if rendered already (render.render_edition); `covers_drawn`:
    the covers its "more from us" blocks show, if another process is drawing them
    (thumbnail.CoverPictures).

    With `screen_apart` the screen edition is made apart (by another worker, or by an earlier
    build from the same inputs) and is not laid out here: only large print, press and the
    specification may be asked for, the result's `pages` is the press layout's, and the
    caller checks that it equals the screen edition's.
    """
    covers = CoverPictures(library, theme, drawn_elsewhere=covers_drawn)
    if screen_apart:
        if {"screen", "office"} & set(outputs):
            raise ValueError("the screen and office editions need the screen edition here")
        screen, pages = b"", None
        built = BuiltBooklet(booklet.slug, 0, 0)
    else:
        screen, pages, notes, report = _screen_edition(booklet, library, theme, rendered,
                                                       covers)
        built = BuiltBooklet(booklet.slug, pages, notes)
        _report_layout(report, booklet, library, built)
    if "screen" in outputs:
        built.files.append(OutputFile(f"{booklet.slug}.pdf", screen, f"{pages} pages, A5"))
    if "large-print" in outputs:
        try:
            large, large_pages, report = _large_print_edition(booklet, library, theme,
                                                              covers)
        except (BuildError, ContentError) as error:
            built.failures.append(f"large-print edition not made: {_reason(error)}")
        else:
            _report_layout(report, booklet, library, built)
            size = library.organisation.large_print.body_size
            built.files.append(OutputFile(f"{booklet.slug}-large-print.pdf", large,
                                          f"{large_pages} pages, A4, {size} pt"))
    if "office" in outputs:
        office = _office_booklet(booklet, library, theme, screen, pages)
        built.files.append(OutputFile(f"{booklet.slug}-office-a4.pdf", office,
                                      f"{pages // 4} A4 sheets, duplex, short edge"))
    if "press" in outputs or "spec" in outputs:
        try:
            press, press_pages = _press_edition(booklet, library, theme, pages,
                                                built.warnings, covers)
        except (BuildError, ContentError) as error:
            built.failures.append(f"press file not made: {_reason(error)}")
            return built
        if screen_apart:
            built.pages = press_pages
        name = f"{booklet.slug}-press.pdf"
        built.files.append(OutputFile(name, press, f"{press_pages} pages, PDF/X-4, "
                                                   "3 mm bleed"))
        if "spec" in outputs:
            built.files += _specification_files(booklet.slug, booklet, library, press, name)
    return built


def _reason(error: BuildError | ContentError) -> str:
    """Return why an edition was not made: the message, or each problem on its own line."""
    if isinstance(error, ContentError):
        return "\n  ".join(str(problem) for problem in error.problems)
    return str(error)


def _specification_files(slug: str, booklet: Booklet, library: Library, press: bytes,
                         name: str, halves: tuple | None = None) -> list[OutputFile]:
    """Return the print specification as text and JSON; `halves` (each booklet and its page
    count) adds a bilingual booklet's format.

    It is for the charity's printer: in the organisation's language, whatever the booklet's.
    """
    language = library.organisation.language
    translations = translations_for(language, library.root)
    specification = print_specification(booklet, library.organisation, press, name,
                                        translations, language)
    if halves:
        (first, first_pages), (second, second_pages) = halves
        specification.update(bilingual_specification(first, second, first_pages, second_pages,
                                                     translations, language))
    return [OutputFile(f"{slug}-print-spec.txt",
                       specification_text(specification, translations).encode(),
                       "print specification"),
            OutputFile(f"{slug}-print-spec.json", specification_json(specification).encode(),
                       "print specification (JSON)")]


def build_bilingual(first: Booklet, second: Booklet, library: Library, theme: Theme,
                    outputs: tuple[str, ...] = OUTPUTS,
                    made: dict[tuple[str, str], bytes] | None = None) -> BuiltBooklet:
    """Make a back-to-back bilingual booklet: `first` from the front cover, `second` turned
    upside down from the back cover (see bilingual.py); a problem in either half raises.

    `made` holds the halves' own finished screen and press files, by (id, edition), where a
    build has just made them from the same inputs: they are used, not laid out again.
    """
    made = made or {}
    slug = bilingual_slug(first, second)
    halves = [_made_screen(made[(booklet.slug, "screen")])
              if (booklet.slug, "screen") in made else _screen_edition(booklet, library, theme)
              for booklet in (first, second)]
    pages = sum(half[1] for half in halves)
    built = BuiltBooklet(slug, pages, sum(half[2] for half in halves))
    for booklet, half in zip((first, second), halves, strict=True):
        if half[3] is not None:  # a half made apart reported its layout with its own build
            _report_layout(half[3], booklet, library, built)
    names = tuple(language_name(booklet.language) for booklet in (first, second))
    if "screen" in outputs:
        screen = join_tagged(halves[0][0], halves[1][0], names, second.language)
        built.files.append(OutputFile(f"{slug}.pdf", screen, f"{pages} pages, A5, "
                                      f"{names[0]} then {names[1]}"))
    if "office" in outputs:
        printed = back_to_back(halves[0][0], halves[1][0])
        office = _office_booklet(first, library, theme, printed, pages)
        built.files.append(OutputFile(f"{slug}-office-a4.pdf", office,
                                      f"{pages // 4} A4 sheets, duplex, short edge"))
    if "press" in outputs or "spec" in outputs:
        try:
            press = back_to_back(*(made.get((booklet.slug, "press")) or
                                   _press_edition(booklet, library, theme, half[1],
                                                  built.warnings)[0]
                                   for booklet, half in zip((first, second), halves,
                                                            strict=True)))
        except (BuildError, ContentError) as error:
            built.failures.append(f"press file not made: {_reason(error)}")
            return built
        name = f"{slug}-press.pdf"
        built.files.append(OutputFile(name, press, f"{pages} pages, PDF/X-4, 3 mm bleed, "
                                      f"back to back"))
        problems = verify_press(press)
        if problems:
            raise BuildError("the joined press file failed its checks:\n  "
                             + "\n  ".join(problems))
        if "spec" in outputs:
            built.files += _specification_files(
                slug, first, library, press, name,
                ((first, halves[0][1]), (second, halves[1][1])))
    return built


def _made_screen(pdf: bytes) -> tuple[bytes, int, int, None]:
    """Return a half's finished screen edition as _screen_edition does (its notes pages and
    layout report belong to the half's own build)."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return pdf, len(document.pages), 0, None


def _fetcher(library: Library, theme: Theme, covers: CoverPictures | None = None,
             **options) -> ConfinedFetcher:
    """Return the fetcher an edition is laid out with; `covers`: its "more from us" pictures,
    which a booklet's editions share (CoverPictures)."""
    organisation = library.organisation
    return ConfinedFetcher([library.root, *theme.folders, *organisation.typefaces.folders,
                            organisation.print.colour_profile.parent],
                           search_paths=(theme.template_dirs, theme.style_dirs),
                           covers=covers or CoverPictures(library, theme), **options)


def parse_stylesheets_ahead(library: Library, theme: Theme, edition: str = "screen") -> None:
    """Parse the stylesheets an edition's layout will name, while the build waits for its
    HTML: the layout then takes copies (stylesheets.py)."""
    parse_ahead(stylesheet_urls(theme, edition), _fetcher(library, theme))


def _laid_out(booklet: Booklet, library: Library, theme: Theme, edition: str,
              fetcher: ConfinedFetcher | None = None, rendered: RenderedBooklet | None = None):
    """Render (unless given its `rendered` HTML) and lay out one edition, keeping the notes
    pages that make a multiple of 4."""
    fetcher = fetcher or _fetcher(library, theme)
    large_print = edition == "large-print"
    hyphenation = library.organisation.hyphenation

    body_size = library.organisation.large_print.body_size if large_print else \
        STANDARD_BODY_SIZE
    rendered = rendered or render_edition(booklet, library, theme, edition)
    document = lay_out_designed(
        rendered.html, booklet.folder, fetcher,
        hyphenate=hyphenation.enabled and not large_print
        and has_hyphenation_dictionary(booklet.language),
        exceptions=exceptions_for(booklet.language, hyphenation.exceptions),
        write_in_title=translations_for(booklet.language, library.root).gettext(WRITE_IN_TITLE))
    overflows = fixed_page_problems(document, booklet, library, body_size,
                                    "large-print" if large_print else "")
    if overflows:  # the very problems `build.py --check` reports, at their path:line
        raise ContentError(overflows)
    return rendered, keep_notes_for_saddle_stitch(document, booklet.notes_pages)


def _refuse_off_page(faults: list[Fault], booklet: Booklet, library: Library,
                     edition: str) -> None:
    """Fail when anything is drawn off its page: never mended, since print would lose it."""
    off = [f"{where_written(fault, booklet, library)}: {edition} edition: {fault.message}"
           for fault in faults if fault.kind == OFF_PAGE]
    if off:
        raise BuildError("drawn off the page:\n  " + "\n  ".join(off))


def _report_layout(report: LayoutReport, booklet: Booklet, library: Library,
                   built: BuiltBooklet) -> None:
    """Keep an edition's layout report, and warn of each fault at its section's path:line."""
    built.layout.append(report)
    for fault in report.faults:
        built.warnings.append(f"{where_written(fault, booklet, library)}: {report.edition} "
                              f"edition: {fault.message}")


def _tagged_pdf(booklet: Booklet, library: Library, rendered, pdf: bytes,
                page_size: tuple[float, float]) -> bytes:
    """Finish an accessible edition written as tagged PDF/UA-1 (`pdf`): every link described,
    then verified."""
    pdf = finish_pdf(pdf, (*SCREEN_STEPS, describe_links(rendered.link_descriptions),
                           *_direction_steps(booklet)))
    problems = verify_booklet(pdf, library.organisation.typefaces, rendered.contents_titles,
                              page_size)
    if problems:
        raise BuildError("the finished PDF failed its checks:\n  " + "\n  ".join(problems))
    return pdf


def _direction_steps(booklet: Booklet) -> tuple:
    """Return the steps a right-to-left booklet's PDFs add: spreads shown right to left."""
    return (read_right_to_left,) if is_right_to_left(booklet.language) else ()


def screen_layout(booklet: Booklet, library: Library, theme: Theme,
                  rendered: RenderedBooklet | None = None, covers: CoverPictures | None = None):
    """Return the screen edition laid out and checked as a build makes it, before its PDF is
    written: the rendered booklet, the document and its layout report; a problem raises
    BuildError or ContentError. `rendered`: see build_booklet; `covers`: see _fetcher."""
    with styles_read():
        rendered, document = _laid_out(booklet, library, theme, "screen",
                                       _fetcher(library, theme, covers), rendered)
        report = analyse(document, "screen")
        _refuse_off_page(report.faults, booklet, library, "screen")
        _check_contrast(document, library)
    return rendered, document, report


def _screen_edition(booklet: Booklet, library: Library, theme: Theme,
                    rendered: RenderedBooklet | None = None,
                    covers: CoverPictures | None = None
                    ) -> tuple[bytes, int, int, LayoutReport]:
    rendered, document, report = screen_layout(booklet, library, theme, rendered, covers)
    pages, notes = len(document.pages), count_notes_pages(document)
    pdf = write_pdf(document, booklet.edition, pdf_variant="pdf/ua-1")
    del document  # its boxes are freed before the PDF is finished
    return _tagged_pdf(booklet, library, rendered, pdf, A5_POINTS), pages, notes, report


def _large_print_edition(booklet: Booklet, library: Library, theme: Theme,
                         covers: CoverPictures | None = None
                         ) -> tuple[bytes, int, LayoutReport]:
    with styles_read():
        rendered, document = _laid_out(booklet, library, theme, "large-print",
                                       _fetcher(library, theme, covers))
        too_long = [f"{_where_written(address, booklet, library)}: {address} is "
                    f"{width:.0f} mm wide at {library.organisation.large_print.body_size} pt "
                    f"and runs {overrun:.0f} mm past the margin; an address must never be "
                    "split, so use a shorter one"
                    for address, width, overrun in overflowing_addresses(document)]
        if too_long:
            raise BuildError("\n  ".join(too_long))
        report = analyse(document, "large-print")
        _refuse_off_page(report.faults, booklet, library, "large-print")
    pages = len(document.pages)
    pdf = write_pdf(document, booklet.edition, pdf_variant="pdf/ua-1")
    del document  # its boxes are freed before the PDF is finished
    return _tagged_pdf(booklet, library, rendered, pdf, A4_POINTS), pages, report


def _where_written(text: str, booklet: Booklet, library: Library) -> str:
    """Return path:line of the first content file that holds `text`."""
    for path in printed_files(booklet, library):
        if path.is_file():
            for number, line in enumerate(read_content_text(path, None).splitlines(), 1):
                if text in line:
                    return f"{display_path(path)}:{number}"
    return display_path(booklet.manifest)


def _check_contrast(document, library: Library) -> None:
    """Fail when any text as laid out falls short of WCAG AA against its background."""
    problems = contrast_problems(document, library.organisation)
    if problems:
        raise BuildError("colour contrast too low for some readers:\n  "
                         + "\n  ".join(str(problem) for problem in problems))


def _press_edition(booklet: Booklet, library: Library, theme: Theme, pages: int | None,
                   warnings: list[str], covers: CoverPictures | None = None
                   ) -> tuple[bytes, int]:
    """Return the press file and its page count, which must be `pages` unless that is None
    (the caller then checks it). `covers`: the booklet's cover pictures, which are given the
    press file's colours here."""
    organisation = library.organisation
    converter = PressConverter(organisation.print.colour_profile,
                               tuple(organisation.colours.values()))
    covers = (covers or CoverPictures(library, theme)).in_press_colours(converter)
    fetcher = _fetcher(library, theme, covers, convert=convert_artwork(converter))
    with styles_read():
        rendered, document = _laid_out(booklet, library, theme, "press", fetcher)
        if pages is not None and len(document.pages) != pages:
            raise BuildError(press_pages_differ(len(document.pages), pages))
        press_pages = len(document.pages)
        _refuse_off_page(off_page_faults(document), booklet, library, "press")
        too_low = _check_resolution(booklet, document, fetcher.served, warnings)
    if too_low:
        raise BuildError("\n  ".join(too_low))
    seed = f"pibooklet:{booklet.slug}:{booklet.edition}:press"
    with stable_document_id(seed):
        pdf = write_pdf(document, booklet.edition, pdf_variant="pdf/x-4")
    del document  # its boxes are freed before the PDF is finished
    pdf = finish_pdf(pdf, (label_pages, show_title_and_spreads, drop_links,
                           add_crop_marks(organisation.print),
                           name_output_condition(organisation.print),
                           overprint_black, prune_resources, *_direction_steps(booklet)))
    problems = verify_booklet(pdf, organisation.typefaces, rendered.contents_titles)
    problems += verify_press(pdf)
    if problems:
        raise BuildError("it failed its checks:\n  " + "\n  ".join(problems))
    return pdf, press_pages


def press_pages_differ(press: int, screen: int) -> str:
    """Return why a press layout whose page count differs from the screen edition's fails."""
    return (f"the press layout has {press} pages but the screen edition has {screen}; the "
            "press styles must not change the layout")


def _check_resolution(booklet: Booklet, document, served, warnings: list[str]) -> list[str]:
    """Add a warning per image under 300 ppi; return the failures under 150 ppi."""
    failures = []
    for found in image_resolutions(document, served):
        where = _image_reference(booklet, found.path)
        message = (f"{where}: image {found.path.name} prints at {found.ppi:.0f} ppi "
                   f"(at least {WARN_BELOW_PPI} ppi is needed for print)")
        if found.ppi < FAIL_BELOW_PPI:
            failures.append(f"{message}; below {FAIL_BELOW_PPI} ppi it would print visibly "
                            "blurred: supply a larger image or print it smaller")
        elif found.ppi < WARN_BELOW_PPI:
            warnings.append(f"{message}; it may look soft")
    return failures


def _image_reference(booklet: Booklet, path) -> str:
    for section in booklet.sections:
        for reference in section.references:
            if reference.kind == "image" and \
                    (booklet.folder / reference.target).resolve() == path.resolve():
                return f"{display_path(section.path)}:{reference.line}"
    return display_path(path)


def _office_booklet(booklet: Booklet, library: Library, theme: Theme, screen: bytes,
                    pages: int) -> bytes:
    sides = pages // 2
    _ = translations_for(booklet.language, library.root).gettext
    html = render_office_instructions(booklet, library, theme, pages=pages, sheets=pages // 4,
                                      last_page=2 + sides)
    instructions = write_pdf(lay_out(html, booklet.folder, _fetcher(library, theme)),
                             booklet.edition)
    date = "D:" + booklet.edition.isoformat().replace("-", "") + "000000Z"
    office = impose_booklet(screen, library.organisation.print.creep_mm_per_sheet, instructions,
                            right_to_left=is_right_to_left(booklet.language),
                            metadata={"/Title": _("%(title)s (A4 booklet for office printing)")
                                      % {"title": booklet.title},
                                      "/Author": library.organisation.name,
                                      "/CreationDate": date, "/ModDate": date})
    with pikepdf.open(io.BytesIO(office)) as reader:
        sheets = [[round(float(value)) for value in page.mediabox[2:]] for page in reader.pages]
    if len(sheets) != 2 + sides or any(
            sheet != [round(A4_LANDSCAPE[0]), round(A4_LANDSCAPE[1])] for sheet in sheets):
        raise BuildError("the office booklet is not A4 landscape with one side per two pages")
    return office

