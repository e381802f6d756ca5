"""From an imported document's blocks to a booklet folder: the manifest, one section file per
heading, the pictures, and a note for everything that could not be mapped.

What is recognised: the title (Word's Title style, the document's properties or a lone top
heading), a contents list (dropped: ours is made from the layout), the publication facts of an
inside cover (edition, next review, reviewers, disclaimer, feedback), a Help and support
section (each organisation matched with the directory or proposed for it) and a questions
list (our `::: questions` block). A fact the document does not give is written as a
`FILL IN:` placeholder, which the check reports at its line until someone writes it.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import textwrap
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from ..content import SupportEntry
from ..errors import ContentError, Problem
from ..intake import image_data_problem
from ..limits import MAX_IMPORT_SECTIONS
from ..links import find_contacts, national_digits
from ..schema import PLACEHOLDER
from .blocks import Block, Note
from .docx import Picture

_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december")
_DATE = (r"(?P<date>(?:\d{1,2}(?:st|nd|rd|th)?\s+)?(?:" + "|".join(_MONTHS) +
         r"|" + "|".join(month[:3] for month in _MONTHS) + r")\.?\s+\d{4}|\d{4}-\d{2}(?:-\d{2})?"
         r"|\d{1,2}/\d{4}|\d{1,2}/\d{1,2}/\d{4})")
#: What a heading or paragraph says when it is one of the parts the import recognises.
_SAYS = {name: re.compile(pattern, re.IGNORECASE) for name, pattern in {
    "contents": r"^(table of )?contents$|^(what'?s|what is) in (this|the) (booklet|leaflet)|"
                r"^in this (booklet|leaflet)$",
    "support": r"help and support|useful (contacts|organisations|addresses|numbers)|"
               r"(further|more) (help|support)|where to (get|find) (help|support)|"
               r"support organisations|organisations that can help",
    "questions": r"questions (you|to|that you) (may|might|could|can)?\s*(want to|wish to|like "
                 r"to)?\s*ask|^questions to ask|^your questions",
    "edition": r"^(?:this edition|published|edition|date of publication|first published|"
               r"publication date|date published|last updated|updated)\s*(?:on|in)?\s*:?\s*"
               + _DATE,
    "next_review": r"(?:next review(?: date)?|review date|due for review|to be reviewed)"
                   r"\s*(?:on|in|by)?\s*:?\s*" + _DATE,
    "reviewers": r"^(?:(?:this|the) (?:booklet|leaflet|information|edition|guide) (?:was|has "
                 r"been) )?(?:written and )?reviewed by\b",
    "reviewers-heading": r"^(reviewed by|reviewers|who reviewed (this|it))\b",
    "disclaimer": r"\b(?:does not|doesn't|do not|is not (?:meant|intended) to|cannot) "
                  r"(?:replace|take the place of)\b|\bnot a substitute for\b|^disclaimer\b",
    "feedback": r"^(?:tell us what you think|let us know what you think|we(?:'d| would) "
                r"(?:love|like) (?:to hear|your|to know)|(?:your )?feedback\b)",
    "facts-heading": r"^(about this (booklet|leaflet|information)|publication (details|"
                     r"information)|document information)$",
}.items()}
_LABEL = re.compile(r"\b(?:phone|telephone|tel|helpline|freephone|call|web|website|online|"
                    r"email|e-mail)\b\s*:?", re.IGNORECASE)
#: Booklet folder names that are the content folder's own (see the README's content folder).
RESERVED_SLUGS = ("shared", "images", "templates", "styles", "locale")
#: Picture formats kept as they are, and those Pillow turns into PNG for the layout.
_KEPT = {"PNG": ".png", "JPEG": ".jpg"}
_CONVERTED = ("GIF", "BMP", "TIFF", "WEBP")


@dataclass
class Imported:
    """A document to import: its blocks and pictures, and what it says of itself."""

    blocks: list[Block]
    pictures: list[Picture]
    title: str = ""  # the document's own title, where its properties give one
    front: dict[str, Any] = field(default_factory=dict)  # manifest keys (Markdown front matter)
    notes: list[Note] = field(default_factory=list)


@dataclass
class Plan:
    """A booklet folder to write: every file's bytes, the notes of the report, and a summary."""

    slug: str
    title: str
    files: dict[str, bytes]
    notes: list[Note]
    sections: int = 0
    pictures: int = 0
    placeholders: list[str] = field(default_factory=list)
    proposed: list[str] = field(default_factory=list)  # directory entries, as YAML


