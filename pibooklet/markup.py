"""Markdown to HTML with the booklet's own blocks, figures, icons, cross-references and links.

Authors write ordinary Markdown plus:
  ::: callout | quote | questions | story   ...   :::   a block set apart (blocks may nest);
  ::: callout key | important | tip   ...   :::        a callout in one of its styles, labelled;
  ::: more booklet-id   ...   :::                      another booklet: cover, title, how to get it;
  -- Name, role                                        an attribution, last lines of a quote/story;
  ![Alternative text](images/x.svg "Caption")         a figure with a caption;
  ![…](photo.jpg "Caption"){width=45mm place=right credit="Photo: …"}   size, place and credit;
  ## Sub-heading {icon=name}                           a sub-heading with a small icon;
  [[booklet-id]]                                       the title of another booklet;
  [[qr:www.example.org]]                               a QR code, the address beside it;
  www.example.org, example.org, 0808 808 00 00, call 111  links (rules in links.py).
Raw HTML is limited to RAW_HTML_TAGS (checked with line numbers before rendering), and
everything rendered passes through the nh3 sanitiser, so scripts, styles and event handlers
never reach the layout engine.
"""

from __future__ import annotations

import gettext
import html
import re
import xml.etree.ElementTree as etree
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from urllib.parse import quote

import markdown
import nh3
from markdown.extensions import Extension
from markdown.extensions.sane_lists import SaneListExtension
from markdown.extensions.smarty import SmartyExtension
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import HTML_PLACEHOLDER_RE

from .direction import with_directions
from .limits import (
    MAX_LINE_CHARACTERS,
    MAX_MARKDOWN_NESTING,
    MAX_PARAGRAPH_CHARACTERS,
    MAX_PARAGRAPH_MARKUP,
)
from .links import LINK_CLASSES, find_contacts, kind_of
from .messages import N_
from .translations import ForeignText, in_own_language
from .typography import straighten

BLOCK_KINDS = ("callout", "quote", "questions", "story", "more")
# Each callout style and the label printed (and read first by screen readers) at its top,
# in English: the renderer prints them in the booklet's language.
CALLOUT_STYLES = {"key": N_("Key message"), "important": N_("Important"), "tip": N_("Tip")}
MORE_LABEL = N_("More from us")

# Figure attributes: {width=45% place=right credit="Photo: A Name"} after an image.
IMAGE_PLACES = ("left", "right", "column", "bleed")
FLOAT_DEFAULT_WIDTH = "45%"
#: The narrowest picture that carries a caption: narrower, it would wrap a word or less a line.
MIN_CAPTIONED_MM, MIN_CAPTIONED_PERCENT = 30, 27
# The standard edition's text column (A5 less 20 mm and 15 mm margins): large print re-flows a
# width in mm as the same share of its own, wider column.
STANDARD_COLUMN_MM = 113

# What an editor may write as raw HTML, and the one attribute allowed.
RAW_HTML_TAGS = ("br", "sup", "sub", "abbr", "strong", "em", "small", "span")
# <span lang="en"> marks words in another language: a screen reader switches voice (/Lang).
RAW_HTML_ATTRIBUTES = {"abbr": {"title"}, "span": {"lang"}}

# What the renderer may hand to the layout engine: its own markup plus the editors' tags.
_SAFE_TAGS = {"p", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "a", "cite", "figure",
              "figcaption", "img", "div", "section", "span", "blockquote", "code", "hr",
              *RAW_HTML_TAGS}
_SAFE_ATTRIBUTES = {"*": {"class"}, "a": {"href"}, "img": {"src", "alt"},
                    "div": {"role"}, "span": {"role", "lang"}, "abbr": {"title"},
                    "figure": {"style"}}
# The one style our renderer writes, on a figure: its width.
_SAFE_STYLE_PROPERTIES = {"width"}
# The classes our own renderer writes (here, in links.py and qr.py), and no others.
_OWN_CLASS = re.compile(r"callout(?:-(?:key|important|tip|label))?|questions|attribution|"
                        r"pull-quote|story|more-(?:from-us|label|cover|title)|with-icon|"
                        r"icon(?:-[a-z0-9-]+)?|figure|place-(?:left|right|column|bleed)|sized|"
                        r"credit|cross-reference|qr-code|qr|qr-address|"
                        + "|".join(map(re.escape, LINK_CLASSES.values())))
#: The address a "more from us" block gives its picture: the booklet's cover, which the
#: layout's fetcher draws when it is first asked for (thumbnail.CoverPictures). One address
#: for a booklet, whatever the cover looks like and whoever draws it: WeasyPrint names each
#: picture in the PDF after its address, and the PDF must be the same bytes however it is
#: built.
COVER_SCHEME = "pibooklet-cover"


def cover_address(booklet_id: str) -> str:
    """Return the address of a booklet's cover thumbnail."""
    return f"{COVER_SCHEME}:{quote(booklet_id, safe='')}"


_SAFE_SCHEMES = {"https", "mailto", "tel", "file", "data", COVER_SCHEME}
#: What a link may do in the PDF: open a web page, write an email, dial, or go to a page here.
#: Pictures may still be local files or data (file:, data:), links never.
_LINK_TARGETS = ("https://", "mailto:", "tel:", "#")
# Every pattern below runs on untrusted text, so none may backtrack badly: a repeated part
# never can match what follows it (negated classes, a lookbehind so only the start of a run is
# tried, or a bounded count), which keeps each one linear in the line.
# A raw tag may span lines, blank ones too (Markdown's HTML blocks do); its inside cannot
# start with what could still be its name, so a long name with no ">" is read once.
_RAW_TAG = re.compile(r"<(?P<close>/?)(?P<name>[A-Za-z][\w:-]*)"
                      r"(?P<attributes>(?:[^<>\w:-][^<>]*)?)>")
