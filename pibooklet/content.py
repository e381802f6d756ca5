"""Reading the content library: organisation, support directory, booklets and their sections.

Everything is read and checked before anything is rendered; every problem names its file and line.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import itertools
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from . import schema as s
from .colour import DEFAULT_CMYK_PROFILE, Colour
from .errors import NOTE, WARNING, ContentError, Problems, display_path
from .fonts import (
    DEFAULT_TYPEFACE,
    SCRIPT_NAMES,
    Typeface,
    TypefaceChain,
    TypefaceMissing,
    load_typeface,
)
from .hyphenation import has_hyphenation_dictionary
from .intake import image_problem, read_content_bytes
from .limits import MAX_SUGGESTION_CANDIDATES
from .links import kind_of
from .markup import Reference, raw_html_problems, scan_markdown, text_limit_problems
from .messages import N_, check_languages
from .translations import (
    INHERITED_KEYS,
    LANGUAGE_TAG,
    TRANSLATION_FOLDER,
    ForeignText,
    LanguageWords,
    bilingual_slug,
    check_translation,
    count_problems,
    find_language_files,
    is_known_language,
    is_translation,
    localised_directory,
    localised_organisation,
    missing_words,
    organisation_words_fields,
    primary_language,
    read_directory_words,
    translation_slug,
    untranslated_entries,
    words_for,
)
from .typography import printed_text
from .yamlfile import YamlList, YamlMap, parse_yaml, read_text, read_yaml

ORGANISATION_FILE = "organisation.yaml"
#: Our wording where the organisation gives none, in English: printed in the booklet's language.
DEFAULT_PAPER = N_("Self-cover, 150 gsm silk throughout (FSC or recycled)")
DEFAULT_HOW_TO_GET = N_("This booklet is also available in large print. Ask the team who gave "
                        "it to you, or contact us.")
DIRECTORY_FILE = "directory.yaml"
MANIFEST_FILE = "booklet.yaml"
ICON_FOLDER = Path("images") / "icons"
# Sections many booklets reuse: in the content folder's shared/, listed as shared/NAME.md.
SHARED_FOLDER = "shared"


def _contact(kind: str, example: str) -> s.Check:
    """Check text that is exactly one address of the given kind."""
    def check(value: Any, ctx: s.Context) -> str:
        value = s.text(value, ctx)
        if kind_of(value) != kind:
            raise s.Invalid(f"is not a valid {_CONTACT_NAMES[kind]} (got {value!r}; "
                            f"write it like {example})")
        return value
    return check


_CONTACT_NAMES = {"web": "web address", "email": "email address", "phone": "UK phone number"}
WEB = _contact("web", "www.example.org.uk")
EMAIL = _contact("email", "name@example.org.uk")
PHONE = _contact("phone", "0333 050 7654 or 116 123")

CHARITY_NUMBER_FIELDS = (
    s.Field("number", s.text, "the registered number", required=True),
    s.Field("where", printed_text, "where it is registered, e.g. England and Wales", required=True),
)
def _brand_colour(default_screen: str, default_print: tuple[int, int, int, int],
                  description: str, name: str) -> s.Field:
    fields = (
        s.Field("screen", s.colour, "sRGB for the screen edition, #RRGGBB", required=True),
        s.Field("print", s.cmyk, "ink percentages for print, [C, M, Y, K]", required=True),
    )

    def check(value: Any, ctx: s.Context) -> Colour:
        example = f'{name}: {{screen: "{default_screen}", print: {list(default_print)}}}'
        values = s.mapping(fields, "colour", example)(value, ctx)
        return Colour(values["screen"] or default_screen, values["print"] or default_print)

    return s.Field(name, check, description, default=Colour(default_screen, default_print))


COLOUR_FIELDS = (
    _brand_colour("#5B2A86", (72, 95, 0, 0), "main brand colour: covers and headings",
                  "primary"),
    _brand_colour("#00766C", (90, 20, 60, 15), "second colour: rules and list markers", "accent"),
    _brand_colour("#F1EAF7", (5, 10, 0, 0), "pale background for callouts and stories", "tint"),
    _brand_colour("#1A1A1A", (0, 0, 0, 100), "body text; prints in black ink only", "text"),
    _brand_colour("#FFFFFF", (0, 0, 0, 0), "text on the main brand colour", "on_primary"),
    _brand_colour("#767676", (0, 0, 0, 60), "ruled lines to write on", "rule"),
    _brand_colour("#FFFFFF", (0, 0, 0, 0), "the paper: panels that stay white", "paper"),
)
PRINT_FIELDS = (
    s.Field("colour_profile", s.text, "CMYK ICC profile the printer asked for, relative to the "
            "content folder (default: Ghostscript's SWOP profile)"),
    s.Field("output_condition", s.text, "the printing condition the profile describes, e.g. "
            "FOGRA39 (default: the profile's own description)"),
    s.Field("crop_marks", s.boolean, "draw crop marks outside the bleed", default=True),
    s.Field("creep_mm_per_sheet", s.number(-1, 1), "office booklet: move each sheet's pages "
            "this far toward the fold (negative: away)", default=0.0),
    s.Field("paper", s.text, "suggested paper stock for the print specification",
            default=DEFAULT_PAPER),
)
PUBLICATION_FIELDS = (
    s.Field("id", s.identifier, "id used in [[id]] cross-references", required=True),
    s.Field("title", printed_text, "the publication's title as printed", required=True),
)
LARGE_PRINT_FIELDS = (
    s.Field("body_size", s.whole_number(16, 24), "body text size in points, 16 to 24 "
            "(18 is ideal)", default=16),
    s.Field("how_to_get", s.text, "the alternative-formats statement printed in the standard "
            "edition (Markdown)",
            default=DEFAULT_HOW_TO_GET),
)


def _word_lists(value: Any, ctx: s.Context) -> dict[str, tuple[str, ...]]:
    """Check hyphenation exceptions: language tag -> words, hyphens marking allowed breaks."""
    if not isinstance(value, YamlMap):
        raise s.Invalid("must map a language tag to a list of words, e.g. en-GB: [di-ag-no-sis]")
    lists = {}
    for language, words in value.items():
        line = value.line_of(language)
        checked = s.list_of(s.text, non_empty=False)(words, s.Context(ctx.path, ctx.problems,
                                                                      line))
        for word in checked:
            if not re.fullmatch(r"[^\W\d_]+(-[^\W\d_]+)*", word):
                ctx.problems.add(ctx.path, line, f"hyphenation exception {word!r} must be one "
                                 "word of letters, with hyphens only where it may break")
        lists[str(language).replace("_", "-")] = tuple(checked)
    return lists


HYPHENATION_FIELDS = (
    s.Field("enabled", s.boolean, "hyphenate body text in the standard edition (large print "
            "never is; default false, for readers with dyslexia or low literacy)", default=False),
    s.Field("exceptions", _word_lists, "per language, words to break only where hyphens mark "
            "(di-ag-no-sis) or never (write it whole)", default={}),
)
GOVERNANCE_FIELDS = (
    s.Field("max_review_years", s.whole_number(1, 10), "the most years between an edition and "
            "its next review", default=3),
    s.Field("warn_days_before_review", s.whole_number(0, 365), "warn this many days before a "
            "review is due", default=90),
)


def _plain_language_fields(inherit: bool) -> tuple[s.Field, ...]:
    """Thresholds for the plain-language report; a booklet's own override inherits gaps."""
    def default(value: object) -> object:
        return None if inherit else value
    return (
        s.Field("min_reading_ease", s.number(0, 100), "lowest Flesch reading ease (aim 80, "
                "accept 60)", default=default(60.0)),
        s.Field("max_reading_age", s.number(7, 21), "highest reading age in years "
                "(9-11, or 11-14 for hard medical content)", default=default(14.0)),
        s.Field("max_sentence_words", s.whole_number(10, 60), "sentences longer than this "
                "are listed", default=default(25)),
        s.Field("strict", s.boolean, "treat the plain-language findings as errors",
                default=default(False)),
    )


