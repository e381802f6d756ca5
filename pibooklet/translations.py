"""Translations: a booklet's editions in other languages, and the organisation's own words in each.

A translation of `content/SLUG/` lives in `content/SLUG/LANG/` with its own manifest and section
files of the same names. It records the source edition it translates (`source_edition`); the keys
that are not words (dates, the support list, notes pages) come from the source. The
organisation's words in a language are in `organisation.LANG.yaml` and `directory.LANG.yaml`
beside the originals, each text either given or filled from a declared fallback language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from markupsafe import Markup

from . import schema as s
from .direction import is_right_to_left, parsed_locale, text_direction
from .errors import WARNING, Problems, display_path
from .typography import printed_text
from .yamlfile import YamlMap

#: A language tag as manifests and language files' names give it: cy, en-GB, pt-BR.
LANGUAGE_TAG = re.compile(r"[a-z]{2,3}(-[A-Z]{2})?")
#: A translation's folder: a language tag, in lower case (cy, ar, pt-br).
TRANSLATION_FOLDER = re.compile(r"[a-z]{2,3}(-[a-z]{2})?")
#: Manifest keys a translation takes from its source, since they are not words.
INHERITED_KEYS = ("edition", "next_review", "related", "related_qr", "notes_pages",
                  "plain_language")


class ForeignText(str):
    """Text printed in a language other than the booklet's: a fallback, or a proper name.

    Templates mark it with its own `lang`, so screen readers and the tag tree say it right.
    """

    language: str

    def __new__(cls, text: str, language: str) -> ForeignText:
        made = super().__new__(cls, text)
        made.language = language
        return made


def is_known_language(tag: str) -> bool:
    """Return whether Babel's locale data (CLDR) knows the language of a tag."""
    return parsed_locale(tag) is not None


def in_own_language(text: object, html_fragment: str, element: str) -> Markup:
    """Mark text printed in another language than the booklet's (a fallback, a proper name,
    another booklet's title) with its own lang and direction, for screen readers and the
    PDF's tag tree."""
    if not isinstance(text, ForeignText) or not text:
        return Markup(html_fragment)
    return Markup('<{0} lang="{1}" dir="{2}">{3}</{0}>').format(
        element, text.language, text_direction(text.language), Markup(html_fragment))


def primary_language(tag: str) -> str:
    """Return the language of a tag without its region: 'cy-GB' -> 'cy'."""
    return tag.split("-")[0].lower()


def bilingual_slug(first, second) -> str:
    """Return the id of a bilingual booklet: the first half's, then the second's language."""
    return f"{first.slug}-{primary_language(second.language)}"


def translation_slug(folder: Path, root: Path) -> str:
    """Return a booklet's id from its folder: 'clinical-trials', or 'clinical-trials-cy'."""
    # Not resolved: a folder linked from elsewhere still has its name here, and is refused
    # when it is read.
    return "-".join(folder.relative_to(root).parts).lower()


def is_translation(manifest: Path, root: Path) -> bool:
    """Return whether a manifest is a translation's (one folder below a booklet's)."""
    return manifest.parent.parent.resolve() != root.resolve()


def source_section_name(name: str, language_folder: str) -> str:
    """Return the source's name for a translation's section: shared/cy/x.md -> shared/x.md."""
    parts = name.split("/")
    if len(parts) == 3 and parts[0] == "shared" and parts[1].lower() == language_folder:
        return f"shared/{parts[2]}"
    return name


def check_translation(manifest: Path, data: YamlMap, values: dict[str, Any], source,
                      problems: Problems) -> None:
    """Report a translation out of step with its source: stale, or with sections missing or
    extra. `source` is the source Booklet."""
    folder = manifest.parent.name
    if values["language"] and primary_language(values["language"]) != primary_language(folder):
        problems.add(manifest, data.line_of("language"),
                     f"this translation is in the folder '{folder}/' but says 'language: "
                     f"{values['language']}'; rename the folder or fix the language")
    if values["language"] and primary_language(values["language"]) == \
            primary_language(source.language):
        problems.add(manifest, data.line_of("language"),
                     f"a translation must be in another language than its source "
                     f"({source.language})")
    if values.get("bilingual") and (is_right_to_left(values["language"] or "")
                                    or is_right_to_left(source.language)):
        problems.add(manifest, data.line_of("bilingual"),
                     "a back-to-back bilingual booklet is made only from two left-to-right "
                     "languages: a right-to-left half would open from the other cover")
    edition = values["source_edition"]
    source_line = source.source.line_of("edition")
    where = f"{display_path(source.manifest)}:{source_line}"
    if edition and edition < source.edition:
        problems.add(manifest, data.line_of("source_edition"),
                     f"stale translation: it translates the {edition:%Y-%m} edition, but the "
                     f"source ({where}) is now the {source.edition:%Y-%m} edition; translate "
                     f"what changed, then set 'source_edition: {source.edition:%Y-%m}'")
    elif edition and edition > source.edition:
        problems.add(manifest, data.line_of("source_edition"),
                     f"'source_edition' {edition:%Y-%m} is later than the source's edition "
                     f"{source.edition:%Y-%m} ({where}); set it to the edition translated")
    listed = [item for item in (values["sections"] or []) if isinstance(item, str)]
    ours = {source_section_name(name, folder): index for index, name in enumerate(listed)}
    theirs = [_source_name(section, source) for section in source.sections]
    sections_line = data.line_of("sections")
    for name in theirs:
        if name not in ours:
            problems.add(manifest, sections_line,
                         f"section '{name}' of the source is not translated: translate it as "
                         f"{_translated_name(name, folder)} and list it here")
    for name, index in ours.items():
        if name not in theirs:
            problems.add(manifest, data["sections"].line_of(index),
                         f"section '{listed[index]}' is not in the source "
                         f"({display_path(source.manifest)}); translations follow their "
                         f"source: remove it, or add it to the source first")
    common = [name for name in ours if name in theirs]
    if common != [name for name in theirs if name in ours]:
        problems.add(manifest, sections_line,
                     "the sections are in a different order from the source's; list them in "
                     "the source's order", WARNING)


