"""Curly quotes, apostrophes, dashes and ellipses for text that does not pass through Markdown.

Markdown text gets them from Python-Markdown's smarty extension; `smarten` applies the same
rules, in the same order, to the plain text values of the YAML files (reviewers' names, the
address, the title in the PDF's metadata), so every printed text agrees. Addresses, inline code,
HTML tags and Markdown link targets are left exactly as written.
"""

from __future__ import annotations

import re
from typing import Any

from markdown.extensions import smarty

from . import schema as s
from .links import find_contacts

_LSQUO, _RSQUO, _LDQUO, _RDQUO = "\u2018", "\u2019", "\u201c", "\u201d"

# Smarty's patterns by priority (Markdown applies each over the whole text in this order);
# each replacement lists text and group numbers, as smarty's own SubstituteTextPattern does.
_RULES: tuple[tuple[re.Pattern[str], tuple[int | str, ...]], ...] = tuple(
    (re.compile(pattern), replacement) for pattern, replacement in (
        (r"(?<!-)---(?!-)", ("\u2014",)),
        (r"(?<!-)--(?!-)", ("\u2013",)),
        (smarty.singleQuoteStartRe, (_RSQUO,)),
        (smarty.doubleQuoteStartRe, (_RDQUO,)),
        (smarty.doubleQuoteSetsRe, (_LDQUO + _LSQUO,)),
        (smarty.singleQuoteSetsRe, (_LSQUO + _LDQUO,)),
        (smarty.doubleQuoteSetsRe2, (_RSQUO + _RDQUO,)),
        (smarty.singleQuoteSetsRe2, (_RDQUO + _RSQUO,)),
        (smarty.decadeAbbrRe, (_RSQUO,)),
        (smarty.openingSingleQuotesRegex, (1, _LSQUO)),
        (smarty.closingSingleQuotesRegex, (_RSQUO,)),
        (smarty.closingSingleQuotesRegex2, (_RSQUO, 1)),
        (smarty.remainingSingleQuotesRegex, (_LSQUO,)),
        (smarty.openingDoubleQuotesRegex, (1, _LDQUO)),
        (smarty.closingDoubleQuotesRegex, (_RDQUO,)),
        (smarty.closingDoubleQuotesRegex2, (_RDQUO,)),
        (smarty.remainingDoubleQuotesRegex, (_LDQUO,)),
        (r"(?<!\.)\.{3}(?!\.)", ("\u2026",)),
    ))

# Kept as written: `code`, <tags>, Markdown link targets and backslash escapes.
_PROTECTED = re.compile(r"`[^`]*`|<[^<>]*>|\]\([^)]*\)|\\.")
# Markdown's own placeholder form, which smarty's patterns already treat as a boundary.
_HOLD = "\u0002{}\u0003"
_HELD = re.compile("\u0002(\\d+)\u0003")


def smarten(text: str) -> str:
    """Return text with curly quotes and apostrophes, dashes and ellipses, addresses untouched."""
    held: list[str] = []

    def hold(piece: str) -> str:
        held.append(piece)
        return _HOLD.format(len(held) - 1)

    text = _PROTECTED.sub(lambda match: hold(match[0]), text)
    pieces, position = [], 0
    for contact in find_contacts(text):
        pieces += [text[position:contact.start], hold(contact.text)]
        position = contact.end
    text = "".join(pieces) + text[position:]
    for pattern, replacement in _RULES:
        # Each result is held at once, as Markdown stashes it, so later rules do not see it.
        text = pattern.sub(lambda match, parts=replacement: "".join(
            match[part] if isinstance(part, int) else hold(part) for part in parts), text)
    while _HELD.search(text):  # held pieces may hold others
        text = _HELD.sub(lambda match: held[int(match[1])], text)
    return text


def straighten(address: str) -> str:
    """Return an address with any curly quotes or dashes Markdown gave it made straight again."""
    return (address.replace(_LSQUO, "'").replace(_RSQUO, "'").replace(_LDQUO, '"')
            .replace(_RDQUO, '"').replace("\u2014", "---").replace("\u2013", "--")
            .replace("\u2026", "..."))


def printed_text(value: Any, ctx: s.Context) -> str:
    """Check plain text that is printed as it is, and give it curly quotes."""
    return smarten(s.text(value, ctx))
