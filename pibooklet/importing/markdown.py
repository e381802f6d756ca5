"""Reading a Markdown booklet (.md): front matter, headings, lists, pictures and paragraphs,
each block with its line."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ContentError, Problem
from ..intake import read_content_bytes, read_content_text
from ..yamlfile import YamlMap, parse_yaml
from .blocks import Block, Note
from .docx import Picture

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<yaml>.*?)^---[ \t]*\n", re.DOTALL | re.MULTILINE)
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_ITEM = re.compile(r"^(?P<indent>\s*)(?P<marker>[-*+]|\d{1,3}[.)])\s+(?P<text>.*)$")
_FIGURE = re.compile(r"^!\[(?P<alt>[^\]]*)\]\((?P<src>[^)\s]+)(?:\s+\"[^\"]*\")?\)\s*$")
_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]+)[^)]*\)")
_BOLD_LEAD = re.compile(r"^\*\*(.+?)\*\*")
#: The manifest keys a Markdown booklet's front matter may give.
MANIFEST_KEYS = ("title", "subtitle", "language", "edition", "next_review", "reviewers",
                 "reviewed_with", "disclaimer", "feedback", "keywords")
_PICTURE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
                  ".gif": "image/gif", ".svg": "image/svg+xml"}


@dataclass
class MarkdownDocument:
    """What a Markdown booklet holds: blocks, pictures, manifest keys and notes."""

    blocks: list[Block]
    pictures: list[Picture]
    front: dict[str, Any]
    notes: list[Note] = field(default_factory=list)


def read_markdown(path: Path) -> MarkdownDocument:
    """Return the blocks of a Markdown booklet; ContentError if it cannot be read."""
    text = read_content_text(path, None, "markdown")
    notes: list[Note] = []
    front: dict[str, Any] = {}
    first = 1
    match = _FRONT_MATTER.match(text)
    if match:
        data = parse_yaml(match["yaml"], path, 2)
        if not isinstance(data, YamlMap):
            raise ContentError([Problem(path, 2, "the front matter must be 'key: value' lines; "
                                                 "nothing was written")])
        for key, value in data.items():
            if key in MANIFEST_KEYS:
                front[key] = value
            else:
                keys = ", ".join(MANIFEST_KEYS)
                notes.append(Note(data.line_of(key), f"front matter key '{key}' is not a "
                                                     "manifest key a booklet takes here; left "
                                                     f"out (the keys are {keys})"))
        first = text[:match.end()].count("\n") + 1
        text = text[match.end():]
    pictures: list[Picture] = []
    blocks = _blocks(text.splitlines(), first, path, pictures, notes)
    return MarkdownDocument(blocks, pictures, front, notes)


def _blocks(lines: list[str], first: int, path: Path, pictures: list[Picture],
            notes: list[Note]) -> list[Block]:
    blocks: list[Block] = []
    paragraph: list[str] = []
    start = first
    fence: str | None = None
    table_line = 0  # the last line of a table read
    items: list[tuple[int, int, str, bool]] = []  # line, indent, text, numbered

    def flush() -> None:
        nonlocal paragraph, items
        if paragraph:
            joined = "\n".join(paragraph)
            blocks.append(_block("paragraph", start, joined))
            paragraph = []
        if items:
            blocks.append(_list(items))
            items = []

    for number, line in enumerate(lines, first):
        if fence is not None:  # a ::: block written in our own syntax: kept as it is
            paragraph.append(line)
            if line.strip() == ":::":
                fence = None
                blocks.append(Block("raw", start, "\n".join(paragraph)))
                paragraph = []
            continue
        if not line.strip():
            flush()
            continue
        if line.startswith(":::"):
            flush()
            fence, start, paragraph = line, number, [line]
            continue
        heading = _HEADING.match(line)
        item = _ITEM.match(line)
        figure = _FIGURE.match(line.strip())
        if heading and not items:
            flush()
            blocks.append(_block("heading", number, heading[2], level=len(heading[1])))
        elif figure and not paragraph:
            flush()
            blocks.append(_picture(figure["alt"], figure["src"], number, path, pictures, notes))
        elif line.lstrip().startswith("|"):
            flush()
            if table_line == number - 1:  # the table goes on: count its rows, not its rule
                rows, columns = blocks[-1].size
                blocks[-1].size = (rows + (not re.fullmatch(r"[\s|:-]+", line)), columns)
            else:
                blocks.append(Block("table", number, size=(1, line.strip().strip("|")
                                                           .count("|") + 1)))
            table_line = number
        elif item and not paragraph:
            items.append((number, len(item["indent"].expandtabs(4)), item["text"],
                          item["marker"][0].isdigit()))
        elif items and line.startswith((" ", "\t")):  # an item's continuation line
            line_number, indent, words, numbered = items[-1]
            items[-1] = (line_number, indent, f"{words} {line.strip()}", numbered)
        else:
            if items:
                flush()
            if not paragraph:
                start = number
            paragraph.append(line)
    if fence is not None:
        blocks.append(Block("raw", start, "\n".join(paragraph)))
        paragraph = []
    flush()
    return blocks


def _block(kind: str, where: int, text: str, level: int = 0) -> Block:
    lead = _BOLD_LEAD.match(text)
    links = [target for _, target in _LINK.findall(text)]
    style = "toc" if kind == "paragraph" and links and all(
        target.startswith("#") for target in links) else ""
    return Block(kind, where, text, plain_words(text), level=level,
                 bold_lead=plain_words(lead[1]) if lead else "", links=links, style=style)


def _list(items: list[tuple[int, int, str, bool]]) -> Block:
    """Return a list block, items indented further than the first nested under the one above."""
    top = Block("list", items[0][0], ordered=items[0][3])
    stack: list[tuple[int, Block]] = [(-1, top)]
    for line, indent, text, numbered in items:
        entry = _block("item", line, text)
        while len(stack) > 1 and indent <= stack[-1][0]:
            stack.pop()
        parent = stack[-1][1]
        if parent.kind == "list":
            parent.items.append(entry)
        else:
            if not parent.items:
                parent.items.append(Block("list", line, ordered=numbered))
            parent.items[-1].items.append(entry)
        stack.append((indent, entry))
    return top


def _picture(alt: str, src: str, where: int, path: Path, pictures: list[Picture],
             notes: list[Note]) -> Block:
    """Return a figure, its bytes read only from the Markdown file's own folder."""
    folder = path.resolve().parent
    target = folder / src
    if re.match(r"[a-z][a-z0-9+.-]*:", src, re.IGNORECASE):
        data, problem = None, "is on the web or elsewhere, so it was never fetched: put the " \
                              "file beside the Markdown file and link it there"
    elif not target.resolve().is_relative_to(folder):
        data, problem = None, "is outside the Markdown file's folder, so it was not read: copy " \
                              "it beside the Markdown file"
    else:
        try:
            data, problem = read_content_bytes(target, folder, "image"), None
        except ContentError as error:
            data, problem = None, error.problems[0].message
    pictures.append(Picture(alt.strip(), _PICTURE_TYPES.get(target.suffix.lower(), ""), data,
                            problem and f"'{src}' {problem}"))
    return Block("figure", where, image=len(pictures) - 1)


def plain_words(markdown: str) -> str:
    """Return the words of inline Markdown: link texts kept, markup and escapes dropped."""
    text = _LINK.sub(r"\1", markdown)
    text = re.sub(r"\\(.)", r"\1", re.sub(r"[*_`]+", "", text))
    return re.sub(r"\s+", " ", text).strip()