_AUTOLINK = re.compile(r"(?:https?|mailto):[^\s<>]+|[^\s<>@]+@[^\s<>@]+")
_ATTRIBUTE = re.compile(r"\s*(?P<name>[^\s=/>\"']+)(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+))?"
                        r"|\s*/|\s+")
_ATTRIBUTED = ("quote", "story")

_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")
_LANG_VALUE = re.compile(r"\blang\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'>]*))", re.IGNORECASE)
_FENCE_OPEN = re.compile(r"^:::\s*(\S+)(?:\s+(\S(?:.*\S)?))?\s*$")
_FENCE_CLOSE = re.compile(r"^:::\s*$")
_BLEED = re.compile(r"\bplace\s*=\s*[\"']?bleed\b")
_ATTRIBUTION = re.compile(r"^\s*(?:--|—)\s+(\S.*)$")
# Alternative text may hold one level of brackets; a source stops at brackets, so that a line
# of "![a](![a](…" costs no more than its length. An image these miss is still a "](": it is
# then refused as a link (see _LINK_OPENING), never let through unchecked.
_IMAGE = re.compile(r"!\[(?P<alt>(?:[^\[\]]|\[[^\[\]]*\])*)\]\((?P<src>[^)\s\[\]]+)"
                    r"(?:\s+\"(?P<title>[^\"]*)\")?\s*\)(?P<attributes>\{[^{}\n]*\})?")
_IMAGE_ATTRIBUTE = re.compile(r"(?<!\s)\s*(?P<name>[A-Za-z-]+)="
                              r"(?:\"(?P<quoted>[^\"]*)\"|(?P<bare>[^\s\"}]+))")
_WIDTH = re.compile(r"(?P<number>\d+(?:\.\d+)?)(?P<unit>%|mm)")
_FIGURE_TOKEN = re.compile(r"^\s*\{pibooklet-figure-(?P<index>\d+)\}\s*$")
_ICON = re.compile(r"(?<!\s)\s*\{icon=(?P<name>[^}\s]*)\}\s*$")
_CROSS_REFERENCE = re.compile(r"\[\[(?P<id>[^\[\]]*)\]\]")
# Every "](" that is not an image opens a link target; what follows is read up to a bounded
# length, enough for the message, since only its start decides whether it is allowed.
_LINK_OPENING = re.compile(r"\]\(\s*<?(?P<href>[^\s)>]{0,300})")
# Reference-style links and images: a definition "[label]: target" (indented, or inside quotes
# or list items, too: more than Markdown reads, never less) and the uses "[text][label]",
# "[label][]", "[label]" and "![alt][label]".
_DEFINITION = re.compile(r"^(?:[ \t]*>)*[ \t]*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)?"
                         r"\[(?P<label>[^\[\]]*)\]:[ \t]*(?:<(?P<angled>[^<>\n]*)>|"
                         r"(?P<target>\S+))?"
                         r"[ \t]*(?:\"[^\"\n]*\"|'[^'\n]*'|\([^()\n]*\))?[ \t]*$")
_REFERENCE_USE = re.compile(r"(?P<image>!?)\[(?P<text>(?:[^\[\]]|\[[^\[\]]*\])*)\]"
                            r"(?:[ \t]?\[(?P<label>[^\[\]]*)\])?(?![(:])")
_QUOTE_PREFIX = re.compile(r"[ \t]*>[ \t]?")
_LIST_ITEM = re.compile(r"[ \t]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)")
_HEADING = re.compile(r"^(?P<hashes>#{1,6})\s")
_ALLOWED_LINK = re.compile(r"^(?:https://|mailto:|#)")
_ENTITY = re.compile(r"&#?\w+;")  # what smarty stashes for a curly quote, dash or ellipsis


@dataclass(frozen=True)
class Reference:
    """Something a section points at that must exist: an image, an icon or a booklet."""

    kind: str  # "image", "icon", "booklet", "more" or "qr"
    target: str
    line: int


@dataclass
class Block:
    """A fenced block (or the whole text when kind is None) and what it holds."""

    kind: str | None
    line: int
    parts: list[str | Block] = field(default_factory=list)
    argument: str | None = None  # what follows the kind: a callout's style, a booklet's id