def plan_booklet(source: Imported, fallback_title: str, slug: str | None,
                 directory: dict[str, SupportEntry], path: Path) -> Plan:
    """Return the booklet folder an imported document becomes (nothing is written here)."""
    notes = list(source.notes)
    blocks = list(source.blocks)
    title, subtitle = _title(blocks, source, fallback_title)
    slug = slug or slug_from(title) or slug_from(fallback_title) or "imported-booklet"
    blocks = _drop_contents(blocks, notes)
    facts = _take_facts(blocks, notes)
    facts.update({key: value for key, value in source.front.items() if key not in ("title",
                                                                                 "subtitle")})
    sections = _split(blocks, path)
    writer = _Writer(source, notes, slug)
    support: list[str] = []
    proposed: list[str] = []
    names: list[str] = []
    for number, (heading, body) in enumerate(sections, 0 if sections[:1] and
                                             sections[0][0] is None else 1):
        if heading is not None and _SAYS["support"].search(heading.plain):
            support += _support(heading, body, directory, notes, proposed)
            continue
        name = f"{number:02d}-{slug_from(heading.plain)[:40].strip('-') or 'section'}.md" \
            if heading else "00-introduction.md"
        while name in names:
            name = name.replace(".md", "-2.md")
        questions = heading is not None and bool(_SAYS["questions"].search(heading.plain))
        text = writer.section(name, heading, body, questions)
        if text is None:
            continue
        names.append(name)
        writer.files[name] = text.encode()
    manifest, placeholders = _manifest(title, subtitle, facts, names, support)
    writer.files["booklet.yaml"] = manifest.encode()
    return Plan(slug, title, writer.files, notes, len(names), writer.pictures, placeholders,
                proposed)


# The title and the contents list -----------------------------------------------------------

def _title(blocks: list[Block], source: Imported, fallback: str) -> tuple[str, str]:
    """Return the title and subtitle, taking their blocks out of `blocks`."""
    title = source.front.get("title") or ""
    subtitle = source.front.get("subtitle") or ""
    first = next((block for block in blocks if block.kind != "figure"), None)
    if (first and first.style == "title") or (
            first and first.kind == "heading" and first.level == 1
            and sum(block.kind == "heading" and block.level == 1 for block in blocks) == 1
            and any(block.kind == "heading" and block.level > 1 for block in blocks)):
        title = title or first.plain
        blocks.remove(first)
        after = next((block for block in blocks if block.kind != "figure"), None)
        if after and after.style == "subtitle":
            subtitle = subtitle or after.plain
            blocks.remove(after)
    return str(title or source.title or fallback), str(subtitle)


def _drop_contents(blocks: list[Block], notes: list[Note]) -> list[Block]:
    """Return the blocks without the document's contents list (Word's TOC, or a Contents part)."""
    kept: list[Block] = []
    dropped: list[Block] = []
    in_contents = 0  # the level of the Contents heading being skipped, or 0
    for block in blocks:
        if block.kind == "heading" and in_contents and block.level <= in_contents:
            in_contents = 0
        if block.kind == "heading" and _SAYS["contents"].match(block.plain):
            in_contents = block.level
        if in_contents or block.style in ("toc", "toc-heading"):
            dropped.append(block)
        else:
            kept.append(block)
    if dropped:
        entries = sum(block.kind in ("paragraph", "item") for block in _flattened(dropped))
        counted = f"{entries} {'entry' if entries == 1 else 'entries'}"
        notes.append(Note(dropped[0].where, f"a contents list ({counted}) was dropped: the "
                                            "booklet's contents page is made from the real "
                                            "layout"))
    return kept


# Publication facts -------------------------------------------------------------------------