TRUST_MARK_PLACES = ("inside-cover", "back-cover")
TRUST_MARK_FIELDS = (
    s.Field("image", s.text, "the mark's image, relative to the content folder", required=True),
    s.Field("alt", s.text, "alternative text: what the mark says, e.g. PIF TICK: Trusted "
            "Information Creator", required=True),
    s.Field("link", WEB, "optional web address the mark links to"),
    s.Field("placement", s.one_of(TRUST_MARK_PLACES), "where it prints: "
            + " or ".join(TRUST_MARK_PLACES), default="inside-cover"),
)
BACK_COVER_BLOCKS = ("logo", "about", "address", "contacts", "large-print", "charity-numbers",
                     "legal", "trust-marks")
# Placeholders a back-cover contact line may use, and the organisation field each prints.
CONTACT_PLACEHOLDERS = {"phone": "phone", "email": "email", "web": "website"}


def _back_cover_block(value: Any, ctx: s.Context) -> tuple[str, Any]:
    """Check one back-cover block: a block name, 'contacts: [lines]' or 'text: Markdown'."""
    if isinstance(value, str):
        if value not in BACK_COVER_BLOCKS:
            raise s.Invalid(f"'{value}' is not a back-cover block; use one of: "
                            f"{', '.join(BACK_COVER_BLOCKS)}, 'contacts: [lines]' or "
                            "'text: Markdown'")
        return value, None
    if isinstance(value, YamlMap) and len(value) == 1 and "text" in value:
        return "text", s.text(value["text"], ctx)
    if isinstance(value, YamlMap) and len(value) == 1 and "contacts" in value:
        lines = s.list_of(s.text)(value["contacts"], ctx)
        known = ", ".join("{" + key + "}" for key in CONTACT_PLACEHOLDERS)
        for line in lines:
            for name in re.findall(r"\{([^{}]*)\}", line):
                if name not in CONTACT_PLACEHOLDERS:
                    raise s.Invalid(f"contact line {line!r} uses {{{name}}}; the placeholders "
                                    f"are {known}")
            # A brace left over is a placeholder typed wrongly, which would print as it is.
            if set("{}") & set(re.sub(r"\{[^{}]*\}", "", line)):
                raise s.Invalid(f"contact line {line!r} has a '{{' or '}}' that is not part of "
                                f"a placeholder; the placeholders are {known}")
        return "contacts", tuple(lines)
    raise s.Invalid("must be a block name, 'contacts: [lines]' or 'text: Markdown'")


def _fallback_typefaces(value: Any, ctx: s.Context
                        ) -> tuple[tuple[str, tuple[Typeface, ...]], ...]:
    """Check 'Script: [Family, …]' lines: Unicode script names, installed font families."""
    if not isinstance(value, YamlMap):
        raise s.Invalid("must be 'Script: [Family, …]' lines, for example "
                        "'Arabic: [Noto Sans Arabic]'")
    chain = []
    for script, families in value.items():
        line = value.line_of(script)
        if script not in SCRIPT_NAMES:
            close = difflib.get_close_matches(str(script), SCRIPT_NAMES, n=1)
            hint = f"did you mean '{close[0]}'?" if close else "for example Latin, Arabic, Bengali"
            ctx.problems.add(ctx.path, line, f"'{script}' is not a Unicode script name; {hint}")
            continue
        if not isinstance(families, YamlList) or not families:
            ctx.problems.add(ctx.path, line, f"'{script}' must list font families, for example "
                                             f"'{script}: [Noto Sans]'")
            continue
        faces = []
        for index, family in enumerate(families):
            where = families.line_of(index)
            try:
                faces.append(load_typeface(s.text(family, ctx)))
            except s.Invalid as error:
                ctx.problems.add(ctx.path, where, f"'{script}' item {index + 1} {error.message}")
            except TypefaceMissing as error:
                ctx.problems.add(ctx.path, where, str(error))
        chain.append((script, tuple(faces)))
    return tuple(chain)


ORGANISATION_FIELDS = (
    s.Field("name", printed_text, "the organisation's name, printed on both covers", required=True),
    s.Field("language", s.text, "the language of this file's words, e.g. en-GB; words in other "
            "languages go in organisation.LANG.yaml", default="en-GB"),
    s.Field("short_name", printed_text, "short name used in the copyright line, e.g. CCLG",
            required=True),
    s.Field("logo", s.text, "logo image, relative to the content folder", required=True),
    s.Field("about", s.text, "what the organisation is and does (Markdown), for the back cover",
            required=True),
    s.Field("legal_note", s.text, "operating names or legal status, printed on the back cover",
            default=""),
    s.Field("address", s.list_of(printed_text), "postal address, one line per item", required=True),
    s.Field("phone", PHONE, "main phone number", required=True),
    s.Field("email", EMAIL, "main email address", required=True),
    s.Field("website", WEB, "web address, e.g. www.example.org.uk", required=True),
    s.Field("charity_numbers", s.list_of(s.mapping(CHARITY_NUMBER_FIELDS, "charity number")),
            "registered charity numbers", required=True),
    s.Field("donation", s.text, "how to donate, one line of Markdown", required=True),
    s.Field("trust_marks", s.list_of(s.mapping(TRUST_MARK_FIELDS, "trust mark"),
                                     non_empty=False),
            "accreditation marks, such as the PIF TICK, and where they print", default=[]),
    s.Field("back_cover", s.list_of(_back_cover_block), "the back cover's blocks in the order "
            "printed: " + ", ".join(BACK_COVER_BLOCKS) + ", contacts: [lines] or text: Markdown",
            default=[(block, None) for block in BACK_COVER_BLOCKS]),
    s.Field("contact_labels", s.boolean, "print 'Phone:', 'Web:' and 'Email:' before the "
            "addresses in Help and support", default=True),
    s.Field("colours", s.mapping(COLOUR_FIELDS, "set of brand colours"), "brand colours",
            default={field.name: field.default for field in COLOUR_FIELDS}),
    s.Field("print", s.mapping(PRINT_FIELDS, "set of print settings"), "print production",
            default={field.name: field.default for field in PRINT_FIELDS}),
    s.Field("large_print", s.mapping(LARGE_PRINT_FIELDS, "set of large-print settings"),
            "the large-print edition",
            default={field.name: field.default for field in LARGE_PRINT_FIELDS}),
    s.Field("hyphenation", s.mapping(HYPHENATION_FIELDS, "set of hyphenation settings"),
            "whether and how words are broken at line ends",
            default={field.name: field.default for field in HYPHENATION_FIELDS}),
    s.Field("governance", s.mapping(GOVERNANCE_FIELDS, "set of review rules"),
            "review-date rules", default={field.name: field.default
                                          for field in GOVERNANCE_FIELDS}),
    s.Field("plain_language", s.mapping(_plain_language_fields(False), "set of thresholds"),
            "plain-language thresholds for every booklet",
            default={field.name: field.default for field in _plain_language_fields(False)}),
    s.Field("typeface", s.text, "font family installed as a fontpkg package",
            default=DEFAULT_TYPEFACE),
    s.Field("fallback_typefaces", _fallback_typefaces, "per script (Latin, Arabic …), installed "
            "font families that draw what the typeface lacks, e.g. 'Arabic: [Noto Sans Arabic]'",
            default=()),
    s.Field("publications", s.list_of(s.mapping(PUBLICATION_FIELDS, "publication"),
                                      non_empty=False),
            "other publications (not built here) that booklets may cross-reference", default=[]),
)
SUPPORT_FIELDS = (
    s.Field("name", printed_text, "the organisation's name", required=True),
    s.Field("phone", PHONE, "phone number"),
    s.Field("web", WEB, "web address"),
    s.Field("email", EMAIL, "email address"),
    s.Field("description", s.text, "one line on what it offers"),
    s.Field("qr", s.boolean, "print a QR code for its web address", default=False),
)
REVIEWER_FIELDS = (
    s.Field("name", printed_text, "the reviewer's name", required=True),
    s.Field("role", printed_text, "job title", required=True),
    s.Field("organisation", printed_text, "where they work", required=True),
)
INSIDE_COVER_FIELDS = (
    s.Field("reviewers", s.text, "who reviewed it (Markdown); replaces the 'reviewers' block"),
    s.Field("disclaimer", s.text, "replaces the 'disclaimer' block (Markdown)"),
    s.Field("donating", s.text_or_false, "how to donate (Markdown), or false to leave it out; "
            "default: the organisation's 'donation' under 'Support our work'"),
    s.Field("feedback", s.text, "replaces the feedback block, its heading included (Markdown)"),
)
# Inside-cover blocks a manifest must give, either as the key itself or under inside_cover.
REQUIRED_INSIDE_COVER = {
    "reviewers": "people who reviewed this edition: a list of name, role and organisation, or "
                 "one running sentence (Markdown)",
    "disclaimer": "accuracy disclaimer (Markdown)",
    "feedback": "how readers send feedback (Markdown with an address)",
}


