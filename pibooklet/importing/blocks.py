"""The blocks of an imported document: headings, paragraphs, lists, figures and tables, each
with its place in the source, and mammoth's HTML read into them as our Markdown."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

#: Where a block came from: a paragraph number (Word) or a line (Markdown); see Source.where.
Place = int


@dataclass
class Block:
    """One block of the source document, in reading order."""

    kind: str  # heading, paragraph, list, item, figure, table or notes
    where: Place
    text: str = ""  # inline Markdown (heading, paragraph, item)
    plain: str = ""  # the words alone, for recognising what a block is
    level: int = 0  # a heading's level
    style: str = ""  # title, subtitle, toc or toc-heading (Word styles mammoth was told of)
    bold_lead: str = ""  # the words of a bold run the block starts with (an organisation's name)
    items: list[Block] = field(default_factory=list)  # a list's items; an item's sub-lists
    ordered: bool = False
    image: int | None = None  # a figure's index in the source's images
    size: tuple[int, int] = (0, 0)  # a table's rows and columns
    links: list[str] = field(default_factory=list)  # the link targets in the block's text


@dataclass
class Note:
    """Something the import could not map, or did with a source's part, and where."""

    where: Place | None
    message: str


# Reading mammoth's HTML -------------------------------------------------------------------

@dataclass
class _Node:
    tag: str
    attrs: dict[str, str]
    children: list[_Node | str] = field(default_factory=list)


class _TreeBuilder(HTMLParser):
    """Builds a small tree of mammoth's HTML (well formed, few tags)."""

    _VOID = frozenset({"img", "br", "hr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("root", {})
        self._open = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = _Node(tag, {name: value or "" for name, value in attrs})
        self._open[-1].children.append(node)
        if tag not in self._VOID:
            self._open.append(node)

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self._open) - 1, 0, -1):
            if self._open[depth].tag == tag:
                del self._open[depth:]
                return

    def handle_data(self, data: str) -> None:
        self._open[-1].children.append(data)


_PARAGRAPHS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "li"})


def blocks_from_html(markup: str) -> tuple[list[Block], list[Note]]:
    """Return the blocks of mammoth's HTML, numbering Word's paragraphs from 1 as they come.

    mammoth is run keeping empty paragraphs, so each p, h1-h6 and li is one Word paragraph.
    """
    builder = _TreeBuilder()
    builder.feed(markup)
    builder.close()
    reader = _Reader()
    for child in builder.root.children:
        if isinstance(child, _Node):
            reader.top(child)
    return reader.blocks, reader.notes


class _Reader:
    def __init__(self) -> None:
        self.count = 0
        self.blocks: list[Block] = []
        self.notes: list[Note] = []

    def top(self, node: _Node) -> None:
        if node.tag in ("ul", "ol") and any(
                isinstance(item, _Node) and re.match(r"(foot|end)note-", item.attrs.get("id", ""))
                for item in node.children):
            self.notes.append(Note(None, f"{len(_items(node))} footnotes or endnotes were not "
                                         "imported; put what they say into the text"))
            return
        if node.tag in ("ul", "ol"):
            self.blocks.append(self.list_block(node))
        elif node.tag == "table":
            self.table(node)
        elif node.tag in _PARAGRAPHS:
            self.count += 1
            self.paragraph(node, self.count)
        else:  # a wrapper mammoth was told to write: read what is inside
            for child in node.children:
                if isinstance(child, _Node):
                    self.top(child)

    def paragraph(self, node: _Node, where: Place) -> None:
        text, plain, images, links = inline(node)
        style = next((name for name in node.attrs.get("class", "").split()
                      if name in ("title", "subtitle", "toc", "toc-heading")), "")
        if plain.strip():
            level = int(node.tag[1]) if node.tag[0] == "h" else 0
            self.blocks.append(Block("heading" if level else "paragraph", where, text.strip(),
                                     _squash(plain), level=level, style=style,
                                     bold_lead=_bold_lead(node), links=links))
        self.blocks.extend(Block("figure", where, image=index) for index in images)

    def list_block(self, node: _Node) -> Block:
        block = Block("list", self.count + 1, ordered=node.tag == "ol")
        for item in _items(node):
            self.count += 1
            where = self.count
            text, plain, images, links = inline(item, skip=("ul", "ol"))
            entry = Block("item", where, text.strip(), _squash(plain),
                          bold_lead=_bold_lead(item), links=links)
            entry.items = [self.list_block(sub) for sub in item.children
                           if isinstance(sub, _Node) and sub.tag in ("ul", "ol")]
            block.items.append(entry)
            if images:  # a picture in a list item stands after the list
                self.notes.append(Note(where, "a picture inside a list item was moved to "
                                              "after the list"))
                self.blocks.extend(Block("figure", where, image=index) for index in images)
        return block

    def table(self, node: _Node) -> None:
        rows = [row for row in _descendants(node, "tr")]
        columns = max((len([cell for cell in row.children if isinstance(cell, _Node)
                            and cell.tag in ("td", "th")]) for row in rows), default=0)
        first = self.count + 1
        self.count += sum(1 for _ in _descendants(node, *_PARAGRAPHS))
        plain = _squash(" ".join(inline(cell)[1] for cell in _descendants(node, "td", "th")))
        self.blocks.append(Block("table", first, plain=plain, size=(len(rows), columns)))