def _source_name(section, source) -> str:
    """Return the name a source manifest lists a section by."""
    return f"shared/{section.path.name}" if section.shared else \
        section.path.relative_to(source.folder).as_posix()


def _translated_name(name: str, folder: str) -> str:
    return f"shared/{folder}/{name[7:]}" if name.startswith("shared/") else f"{folder}/{name}"


# The organisation's words in other languages --------------------------------------------

_TRUST_MARK_WORDS = (s.Field("alt", printed_text, "the mark's description in this language",
                             required=True),)
_CHARITY_NUMBER_WORDS = (
    s.Field("where", printed_text, "where it is registered, in this language", required=True),
)
_PUBLICATION_WORDS = (
    s.Field("id", s.identifier, "the publication's id in organisation.yaml", required=True),
    s.Field("title", printed_text, "its title in this language", required=True),
)
_LARGE_PRINT_WORDS = (
    s.Field("how_to_get", s.text, "how readers get the large-print edition", required=True),
)
_DIRECTORY_WORDS = (
    s.Field("name", printed_text, "the organisation's name in this language (leave it out to "
            "print its own name)"),
    s.Field("description", s.text, "one line on what it offers, in this language"),
)


def organisation_words_fields(back_cover_block: s.Check) -> tuple[s.Field, ...]:
    """Return the keys of organisation.LANG.yaml (the back cover's block check is content.py's)."""
    return (
        s.Field("fallback", s.text, "the language whose words fill any key not given here "
                "(the organisation's own language, e.g. en-GB)"),
        s.Field("name", printed_text, "the organisation's name in this language"),
        s.Field("about", s.text, "what the organisation is and does (Markdown)"),
        s.Field("legal_note", s.text, "operating names or legal status"),
        s.Field("donation", s.text, "how to donate, one line of Markdown"),
        s.Field("large_print", s.mapping(_LARGE_PRINT_WORDS, "set of large-print words"),
                "the large-print edition's words"),
        s.Field("back_cover", s.list_of(back_cover_block), "the back cover's 'contacts:' and "
                "'text:' blocks, in the order of organisation.yaml, in this language"),
        s.Field("publications", s.list_of(s.mapping(_PUBLICATION_WORDS, "publication")),
                "publication titles in this language"),
        s.Field("trust_marks", s.list_of(s.mapping(_TRUST_MARK_WORDS, "trust mark")),
                "trust marks' descriptions, in the order of organisation.yaml"),
        s.Field("charity_numbers", s.list_of(s.mapping(_CHARITY_NUMBER_WORDS,
                                                       "charity number")),
                "where each charity number is registered, in the order of organisation.yaml"),
    )


@dataclass(frozen=True)
class LanguageWords:
    """The organisation's and the directory's words in one language."""

    language: str
    path: Path
    values: dict[str, Any]
    fallback: str | None
    directory: dict[str, dict[str, Any]] = field(default_factory=dict)
    directory_path: Path | None = None
    source: YamlMap = field(default_factory=YamlMap, compare=False, repr=False)


def find_language_files(root: Path, stem: str) -> dict[str, Path]:
    """Return `stem.LANG.yaml` files in the content folder, by language tag."""
    found = {}
    for path in sorted(root.glob(f"{stem}.*.yaml")):
        tag = path.name[len(stem) + 1:-len(".yaml")]
        found[tag] = path
    return found


def read_directory_words(path: Path, data: Any, directory: dict, problems: Problems
                         ) -> dict[str, dict[str, Any]]:
    """Check directory.LANG.yaml: per directory id, its name and description."""
    if not isinstance(data, YamlMap):
        problems.add(path, 1, "must map directory ids to their words ('id:' lines)")
        return {}
    words = {}
    for entry_id, entry in data.items():
        line = data.line_of(entry_id)
        if entry_id not in directory:
            problems.add(path, line, f"'{entry_id}' is not in directory.yaml; fix the id or "
                                     "add the entry there first")
            continue
        words[entry_id] = s.validate(entry, _DIRECTORY_WORDS, s.Context(path, problems, line),
                                     f"directory entry '{entry_id}'")
    return words