def scan_markdown(text: str, first_line: int = 1) -> tuple[list[Reference], list[tuple[int, str]]]:
    """Return what the text refers to and its problems, each with its line number."""
    references: list[Reference] = []
    problems: list[tuple[int, str]] = []
    lines = _bounded_lines(text, first_line, problems)
    problems.extend(_paragraph_problems(lines, first_line))
    problems.extend(_nesting_problems(lines, first_line))
    previous_level = 1  # the section title, from the front matter
    depth = 0  # how many ::: blocks are open
    for offset, line in enumerate(lines):
        number = first_line + offset
        depth += 1 if _FENCE_OPEN.match(line) else -1 if _FENCE_CLOSE.match(line) and depth else 0
        for image in _IMAGE.finditer(line):
            if not image["alt"].strip():
                problems.append((number, f"image '{image['src']}' has no alternative text: write "
                                         "what it shows between the brackets, ![like this](...)"))
            references.append(Reference("image", image["src"], number))
            if image["attributes"]:
                problems.extend((number, message) for message in
                                image_attribute_problems(image["attributes"]))
                if line.strip() != image[0]:
                    problems.append((number, f"image '{image['src']}' has a size or place, so it "
                                             "is a figure: put it on a line of its own"))
                elif image["title"] and (narrow := _too_narrow_for_caption(image["attributes"])):
                    problems.append((number, f"image '{image['src']}' is {narrow} wide, too "
                                             "narrow for its caption to read in lines: make it "
                                             f"at least {MIN_CAPTIONED_MM}mm or "
                                             f"{MIN_CAPTIONED_PERCENT}% wide, or drop the "
                                             "caption"))
                elif _BLEED.search(image["attributes"]) and (depth or line[:1].isspace()):
                    # A bleed picture is a page of its own: inside a box or list it would
                    # tear that box or list apart over three pages.
                    problems.append((number, f"image '{image['src']}' is placed 'bleed', which "
                                             "fills a page of its own: move it out of the "
                                             "::: block or list, to the section's top level"))
        opening = _FENCE_OPEN.match(line)
        if opening and opening[1] == "more" and opening[2]:
            references.append(Reference("more", opening[2], number))
        for reference in _CROSS_REFERENCE.finditer(line):
            target = reference["id"].strip()
            if target.startswith("qr:"):
                references.append(Reference("qr", target[3:].strip(), number))
            else:
                references.append(Reference("booklet", target, number))
        for link in _LINK_OPENING.finditer(_IMAGE.sub("", line)):
            if link["href"] and not _ALLOWED_LINK.match(link["href"]):
                problems.append((number, _link_problem(link["href"])))
        heading = _HEADING.match(line)
        if heading:
            level = len(heading["hashes"])
            if level == 1:
                problems.append((number, "a '#' heading is not allowed here: the section title "
                                         "comes from 'title' in the front matter; start "
                                         "sub-headings with '##'"))
            elif level > previous_level + 1:
                # Screen-reader users move by heading level; a gap hides where they are.
                before = "#" * previous_level if previous_level > 1 else "the section title"
                problems.append((number, f"heading level skipped: a {'#' * level} heading "
                                         f"follows {before}; use {'#' * (previous_level + 1)}"))
            previous_level = max(level, 1)
            icon = _ICON.search(line)
            if icon:
                references.append(Reference("icon", icon["name"], number))
    _scan_reference_style(lines, first_line, references, problems)
    bounded = "\n".join(lines)
    problems.extend(raw_html_problems(bounded, first_line))
    problems.extend(split_blocks(bounded, first_line)[1])
    return references, problems


def _link_problem(href: str) -> str:
    return f"link to '{href}' is not allowed: links go to https:// or mailto: addresses"


def _bounded_lines(text: str, first_line: int, problems: list[tuple[int, str]]) -> list[str]:
    """Return the lines of text, each line too long for the pattern stages reported and blanked."""
    lines = text.splitlines()
    for offset, line in enumerate(lines):
        if len(line) > MAX_LINE_CHARACTERS:
            problems.append((first_line + offset, f"this line is {len(line):,} characters long; "
                             f"the limit is {MAX_LINE_CHARACTERS:,}: break it into paragraphs "
                             "with blank lines"))
            lines[offset] = ""
    return lines


def text_limit_problems(text: str) -> list[str]:
    """Return why a text (a YAML value rendered as Markdown) is too long for Markdown to read."""
    problems: list[tuple[int, str]] = []
    problems += _paragraph_problems(_bounded_lines(text, 1, problems), 1)
    return [message.replace("the paragraph from line 1", "this text") for _, message in problems]


def _paragraph_problems(lines: list[str], first_line: int) -> list[tuple[int, str]]:
    """Report paragraphs too long, or too full of markup, for Markdown to read in good time."""
    problems = []
    start = characters = markup = 0
    for offset, line in enumerate(lines):
        if not line.strip() or _FENCE_OPEN.match(line) or _FENCE_CLOSE.match(line):
            characters = markup = 0
            continue
        if not characters:
            start = first_line + offset
        before = characters, markup
        characters += len(line) + 1
        markup += sum(line.count(mark) for mark in "[<*_`")
        if characters > MAX_PARAGRAPH_CHARACTERS >= before[0]:
            problems.append((first_line + offset, f"the paragraph from line {start} is longer "
                             f"than {MAX_PARAGRAPH_CHARACTERS:,} characters: break it into "
                             "shorter paragraphs with blank lines"))
        if markup > MAX_PARAGRAPH_MARKUP >= before[1]:
            problems.append((first_line + offset, f"the paragraph from line {start} has more "
                             f"than {MAX_PARAGRAPH_MARKUP} markup characters ([ < * _ `): "
                             "break it into shorter paragraphs with blank lines"))
    return problems