def _items(node: _Node) -> list[_Node]:
    return [item for item in node.children if isinstance(item, _Node) and item.tag == "li"]


def _descendants(node: _Node, *tags: str):
    for child in node.children:
        if isinstance(child, _Node):
            if child.tag in tags:
                yield child
            yield from _descendants(child, *tags)


def _bold_lead(node: _Node) -> str:
    """Return the words of the bold run a paragraph starts with, if it starts with one."""
    for child in node.children:
        if isinstance(child, str):
            if child.strip():
                return ""
            continue
        if child.tag in ("strong", "b"):
            return _squash(inline(child)[1])
        if child.tag == "a":  # a linked name: look inside the link
            return _bold_lead(child)
        return ""
    return ""


# Inline Markdown ----------------------------------------------------------------------------

# What Markdown would read as markup in running text; `<` is written as an entity, since
# Python-Markdown has no escape for it and our check reads `<letter` as a tag.
_SPECIAL = re.compile(r"([\\`*\[\]])")
_UNDERSCORE = re.compile(r"(?<!\w)_|_(?!\w)")
_SCHEMES = ("https://", "http://", "mailto:", "tel:")


def escape_markdown(text: str) -> str:
    """Return plain text written so that Markdown prints it as it is."""
    text = _SPECIAL.sub(r"\\\1", text.replace("&", "&amp;").replace("<", "&lt;"))
    return _UNDERSCORE.sub(r"\\_", text)


def inline(node: _Node, skip: tuple[str, ...] = ()) -> tuple[str, str, list[int], list[str]]:
    """Return a node's content as inline Markdown, its plain words, its pictures and links."""
    parts: list[str] = []
    plain: list[str] = []
    images: list[int] = []
    links: list[str] = []
    for child in node.children:
        if isinstance(child, str):
            parts.append(escape_markdown(child))
            plain.append(child)
            continue
        if child.tag in skip:
            continue
        if child.tag == "img":
            src = child.attrs.get("src", "")
            if src.startswith("pibooklet-image:"):
                images.append(int(src.rpartition(":")[2]))
            continue
        if child.tag == "br":
            parts.append("<br>")
            plain.append(" ")
            continue
        href = child.attrs.get("href", "") if child.tag == "a" else ""
        if href.startswith(("#footnote-", "#endnote-")):
            continue  # a note's number: the notes themselves are reported, not imported
        text, words, more, targets = inline(child, skip)
        images += more
        links += targets
        plain.append(words)
        if child.tag in ("strong", "b"):
            parts.append(_wrap(text, "**"))
        elif child.tag in ("em", "i"):
            parts.append(_wrap(text, "*"))
        elif child.tag in ("sup", "sub"):
            parts.append(f"<{child.tag}>{text}</{child.tag}>" if text.strip() else text)
        elif child.tag == "a":
            links.append(href)
            parts.append(link_markdown(text, words, href))
        else:
            parts.append(text)
    return "".join(parts), "".join(plain), images, links


def _wrap(text: str, marker: str) -> str:
    """Return `text` emphasised, with its outer spaces outside the markers (as Markdown needs)."""
    stripped = text.strip()
    if not stripped:
        return text
    start = text[:len(text) - len(text.lstrip())]
    end = text[len(text.rstrip()):]
    return f"{start}{marker}{stripped}{marker}{end}"


def link_markdown(text: str, words: str, href: str) -> str:
    """Return a link as our Markdown: an address printed as itself, or [words](https://...)."""
    target = html.unescape(href).strip()
    if target.startswith("http://"):
        target = "https://" + target[len("http://"):]
    bare = re.sub(r"^(https://|mailto:|tel:)", "", target).rstrip("/")
    shown = words.strip()
    if not target.startswith(_SCHEMES) or target.startswith("tel:"):
        return text  # a place in the document, a phone number or another scheme: the words
    if not shown or shown.rstrip("/").lower() in (bare.lower(), target.lower(),
                                                  bare.lower().removeprefix("www.")):
        return text if shown else escape_markdown(bare)
    return f"[{text.strip()}]({target.replace(' ', '%20').replace(')', '%29')})"


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