def words_for(language: str, organisation_language: str,
              languages: dict[str, LanguageWords]) -> LanguageWords | None:
    """Return the words for a booklet's language: its exact tag first, then its language;
    None in the organisation's own language, or where none are given."""
    if primary_language(language) == primary_language(organisation_language):
        return None
    if language in languages:
        return languages[language]
    return next((words for tag, words in languages.items()
                 if primary_language(tag) == primary_language(language)), None)


def missing_words(organisation, words: LanguageWords) -> list[str]:
    """Return the keys a language file must give because it declares no fallback."""
    if words.fallback:
        return []
    needed = ["about", "donation", "large_print", "charity_numbers"]
    if organisation.legal_note:
        needed.append("legal_note")
    if organisation.trust_marks:
        needed.append("trust_marks")
    if organisation.publications:
        needed.append("publications")
    if any(block == "text" or (block == "contacts" and value and any(
            re.search(r"[^\W\d_]", re.sub(r"\{\w+\}", "", line)) for line in value))
           for block, value in organisation.back_cover):
        needed.append("back_cover")
    return [key for key in needed if not words.values.get(key)]


def count_problems(organisation, words: LanguageWords) -> list[tuple[str, str]]:
    """Return (key, message) for each list a language file gives with the wrong length."""
    found = []
    for key, theirs in (("charity_numbers", organisation.charity_numbers),
                        ("trust_marks", organisation.trust_marks)):
        given = words.values.get(key)
        if given and len(given) != len(theirs):
            found.append((key, f"'{key}' gives {len(given)} item(s), but organisation.yaml "
                               f"has {len(theirs)}: give one for each, in the same order"))
    return found


def localised_organisation(organisation, words: LanguageWords | None):
    """Return the organisation with its words in the language; a gap keeps organisation.yaml's
    words, marked with that file's language."""
    if words is None:
        return organisation
    values = words.values

    def pick(given: str | None, current: str) -> str:
        return given or (ForeignText(current, organisation.language) if current else current)

    publications = dict(organisation.publications)
    for item in values.get("publications") or []:
        if item["id"] in publications:
            publications[item["id"]] = item["title"]
    return replace(
        organisation,
        name=pick(values.get("name"), organisation.name),
        about=pick(values.get("about"), organisation.about),
        legal_note=pick(values.get("legal_note"), organisation.legal_note),
        donation=pick(values.get("donation"), organisation.donation),
        large_print=replace(organisation.large_print, how_to_get=pick(
            (values.get("large_print") or {}).get("how_to_get"),
            organisation.large_print.how_to_get)),
        back_cover=_worded_back_cover(organisation.back_cover, values.get("back_cover")),
        publications=publications,
        trust_marks=tuple(replace(mark, alt=pick(item.get("alt"), mark.alt)) for mark, item
                          in _given_in_order(organisation.trust_marks,
                                             values.get("trust_marks"))),
        charity_numbers=tuple((number, pick(item.get("where"), where)) for (number, where), item
                              in _given_in_order(organisation.charity_numbers,
                                                 values.get("charity_numbers"))))


def _given_in_order(items: tuple, given: list | None) -> list[tuple[Any, dict]]:
    """Pair each of organisation.yaml's items with a language file's words for it, in order
    ({} where the language file gives none)."""
    given = list(given or [])
    return [(item, given[index] if index < len(given) else {})
            for index, item in enumerate(items)]


def _worded_back_cover(blocks: tuple, worded: list | None) -> tuple:
    """Return the back cover with its contacts and text blocks, in order, in the language."""
    if not worded:
        return blocks
    replacements = iter(worded)
    return tuple(next(replacements, (block, value)) if block in ("contacts", "text") and value
                 else (block, value) for block, value in blocks)


def localised_directory(directory: dict, words: LanguageWords | None,
                        organisation_language: str) -> dict:
    """Return the directory with names and descriptions in the language where given."""
    if words is None:
        return directory
    localised = {}
    for entry_id, entry in directory.items():
        given = words.directory.get(entry_id, {})
        name = given.get("name") or ForeignText(entry.name, organisation_language)
        description = given.get("description") or (
            ForeignText(entry.description, organisation_language) if entry.description else "")
        localised[entry_id] = replace(entry, name=name, description=description)
    return localised


def untranslated_entries(support, words: LanguageWords | None, directory: dict) -> list[str]:
    """Return the directory ids a booklet lists whose description is not in its language."""
    if words is None or words.fallback:
        return []
    return [item.value for item in support if item.kind == "entry"
            and item.value in directory and directory[item.value].description
            and not words.directory.get(item.value, {}).get("description")]