def _reviewers(value: Any, ctx: s.Context) -> tuple[Reviewer, ...] | str:
    """Check reviewers: a list of people, or one running sentence of Markdown."""
    if isinstance(value, str):
        return s.text(value, ctx)
    people = s.list_of(s.mapping(REVIEWER_FIELDS, "reviewer"))(value, ctx)
    return tuple(Reviewer(**person) for person in people if all(person.values()))


def _support_item(value: Any, ctx: s.Context) -> SupportItem:
    """Check one Help and support item: a directory id, 'heading: ...' or 'text: Markdown'."""
    if isinstance(value, str):
        return SupportItem("entry", s.identifier(value, ctx))
    if isinstance(value, YamlMap) and len(value) == 1 and next(iter(value)) in ("heading",
                                                                                 "text"):
        kind = next(iter(value))
        return SupportItem(kind, s.text(value[kind], ctx))
    raise s.Invalid("must be a directory id, 'heading: A sub-heading' or 'text: Markdown'")


MANIFEST_FIELDS = (
    s.Field("title", printed_text, "the booklet's title, printed on the cover", required=True),
    s.Field("subtitle", printed_text, "who the booklet is for, printed under the title",
            default=""),
    s.Field("language", s.text, "language tag for hyphenation and the PDF, e.g. en-GB",
            default="en-GB"),
    s.Field("edition", s.month_date, "date of this edition, YYYY-MM", required=True),
    s.Field("next_review", s.month_date, "date of the next review, YYYY-MM", required=True),
    s.Field("reviewers", _reviewers, "people who reviewed this edition: a list of name, role "
            "and organisation, or one running sentence (Markdown)"),
    s.Field("reviewed_with", s.text, "groups who also reviewed it (Markdown)", default=""),
    s.Field("disclaimer", s.text, "accuracy disclaimer (Markdown)"),
    s.Field("feedback", s.text, "how readers send feedback (Markdown with an address)"),
    s.Field("inside_cover", s.mapping(INSIDE_COVER_FIELDS, "set of inside-cover blocks"),
            "your own Markdown for any inside-cover block", default={}),
    s.Field("related", s.list_of(s.identifier, non_empty=False),
            "ids of related booklets or publications, listed after Help and support", default=[]),
    s.Field("related_qr", s.boolean, "print a QR code for the website where related booklets "
            "can be downloaded", default=False),
    s.Field("sections", s.list_of(s.text), "section files in reading order", required=True),
    s.Field("notes_pages", s.whole_number(0, 20), "the least number of lined notes pages",
            default=1),
    s.Field("support", s.list_of(_support_item, non_empty=False),
            "Help and support: ids from the support directory, 'heading: ...' and "
            "'text: Markdown', in the order printed", default=[]),
    s.Field("keywords", s.list_of(printed_text, non_empty=False), "keywords for the PDF metadata",
            default=[]),
    s.Field("plain_language", s.mapping(_plain_language_fields(True), "set of thresholds"),
            "this booklet's own plain-language thresholds", default={}),
    s.Field("sample_translation", s.boolean, "a sample translation: stamped as one a qualified "
            "translator must review before use", default=False),
)
# A translation (content/SLUG/LANG/booklet.yaml) gives its words; the rest is its source's.
TRANSLATION_FIELDS = (
    *(field for field in MANIFEST_FIELDS if field.name not in INHERITED_KEYS),
    s.Field("source_edition", s.month_date, "the source booklet's edition this translates, "
            "YYYY-MM", required=True),
    s.Field("bilingual", s.boolean, "also make a back-to-back bilingual booklet: this "
            "language from the front cover, the source's from the back", default=False),
)
SECTION_FIELDS = (
    s.Field("title", s.text, "the section heading; leave it out for a section with none"),
    s.Field("heading", s.boolean, "print the title as a heading (false: listed in the "
            "contents, no heading printed)", default=True),
    s.Field("contents", s.text_or_boolean, "the contents entry: true (the title), false (not "
            "listed) or the text to list"),
    s.Field("layout", s.identifier, "page layout: a template in templates/layouts/",
            default="standard"),
)


@dataclass(frozen=True)
class Reviewer:
    """A person who reviewed the booklet."""

    name: str
    role: str
    organisation: str


@dataclass(frozen=True)
class Section:
    """One Markdown section of a booklet."""

    path: Path
    anchor: str
    title: str
    listed: bool
    layout: str
    body: str
    body_line: int
    references: tuple[Reference, ...] = ()
    # What the contents and bookmarks list (the title unless given), and whether the title
    # prints as a heading.
    contents_title: str = ""
    heading: bool = True
    shared: bool = False


@dataclass(frozen=True)
class SupportItem:
    """One item of a booklet's Help and support: a directory entry, a sub-heading or text."""

    kind: str  # "entry", "heading" or "text"
    value: str


@dataclass(frozen=True)
class TrustMark:
    """An accreditation mark the organisation may print, such as the PIF TICK."""

    image: Path
    alt: str
    link: str | None
    placement: str