def _nesting_problems(lines: list[str], first_line: int) -> list[tuple[int, str]]:
    """Report where ::: blocks, > quotes and list levels together nest too deep.

    Markdown reads each level by recursion, so past a depth no real booklet needs, the build
    would die; each level also narrows the column until text leaves the page.
    """
    problems = []
    fences = 0
    too_deep = False
    for offset, line in enumerate(lines):
        if _FENCE_CLOSE.match(line):
            fences = max(fences - 1, 0)
            continue
        if _FENCE_OPEN.match(line):
            fences += 1
            depth = fences
        else:
            depth = fences + _line_nesting(line)
        if depth > MAX_MARKDOWN_NESTING and not too_deep:
            problems.append((first_line + offset, f"blocks are nested more than "
                             f"{MAX_MARKDOWN_NESTING} deep here (::: blocks, > quotes and list "
                             "levels counted together): flatten them"))
        too_deep = depth > MAX_MARKDOWN_NESTING
    return problems


def _line_nesting(line: str) -> int:
    """Return how many > quotes and list levels (four columns each) a line opens."""
    quotes = position = 0
    while quotes <= MAX_MARKDOWN_NESTING and (prefix := _QUOTE_PREFIX.match(line, position)):
        quotes += 1
        position = prefix.end()
    columns = 0
    for character in line[position:]:
        if character == " ":
            columns += 1
        elif character == "\t":
            columns += 4 - columns % 4
        else:
            break
    return quotes + columns // 4 + (1 if _LIST_ITEM.match(line, position) else 0)


def _label(text: str) -> str:
    """Return a reference label as Markdown compares them: case and spacing ignored."""
    return " ".join(text.split()).lower()


def _scan_reference_style(lines: list[str], first_line: int, references: list[Reference],
                          problems: list[tuple[int, str]]) -> None:
    """Check reference-style links and images ("[text][label]" and "[label]: target").

    Each target is judged at the line of its definition, where it is written: as an image
    for every image that uses it, and as a link if any link uses it or nothing seems to
    (a use written in a way this scan misses is then refused, never let through).
    """
    definitions: list[tuple[str, str, int]] = []
    uses: dict[str, set[str]] = {}
    for offset, line in enumerate(lines):
        definition = _DEFINITION.match(line)
        if definition:
            target = definition["angled"] if definition["angled"] is not None \
                else definition["target"]
            if target is None:  # the target may be written on the next line
                following = lines[offset + 1].split() if offset + 1 < len(lines) else []
                target = following[0] if following else ""
            definitions.append((_label(definition["label"]), target, first_line + offset))
            continue
        for use in _REFERENCE_USE.finditer(line):
            label = _label(use["label"] or use["text"])
            uses.setdefault(label, set()).add("image" if use["image"] else "link")
    for label, target, number in definitions:
        kinds = uses.get(label, set())
        if "image" in kinds:
            references.append(Reference("image", target, number))
        if ("link" in kinds or not kinds) and target and not _ALLOWED_LINK.match(target):
            problems.append((number, _link_problem(target[:300])))


def parse_image_attributes(text: str) -> tuple[dict[str, str], list[str]]:
    """Return the attributes written {name=value name="quoted value"} and what is wrong."""
    inner = text.strip()[1:-1]
    attributes: dict[str, str] = {}
    problems = []
    position = 0
    for match in _IMAGE_ATTRIBUTE.finditer(inner):
        if inner[position:match.start()].strip():
            break
        name = match["name"]
        if name in attributes:
            problems.append(f"the image attribute '{name}' is given twice")
        attributes[name] = match["quoted"] if match["quoted"] is not None else match["bare"]
        position = match.end()
    if inner[position:].strip():
        problems.append(f"cannot read the image attributes '{text}': write them like "
                        '{width=45% place=right credit="Photo: A Name"}')
    return attributes, problems


def _too_narrow_for_caption(text: str) -> str | None:
    """Return a picture's width if it is too narrow to carry a caption, else None."""
    width = _WIDTH.fullmatch(parse_image_attributes(text)[0].get("width", ""))
    if width and float(width["number"]) < (MIN_CAPTIONED_PERCENT if width["unit"] == "%"
                                           else MIN_CAPTIONED_MM):
        return width[0]
    return None


def image_attribute_problems(text: str) -> list[str]:
    """Return what is wrong with an image's {…} attributes."""
    attributes, problems = parse_image_attributes(text)
    for name, value in attributes.items():
        if name == "width":
            width = _WIDTH.fullmatch(value)
            if not width:
                problems.append(f"image width '{value}' must be a percentage of the column or "
                                "a size in millimetres, like width=40% or width=50mm")
            elif width["unit"] == "%" and not 10 <= float(width["number"]) <= 100:
                problems.append(f"image width '{value}' must be between 10% and 100%")
            elif width["unit"] == "mm" and not 10 <= float(width["number"]) <= STANDARD_COLUMN_MM:
                problems.append(f"image width '{value}' must be between 10mm and "
                                f"{STANDARD_COLUMN_MM}mm, the width of the text column")
        elif name == "place":
            if value not in IMAGE_PLACES:
                problems.append(f"unknown image place '{value}'; use one of: "
                                + ", ".join(IMAGE_PLACES))
        elif name == "credit":
            if not value.strip():
                problems.append("the image credit is empty: write who made it, or leave it out")
        else:
            problems.append(f"unknown image attribute '{name}'; use width, place or credit")
    if attributes.get("place") in ("column", "bleed") and "width" in attributes:
        problems.append(f"an image placed '{attributes['place']}' fills the "
                        f"{'column' if attributes['place'] == 'column' else 'page'}, "
                        "so it takes no width")
    return problems


