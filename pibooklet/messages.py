"""The fixed words of every edition, in the booklet's language: gettext catalogues read with Babel.

Our catalogues are `pibooklet/locale/<lang>/LC_MESSAGES/pibooklet.po`, extracted into
`pibooklet/locale/pibooklet.pot`; a content folder may add a language, or change a few words,
in its own `locale/<lang>/LC_MESSAGES/pibooklet.po`. A catalogue is compiled in memory (no .mo
file is kept) and handed to whatever renders a booklet: builds in several languages can run in
one process. A content catalogue is untrusted: it is read through the front door, and each
problem in it is a `path:line` error.

`python3 -m pibooklet.messages` extracts the .pot again and says which catalogues are out of
step; `--update` writes the .pot and adds new strings (empty) to our catalogues.
"""

from __future__ import annotations

import datetime as dt
import gettext
import io
import re
import sys
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po, write_po

from .direction import parsed_locale
from .errors import WARNING, ContentError, Problem
from .intake import read_content_text

PACKAGE = Path(__file__).resolve().parent
PROJECT = PACKAGE.parent
LOCALE = PACKAGE / "locale"
DOMAIN = "pibooklet"
TEMPLATE_FILE = LOCALE / f"{DOMAIN}.pot"
#: Functions whose string arguments are the messages; N_ marks a string translated later.
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
#: Where messages are extracted from, relative to the project: our templates and Python.
SOURCES = (("templates", "*.html", "jinja2"), ("templates/layouts", "*.html", "jinja2"),
           ("pibooklet", "*.py", "python"))
#: A fixed date for the .pot header, so extraction gives the same file every time.
_POT_DATE = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)

_PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?([-#0 +]*\d*(?:\.\d+)?)([a-zA-Z%])")
_TAG = re.compile(r"</?[a-z]+>")
#: A language tag a catalogue can be looked up by (content.py checks the manifest's).
_TAG_PATTERN = re.compile(r"[a-z]{2,3}(-[A-Z]{2})?")
_PO_LINE = re.compile(r'(?:(?:msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)[ \t]+)?'
                      r'"(?:[^"\\]|\\.)*"[ \t]*|#.*|[ \t]*')


def N_(message: str) -> str:  # noqa: N802 (the gettext name for a deferred translation)
    """Return the message untranslated: it is marked for extraction, translated where used."""
    return message


def catalogue_names(language: str) -> list[str]:
    """Return the catalogue names to look for, most specific first: cy-GB -> cy_GB, cy."""
    name = language.replace("-", "_")
    return list(dict.fromkeys([name, name.split("_")[0]]))


def catalogue_paths(language: str, content_root: Path | None) -> list[Path]:
    """Return the catalogues that make up a language, least specific first (later ones win)."""
    paths: list[Path] = []
    if not _TAG_PATTERN.fullmatch(language):
        return paths  # never a path made from anything but a plain tag
    for name in reversed(catalogue_names(language)):
        for folder in (LOCALE, content_root / "locale" if content_root else None):
            path = folder / name / "LC_MESSAGES" / f"{DOMAIN}.po" if folder else None
            if path and path.is_file():
                paths.append(path)
    return paths


def translations_for(language: str, content_root: Path | None = None
                     ) -> gettext.NullTranslations:
    """Return the compiled translations for a booklet's language (English words if none)."""
    paths = catalogue_paths(language, content_root)
    stamps = tuple((path, path.stat().st_mtime_ns, path.stat().st_size) for path in paths)
    return _compiled(stamps, content_root)


@lru_cache(maxsize=32)
def _compiled(stamps: tuple[tuple[Path, int, int], ...], content_root: Path | None
              ) -> gettext.NullTranslations:
    if not stamps:
        return gettext.NullTranslations()
    catalogue, _ = _merged([path for path, *_ in stamps], content_root)
    buffer = io.BytesIO()
    write_mo(buffer, catalogue)  # fuzzy and empty entries are left out, so English shows
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def month_year(date: dt.date, language: str = "en-GB") -> str:
    """Return a date as booklets print it, in the booklet's language: 'April 2025'."""
    return format_date(date, "MMMM y", locale=babel_locale(language))


def babel_locale(language: str) -> Locale:
    """Return Babel's locale for a language tag, English for one it does not know."""
    for name in catalogue_names(language):
        if (locale := parsed_locale(name)) is not None:
            return locale
    return parsed_locale("en_GB")


# Checking ------------------------------------------------------------------------------------

def read_catalogue(path: Path, content_root: Path | None) -> Catalog:
    """Return a catalogue; one from a content folder is read through the front door.

    Raises ContentError at the line of a malformed entry.
    """
    trusted = path.resolve().is_relative_to(LOCALE)
    text = path.read_text(encoding="utf-8") if trusted else \
        read_content_text(path, content_root, "catalogue")
    problems = []
    seen: dict[tuple[str, str], int] = {}
    entry: list[str] | None = None  # the msgctxt and msgid lines of the entry being read
    start, keyword = 0, ""
    for number, line in enumerate([*text.splitlines(), "msgstr \"\""], 1):
        if not _PO_LINE.fullmatch(line):
            problems.append(Problem(path, number, "is not a line of a gettext catalogue: each "
                                    "line is a comment (#), msgid \"…\", msgstr \"…\" or a "
                                    "\"…\" continuation, with quotes closed on the same line"))
            continue
        if line.startswith("#") or not line.strip():
            continue
        keyword = line.split(" ", 1)[0] if not line.startswith('"') else keyword
        if keyword == "msgctxt" and line.startswith("msgctxt"):
            entry, start = [line], number
        elif keyword == "msgid" and line.startswith("msgid "):
            entry, start = (entry if entry and entry[0].startswith("msgctxt") else []) + [line], \
                number
        elif keyword in ("msgctxt", "msgid") and entry is not None:
            entry.append(line)
        elif entry is not None:  # the entry's msgid is complete: is it given twice?
            identifier = ("\n".join(entry), "")
            if identifier in seen:
                problems.append(Problem(path, start, f"this msgid is given twice (first on "
                                        f"line {seen[identifier]}); keep one"))
            seen.setdefault(identifier, start)
            entry = None
    if problems:
        raise ContentError(problems)
    try:
        return read_po(io.StringIO(text), abort_invalid=True, ignore_obsolete=True)
    except (PoFileError, ValueError) as error:
        found = re.search(r"on (\d+)\s*$", str(error))
        # Babel names the line of a malformed entry; a bad header is in the first entry.
        raise ContentError([Problem(path, int(found[1]) if found else 1,
                                    f"cannot be read as a gettext catalogue: {error}")]) \
            from None


def _merged(paths: list[Path], content_root: Path | None) -> tuple[Catalog, list[Problem]]:
    """Return the catalogues laid over each other, and the problems of their entries."""
    problems: list[Problem] = []
    merged: Catalog | None = None
    for path in paths:
        catalogue = read_catalogue(path, content_root)
        for message in list(catalogue):
            problem = message.id and _placeholder_problem(message)
            if problem:  # never formatted: a width could make a string of any size
                problems.append(Problem(path, message.lineno, problem))
                catalogue.delete(message.id, message.context)
        if merged is None:
            merged = catalogue
            merged.charset = "utf-8"
            problems += _plural_problems(path, catalogue)
            continue
        for message in catalogue:
            if message.id and _translated(message):
                merged.delete(message.id, message.context)  # setting merges, keeping strings
                merged[message.id] = message
    return merged, problems


def _plural_problems(path: Path, catalogue: Catalog) -> list[Problem]:
    """Return a problem with the Plural-Forms header, which gettext compiles."""
    header = dict(catalogue.mime_headers).get("Plural-Forms", "")
    expression = re.search(r"plural\s*=\s*([^;]*)", header)
    forms = re.search(r"nplurals\s*=\s*(\d+)", header)
    try:
        if expression:
            plural = gettext.c2py(expression[1])
            # Run it for the counts a booklet prints: a rule may compile and still divide by
            # zero, or choose a form the catalogue does not have.
            most = int(forms[1]) if forms else 2
            for count in range(1000):
                if not 0 <= plural(count) < most:
                    raise ValueError(f"it gives form {plural(count)} for {count}, but "
                                     f"nplurals is {most}")
    except (ValueError, RecursionError, ArithmeticError) as error:
        return [Problem(path, 1, f"the Plural-Forms header cannot be used ({error}); copy it "
                                 "from https://docs.translatehouse.org/ plural forms, e.g. "
                                 "nplurals=2; plural=(n != 1);")]
    return []


def _translated(message: Message) -> bool:
    """Return whether a message has every one of its strings, and is not marked fuzzy."""
    strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
    return not message.fuzzy and bool(strings) and all(strings)


def _placeholders(text: str) -> set[str]:
    return {match[1] or "" for match in _PLACEHOLDER.finditer(text) if match[3] != "%"}


def _placeholder_problem(message: Message) -> str | None:
    """Return why a translation's placeholders or markup cannot be used, if they cannot."""
    identifiers = message.id if isinstance(message.id, (list, tuple)) else [message.id]
    strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
    allowed = set().union(*(_placeholders(text) for text in identifiers)) | (
        {"num"} if message.pluralizable else set())
    tags = {tag for text in identifiers for tag in _TAG.findall(text)}
    for text in strings:
        # A translation is put into the page as HTML: it may use only the msgid's own tags.
        extra = [tag for tag in _TAG.findall(text or "") if tag not in tags]
        if extra or "<" in _TAG.sub("", text or ""):
            return (f"the translation of {identifiers[0]!r} has markup its msgid does not "
                    f"have ({(extra or ['<'])[0]}); use only {sorted(tags) or 'plain text'}")
        for match in _PLACEHOLDER.finditer(text or ""):
            if match[3] == "%":
                continue
            if match[2] or match[3] not in "sd":
                return (f"the translation of {identifiers[0]!r} formats a placeholder as "
                        f"'{match[0]}': write %(name)s, as the msgid does")
            if (match[1] or "") not in allowed:
                return (f"the translation of {identifiers[0]!r} uses '{match[0]}', which its "
                        f"msgid does not have; use only {sorted(allowed - {'num'})}")
        # Filled in as the msgid is: a stray '%' (write '%%') must fail here, not in a build.
        probe = dict.fromkeys(allowed, "x")
        if _fills(identifiers[0], probe) and not _fills(text or "", probe):
            return (f"the translation of {identifiers[0]!r} cannot be filled in: write a "
                    f"'%' sign as '%%' and each placeholder as %(name)s")
    return None


def _fills(text: str, values: dict[str, str]) -> bool:
    """Return whether %-formatting a message with these values works."""
    try:
        text % values
    except (KeyError, ValueError, TypeError):
        return False
    return True


def template_messages() -> list[Message]:
    """Return the messages of the committed .pot: every string there is to translate."""
    return list(_template_messages())


@lru_cache(maxsize=1)
def _template_messages() -> tuple[Message, ...]:
    with TEMPLATE_FILE.open("rb") as file:  # ours, in the package: read once a run
        return tuple(message for message in read_po(file) if message.id)


def check_language(language: str, manifest: Path, line: int | None,
                   content_root: Path | None) -> list[Problem]:
    """Return the problems with a booklet language's catalogues: none, broken, or incomplete."""
    wanted = template_messages()
    paths = catalogue_paths(language, content_root)
    if not paths:
        names = "; ".join(_shown(message) for message in wanted)
        where = (f"{content_root / 'locale' if content_root else 'locale'}/"
                 f"{catalogue_names(language)[-1]}/LC_MESSAGES/{DOMAIN}.po")
        return [Problem(manifest, line,
                        f"no catalogue of fixed words for language '{language}': copy "
                        f"pibooklet/locale/{DOMAIN}.pot to {where}, fill in each msgstr and "
                        f"set its Plural-Forms header. The {len(wanted)} strings to translate "
                        f"are: {names}")]
    try:
        merged, problems = _merged(paths, content_root)
    except ContentError as error:
        return error.problems
    blame = next((path for path in reversed(paths) if not path.is_relative_to(LOCALE)),
                 paths[-1])  # a content catalogue the user can fix, else ours
    entries = {message.id: message for message in read_catalogue(blame, content_root)}
    absent = []
    for message in wanted:
        have = merged.get(message.id)
        if have is not None and _translated(have):
            continue
        entry = entries.get(message.id)
        if entry is not None and entry.lineno:
            why = "is marked fuzzy (remove '#, fuzzy' once it is checked)" if entry.fuzzy \
                else "has no translation (its msgstr is empty)"
            problems.append(Problem(blame, entry.lineno, f"{_shown(message)} {why}"))
        else:
            absent.append(_shown(message))
    known = {message.id for message in wanted}
    for path in paths if content_root else []:
        if not path.is_relative_to(LOCALE):  # a content catalogue's own entries: misspelt?
            problems += [Problem(path, entry.lineno, f"{_shown(entry)} is not a string "
                                 f"pibooklet prints; check it against "
                                 f"pibooklet/locale/{DOMAIN}.pot", WARNING)
                         for entry in read_catalogue(path, content_root)
                         if entry.id and entry.id not in known]
    if absent:
        problems.append(Problem(blame, 1, f"strings missing from this catalogue (copy their "
                                f"entries from pibooklet/locale/{DOMAIN}.pot and translate "
                                f"them): {'; '.join(absent)}"))
    return problems


def check_languages(booklets: Iterable, content_root: Path) -> list[Problem]:
    """Return the catalogue problems of every booklet's language, each reported once."""
    found: dict[Problem, None] = {}
    checked: dict[str, list[Problem]] = {}  # a language's catalogues are read once, not per booklet
    for booklet in booklets:
        if not _TAG_PATTERN.fullmatch(booklet.language or ""):
            continue  # content.py reports the malformed tag at its line
        line = booklet.source.line_of("language") if booklet.source else None
        if not catalogue_paths(booklet.language, content_root):  # reported at each manifest
            problems = check_language(booklet.language, booklet.manifest, line, content_root)
        elif booklet.language in checked:
            problems = checked[booklet.language]
        else:
            problems = checked[booklet.language] = check_language(
                booklet.language, booklet.manifest, line, content_root)
        for problem in problems:
            found.setdefault(problem)
    return list(found)


def _shown(message: Message) -> str:
    """Return a message as a translator is shown it: its msgid (and plural) quoted."""
    if isinstance(message.id, (list, tuple)):
        return " / ".join(f'"{text}"' for text in message.id)
    return f'"{message.id}"'


# Extraction ----------------------------------------------------------------------------------

def extract_template() -> Catalog:
    """Return the catalogue template extracted now from our templates and Python sources."""
    catalogue = Catalog(project="pibooklet", version="", domain=DOMAIN, charset="utf-8",
                        creation_date=_POT_DATE, revision_date=_POT_DATE,
                        msgid_bugs_address="", copyright_holder="", fuzzy=False)
    for folder, pattern, method in SOURCES:
        for path in sorted((PROJECT / folder).glob(pattern)):
            extractor = "jinja2.ext:babel_extract" if method == "jinja2" else method
            options = {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true"} \
                if method == "jinja2" else {}
            for line, message, comments, context in extract_from_file(
                    extractor, path, keywords=KEYWORDS, comment_tags=("Translators:",),
                    options=options, strip_comment_tags=True):
                catalogue.add(message, None, [(path.relative_to(PROJECT).as_posix(), line)],
                              auto_comments=comments, context=context)
    return catalogue


def template_text(catalogue: Catalog) -> bytes:
    """Return a catalogue template as .pot bytes, without line numbers (they move often)."""
    buffer = io.BytesIO()
    write_po(buffer, catalogue, width=96, include_lineno=False, sort_output=False,
             omit_header=False)
    # Without Babel's version, a newer Babel gives the same file.
    return re.sub(rb'"Generated-By: [^"]*"\n', b"", buffer.getvalue())


def shipped_catalogues() -> list[Path]:
    """Return our own .po catalogues."""
    return sorted(LOCALE.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def out_of_step() -> list[str]:
    """Return what is out of step: a stale .pot, and each catalogue string missing."""
    report = []
    if not TEMPLATE_FILE.is_file() or TEMPLATE_FILE.read_bytes() != \
            template_text(extract_template()):
        report.append(f"{TEMPLATE_FILE.relative_to(PROJECT)}: not what extraction gives now; "
                      "run python3 -m pibooklet.messages --update")
    for path in shipped_catalogues():
        language = path.parent.parent.name
        report += [str(problem) for problem in check_language(language, path, None, None)]
    return report


def update() -> None:
    """Write the .pot from the sources, and bring our catalogues' entries in step with it."""
    template = extract_template()
    TEMPLATE_FILE.parent.mkdir(parents=True, exist_ok=True)
    TEMPLATE_FILE.write_bytes(template_text(template))
    for path in shipped_catalogues():
        with path.open("rb") as file:
            catalogue = read_po(file)
        catalogue.update(template, no_fuzzy_matching=True)
        buffer = io.BytesIO()
        write_po(buffer, catalogue, width=96, include_lineno=False, ignore_obsolete=True)
        path.write_bytes(buffer.getvalue())


def main(argv: list[str] | None = None) -> int:
    """Report (or with --update, repair) catalogues out of step with the sources."""
    argv = sys.argv[1:] if argv is None else argv
    if "--update" in argv:
        update()
    report = out_of_step()
    for line in report:
        print(line)
    if not report:
        print(f"{TEMPLATE_FILE.relative_to(PROJECT)} and {len(shipped_catalogues())} "
              "catalogues are in step")
    return 1 if report else 0


if __name__ == "__main__":
    sys.exit(main())
