"""Editorial checks on a read library: review dates, loose files, malformed addresses and
plain language. Nothing here lays anything out, so `build.py --check` stays fast."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import pyphen

from .content import (
    DIRECTORY_FILE,
    ICON_FOLDER,
    MANIFEST_FILE,
    SHARED_FOLDER,
    Booklet,
    Library,
    find_manifests,
    gather_library,
    manifest_data,
    manifest_value,
    slug_of,
)
from .errors import ERROR, NOTE, WARNING, ContentError, Problems
from .intake import read_content_text, reading_each_file_once
from .links import find_contacts, is_registration_number, national_digits, uk_number_lengths
from .translations import primary_language
from .yamlfile import YamlMap

# Things that look like an address but are not one a reader could use.
_PHONE_LIKE = re.compile(r"(?<![\w+/.-])(?:\+44\s?(?:\(0\)\s?)?|0)\d[\d -]{5,16}\d(?![\w-])")
# The lookbehind lets only the start of a run of name characters begin a match, so a long run
# with no "@" is read once, not once from each of its characters (which took seconds).
_EMAIL_LIKE = re.compile(r"(?<![\w.%+-])[\w.%+-]+@[\w-]*(?:\.[\w-]*)*")
# Brackets end an address: "[[qr:www.example.org]]" is the address www.example.org.
_WEB_LIKE = re.compile(r"\b(?:https?://|www\.)[^\s<>()\[\]{}\"]*")
_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
_WEB = re.compile(r"^(?:https://|www\.)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?:[/?#]\S*)?$")


@dataclass(frozen=True)
class Governance:
    """When content must be reviewed."""

    max_review_years: int = 3
    warn_days_before_review: int = 90


def check_governance(booklet: Booklet, settings: Governance, today: dt.date,
                     allow_overdue: bool, problems: Problems) -> bool:
    """Check review dates; return whether the booklet is overdue (and allowed to build)."""
    manifest = booklet.source
    line = manifest.line_of("next_review")
    latest = _add_years(booklet.edition, settings.max_review_years)
    if booklet.next_review > latest:
        problems.add(booklet.manifest, line,
                     f"'next_review' is more than {settings.max_review_years} years after the "
                     f"edition: review by {latest:%B %Y} at the latest")
    if today > booklet.next_review:
        if allow_overdue:
            problems.add(booklet.manifest, line, f"overdue for review since "
                         f"{booklet.next_review:%B %Y}; built because --allow-overdue was given, "
                         "and stamped as overdue", WARNING)
            return True
        problems.add(booklet.manifest, line,
                     f"overdue for review since {booklet.next_review:%B %Y}: review the content "
                     "and move 'edition' and 'next_review' on, or build with --allow-overdue "
                     "to print it stamped as overdue")
    elif (booklet.next_review - today).days <= settings.warn_days_before_review:
        problems.add(booklet.manifest, line, f"due for review on {booklet.next_review:%d %B %Y}, "
                     f"in {(booklet.next_review - today).days} days", WARNING)
    return False


def _add_years(date: dt.date, years: int) -> dt.date:
    try:
        return date.replace(year=date.year + years)
    except ValueError:  # 29 February
        return date.replace(year=date.year + years, day=28)


def check_unused(library: Library, problems: Problems) -> None:
    """Warn about section files, images and directory entries that nothing uses."""
    for booklet in library.booklets.values():
        listed = {section.path.resolve() for section in booklet.sections}
        for path in sorted(booklet.folder.rglob("*.md")):
            if path.resolve() not in listed and not _in_translation(path, booklet.folder):
                problems.add(path, None, "not used: add it to 'sections' in the manifest, or "
                                         "delete it", WARNING)
        used = {(booklet.folder / reference.target).resolve()
                for section in booklet.sections for reference in section.references
                if reference.kind == "image"}
        icons = booklet.folder / ICON_FOLDER
        for path in sorted((booklet.folder / "images").rglob("*")) \
                if (booklet.folder / "images").is_dir() else []:
            if path.is_file() and path.resolve() not in used and not path.is_relative_to(icons):
                problems.add(path, None, "image not used by any section of this booklet",
                             WARNING)
    shared = library.root / SHARED_FOLDER
    used_shared = {section.path.resolve() for booklet in library.booklets.values()
                   for section in booklet.sections if section.shared}
    # A manifest that cannot be parsed may list anything: nothing is called unused until it
    # is mended (its own error says what to fix), rather than warning falsely of every file.
    unparsed = [manifest for manifest in find_manifests(library.root)
                if slug_of(manifest, library.root) not in library.booklets
                and not isinstance(manifest_data(manifest), YamlMap)]
    if unparsed:
        problems.add(unparsed[0], None, "unused shared sections and directory entries are "
                     "not looked for until this manifest can be read", NOTE)
        return
    for manifest in find_manifests(library.root):  # booklets too broken to read still count
        sections = manifest_value(manifest, "sections")
        used_shared |= {(library.root / item).resolve() for item in
                        (sections if isinstance(sections, list) else [])
                        if isinstance(item, str) and item.startswith(SHARED_FOLDER + "/")}
    for path in sorted(shared.rglob("*.md")) if shared.is_dir() else []:
        if path.resolve() not in used_shared:
            problems.add(path, None, "shared section not used: list it as "
                         f"'{SHARED_FOLDER}/{path.relative_to(shared)}' in a manifest's "
                         "'sections', or delete it", WARNING)
    wanted = {item.value for booklet in library.booklets.values() for item in booklet.support
              if item.kind == "entry"}
    for manifest in find_manifests(library.root):  # booklets too broken to read
        support = manifest_value(manifest, "support")
        if slug_of(manifest, library.root) not in library.booklets and isinstance(support,
                                                                                   list):
            wanted |= {item for item in support if isinstance(item, str)}
    directory = library.root / DIRECTORY_FILE
    for entry_id in library.directory:
        if entry_id not in wanted:
            problems.add(directory, library.directory_lines.get(entry_id),
                         f"directory entry '{entry_id}' is not used by any booklet", WARNING)


def _in_translation(path: Path, folder: Path) -> bool:
    """Return whether a file under a booklet's folder belongs to one of its translations."""
    first = path.relative_to(folder).parts[0]
    return (folder / first / MANIFEST_FILE).is_file()