def _take_facts(blocks: list[Block], notes: list[Note]) -> dict[str, Any]:
    """Return the manifest keys the document states (edition, review, reviewers...), taking
    the paragraphs that state them out of `blocks`."""
    facts: dict[str, Any] = {}
    taken: list[Block] = []
    for index, block in enumerate(blocks):
        if block.kind == "heading" and _SAYS["reviewers-heading"].match(block.plain) and \
                index + 1 < len(blocks) and blocks[index + 1].kind == "list":
            facts.setdefault("reviewers", _reviewer_list(blocks[index + 1]))
            taken += [block, blocks[index + 1]]
            notes.append(Note(block.where, "the reviewers listed here went to booklet.yaml "
                                           "'reviewers'"))
            continue
        if block.kind != "paragraph":
            continue
        found = []
        for key in ("edition", "next_review"):
            match = _SAYS[key].search(block.plain)
            date = match and _month(match["date"])
            if date and key not in facts and len(block.plain) < 200:
                facts[key] = date
                found.append(key)
        if not found:
            for key in ("reviewers", "disclaimer", "feedback"):
                if key not in facts and _SAYS[key].search(block.plain) and (
                        key != "feedback" or any(find_contacts(block.plain))) and (
                        key != "disclaimer" or re.search(r"booklet|leaflet|information",
                                                         block.plain, re.IGNORECASE)):
                    facts[key] = block.text
                    found.append(key)
                    break
        if found:
            taken.append(block)
            notes.append(Note(block.where, f"went to booklet.yaml {' and '.join(map(repr, found))}"
                                           " (printed on the inside cover)"))
    for block in taken:
        blocks.remove(block)
    # A heading left with nothing under it (About this booklet) goes too.
    for index in range(len(blocks) - 1, -1, -1):
        block = blocks[index]
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        if block.kind == "heading" and _SAYS["facts-heading"].match(block.plain) and (
                following is None or (following.kind == "heading"
                and following.level <= block.level)):
            del blocks[index]
    return facts


def _month(text: str) -> str | None:
    """Return a date as written in a document as YYYY-MM, or None."""
    text = text.strip().lower().replace(".", "")
    if re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", text):
        return text[:7]
    numbers = re.fullmatch(r"(?:(\d{1,2})/)?(\d{1,2})/(\d{4})", text)
    if numbers:
        month, year = int(numbers[2]), int(numbers[3])
    else:
        words = text.split()
        month = next((index + 1 for index, name in enumerate(_MONTHS)
                      if words[-2].startswith(name[:3])), 0)
        year = int(words[-1])
    return f"{year:04d}-{month:02d}" if 1 <= month <= 12 and 1900 < year < 2200 else None


def _reviewer_list(block: Block) -> Any:
    """Return reviewers as name, role and organisation when each item gives all three."""
    people = [[part.strip() for part in item.plain.split(",")] for item in block.items]
    if people and all(len(parts) >= 3 for parts in people):
        return [{"name": parts[0], "role": parts[1], "organisation": ", ".join(parts[2:])}
                for parts in people]
    return "Reviewed by " + "; ".join(item.text for item in block.items) + "."


# Sections ----------------------------------------------------------------------------------

def _split(blocks: list[Block], path: Path) -> list[tuple[Block | None, list[Block]]]:
    """Return (heading, body) for each section: a heading of the top level used starts one."""
    levels = [block.level for block in blocks if block.kind == "heading"]
    top = min(levels, default=1)
    starts = [block for block in blocks if block.kind == "heading" and block.level == top]
    if len(starts) > MAX_IMPORT_SECTIONS:
        raise ContentError([Problem(path, None, f"has {len(starts)} headings that would each "
                                                f"start a section; a booklet may have at most "
                                                f"{MAX_IMPORT_SECTIONS}: nothing was written")])
    sections: list[tuple[Block | None, list[Block]]] = [(None, [])]
    for block in blocks:
        if block.kind == "heading" and block.level == top:
            sections.append((block, []))
        else:
            sections[-1][1].append(block)
    if not sections[0][1]:
        del sections[0]
    return sections