@dataclass(frozen=True)
class SupportEntry:
    """An organisation in the shared Help and support directory."""

    id: str
    name: str
    description: str
    phone: str | None = None
    web: str | None = None
    email: str | None = None
    qr: bool = False


@dataclass(frozen=True)
class PrintSettings:
    """How the press file and the office booklet are made."""

    colour_profile: Path
    output_condition: str | None
    crop_marks: bool
    creep_mm_per_sheet: float
    paper: str


@dataclass(frozen=True)
class LargePrintSettings:
    """How the large-print edition is set, and how readers learn it exists."""

    body_size: int
    how_to_get: str


@dataclass(frozen=True)
class HyphenationSettings:
    """Whether words are broken at line ends, and the words each language breaks its own way."""

    enabled: bool = False
    exceptions: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Organisation:
    """The publisher, shared by every booklet."""

    name: str
    short_name: str
    logo: Path
    about: str
    legal_note: str
    address: tuple[str, ...]
    phone: str
    email: str
    website: str
    charity_numbers: tuple[tuple[str, str], ...]
    donation: str
    trust_marks: tuple[TrustMark, ...]
    back_cover: tuple[tuple[str, Any], ...]
    contact_labels: bool
    colours: dict[str, Colour]
    print: PrintSettings
    large_print: LargePrintSettings
    governance: dict[str, int]
    plain_language: dict[str, object]
    typeface: Typeface
    publications: dict[str, str]
    # Per script, the faces that draw what the brand face lacks (fallback_typefaces).
    fallback_typefaces: tuple[tuple[str, tuple[Typeface, ...]], ...] = ()
    path: Path = Path(ORGANISATION_FILE)
    # The parsed file, kept for the line numbers of later checks (colour contrast).
    source: YamlMap = field(default_factory=YamlMap, compare=False, repr=False)
    hyphenation: HyphenationSettings = field(default_factory=HyphenationSettings)
    language: str = "en-GB"

    @property
    def typefaces(self) -> TypefaceChain:
        """The brand face, then the declared fallbacks: everything the text may be set in."""
        return TypefaceChain(self.typeface, self.fallback_typefaces)


@dataclass(frozen=True)
class Booklet:
    """One booklet: its manifest, its sections and where it lives."""

    slug: str
    folder: Path
    manifest: Path
    title: str
    subtitle: str
    language: str
    edition: dt.date
    next_review: dt.date
    reviewers: tuple[Reviewer, ...] | str
    reviewed_with: str
    disclaimer: str
    feedback: str
    related: tuple[str, ...]
    related_qr: bool
    sections: tuple[Section, ...]
    notes_pages: int
    support: tuple[SupportItem, ...]
    keywords: tuple[str, ...]
    plain_language: dict[str, object] = field(default_factory=dict)
    # Your own Markdown for inside-cover blocks, by block name (donating may be False).
    inside_cover: dict[str, Any] = field(default_factory=dict)
    # Past its next review date, built only because the user allowed it: stamped as such.
    overdue: bool = False
    # The parsed manifest, kept for the line numbers of later cross-checks.
    source: YamlMap = field(default_factory=YamlMap, compare=False, repr=False)
    sample_translation: bool = False
    # A translation's source booklet and the edition of it translated; None for a source.
    translates: str | None = None
    # A translation also made back to back with its source, this language first.
    bilingual: bool = False


@dataclass(frozen=True)
class Library:
    """Everything under a content folder."""

    root: Path
    organisation: Organisation
    directory: dict[str, SupportEntry]
    booklets: dict[str, Booklet]
    directory_lines: dict[str, int] = field(default_factory=dict)
    # Titles of booklets whose manifests give one, even those with problems elsewhere.
    declared_titles: dict[str, str] = field(default_factory=dict)
    # The organisation's and directory's words in other languages, by language tag.
    languages: dict[str, LanguageWords] = field(default_factory=dict)

    def covers_in(self, booklet: Booklet) -> list[str]:
        """Return the booklets whose covers a booklet's "more from us" blocks show, in order."""
        return list(dict.fromkeys(
            reference.target for section in booklet.sections for reference in section.references
            if reference.kind == "more" and reference.target in self.booklets))

    def titles_for(self, booklet: Booklet) -> dict[str, str]:
        """Return every title as printed in a booklet: another booklet's translation into its
        language where there is one, else the title marked with its own language."""
        titles = self.titles()
        language = primary_language(booklet.language)
        titles.update(self.organisation_for(booklet).publications)
        for slug, other in self.booklets.items():
            translated = self.booklets.get(f"{slug}-{language}")
            if translated is not None:
                titles[slug] = translated.title
            elif primary_language(other.language) != language:
                titles[slug] = ForeignText(other.title, other.language)
        return titles

    def bilingual(self) -> dict[str, tuple[Booklet, Booklet]]:
        """Return each back-to-back bilingual booklet's two halves, by its id."""
        pairs = {}
        for booklet in self.booklets.values():
            if booklet.bilingual and booklet.translates in self.booklets:
                source = self.booklets[booklet.translates]
                pairs[bilingual_slug(booklet, source)] = (booklet, source)
        return pairs

    def organisation_for(self, booklet: Booklet) -> Organisation:
        """Return the organisation with its words in the booklet's language."""
        return localised_organisation(self.organisation, self.words_for(booklet))

    def directory_for(self, booklet: Booklet) -> dict[str, SupportEntry]:
        """Return the support directory with its words in the booklet's language."""
        return localised_directory(self.directory, self.words_for(booklet),
                                   self.organisation.language)

    def words_for(self, booklet: Booklet) -> LanguageWords | None:
        """Return the organisation's words in the booklet's language, if it is not theirs."""
        return words_for(booklet.language, self.organisation.language, self.languages)

    def titles(self) -> dict[str, str]:
        """Return the title of every booklet and catalogued publication, by id."""
        titles = dict(self.organisation.publications)
        titles.update(self.declared_titles)
        titles.update({slug: booklet.title for slug, booklet in self.booklets.items()})
        return titles


def read_library(root: Path, layouts: frozenset[str] = frozenset({"standard"})) -> Library:
    """Read and check a whole content folder; raise ContentError listing every problem."""
    library, problems = gather_library(root, layouts)
    problems.raise_if_any()
    return library