def raw_html_problems(text: str, first_line: int = 1) -> list[tuple[int, str]]:
    """Return the raw HTML in text that content may not use, at the line where each tag starts.

    Tags are found in the whole text, not line by line: Markdown lets a tag run over several
    lines, so "<img" with its "src" on the next line is still a picture.
    """
    problems = []
    number, counted = first_line, 0
    for tag in _RAW_TAG.finditer(text):
        number += text.count("\n", counted, tag.start())
        counted = tag.start()
        if _AUTOLINK.fullmatch(tag[0][1:-1]):
            continue  # <https://…> or <name@example.org>: Markdown links, not HTML
        name = tag["name"].lower()
        if name not in RAW_HTML_TAGS:
            problems.append((number, f"HTML <{name}> is not allowed in content: "
                             "use Markdown, or only "
                             + ", ".join(f"<{allowed}>" for allowed in RAW_HTML_TAGS)))
            continue
        allowed = RAW_HTML_ATTRIBUTES.get(name, set())
        for attribute in _attribute_names(tag["attributes"]):
            if attribute.lower() not in allowed:
                problems.append((number, f"the attribute '{attribute}' is not allowed on "
                                         f"<{name}>"))
        language = _LANG_VALUE.search(tag["attributes"]) if name == "span" else None
        value = next((group for group in language.groups() if group is not None), "") \
            if language else None
        if value is not None and not _LANGUAGE_TAG.fullmatch(value):
            problems.append((number, f"lang=\"{value}\" is not a language tag: write one "
                                     "like en, cy or ar"))
    return problems


def _attribute_names(text: str) -> list[str]:
    """Return the names of the attributes in the inside of a tag."""
    names = []
    position = 0
    while position < len(text):
        attribute = _ATTRIBUTE.match(text, position)
        if not attribute or attribute.end() == position:
            position += 1  # a stray quote or equals sign: no attribute starts there
            continue
        if attribute["name"]:
            names.append(attribute["name"])
        position = attribute.end()
    return names


def sanitise(fragment: str) -> str:
    """Return rendered HTML with everything outside our allowlist removed."""
    return nh3.clean(fragment, tags=_SAFE_TAGS, attributes=_SAFE_ATTRIBUTES,
                     url_schemes=_SAFE_SCHEMES, clean_content_tags={"script", "style"},
                     link_rel=None, strip_comments=True,
                     filter_style_properties=_SAFE_STYLE_PROPERTIES,
                     attribute_filter=_link_target_filter)


def _link_target_filter(tag: str, attribute: str, value: str) -> str | None:
    """Drop a link's target unless it is https, mailto, tel or a page of this booklet: a link
    written any other way (reference-style, in organisation text) prints as plain text."""
    if tag == "a" and attribute == "href" and not value.lower().startswith(_LINK_TARGETS):
        return None
    if attribute == "class":
        # Only classes our renderer writes: one written by content (class="cover-website")
        # would move its text to a place of the layout's own.
        return " ".join(name for name in value.split() if _OWN_CLASS.fullmatch(name)) or None
    if attribute == "lang":
        return value if _LANGUAGE_TAG.fullmatch(value) else None
    return value


def split_blocks(text: str, first_line: int = 1) -> tuple[Block, list[tuple[int, str]]]:
    """Split text into plain chunks and ::: blocks; report unknown or unclosed blocks."""
    root = Block(None, first_line)
    stack = [root]
    problems: list[tuple[int, str]] = []
    chunk: list[str] = []

    def flush() -> None:
        if chunk:
            stack[-1].parts.append("\n".join(chunk))
            chunk.clear()

    for offset, line in enumerate(text.splitlines()):
        number = first_line + offset
        if _FENCE_CLOSE.match(line):
            flush()
            if len(stack) == 1:
                problems.append((number, "':::' closes a block that was never opened; "
                                         "remove it or open the block with '::: callout'"))
            else:
                block = stack.pop()
                stack[-1].parts.append(block)
        elif opening := _FENCE_OPEN.match(line):
            flush()
            kind, argument = opening[1], opening[2]
            if kind not in BLOCK_KINDS:
                problems.append((number, f"unknown block '::: {kind}'; use one of: "
                                         + ", ".join(BLOCK_KINDS)))
            else:
                problem = _argument_problem(kind, argument)
                if problem:
                    problems.append((number, problem))
            stack.append(Block(kind, number, argument=argument))
        else:
            chunk.append(line)
    flush()
    for block in stack[1:]:
        problems.append((block.line, f"'::: {block.kind}' is never closed; "
                                     "end it with a line holding only ':::'"))
    while len(stack) > 1:
        block = stack.pop()
        stack[-1].parts.append(block)
    return root, problems


def _argument_problem(kind: str, argument: str | None) -> str | None:
    """Return what is wrong with the word after a block's kind, if anything."""
    if kind == "callout":
        if argument is None or argument in CALLOUT_STYLES:
            return None
        return (f"unknown callout style '{argument}'; use one of: "
                + ", ".join(CALLOUT_STYLES) + ", or '::: callout' alone for a plain one")
    if kind == "more":
        if argument is None:
            return "'::: more' needs the id of a booklet, like '::: more clinical-trials'"
        return None if " " not in argument else (
            f"'::: more {argument}' names one booklet: write its id alone")
    if argument is not None:
        return f"'::: {kind}' takes nothing after its name (got '{argument}')"
    return None