class _Writer:
    """Writes sections as Markdown, and their pictures as files, noting what it cannot."""

    def __init__(self, source: Imported, notes: list[Note], slug: str):
        self.source = source
        self.slug = slug
        self.notes = notes
        self.files: dict[str, bytes] = {}
        self.pictures = 0
        self._written: dict[int, str] = {}

    def section(self, name: str, heading: Block | None, body: list[Block],
                questions: bool) -> str | None:
        """Return a section file's text, or None when nothing in it can be imported."""
        lines = ["---"]
        if heading is not None:
            lines.append(f"title: {_quoted(heading.plain)}")
        else:
            lines.append("contents: false")
        lines += ["---"]
        top = heading.level if heading is not None else min(
            [block.level for block in body if block.kind == "heading"], default=1) - 1
        previous = 1
        asked: list[Block] = []
        for block in body:
            if questions and (block.kind == "list" or (block.kind == "paragraph"
                              and block.plain.endswith("?"))):
                asked += block.items if block.kind == "list" else [block]
                continue
            if asked:
                lines += self._questions(asked)
                asked = []
            if block.kind == "heading":
                # '##' is a section's sub-heading; no level is skipped.
                level = min(max(2, block.level - top + 1), previous + 1, 6)
                previous = level
                lines += ["", "#" * level + " " + block.text]
            elif block.kind == "paragraph":
                lines += ["", *_wrapped(block.text)]
            elif block.kind == "raw":
                lines += ["", block.text]
            elif block.kind == "list":
                lines.append("")
                lines += _list_lines(block, 0)
            elif block.kind == "figure":
                figure = self._figure(block, name, len(lines) + 2)
                if figure:
                    lines += ["", figure]
            elif block.kind == "table":
                rows, columns = block.size
                self.notes.append(Note(block.where, f"a table ({rows} x {columns}) was not "
                                                    f"imported: a booklet has no tables (they "
                                                    f"do not re-flow for large print); write "
                                                    f"what it says as a list or short "
                                                    f"paragraphs in {name}"))
        if asked:
            lines += self._questions(asked)
        if len(lines) == 3 and heading is None:
            return None
        return "\n".join(lines) + "\n"

    def _questions(self, asked: list[Block]) -> list[str]:
        return ["", "::: questions", *(f"- {item.text}" for item in asked), ":::"]

    def _figure(self, block: Block, section: str, line: int) -> str | None:
        """Return a figure's Markdown and write its file, or None (noted) when it cannot be."""
        assert block.image is not None
        picture = self.source.pictures[block.image]
        if picture.problem or picture.data is None:
            self.notes.append(Note(block.where, f"a picture {picture.problem or 'is empty'}"))
            return None
        if block.image not in self._written:
            saved = self._save(picture)
            if saved is None:
                kind = picture.content_type or "of a type not known"
                self.notes.append(Note(block.where, f"a picture was not imported: it is not "
                                                    f"a PNG, JPEG, GIF, BMP, TIFF or WebP "
                                                    f"image ({kind}); export it as PNG"))
                return None
            if isinstance(saved, Note):
                self.notes.append(Note(block.where, saved.message))
                return None
            self._written[block.image] = saved
        target = self._written[block.image]
        if not picture.alt:
            self.notes.append(Note(block.where, f"a picture has no alternative text: describe "
                                                f"what it shows in {self.slug}/{section}:{line} "
                                                f"(![what it shows]({target})); the check "
                                                "reports it until then"))
        return f"![{picture.alt.replace(']', ')').replace('[', '(')}]({target})"

    def _save(self, picture: Picture) -> str | Note | None:
        data = picture.data or b""
        problem = image_data_problem(data, Path("picture"), "picture")
        if problem and "cannot be read as an image" in problem:
            return None
        if problem:
            return Note(None, f"a picture was not imported: {problem.replace('image ', '', 1)}")
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format or ""
            if kind in _CONVERTED:
                buffer = io.BytesIO()
                image.convert("RGBA" if "A" in image.getbands() else "RGB").save(buffer, "PNG")
                data, suffix = buffer.getvalue(), ".png"
            elif kind in _KEPT:
                suffix = _KEPT[kind]
            else:
                return None
        self.pictures += 1
        name = f"images/picture-{self.pictures:02d}{suffix}"
        self.files[name] = data
        return name


def _list_lines(block: Block, depth: int) -> list[str]:
    lines = []
    for number, item in enumerate(block.items, 1):
        marker = f"{number}." if block.ordered else "-"
        lines.append("    " * depth + f"{marker} {item.text}")
        for sub in item.items:
            lines += _list_lines(sub, depth + 1)
    return lines


_LINK_TEXT = re.compile(r"\[[^\]\n]*\]\(")
_BLOCK_START = re.compile(r"^(?:[-+*>#|]|\d+[.)]|:::|={3,})(?:\s|$)")