def check_anchors(booklet: Booklet, problems: Problems) -> None:
    """Report sections whose file names give the same link anchor."""
    seen: dict[str, Path] = {}
    for section in booklet.sections:
        if section.anchor in seen:
            problems.add(section.path, 1, f"its link anchor '{section.anchor}' is the same as "
                         f"{seen[section.anchor].name}'s: rename one of the files")
        seen.setdefault(section.anchor, section.path)


def check_addresses(paths: list[Path], problems: Problems, root: Path | None = None) -> None:
    """Report web addresses, emails and UK phone numbers that are malformed."""
    for path in paths:
        try:
            text = read_content_text(path, root)
        except ContentError:
            continue  # reported when the library was read
        for number, line in enumerate(text.splitlines(), start=1):
            for message in malformed_addresses(line):
                problems.add(path, number, message)


def malformed_addresses(text: str) -> list[str]:
    """Return a message for each address-like piece of text a reader could not use."""
    messages = []
    good_spans = [(contact.start, contact.end) for contact in find_contacts(text)]

    def covered(start: int) -> bool:
        return any(low <= start < high for low, high in good_spans)

    for match in _PHONE_LIKE.finditer(text):
        digits = national_digits(match[0])
        lengths = uk_number_lengths(match[0])
        if covered(match.start()) or is_registration_number(text, match.start()):
            continue  # a usable number, or a company or charity number
        if 8 <= len(digits) <= 13 and len(digits) not in lengths:
            expected = " or ".join(str(length) for length in lengths)
            messages.append(f"'{match[0].strip()}' looks like a UK phone number but has "
                            f"{len(digits)} digits; numbers starting {digits[:2]} have "
                            f"{expected}")
    for match in _EMAIL_LIKE.finditer(text):
        candidate = match[0].rstrip(".,;:")
        if "@" in candidate and not _EMAIL.match(candidate):
            messages.append(f"'{candidate}' is not a valid email address: write it like "
                            "name@example.org.uk")
    for match in _WEB_LIKE.finditer(text):
        candidate = match[0].rstrip(".,;:)'\"")
        if candidate.startswith("http://"):
            messages.append(f"'{candidate}' uses http://: give the https:// address")
        elif not _WEB.match(candidate):
            messages.append(f"'{candidate}' is not a valid web address: write it like "
                            "www.example.org.uk/page")
    return messages


@dataclass(frozen=True)
class PlainLanguage:
    """Thresholds for readability: a report, or errors in strict mode."""

    min_reading_ease: float = 60.0
    max_reading_age: float = 14.0
    max_sentence_words: int = 25
    strict: bool = False