def gather_library(root: Path, layouts: frozenset[str] = frozenset({"standard"})
                   ) -> tuple[Library | None, Problems]:
    """Read and check a content folder, collecting every problem instead of stopping.

    Booklets with problems of their own are left out of the library; the others can still
    be built. The library is None when the shared organisation file cannot be used.
    """
    root = root.resolve()
    problems = Problems()
    if not root.is_dir():
        problems.add(root, None, "content folder not found; pass --content DIR")
        return None, problems
    organisation = _read_organisation(root, problems)
    directory, directory_lines = _read_directory(root / DIRECTORY_FILE, problems, root)
    manifests = find_manifests(root)
    if not manifests:
        problems.add(root, None, f"no booklets found: each booklet is a folder holding "
                                 f"a {MANIFEST_FILE}")
    manifests = _without_clashing_ids(root, manifests, problems)
    # Titles first, so that every cross-reference can be checked as its section is read.
    declared = {slug_of(path, root): title for path in manifests
                if isinstance(title := manifest_value(path, "title"), str)}
    titles = {**(organisation.publications if organisation else {}), **declared}
    unreadable = {slug_of(path, root) for path in manifests} - set(declared)
    facts = _Facts(root, titles, directory, unreadable, booklets=set(declared),
                   organisation=organisation,
                   languages=_read_language_words(root, organisation, directory, problems))
    booklets = facts.read
    for manifest in manifests:  # sources first: a translation takes facts from its source
        booklet = _read_booklet(manifest, layouts, problems, facts)
        if booklet:
            booklets[booklet.slug] = booklet
    _check_covers(booklets, problems)
    # Each booklet language needs a complete catalogue of fixed words (ours or the folder's).
    problems.extend(check_languages(booklets.values(), root))
    language_files = [path for words in facts.languages.values()
                      for path in (words.path, words.directory_path) if path]
    texts = [path for path in (root / ORGANISATION_FILE, root / DIRECTORY_FILE, *language_files,
                               *manifests, *facts.sections_read) if path.is_file()]
    texts = [path for path in texts if _readable(path, root)]  # others are reported already
    if organisation:
        _check_characters(texts, root, organisation.typefaces, problems)
    for path in texts:
        if path.suffix == ".yaml":  # Markdown files were checked line by line already
            text = read_text(path, root)
            for line, message in raw_html_problems(text):
                problems.add(path, line, message)
            # A file whose YAML is broken was reported where it was first read.
            with contextlib.suppress(ContentError):
                _check_text_limits(parse_yaml(text, path), path, problems)
    if organisation is None:
        return None, problems
    return Library(root, organisation, directory, booklets, directory_lines, declared,
                   facts.languages), problems


@dataclass
class _Facts:
    """What reading one booklet needs to know about the rest of the library."""

    root: Path
    titles: dict[str, str]
    directory: dict[str, SupportEntry]
    unreadable: set[str] = field(default_factory=set)  # booklets whose title is unknown
    sections_read: list[Path] = field(default_factory=list)
    shared: dict[Path, Section | None] = field(default_factory=dict)  # shared sections read
    booklets: set[str] = field(default_factory=set)  # booklets built here, with a cover to draw
    organisation: Organisation | None = None
    languages: dict[str, LanguageWords] = field(default_factory=dict)
    read: dict[str, Booklet] = field(default_factory=dict)  # booklets read without problems
    words_checked: set[str] = field(default_factory=set)  # language files reported already


def find_manifests(root: Path) -> list[Path]:
    """Return the manifest of every booklet, sources first, then translations (a source's
    LANG/ folder holding a booklet.yaml)."""
    return sorted(root.glob(f"*/{MANIFEST_FILE}")) + sorted(root.glob(f"*/*/{MANIFEST_FILE}"))


def _without_clashing_ids(root: Path, manifests: list[Path], problems: Problems) -> list[Path]:
    """Report booklets whose ids clash (a folder 'a-cy' beside a's translation 'a/cy'), and
    manifests deeper than a translation; return the manifests that can be read."""
    kept, seen = [], {}
    for manifest in manifests:
        slug = slug_of(manifest, root)
        if slug in seen:
            problems.add(manifest, 1, f"this booklet's id '{slug}' is also the id of "
                                      f"{display_path(seen[slug])}; rename one of the folders")
            continue
        seen[slug] = manifest
        kept.append(manifest)
    for manifest in sorted(root.glob(f"*/*/*/**/{MANIFEST_FILE}")):
        problems.add(manifest, 1, "a translation of a translation is not read: translate from "
                                  "the source booklet, in its own LANG/ folder")
    return kept


def slug_of(manifest: Path, root: Path) -> str:
    """Return a booklet's id: its folder's name; a translation's adds its language."""
    return translation_slug(manifest.parent, root)


def manifest_data(manifest: Path) -> Any:
    """Return a manifest's parsed YAML, or None when it cannot be read or parsed."""
    try:
        return read_yaml(manifest, manifest.parent.parent)
    except ContentError:
        return None


def manifest_value(manifest: Path, key: str) -> Any:
    """Return one value from a manifest, or None when the file or the key is unusable."""
    data = manifest_data(manifest)
    return data.get(key) if isinstance(data, YamlMap) else None


def _readable(path: Path, root: Path) -> bool:
    try:
        read_text(path, root)
    except ContentError:
        return False
    return True


def _load(path: Path, problems: Problems, root: Path) -> Any:
    try:
        return read_yaml(path, root)
    except ContentError as error:
        problems.extend(error.problems)
        return None


def _read_organisation(root: Path, problems: Problems) -> Organisation | None:
    path = root / ORGANISATION_FILE
    if not path.exists() and not path.is_symlink():
        problems.add(path, None, "missing: every content folder needs the organisation's details")
        return None
    already = len(problems.errors())
    data = _load(path, problems, root)
    ctx = s.Context(path, problems, 1)
    values = s.validate(data, ORGANISATION_FIELDS, ctx, "the organisation")
    try:
        typeface = load_typeface(values["typeface"])
    except TypefaceMissing as error:
        line = data.line_of("typeface") if isinstance(data, YamlMap) else 1
        problems.add(path, line, str(error))
        typeface = None
    logo = root / (values["logo"] or "")
    if values["logo"] and not _is_inside(logo, root):
        problems.add(path, data.line_of("logo"), "'logo' must be a file inside the content folder")
    elif values["logo"] and not logo.exists():
        problems.add(path, data.line_of("logo"), f"logo file '{values['logo']}' not found")
    elif values["logo"] and (too_big := image_problem(logo, root, values["logo"])):
        problems.add(path, data.line_of("logo"), too_big)
    printing = _print_settings(root, path, data, values, problems)
    trust_marks = _trust_marks(root, path, data, values["trust_marks"], problems)
    if len(problems.errors()) > already:
        return None
    return Organisation(
        name=values["name"], short_name=values["short_name"], logo=logo.resolve(),
        about=values["about"], legal_note=values["legal_note"],
        address=tuple(values["address"]), phone=values["phone"], email=values["email"],
        website=values["website"],
        charity_numbers=tuple((item["number"], item["where"])
                              for item in values["charity_numbers"]),
        donation=values["donation"], trust_marks=trust_marks,
        back_cover=tuple(values["back_cover"]), contact_labels=values["contact_labels"],
        colours=values["colours"], print=printing,
        large_print=LargePrintSettings(**values["large_print"]),
        governance=values["governance"], plain_language=values["plain_language"],
        typeface=typeface, fallback_typefaces=values["fallback_typefaces"],
        publications={item["id"]: item["title"] for item in values["publications"]},
        path=path, source=data,
        hyphenation=HyphenationSettings(**values["hyphenation"]),
        language=values["language"])


def _trust_marks(root: Path, path: Path, data: Any, marks: list[dict[str, Any]],
                 problems: Problems) -> tuple[TrustMark, ...]:
    """Return the organisation's trust marks, each image checked to be a file in the folder."""
    found = []
    for index, mark in enumerate(marks):
        line = data["trust_marks"].line_of(index)
        image = root / (mark["image"] or "")
        if not mark["image"]:
            continue  # reported as missing already
        if not _is_inside(image, root):
            problems.add(path, line, f"trust mark image '{mark['image']}' must be a file inside "
                                     "the content folder")
        elif not image.exists():
            problems.add(path, line, f"trust mark image '{mark['image']}' not found")
        elif too_big := image_problem(image, root, mark["image"]):
            problems.add(path, line, too_big)
        else:
            found.append(TrustMark(image.resolve(), mark["alt"] or "", mark["link"],
                                   mark["placement"]))
    return tuple(found)