def _wrapped(text: str) -> list[str]:
    """Return a paragraph in lines of about 90 characters, none read as the start of a block."""
    lines: list[str] = []
    # A link's words stay on one line, so the file reads (and searches) as the document did.
    text = _LINK_TEXT.sub(lambda match: match[0].replace(" ", "\0"), text)
    for part in text.split("\n"):
        for line in textwrap.wrap(part, 90, break_long_words=False, break_on_hyphens=False):
            line = line.replace("\0", " ")
            if lines and _BLOCK_START.match(line):
                lines[-1] += " " + line
            else:
                lines.append(line)
    return lines


# Help and support --------------------------------------------------------------------------

def _support(heading: Block, body: list[Block], directory: dict[str, SupportEntry],
             notes: list[Note], proposed: list[str]) -> list[str]:
    """Return the manifest's support items (as YAML lines) for a Help and support section."""
    groups: list[tuple[str, str, list[Block]]] = []  # kind, name, blocks
    for block in _flattened(body):
        if block.kind == "heading":
            groups.append(("heading", block.plain, []))
        elif block.bold_lead and block.kind in ("paragraph", "item"):
            groups.append(("entry", block.bold_lead.rstrip(":–- "), [block]))
        elif block.kind in ("paragraph", "item"):
            if not groups or groups[-1][0] == "text":
                groups.append(("text", "", []))
            groups[-1][2].append(block)
        elif block.kind != "list":
            notes.append(Note(block.where, f"a {block.kind} in the Help and support section was "
                                           "not imported"))
    items: list[str] = []
    matched = added = 0
    for kind, name, blocks in groups:
        words = " ".join(block.plain for block in blocks)
        contacts = _contacts(words, [link for block in blocks for link in block.links])
        if kind == "heading" and contacts:
            kind, words = "entry", words
        if kind == "heading":
            items.append(f"  - heading: {_quoted(name)}")
            continue
        if kind == "text" and contacts and not name:
            name = re.split(r"\s*[:–—-]\s", words, maxsplit=1)[0] if re.search(
                r"\s[:–—-]\s|:\s", words) else ""
            kind = "entry" if name and len(name) <= 60 else "text"
        if kind == "text" or not contacts:
            items.append(f"  - text: {_quoted(' '.join(block.text for block in blocks))}")
            continue
        found = _match(name, contacts, directory)
        if found:
            items.append(f"  - {found}")
            matched += 1
            continue
        description = _description(words, name)
        lines = [f"**{name}**" + (f": {description}" if description else "")]
        lines += [f"{_CONTACT_LABELS[kind]} {value}" for kind, value in contacts.items()]
        items.append(f"  - text: {_quoted('<br>'.join(lines))}")
        proposed.append(_proposal(name, description, contacts, directory))
        added += 1
    notes.append(Note(heading.where, f"the section '{heading.plain}' became the booklet's Help "
                                     f"and support: organisations found in directory.yaml: "
                                     f"{matched}; new ones written as text (and proposed for "
                                     f"directory.yaml below): {added}"))
    return items


_CONTACT_LABELS = {"phone": "Phone:", "web": "Web:", "email": "Email:"}


def _flattened(blocks: list[Block]) -> list[Block]:
    flat = []
    for block in blocks:
        flat.append(block)
        for item in block.items:
            flat += _flattened([item])
    return flat


def _contacts(words: str, links: list[str]) -> dict[str, str]:
    """Return the first phone number, web and email address in an entry's words and links."""
    found: dict[str, str] = {}
    for contact in find_contacts(" ".join([words, *(re.sub(r"^https?://|^mailto:", "", link)
                                                   for link in links
                                                   if not link.startswith("#"))])):
        found.setdefault(contact.kind, contact.text)
    return {kind: found[kind] for kind in ("phone", "web", "email") if kind in found}


def _normal_web(address: str) -> str:
    return re.sub(r"^(https?://)?(www\.)?", "", address.lower()).rstrip("/")