class MarkdownRenderer:
    """Renders section text and short inline texts to HTML."""

    def __init__(self, booklet_titles: Mapping[str, str],
                 qr_source: Callable[[str], str] = lambda address: address,
                 cover_source: Callable[[str], str | None] | None = None,
                 large_print: bool = False,
                 translations: gettext.NullTranslations | None = None):
        extension = _BookletExtension(booklet_titles, qr_source)
        # Extensions given as objects, not names: a name makes Markdown look through every
        # installed package's entry points (some 0.02 s, once a run).
        self._markdown = markdown.Markdown(
            extensions=[SaneListExtension(), SmartyExtension(), extension], output_format="html")
        self._titles = booklet_titles
        self._cover_source = cover_source
        self._figures = extension.figures
        self._figures.large_print = large_print
        self._ = (translations or gettext.NullTranslations()).gettext

    def render(self, text: str) -> str:
        """Return the HTML of a section's Markdown text."""
        root, problems = split_blocks(text)
        if problems:  # content.py reports these with file and line before rendering
            raise ValueError(problems[0][1])
        return with_directions(sanitise(self._render_block(root)))

    def render_inline(self, text: str) -> str:
        """Return the HTML of one short text, without an enclosing paragraph."""
        rendered = with_directions(sanitise(self._convert(text)))
        if rendered.startswith("<p>") and rendered.endswith("</p>") and rendered.count("<p>") == 1:
            return rendered[3:-4]
        return rendered

    def _convert(self, text: str) -> str:
        limits = text_limit_problems(text)
        if limits:
            # Content is checked, with its lines, before it is rendered; this is the last line
            # of defence, for past these limits Markdown would run for minutes.
            raise ValueError(f"text too long to render: {limits[0]}")
        self._markdown.reset()
        # Figure attributes are set aside for the figure maker, so that Markdown's own
        # typography never touches them; a token in their place says which is whose.
        self._figures.attributes = []

        def set_aside(image: re.Match[str]) -> str:
            if not image["attributes"]:
                return image[0]
            self._figures.attributes.append(parse_image_attributes(image["attributes"])[0])
            token = len(self._figures.attributes) - 1
            return image[0][:-len(image["attributes"])] + f"{{pibooklet-figure-{token}}}"

        return self._markdown.convert(_IMAGE.sub(set_aside, _strip_raw_attributes(text)))

    def _render_block(self, block: Block) -> str:
        parts = list(block.parts)
        attribution: list[str] = []
        if block.kind in _ATTRIBUTED and parts and isinstance(parts[-1], str):
            parts[-1], attribution = _split_attribution(parts[-1])
        inner = "".join(self._render_block(part) if isinstance(part, Block) else self._convert(part)
                        for part in parts)
        credit = "<br>".join(self.render_inline(line) for line in attribution)
        if block.kind is None:
            return inner
        if block.kind == "callout":
            if block.argument is None:
                return f'<div class="callout" role="note">{inner}</div>'
            # The label is printed and read first: screen-reader users hear what kind of
            # note this is before its text, as sighted readers see it. A <div>, because
            # WeasyPrint 70 tags it Div; an <aside> would become NonStruct.
            label = escape(self._(CALLOUT_STYLES[block.argument]))
            return (f'<div class="callout callout-{block.argument}" role="note">'
                    f'<p class="callout-label">{label}</p>{inner}</div>')
        if block.kind == "more":
            return self._more_from_us(block.argument or "", inner)
        if block.kind == "questions":
            return f'<div class="questions">{inner}</div>'
        if block.kind == "quote":
            caption = f'<figcaption class="attribution">{credit}</figcaption>' if credit else ""
            return f'<figure class="pull-quote"><blockquote>{inner}</blockquote>{caption}</figure>'
        caption = f'<p class="attribution">{credit}</p>' if credit else ""
        return f'<section class="story">{inner}{caption}</section>'


    def _more_from_us(self, booklet_id: str, inner: str) -> str:
        """Return the block pointing to another booklet: its cover, its title, how to get it."""
        if booklet_id not in self._titles or self._cover_source is None:
            # content.py reports an unknown id with file and line before rendering.
            raise ValueError(f"no cover for the booklet '{booklet_id}'")
        title = in_own_language(self._titles[booklet_id],
                                self.render_inline(self._titles[booklet_id]), "span")
        plain_title = html.unescape(re.sub(r"<[^>]+>", "", title))
        # The cover is a picture of the booklet, so its alternative text says so; it is a
        # raster image, so the title printed on it is never read out as text as well.
        alt = escape(self._("Cover of the booklet %(title)s") % {"title": plain_title})
        source = self._cover_source(booklet_id)
        cover = f'<img class="more-cover" src="{escape(source)}" alt="{alt}">' if source else ""
        label = escape(self._(MORE_LABEL))
        return (f'<div class="more-from-us" role="note"><p class="more-label">{label}</p>'
                f'{cover}<p class="more-title"><cite>{title}</cite></p>{inner}</div>')


def _strip_raw_attributes(text: str) -> str:
    """Return text with all attributes taken off each raw tag that has one content may not use.

    The check refuses such tags with their line; this keeps the rule when text arrives some
    other way. The sanitiser must allow "class" for our own markup, so a class written by
    content (class="cover-website") would otherwise take one of the layout's own places.
    """
    def bare(tag: re.Match[str]) -> str:
        if _AUTOLINK.fullmatch(tag[0][1:-1]):
            return tag[0]
        allowed = RAW_HTML_ATTRIBUTES.get(tag["name"].lower(), set())
        if all(name.lower() in allowed for name in _attribute_names(tag["attributes"])):
            return tag[0]
        return f"<{tag['close']}{tag['name']}>"
    return _RAW_TAG.sub(bare, text)