def _print_settings(root: Path, path: Path, data: Any, values: dict[str, Any],
                    problems: Problems) -> PrintSettings | None:
    line = data.line_of("colours") if isinstance(data, YamlMap) else 1
    if values["colours"]["text"].print != (0, 0, 0, 100):
        problems.add(path, line, "the 'text' colour must print as [0, 0, 0, 100]: body text "
                                 "in black ink only, never a rich black")
    settings = values["print"]
    profile = DEFAULT_CMYK_PROFILE
    if settings["colour_profile"]:
        profile = root / settings["colour_profile"]
        line = data.line_of("print") if isinstance(data, YamlMap) else 1
        if not _is_inside(profile, root) or not profile.exists():
            problems.add(path, line, f"colour profile '{settings['colour_profile']}' not found "
                                     "in the content folder")
            return None
        try:
            read_content_bytes(profile, root, "profile")
        except ContentError as error:
            problems.add(path, line, f"colour profile '{settings['colour_profile']}' "
                                     f"{error.problems[0].message}")
            return None
    elif not profile.is_file():
        problems.add(path, line, f"the default CMYK profile {profile} is missing: install "
                                 "Debian's libgs-common, or set print: colour_profile")
        return None
    return PrintSettings(profile.resolve(), settings["output_condition"], settings["crop_marks"],
                         settings["creep_mm_per_sheet"], settings["paper"])


def _read_directory(path: Path, problems: Problems, root: Path
                    ) -> tuple[dict[str, SupportEntry], dict[str, int]]:
    if not path.exists() and not path.is_symlink():
        return {}, {}
    data = _load(path, problems, root)
    if data is None:
        return {}, {}
    if not isinstance(data, YamlMap):
        problems.add(path, 1, "the support directory must map ids to entries ('id:' lines)")
        return {}, {}
    directory = {}
    for entry_id, entry in data.items():
        line = data.line_of(entry_id)
        ctx = s.Context(path, problems, line)
        try:
            s.identifier(entry_id, ctx)
        except s.Invalid as error:
            problems.add(path, line, f"directory id {error.message}")
        values = s.validate(entry, SUPPORT_FIELDS, ctx, f"directory entry '{entry_id}'")
        if not (values["phone"] or values["web"] or values["email"]):
            problems.add(path, line, f"directory entry '{entry_id}' needs a phone, web or email "
                                     "so readers can reach it")
        if values["qr"] and not values["web"]:
            problems.add(path, line, f"directory entry '{entry_id}' asks for a QR code but has "
                                     "no web address")
        directory[entry_id] = SupportEntry(id=entry_id, **values)
    return directory, dict(data.key_lines)


def _read_booklet(manifest: Path, layouts: frozenset[str], problems: Problems,
                  facts: _Facts) -> Booklet | None:
    already = len(problems.errors())
    data = _load(manifest, problems, facts.root)
    if data is None:
        if len(problems.errors()) == already:  # no YAML error: the file is simply empty
            problems.add(manifest, 1, "the manifest is empty: it needs at least title, "
                                      "edition, next_review, reviewers, disclaimer, feedback "
                                      "and sections")
        return None
    source = None
    if is_translation(manifest, facts.root):
        source = _translation_source(manifest, data, problems, facts)
        if source is None:
            return None
        data = _without_inherited_keys(manifest, data, source, problems)
    values = s.validate(data, TRANSLATION_FIELDS if source else MANIFEST_FIELDS,
                        s.Context(manifest, problems, 1), "the manifest")
    if source:
        check_translation(manifest, data, values, source, problems)
        values.update(edition=values["source_edition"], next_review=source.next_review,
                      related=list(source.related), related_qr=source.related_qr,
                      notes_pages=source.notes_pages, plain_language=source.plain_language)
        if not isinstance(data, YamlMap) or "support" not in data:
            values["support"] = _inherited_support(manifest, data, source, problems)
    for key, description in REQUIRED_INSIDE_COVER.items():
        if isinstance(data, YamlMap) and data.get(key) is None \
                and not values["inside_cover"].get(key):
            problems.add(manifest, data.line, f"the manifest is missing '{key}' ({description})")
    _check_language(values["language"], manifest, data, problems)
    if values["edition"] and values["next_review"] and values["next_review"] <= values["edition"]:
        problems.add(manifest, data.line_of("next_review"),
                     "'next_review' must come after 'edition'")
    folder = manifest.parent
    sections = []
    seen: dict[str, int] = {}
    for index, name in enumerate(values["sections"] or []):
        line = data["sections"].line_of(index)
        if name in seen:
            problems.add(manifest, line,
                         f"section '{name}' is listed twice (also line {seen[name]})")
            continue
        seen[name] = line
        section = _read_section(folder, name, manifest, line, layouts, problems, facts)
        if section:
            sections.append(section)
    # Free Markdown in the manifest follows the rules of a section's text: '##' is a heading.
    markdown = [(data["inside_cover"].line_of(key), text)
                for key, text in (values["inside_cover"] or {}).items() if isinstance(text, str)]
    markdown += [(data["support"].line_of(index), item.value)
                 for index, item in enumerate(values["support"] or []) if item.kind == "text"]
    for line, text in markdown:
        for _, message in scan_markdown(text, line)[1]:
            problems.add(manifest, line, message)
    for index, item in enumerate(values["related"] or []):
        if unknown := _unknown_id(item, facts):
            problems.add(manifest, data["related"].line_of(index), unknown)
    for index, item in enumerate(values["support"] or []):
        if item.kind == "entry" and item.value not in facts.directory:
            problems.add(manifest, data["support"].line_of(index), f"'{item.value}' is not in "
                         f"{DIRECTORY_FILE}; add it there or fix the id")
    _check_language_words(manifest, data, values, problems, facts)
    if len(problems.errors()) > already:
        return None
    return Booklet(
        slug=slug_of(manifest, facts.root), folder=folder, manifest=manifest, title=values["title"],
        subtitle=values["subtitle"], language=values["language"], edition=values["edition"],
        next_review=values["next_review"],
        reviewers=values["reviewers"] or (),
        reviewed_with=values["reviewed_with"], disclaimer=values["disclaimer"] or "",
        feedback=values["feedback"] or "", related=tuple(values["related"]),
        related_qr=values["related_qr"], sections=tuple(sections),
        notes_pages=values["notes_pages"], support=tuple(values["support"]),
        keywords=tuple(values["keywords"]), plain_language=values["plain_language"] or {},
        inside_cover={**{field.name: None for field in INSIDE_COVER_FIELDS},
                      **(values["inside_cover"] or {})}, source=data,
        sample_translation=values["sample_translation"],
        translates=source.slug if source else None,
        bilingual=bool(source and values["bilingual"]))


def _translation_source(manifest: Path, data: YamlMap, problems: Problems,
                        facts: _Facts) -> Booklet | None:
    """Return the booklet a translation translates, or None (reported) when it cannot."""
    folder = manifest.parent
    source_manifest = folder.parent / MANIFEST_FILE
    if not TRANSLATION_FOLDER.fullmatch(folder.name):
        problems.add(manifest, 1, f"a booklet inside another booklet's folder is a translation, "
                                  f"in a folder named by its language tag (cy, ar, pt-br); "
                                  f"rename '{folder.name}/' or move the booklet up a level")
        return None
    if not source_manifest.is_file():
        problems.add(manifest, 1, f"this translation has no source: {folder.parent.name}/"
                                  f"{MANIFEST_FILE} is missing")
        return None
    source = facts.read.get(slug_of(source_manifest, facts.root))
    if source is None:
        problems.add(manifest, 1, f"this translation cannot be checked until its source "
                                  f"({display_path(source_manifest)}) has no errors")
    return source