def _normal_name(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _match(name: str, contacts: dict[str, str], directory: dict[str, SupportEntry]) -> str | None:
    """Return the id of the directory entry this organisation is, by name or address."""
    for entry_id, entry in directory.items():
        if _normal_name(entry.name) == _normal_name(name) or (
                entry.phone and "phone" in contacts
                and national_digits(entry.phone) == national_digits(contacts["phone"])) or (
                entry.web and "web" in contacts
                and _normal_web(entry.web) == _normal_web(contacts["web"])) or (
                entry.email and entry.email.lower() == contacts.get("email", "").lower()):
            return entry_id
    return None


def _description(words: str, name: str) -> str:
    """Return what an entry says beyond its name and addresses."""
    text = words.replace(name, "", 1)
    for contact in find_contacts(text):
        text = text.replace(contact.text, " ")
    text = _LABEL.sub(" ", text)
    text = re.sub(r"\s+([.,;:])", r"\1", re.sub(r"\s+", " ", text))
    return text.strip(" .,;:–—-")


def _proposal(name: str, description: str, contacts: dict[str, str],
              directory: dict[str, SupportEntry]) -> str:
    entry_id = slug_from(name)[:40].strip("-") or "organisation"
    while entry_id in directory:
        entry_id += "-2"
    lines = [f"{entry_id}:", f"  name: {_quoted(name)}"]
    lines += [f"  {kind}: {_quoted(value)}" for kind, value in contacts.items()]
    if description:
        lines.append(f"  description: {_quoted(description)}")
    return "\n".join(lines)


# The manifest ------------------------------------------------------------------------------

#: What each fact the document may not give is, for its placeholder.
_TO_FILL_IN = {
    "edition": "the month this edition is published, as YYYY-MM",
    "next_review": "the month of the next review, as YYYY-MM (at most 3 years after the "
                   "edition)",
    "reviewers": "who reviewed this edition: a list of name, role and organisation, or one "
                 "sentence",
    "disclaimer": "the accuracy disclaimer printed on the inside cover",
    "feedback": "how readers send feedback, with an email address or phone number",
}


def _manifest(title: str, subtitle: str, facts: dict[str, Any], sections: list[str],
              support: list[str]) -> tuple[str, list[str]]:
    """Return booklet.yaml's text, and the keys written as placeholders."""
    today = dt.date.today().isoformat()
    lines = [f"# Imported by pibooklet import on {today}. Every 'FILL IN:' is a fact the",
             "# document did not give: `pibooklet check` reports each until it is written.",
             f"title: {_quoted(title)}"]
    if subtitle:
        lines.append(f"subtitle: {_quoted(subtitle)}")
    if facts.get("language"):
        lines.append(f"language: {_quoted(str(facts['language']))}")
    placeholders = []
    for key in ("edition", "next_review", "reviewers", "reviewed_with", "disclaimer",
                "feedback"):
        value = facts.get(key)
        if value is None and key in _TO_FILL_IN:
            placeholders.append(key)
            value = f"{PLACEHOLDER} {_TO_FILL_IN[key]}"
        if value is None:
            continue
        if isinstance(value, list):
            lines.append(f"{key}:")
            for person in value:
                lines += [f"  - {field}: {_quoted(str(person.get(field, '')))}" if index == 0
                          else f"    {field}: {_quoted(str(person.get(field, '')))}"
                          for index, field in enumerate(("name", "role", "organisation"))]
        elif isinstance(value, dt.date):
            lines.append(f"{key}: {value:%Y-%m}")
        elif key in ("edition", "next_review") and re.fullmatch(r"\d{4}-\d{2}", str(value)):
            lines.append(f"{key}: {value}")
        else:
            lines.append(f"{key}: {_quoted(str(value))}")
    if facts.get("keywords"):
        lines.append(f"keywords: [{', '.join(_quoted(str(word)) for word in facts['keywords'])}]")
    lines.append("sections:")
    lines += [f"  - {name}" for name in sections] or [f"  - {PLACEHOLDER} no section"]
    if support:
        lines.append("support:")
        lines += support
    return "\n".join(lines) + "\n", placeholders


def _quoted(text: str) -> str:
    """Return text as a YAML scalar in double quotes (JSON's strings are YAML's)."""
    return json.dumps(text, ensure_ascii=False)


def slug_from(text: str) -> str:
    """Return a folder name made of a title's first words: lower case, digits and hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    slug = ""
    for word in words:
        if len(slug) + len(word) + 1 > 48:
            break
        slug = f"{slug}-{word}" if slug else word
    return slug
