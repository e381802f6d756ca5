"""New libraries and booklets: folders that build at once, with every key explained.

`organisation.yaml` and each `booklet.yaml` are written from the schema itself (content.py):
every key with its description and default, so the file a user starts from can never fall
behind what the build reads. Keys the organisation must give are filled with clearly made-up
values (a drama phone number, example.org.uk addresses) that build, for the user to replace.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .colour import Colour
from .content import (
    COLOUR_FIELDS,
    DIRECTORY_FILE,
    GOVERNANCE_FIELDS,
    HYPHENATION_FIELDS,
    LARGE_PRINT_FIELDS,
    MANIFEST_FIELDS,
    MANIFEST_FILE,
    ORGANISATION_FIELDS,
    PRINT_FIELDS,
    _plain_language_fields,
)
from .errors import ContentError, OutputError, display_path
from .schema import Field
from .yamlfile import read_yaml

ORGANISATION_FILE = "organisation.yaml"
STARTER_FILES = resources.files(__package__) / "starter_files"
#: The first booklet of a new library.
FIRST_BOOKLET = "my-first-booklet"
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_WIDTH = 96  # comment lines are wrapped to this

# The nested settings, written key by key with their own descriptions.
_NESTED = {"colours": COLOUR_FIELDS, "print": PRINT_FIELDS, "large_print": LARGE_PRINT_FIELDS,
           "hyphenation": HYPHENATION_FIELDS, "governance": GOVERNANCE_FIELDS,
           "plain_language": _plain_language_fields(False)}

# Made-up values for what an organisation must give: they build, and are plainly not real.
# 01632 960xxx is Ofcom's range for drama; example.org.uk is reserved for examples.
ORGANISATION_EXAMPLES: dict[str, Any] = {
    "name": "Your Organisation",
    "short_name": "YO",
    "logo": "images/logo.svg",
    "about": "Say here in two or three plain sentences who you are and what you do for "
             "the families who read your booklets.",
    "address": ["1 Example Street", "Exampletown", "EX1 2MP"],
    "phone": "01632 960000",
    "email": "hello@example.org.uk",
    "website": "www.example.org.uk",
    "charity_numbers": [{"number": "0000000", "where": "England and Wales"}],
    "donation": "To give to our work, visit www.example.org.uk/donate.",
}
# Optional keys with no default, shown commented out with an example of how to write them.
OPTIONAL_EXAMPLES: dict[str, str] = {
    "colour_profile": "profiles/your-printers-profile.icc",
    "output_condition": "FOGRA39",
    "trust_marks": "[{image: images/pif-tick.svg, alt: 'PIF TICK: Trusted Information "
                   "Creator', placement: back-cover}]",
    "fallback_typefaces": "{Arabic: [Noto Sans Arabic]}",
    "publications": "[{id: our-other-leaflet, title: Our other leaflet}]",
    "reviewers": "[{name: A Name, role: Their job, organisation: Where they work}]",
    "inside_cover": "{donating: false}",
    "plain_language": "{min_reading_ease: 70}",
    "related": "[another-booklet-id]",
}
_STARTER_SECTIONS = ("00-introduction.md", "01-writing-a-section.md",
                     "02-boxes-and-pictures.md", "03-questions.md", "04-a-story.md")


def new_library(folder: Path, today: dt.date) -> list[Path]:
    """Write a new content folder that builds at once; return the files written."""
    if folder.exists() and any(folder.iterdir()):
        raise OutputError(f"{display_path(folder)} is not empty: choose a new folder, so "
                          "nothing of yours is overwritten")
    folder.mkdir(parents=True, exist_ok=True)
    written = [_write(folder / ORGANISATION_FILE, organisation_yaml()),
               _copy("directory.yaml", folder / DIRECTORY_FILE),
               _copy("images/logo.svg", folder / "images" / "logo.svg"),
               _copy("gitignore", folder / ".gitignore")]
    return written + new_booklet(folder, FIRST_BOOKLET, today)


def new_booklet(content: Path, slug: str, today: dt.date, title: str | None = None
                ) -> list[Path]:
    """Add booklet `slug` to a content folder, with a section of each kind; return the files
    written."""
    if not _SLUG.match(slug):
        raise OutputError(f"'{slug}' cannot name a booklet: use lower-case letters, digits and "
                          "single hyphens, for example 'after-treatment'")
    if not (content / ORGANISATION_FILE).is_file():
        raise OutputError(f"{display_path(content)} has no {ORGANISATION_FILE}: start a "
                          "library with `pibooklet new library DIR`, or give --content DIR")
    folder = content / slug
    if folder.exists():
        raise OutputError(f"{display_path(folder)} already exists: choose another name")
    folder.mkdir()
    written = [_write(folder / MANIFEST_FILE, manifest_yaml(
        title or slug.replace("-", " ").capitalize(), today, _directory_ids(content)))]
    written += [_copy(f"sections/{name}", folder / name) for name in _STARTER_SECTIONS]
    picture = "images/example-picture.svg"
    return [*written, _copy(picture, folder / picture)]


def organisation_yaml() -> str:
    """Return an organisation.yaml giving every key, each with what it is and its default."""
    lines = ["# The organisation: shared by every booklet in this folder. Every key is here, "
             "with what it", "# is for; replace the made-up values with your own.", ""]
    for field in ORGANISATION_FIELDS:
        lines += _field_lines(field, ORGANISATION_EXAMPLES.get(field.name), 0)
    return "\n".join(lines) + "\n"


def manifest_yaml(title: str, today: dt.date, support: list[str]) -> str:
    """Return a booklet.yaml for a new booklet: every key explained, the sections listed."""
    edition = today.replace(day=1)
    values = {
        "title": title,
        "subtitle": "Who this booklet is for, in a few words",
        "edition": edition.strftime("%Y-%m"),
        "next_review": edition.replace(year=edition.year + 3).strftime("%Y-%m"),
        "reviewers": "This booklet was reviewed by a named expert, their role and where they "
                     "work. Replace this sentence, or list each reviewer.",
        "disclaimer": "We check this information carefully. It does not replace advice from "
                      "your own medical team.",
        "feedback": "Tell us what you think of this booklet: email hello@example.org.uk.",
        "sections": list(_STARTER_SECTIONS),
        "support": support,
        "keywords": [title.lower()],
    }
    lines = ["# A booklet: its details, then its sections in reading order. Every key is here,",
             "# with what it is for.", ""]
    for field in MANIFEST_FIELDS:
        lines += _field_lines(field, values.get(field.name), 0, nest=False)
    return "\n".join(lines) + "\n"


def _field_lines(field: Field, example: Any, indent: int, nest: bool = True) -> list[str]:
    """Return a key's comment and its line(s): the example, else its default, else the key
    commented out with an example of how it is written. With `nest`, settings of several keys
    are written key by key (a booklet's own thresholds are not: they would pin the
    organisation's)."""
    pad = " " * indent
    default = _plain(field.default)
    nested = _NESTED.get(field.name) if nest else None
    if field.required:
        note = field.description
    elif nested:
        note = f"{field.description}: each key below is set to its default"
    elif default not in (None, "", [], {}, ()):
        note = f"{field.description} (default: {_inline(default)})"
    else:
        note = field.description + ("" if "default" in field.description else " (optional)")
    lines = [pad + "# " + line for line in _wrap(note[0].upper() + note[1:], _WIDTH - indent)]
    value = example if example is not None else default
    if nested and example is None:
        lines.append(f"{pad}{field.name}:")
        for sub in nested:
            lines += _field_lines(sub, None, indent + 2)
    elif value in (None, "", [], {}, ()) and not field.required:
        shown = OPTIONAL_EXAMPLES.get(field.name)
        lines.append(f"{pad}# {field.name}: {shown}" if shown else f"{pad}# {field.name}:")
    else:
        lines += _value_lines(field.name, value, pad)
    return lines + ([""] if indent == 0 else [])


def _value_lines(key: str, value: Any, pad: str) -> list[str]:
    """Return `key: value` as YAML, a long list one item a line."""
    if isinstance(value, list) and value and (len(_inline(value)) > 60 or any(
            isinstance(item, dict) for item in value)):
        return [f"{pad}{key}:"] + [f"{pad}  - {_inline(item)}" for item in value]
    if isinstance(value, str) and len(value) > 70:
        return [f"{pad}{key}: >-"] + [f"{pad}  {line}" for line in _wrap(value, _WIDTH - 2)]
    return [f"{pad}{key}: {_inline(value)}"]


def _plain(value: Any) -> Any:
    """Return a schema default as the YAML a user writes for it."""
    if isinstance(value, Colour):
        return {"screen": value.screen, "print": list(value.print)}
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    if isinstance(value, list):
        return [item[0] if isinstance(item, tuple) and item[1] is None else _plain(item)
                for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def _inline(value: Any) -> str:
    """Return a value as one line of YAML (flow style)."""
    dumped = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True,
                            sort_keys=False, width=10_000).strip()
    return dumped.removesuffix("\n...").removesuffix("...").strip()


def _wrap(text: str, width: int) -> list[str]:
    """Return text broken into lines of at most `width` characters, at spaces."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return lines + ([line] if line else [])


def _directory_ids(content: Path) -> list[str]:
    """Return the ids of the library's directory entries (for Help and support)."""
    path = content / DIRECTORY_FILE
    try:  # through the front door: the folder's files are untrusted (size, pipes, aliases)
        data = read_yaml(path, content) if path.is_file() else None
    except ContentError:
        return []  # the check reports a broken directory; a new booklet need not
    return [key for key in data if isinstance(key, str)][:4] if isinstance(data, dict) else []


def _copy(name: str, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    with resources.as_file(STARTER_FILES / name) as source:
        shutil.copyfile(source, target)
    return target


def _write(target: Path, text: str) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target