def _split_attribution(text: str) -> tuple[str, list[str]]:
    lines = text.rstrip().splitlines()
    credit: list[str] = []
    while lines and (match := _ATTRIBUTION.match(lines[-1])):
        credit.insert(0, match[1])
        lines.pop()
    return "\n".join(lines), credit


class _BookletExtension(Extension):
    def __init__(self, booklet_titles: Mapping[str, str], qr_source: Callable[[str], str]):
        super().__init__()
        self._titles = booklet_titles
        self._qr_source = qr_source
        self.figures = _Figures()

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - Markdown's API
        # <name@example.org> would be obfuscated into entities; keep it as text to be linked.
        md.inlinePatterns.deregister("automail")
        md.inlinePatterns.register(_PlainEmailProcessor(r"<([^<>@\s]+@[^<>\s]+)>"), "automail", 110)
        cross_references = _CrossReferenceProcessor(_CROSS_REFERENCE.pattern, self._titles,
                                                    self._qr_source, md)
        md.inlinePatterns.register(cross_references, "cross_reference", 175)
        # Priorities below 20 run after inline patterns have made their elements.
        md.treeprocessors.register(_SubHeadings(), "booklet_headings", 8)
        md.treeprocessors.register(self.figures, "booklet_figures", 7)
        md.treeprocessors.register(_ContactLinks(md), "booklet_links", 6)


class _CrossReferenceProcessor(InlineProcessor):
    def __init__(self, pattern: str, titles: Mapping[str, str], qr_source: Callable[[str], str],
                 md: markdown.Markdown):
        super().__init__(pattern, md)
        self._titles = titles
        self._qr_source = qr_source

    def handleMatch(self, m: re.Match[str], data: str):  # noqa: N802 - Markdown's API
        booklet_id = m["id"].strip()
        if booklet_id.startswith("qr:"):
            # Our own markup for the code: stashed so Markdown passes it through untouched.
            markup = self._qr_source(booklet_id[3:].strip())
            return self.md.htmlStash.store(markup), m.start(0), m.end(0)
        if booklet_id not in self._titles:  # content.py reports it with file and line first
            raise ValueError(f"unknown booklet '{booklet_id}'")
        element = etree.Element("cite", {"class": "cross-reference", "data-booklet": booklet_id})
        title = self._titles[booklet_id]
        if isinstance(title, ForeignText):  # another language's title says which language
            etree.SubElement(element, "span", {"lang": title.language}).text = title
        else:
            element.text = title
        return element, m.start(0), m.end(0)


class _PlainEmailProcessor(InlineProcessor):
    def handleMatch(self, m: re.Match[str], data: str):  # noqa: N802 - Markdown's API
        return m[1], m.start(0), m.end(0)


class _SubHeadings(Treeprocessor):
    """Sub-headings sit one level below the section title, with an optional icon."""

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            if re.fullmatch(r"h[1-5]", element.tag):
                element.tag = f"h{int(element.tag[1]) + 1}"
                self._add_icon(element)

    def _add_icon(self, heading: etree.Element) -> None:
        last = heading[-1] if len(heading) else heading
        tail = (last.tail if len(heading) else heading.text) or ""
        match = _ICON.search(tail)
        if not match:
            return
        stripped = tail[:match.start()]
        if len(heading):
            last.tail = stripped
        else:
            heading.text = stripped
        # Decorative: the heading text says it all, so it is a background (an artifact),
        # drawn by a class whose rule the page head holds.
        icon = etree.Element("span", {"class": f"icon icon-{match['name']}",
                                      "role": "presentation"})
        icon.tail = heading.text
        heading.text = None
        heading.insert(0, icon)
        heading.set("class", "with-icon")


class _Figures(Treeprocessor):
    """A paragraph holding only an image becomes a figure with its title as caption.

    Attributes set aside before conversion ({pibooklet-figure-N} after the image) give its
    width, place and credit.
    """

    def __init__(self) -> None:
        super().__init__()
        self.attributes: list[dict[str, str]] = []
        self.large_print = False

    def run(self, root: etree.Element) -> None:
        for parent in root.iter():
            for index, child in enumerate(list(parent)):
                if child.tag == "p" and len(child) == 1 and child[0].tag == "img" \
                        and not (child.text or "").strip():
                    token = _FIGURE_TOKEN.match(child[0].tail or "")
                    if token and int(token["index"]) < len(self.attributes):
                        parent[index] = self._figure(child[0],
                                                     self.attributes[int(token["index"])])
                    elif not (child[0].tail or "").strip():
                        parent[index] = self._figure(child[0], {})

    def _figure(self, image: etree.Element, attributes: dict[str, str]) -> etree.Element:
        place = attributes.get("place")
        figure = etree.Element("figure", {"class": "figure" + (f" place-{place}" if place
                                                                else "")})
        width = attributes.get("width") or (FLOAT_DEFAULT_WIDTH if place in ("left", "right")
                                             else None)
        if width:
            figure.set("style", f"width: {self._scaled(width)}")
            figure.set("class", figure.get("class") + " sized")
        caption_text = image.attrib.pop("title", "")
        image.tail = None
        figure.append(image)
        credit = attributes.get("credit")
        if caption_text or credit:
            caption = etree.SubElement(figure, "figcaption")
            # A space between them, so the two are never read as one run-on sentence.
            caption.text = caption_text + " " if caption_text and credit else caption_text
            if credit:
                line = etree.SubElement(caption, "span", {"class": "credit"})
                line.text = _smarten(credit)
        return figure

    def _scaled(self, width: str) -> str:
        """Return the CSS width; large print gives a width in mm the same share of its column."""
        match = _WIDTH.fullmatch(width)
        if self.large_print and match and match["unit"] == "mm":
            return f"{float(match['number']) / STANDARD_COLUMN_MM * 100:.1f}%"
        return width