@dataclass
class Readability:
    """Reading ease, reading age and long sentences of one section."""

    path: Path
    words: int
    sentences: int
    # Flesch's formulas are calibrated on English: None for other languages.
    reading_ease: float | None
    reading_age: float | None
    long_sentences: list[tuple[int, int, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """Return the measures for JSON reports."""
        return {"path": str(self.path), "words": self.words, "sentences": self.sentences,
                "reading_ease": None if self.reading_ease is None
                else round(self.reading_ease, 1),
                "reading_age": None if self.reading_age is None else round(self.reading_age, 1),
                "long_sentences": [{"line": line, "words": words, "start": start}
                                   for line, words, start in self.long_sentences]}


_MARKUP = [
    (re.compile(r"!\[[^\]]*\]\([^)]*\)(?:\{[^}]*\})?"), ""),  # images, {size and place}
    (re.compile(r"\[\[[^\]]*\]\]"), "the booklet"),     # cross-references and QR codes
    (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),      # links keep their words
    (re.compile(r"\{icon=[^}]*\}"), ""),
    (re.compile(r"[*_`]+"), ""),
]
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]*\s+")
_WORD = re.compile(r"[^\W\d_][\w'’-]*")


def measure_section(path: Path, body: str, first_line: int, language: str,
                    settings: PlainLanguage, rate: bool = True) -> Readability:
    """Return the readability of a section's prose (headings and markup left out); reading
    ease and age are measured in English only, and only if `rate` (syllables are counted with
    a hyphenation dictionary, which takes a tenth of a second to load)."""
    rated = primary_language(language) == "en" and rate
    hyphenator = pyphen.Pyphen(lang=language.replace("-", "_")) if rated else None
    sentences = [sentence for paragraph in _paragraphs(body, first_line)
                 for sentence in _sentences(paragraph)]
    words = syllables = 0
    long_sentences = []
    for line, sentence in sentences:
        found = _WORD.findall(sentence)
        words += len(found)
        if hyphenator:
            syllables += sum(_syllables(word, hyphenator) for word in found)
        if len(found) > settings.max_sentence_words:
            long_sentences.append((line, len(found), " ".join(sentence.split()[:8]) + " …"))
    count = max(len(sentences), 1)
    if not rated:
        return Readability(path, words, len(sentences), None, None, long_sentences)
    per_sentence, per_word = words / count, syllables / max(words, 1)
    reading_ease = 206.835 - 1.015 * per_sentence - 84.6 * per_word
    grade = 0.39 * per_sentence + 11.8 * per_word - 15.59
    # A UK reading age is the US school grade plus five years.
    return Readability(path, words, len(sentences), reading_ease, max(grade + 5, 5.0),
                       long_sentences)


def _paragraphs(body: str, first_line: int) -> list[list[tuple[int, str]]]:
    """Group prose lines (number, text) into paragraphs; each list item is its own."""
    paragraphs: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] = []
    for offset, raw in enumerate(body.splitlines()):
        line = raw.strip()
        for pattern, replacement in _MARKUP:
            line = pattern.sub(replacement, line)
        item = re.match(r"(?:[-*]|\d+\.) (.*)", line)
        # Blank lines, headings, block fences and attributions are not prose.
        if not line or line.startswith(("#", ":::", "-- ")) or item:
            if current:
                paragraphs.append(current)
            current = [(first_line + offset, item[1])] if item else []
            continue
        current.append((first_line + offset, line))
    if current:
        paragraphs.append(current)
    return paragraphs