def _without_inherited_keys(manifest: Path, data: Any, source: Booklet,
                            problems: Problems) -> Any:
    """Report the keys a translation takes from its source, and drop them."""
    if not isinstance(data, YamlMap):
        return data
    kept = YamlMap({key: value for key, value in data.items() if key not in INHERITED_KEYS})
    kept.line, kept.key_lines = data.line, data.key_lines
    for key in data:
        if key in INHERITED_KEYS:
            problems.add(manifest, data.line_of(key),
                         f"'{key}' comes from the source booklet "
                         f"({display_path(source.manifest)}:{source.source.line_of(key)}); "
                         f"set it there, not in a translation")
    return kept


def _inherited_support(manifest: Path, data: Any, source: Booklet,
                       problems: Problems) -> list[SupportItem]:
    """Return the source's Help and support list; its words must be translated, not taken."""
    if any(item.kind != "entry" for item in source.support):
        problems.add(manifest, data.line if isinstance(data, YamlMap) else 1,
                     f"the source's Help and support has headings or text "
                     f"({display_path(source.manifest)}:{source.source.line_of('support')}); "
                     f"give 'support:' here with them translated")
    return list(source.support)


def _check_language_words(manifest: Path, data: Any, values: dict[str, Any],
                          problems: Problems, facts: _Facts) -> None:
    """Report a booklet in another language than the organisation's without its words."""
    organisation, language = facts.organisation, values["language"]
    if organisation is None or not language or not is_known_language(language) or \
            primary_language(language) == primary_language(organisation.language):
        return
    line = data.line_of("language") if isinstance(data, YamlMap) else 1
    words = words_for(language, organisation.language, facts.languages)
    if words is None:
        problems.add(manifest, line,
                     f"the organisation's words (about, donation, large print, legal note) "
                     f"are not given in '{language}': add organisation.{language}.yaml and "
                     f"directory.{language}.yaml to the content folder, or declare "
                     f"'fallback: {organisation.language}' in organisation.{language}.yaml")
        return
    if words.language not in facts.words_checked:
        facts.words_checked.add(words.language)
        for key, message in count_problems(organisation, words):
            problems.add(words.path, words.source.line_of(key), message)
        for key in missing_words(organisation, words):
            problems.add(words.path, words.source.line or 1,
                         f"'{key}' is not given in this language: translate it from "
                         f"{ORGANISATION_FILE}, or declare 'fallback: "
                         f"{organisation.language}' to print the original")
    for entry in untranslated_entries(values["support"] or [], words, facts.directory):
        problems.add(manifest, data.line_of("support") if isinstance(data, YamlMap) else line,
                     f"directory entry '{entry}' has no description in '{language}': add it to "
                     f"directory.{words.language}.yaml, or declare a fallback in "
                     f"organisation.{words.language}.yaml")


def _read_language_words(root: Path, organisation: Organisation | None,
                         directory: dict[str, SupportEntry],
                         problems: Problems) -> dict[str, LanguageWords]:
    """Read organisation.LANG.yaml and directory.LANG.yaml for every language given."""
    # The back cover's blocks with words, as the language's back_cover replaces them in order.
    worded = None if organisation is None else sum(
        1 for block, value in organisation.back_cover if block in ("contacts", "text") and value)
    organisation_files = find_language_files(root, ORGANISATION_FILE[:-len(".yaml")])
    directory_files = find_language_files(root, DIRECTORY_FILE[:-len(".yaml")])
    languages = {}
    for tag in sorted({*organisation_files, *directory_files}):
        if not LANGUAGE_TAG.fullmatch(tag) or not is_known_language(tag):
            for path in (organisation_files.get(tag), directory_files.get(tag)):
                if path:
                    problems.add(path, 1, f"'{tag}' in this file's name is not a language tag "
                                          f"like cy or pt-BR; rename the file")
            continue
        path = organisation_files.get(tag)
        if path is None:
            problems.add(directory_files[tag], 1, f"{ORGANISATION_FILE[:-5]}.{tag}.yaml is "
                         f"missing: the organisation's words in '{tag}' go there")
            continue
        data = _load(path, problems, root) or YamlMap()
        fields = organisation_words_fields(_back_cover_block)
        values = s.validate(data, fields, s.Context(path, problems, 1), "the language file")
        fallback = values["fallback"]
        if fallback and not is_known_language(fallback):
            problems.add(path, data.line_of("fallback"), f"'fallback' must be a language "
                         f"tag like en-GB (got {fallback!r})")
        elif fallback and primary_language(fallback) == primary_language(tag):
            problems.add(path, data.line_of("fallback"), "'fallback' must name another "
                         "language, such as the organisation's own")
        blocks = values["back_cover"] or []
        if blocks and (any(block not in ("contacts", "text") for block, _ in blocks)
                       or worded not in (None, len(blocks))):
            problems.add(path, data.line_of("back_cover"),
                         f"'back_cover' here gives the words of organisation.yaml's "
                         f"'contacts:' and 'text:' blocks, in order: "
                         f"{worded} of them, nothing else")
        words_path = directory_files.get(tag)
        entries = read_directory_words(words_path, _load(words_path, problems, root),
                                       directory, problems) if words_path else {}
        languages[tag] = LanguageWords(tag, path, values, fallback, entries, words_path,
                                       data if isinstance(data, YamlMap) else YamlMap())
    return languages


def _check_language(language: str, manifest: Path, data: YamlMap, problems: Problems) -> None:
    if not LANGUAGE_TAG.fullmatch(language or ""):
        problems.add(manifest, data.line_of("language"),
                     f"'language' must be a tag like en-GB or cy-GB (got {language!r})")
    elif not is_known_language(language):
        problems.add(manifest, data.line_of("language"),
                     f"'{language}' is not a language we know; use a tag like en-GB, cy or ar")
    elif not has_hyphenation_dictionary(language):
        problems.add(manifest, data.line_of("language"),
                     f"no hyphenation dictionary for language '{language}': the booklet is "
                     f"set without automatic hyphenation", severity=NOTE)


_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<yaml>.*?)^---[ \t]*\n?", re.DOTALL | re.MULTILINE)


def _read_section(folder: Path, name: str, manifest: Path, line: int, layouts: frozenset[str],
                  problems: Problems, facts: _Facts) -> Section | None:
    shared = name.startswith(SHARED_FOLDER + "/")
    if shared:
        # A shared section is read (and its problems reported) once, however many use it.
        folder = facts.root / SHARED_FOLDER
        name = name[len(SHARED_FOLDER) + 1:]
    path = folder / name
    if not _is_inside(path, folder):
        problems.add(manifest, line, f"section '{name}' must be inside the "
                                     f"{'shared' if shared else 'booklet'} folder")
        return None
    if path.suffix != ".md":
        problems.add(manifest, line, f"section '{name}' must be a Markdown file ending in .md")
        return None
    if not path.exists():
        problems.add(manifest, line, f"section file '{name}' not found in "
                                     f"{SHARED_FOLDER if shared else folder.name}/"
                                     + _did_you_mean(name, folder))
        return None
    if shared and path in facts.shared:
        return facts.shared[path]
    section = _read_section_file(path, folder, layouts, problems, facts)
    if shared:
        section = section and replace(section, shared=True)
        facts.shared[path] = section
    return section