_TYPOGRAPHY = markdown.Markdown(extensions=[SmartyExtension()])


def _smarten(text: str) -> str:
    """Return plain text with curly quotes and dashes, as Markdown sets them in body text."""
    rendered = _TYPOGRAPHY.reset().convert(html.escape(text, quote=False))
    return html.unescape(re.sub(r"<[^>]+>", "", rendered)).strip()


class _ContactLinks(Treeprocessor):
    """Every address in the text becomes a link, and every link prints its address."""

    def run(self, root: etree.Element) -> None:
        self._link_text(root)
        for anchor in list(root.iter("a")):
            self._print_address(root, anchor)

    def _typed(self, text: str) -> str:
        """Return text with smarty's stashed quotes and dashes as the characters themselves."""
        blocks = self.md.htmlStash.rawHtmlBlocks

        def character(match: re.Match[str]) -> str:
            block = str(blocks[int(match[1])])
            return html.unescape(block) if _ENTITY.fullmatch(block) else match[0]
        # Otherwise an address would end in, or hold, a placeholder: "www.x.org" in quotes.
        return HTML_PLACEHOLDER_RE.sub(character, text)

    def _link_text(self, element: etree.Element) -> None:
        if element.tag in ("a", "code"):
            return
        for child in list(element):
            self._link_text(child)
        if element.text:
            element.text = self._typed(element.text)
            pieces = list(_link_pieces(element.text))
            if len(pieces) > 1:
                element.text = pieces[0]
                for position, node in enumerate(_as_nodes(pieces[1:])):
                    element.insert(position, node)
        for child in list(element):
            if child.tail:
                child.tail = self._typed(child.tail)
                pieces = list(_link_pieces(child.tail))
                if len(pieces) > 1:
                    child.tail = pieces[0]
                    where = list(element).index(child) + 1
                    for position, node in enumerate(_as_nodes(pieces[1:])):
                        element.insert(where + position, node)

    def _print_address(self, root: etree.Element, anchor: etree.Element) -> None:
        href = anchor.get("href", "")
        label = "".join(anchor.itertext()).strip()
        if href.startswith("#") or not href or kind_of(label):
            _mark_link(anchor, kind_of(label) or "web")
            return
        parent = next(p for p in root.iter() if anchor in list(p))
        position = list(parent).index(anchor)
        if not href.lower().startswith(_LINK_TARGETS):
            # A target no link may have (the check refuses it at its line): words alone.
            words = label + (anchor.tail or "")
            if position:
                parent[position - 1].tail = (parent[position - 1].tail or "") + words
            else:
                parent.text = (parent.text or "") + words
            parent.remove(anchor)
            return
        address = href.removeprefix("mailto:")
        # Printed as a reader would type it: www.example.org or example.org, no https://.
        bare = re.sub(r"^https://", "", address)
        if bare.startswith("www.") or kind_of(bare) == "web":
            address = bare
        printed = etree.Element("a", {"href": href})
        printed.text = address
        _mark_link(printed, "email" if href.startswith("mailto:") else "web")
        printed.tail = (")" + anchor.tail) if anchor.tail else ")"
        # The words stay as plain text; the address follows for paper readers.
        words = label + " ("
        if position:
            parent[position - 1].tail = (parent[position - 1].tail or "") + words
        else:
            parent.text = (parent.text or "") + words
        parent.remove(anchor)
        parent.insert(position, printed)


def _link_pieces(text: str) -> Iterator[str | tuple[str, str, str]]:
    """Split text into plain strings and (kind, printed text, href) addresses."""
    position = 0
    for contact in find_contacts(text):
        yield text[position:contact.start]
        yield (contact.kind, contact.text, contact.href)
        position = contact.end
    yield text[position:]


def _as_nodes(pieces: list[str | tuple[str, str, str]]) -> list[etree.Element]:
    nodes: list[etree.Element] = []
    for piece in pieces:
        if isinstance(piece, tuple):
            kind, printed, href = piece
            if kind != "phone":  # smarty has curled any quote or dash inside the address
                printed, href = straighten(printed), straighten(href)
            anchor = etree.Element("a", {"href": href})
            anchor.text = printed
            _mark_link(anchor, kind)
            nodes.append(anchor)
        elif nodes:
            nodes[-1].tail = (nodes[-1].tail or "") + piece
    return nodes


def _mark_link(anchor: etree.Element, kind: str) -> None:
    if not anchor.get("href", "").startswith("#"):
        anchor.set("class", LINK_CLASSES[kind])


def escape(text: str) -> str:
    """Escape text for HTML."""
    return html.escape(text, quote=True)