def _sentences(paragraph: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Split a paragraph into (line where it starts, sentence)."""
    text, starts = "", []
    for number, line in paragraph:
        starts.append((len(text), number))
        text += line + " "
    found, position = [], 0
    for boundary in [*_SENTENCE_END.finditer(text), None]:
        end = boundary.start() if boundary else len(text)
        sentence = text[position:end].strip()
        if _WORD.search(sentence):
            line = max(number for offset, number in starts if offset <= position)
            found.append((line, sentence))
        position = boundary.end() if boundary else end
    return found


def _syllables(word: str, hyphenator: pyphen.Pyphen) -> int:
    """Approximate syllables as hyphenation points plus one (as textstat once did)."""
    return len(hyphenator.positions(word.lower())) + 1


def check_plain_language(booklet: Booklet, settings: PlainLanguage, problems: Problems,
                         reported: set[Path] | None = None,
                         notes: bool = True) -> list[Readability]:
    """Measure each section; report what falls outside the thresholds (once per file).

    With `notes` False reading ease and age are measured only where they are strict (make
    errors): a build shows no notes.
    """
    severity = ERROR if settings.strict else NOTE
    results = []
    reported = set() if reported is None else reported
    for section in booklet.sections:
        result = measure_section(section.path, section.body, section.body_line,
                                 booklet.language, settings, notes or settings.strict)
        results.append(result)
        if result.words < 40 or section.path in reported:
            continue  # too short to measure fairly, or a shared section reported already
        reported.add(section.path)
        if result.reading_ease is not None and result.reading_ease < settings.min_reading_ease:
            problems.add(section.path, None, f"reading ease {result.reading_ease:.0f} is below "
                         f"{settings.min_reading_ease:g}: use shorter words and sentences",
                         severity)
        if result.reading_age is not None and result.reading_age > settings.max_reading_age:
            problems.add(section.path, None, f"reading age {result.reading_age:.0f} is above "
                         f"{settings.max_reading_age:g}", severity)
        for line, words, start in result.long_sentences:
            problems.add(section.path, line, f"sentence of {words} words (over "
                         f"{settings.max_sentence_words}): \"{start}\"", severity)
    return results


@dataclass
class LibraryReport:
    """A checked library: what can be built, every problem, and the readability measures."""

    root: Path
    library: Library | None
    problems: list
    readability: dict[str, list[Readability]] = field(default_factory=dict)

    @property
    def errors(self) -> list:
        """Return the problems that stop a booklet from being built."""
        return [problem for problem in self.problems if problem.severity == ERROR]

    def buildable(self) -> list[str]:
        """Return the booklets with no error of their own and usable shared files."""
        if self.library is None:
            return []
        # A problem belongs to the booklet whose folder holds its file, read or not.
        # The deepest folder wins: a translation's problems are its own, not its source's.
        folders = dict(sorted(((path.parent.resolve(), slug_of(path, self.root))
                               for path in find_manifests(self.root)),
                              key=lambda item: -len(item[0].parts)))

        shared = (self.root / SHARED_FOLDER).resolve()
        users = {}  # shared section file -> the booklets that list it
        for manifest in find_manifests(self.root):
            sections = manifest_value(manifest, "sections")
            for item in sections if isinstance(sections, list) else []:
                if isinstance(item, str) and item.startswith(SHARED_FOLDER + "/"):
                    users.setdefault((self.root / item).resolve(), set()).add(
                        slug_of(manifest, self.root))

        def owners(problem) -> set[str | None]:
            path = problem.path.resolve()
            if path.is_relative_to(shared):  # a shared section stops the booklets using it
                return users.get(path, set())
            return {next((slug for folder, slug in folders.items()
                          if path.is_relative_to(folder)), None)}

        owned = set().union(*(owners(problem) for problem in self.errors))
        if None in owned:  # a shared file is broken: no booklet can be built
            return []
        return sorted(set(self.library.booklets) - owned)


def check_library(root: Path, layouts: frozenset[str], today: dt.date,
                  allow_overdue: bool = False, notes: bool = True) -> LibraryReport:
    """Read the library and run every editorial check; never raises for content problems.

    A build, which shows no notes, passes `notes` False: see check_plain_language.
    """
    with reading_each_file_once():
        return _check_library(root, layouts, today, allow_overdue, notes)


def _check_library(root: Path, layouts: frozenset[str], today: dt.date, allow_overdue: bool,
                   notes: bool) -> LibraryReport:
    library, problems = gather_library(root, layouts)
    if library is None:
        return LibraryReport(Path(root).resolve(), None, problems.items)
    organisation = library.organisation
    governance = Governance(**organisation.governance)
    readability = {}
    texts = [organisation.path, library.root / DIRECTORY_FILE]
    measured: set[Path] = set()  # shared sections are reported once, not per booklet
    for slug, booklet in list(library.booklets.items()):
        overdue = check_governance(booklet, governance, today, allow_overdue, problems)
        if overdue:
            library.booklets[slug] = replace(booklet, overdue=True)
        check_anchors(booklet, problems)
        settings = PlainLanguage(**{**organisation.plain_language,
                                    **{key: value for key, value in booklet.plain_language.items()
                                       if value is not None}})
        readability[slug] = check_plain_language(booklet, settings, problems, measured, notes)
        texts += [booklet.manifest, *(section.path for section in booklet.sections)]
    check_addresses([path for path in dict.fromkeys(texts) if path.is_file()], problems,
                    library.root)
    check_unused(library, problems)
    return LibraryReport(library.root, library, problems.items, readability)