def _read_section_file(path: Path, folder: Path, layouts: frozenset[str], problems: Problems,
                       facts: _Facts) -> Section | None:
    try:
        text = read_text(path, facts.root)
    except ContentError as error:
        problems.extend(error.problems)
        return None
    match = _FRONT_MATTER.match(text)
    if not match:
        problems.add(path, 1, "must start with front matter: a line '---', 'title: ...', "
                              "then a closing line '---'")
        return None
    try:
        data = parse_yaml(match["yaml"], path, first_line=2)
    except ContentError as error:
        problems.extend(error.problems)
        return None
    values = s.validate(data, SECTION_FIELDS, s.Context(path, problems, 1), "the front matter")
    if values["layout"] not in layouts:
        problems.add(path, data.line_of("layout") if isinstance(data, YamlMap) else 1,
                     f"unknown layout '{values['layout']}'; "
                     f"use one of: {', '.join(sorted(layouts))}")
    body_line = text[:match.end()].count("\n") + 1
    body = text[match.end():]
    facts.sections_read.append(path)
    references, body_problems = scan_markdown(body, body_line)
    for number, message in body_problems:
        problems.add(path, number, message)
    for reference in references:
        message = _check_reference(reference.kind, reference.target, folder, facts)
        if message:
            problems.add(path, reference.line, message)
    anchor = "section-" + re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-")
    title, contents = values["title"] or "", values["contents"]
    if contents is None:
        contents = bool(title)  # an untitled section is left out of the contents
    if contents is True and not title:
        problems.add(path, data.line_of("contents") if isinstance(data, YamlMap) else 1,
                     "a section with no 'title' has no heading to list: give the contents "
                     "entry as text ('contents: Your words') or 'contents: false'")
    if values["heading"] is False and not title:
        problems.add(path, data.line_of("heading") if isinstance(data, YamlMap) else 1,
                     "'heading: false' hides a title, but this section has none: delete it")
    return Section(path=path, anchor=anchor, title=title, listed=bool(contents),
                   layout=values["layout"], body=body, body_line=body_line,
                   references=tuple(references),
                   contents_title=contents if isinstance(contents, str) else title,
                   heading=bool(title) and values["heading"])


def _check_covers(booklets: dict[str, Booklet], problems: Problems) -> None:
    """Warn where a "more from us" block points to a booklet too broken to draw its cover."""
    for booklet in booklets.values():
        for section in booklet.sections:
            for reference in section.references:
                if reference.kind == "more" and reference.target not in booklets:
                    # One broken booklet must not stop the others: this block loses its picture.
                    problems.add(section.path, reference.line,
                                 f"the cover of '{reference.target}' cannot be drawn while that "
                                 "booklet has problems of its own; until they are fixed, this "
                                 "block is printed without it", WARNING)


def _check_reference(kind: str, target: str, folder: Path, facts: _Facts) -> str | None:
    if kind == "booklet":
        return _unknown_id(target, facts)
    if kind == "more":
        if target in facts.booklets or target not in facts.titles:
            return None if target in facts.booklets else _unknown_id(target, facts)
        return (f"'::: more {target}' needs a booklet in this library, to draw its cover; "
                f"'{target}' is only listed in publications: use [[{target}]] instead")
    if kind == "qr":
        return None if kind_of(target) == "web" else (
            f"[[qr:{target}]] needs a web address, written like www.example.org.uk")
    if kind == "icon":
        icon = icon_path(target, folder, facts.root)
        return image_problem(icon, facts.root, f"{ICON_FOLDER / (target + '.svg')}") if icon \
            else (f"icon '{target}' not found: add {ICON_FOLDER / (target + '.svg')} to the "
                  "booklet or content folder")
    path = folder / target
    if ":" in target.split("/")[0] or not _is_inside(path, facts.root):
        return (f"image '{target}' must be a file inside the content folder; builds never "
                "read other files or the network")
    if not path.exists():
        return f"image '{target}' not found (looked in {folder.name}/)" + \
            _did_you_mean(target, folder)
    return image_problem(path, facts.root, target)


def _did_you_mean(name: str, folder: Path) -> str:
    """Return ": did you mean 'x'?" for the file beside where `name` was looked for that is
    nearest to it (a typo is usually a letter or two off), or ""."""
    near = (folder / name).parent
    suffix = Path(name).suffix
    try:
        candidates = sorted(found.relative_to(folder).as_posix() for found in
                            itertools.islice(near.iterdir(), MAX_SUGGESTION_CANDIDATES)
                            if found.is_file() and found.suffix == suffix)
    except (OSError, ValueError):
        return ""
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    return f": did you mean '{close[0]}'?" if close else ""


def _unknown_id(target: str, facts: _Facts) -> str | None:
    """Return why a cross-reference to `target` cannot be printed, or None when it can, or
    cannot be known: while organisation.yaml is broken, its publications are unknown, and its
    own error comes first."""
    if target in facts.titles or facts.organisation is None:
        return None
    if target in facts.unreadable:
        return (f"the booklet '{target}' cannot be read (see its own problems), so its title "
                "is unknown and this reference cannot be printed")
    return (f"no booklet or publication has the id '{target}'; known ids: "
            f"{', '.join(sorted(facts.titles))}")


def icon_path(name: str, booklet_folder: Path, root: Path) -> Path | None:
    """Return the icon file for `name`, from the booklet's folder first, then the library's."""
    for folder in (booklet_folder, root):
        path = folder / ICON_FOLDER / f"{name}.svg"
        if re.fullmatch(r"[a-z0-9-]+", name) and path.is_file():
            return path
    return None


def _check_characters(paths: list[Path], root: Path, typefaces: TypefaceChain,
                      problems: Problems) -> None:
    # A character no face of the chain draws would be drawn in some other installed font;
    # a control character would print as an empty box.
    def suspect(chars: set[str]) -> tuple[list[str], list[str]]:
        return (sorted(char for char in chars if s._is_control(char)),
                typefaces.missing_characters("".join(chars)))

    for path in paths:
        text = read_text(path, root)
        if suspect(set(text)) == ([], []):  # each distinct character is judged once
            continue
        for number, line in enumerate(text.split("\n"), start=1):
            controls, missing = suspect(set(line))
            for char in controls:
                problems.add(path, number, f"the invisible control character U+{ord(char):04X} "
                                           "is in this line; delete it")
            for char in missing:
                problems.add(path, number, typefaces.coverage_advice(char))



def _check_text_limits(data: Any, path: Path, problems: Problems, line: int = 0) -> None:
    """Report each YAML text too long for Markdown to read in good time, at its own line."""
    if isinstance(data, YamlMap):
        for key, value in data.items():
            _check_text_limits(value, path, problems, data.line_of(key))
    elif isinstance(data, YamlList):
        for index, value in enumerate(data):
            _check_text_limits(value, path, problems, data.line_of(index))
    elif isinstance(data, str):
        for message in text_limit_problems(data):
            problems.add(path, line or None, message)


def _is_inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())
