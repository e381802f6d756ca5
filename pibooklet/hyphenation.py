"""Hyphenation policy: off by default, per-language exception words, words kept whole.

WeasyPrint hyphenates with pyphen's dictionaries, which break many medical words badly
("dia-gnosis", "aggress-ive"). Exception words override the dictionary: hyphens in an
exception mark the only places the word may break, and a word written whole never breaks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from xml.etree import ElementTree

import pyphen

SOFT_HYPHEN = "\u00ad"
#: The class that turns hyphenation on (booklet.css); set on <html> only when it is wanted.
HYPHENATE_CLASS = "hyphenate"
#: The class of a word that must not break (booklet.css: no hyphens, no wrap).
KEEP_WHOLE_CLASS = "keep-whole"
#: Breaks a dictionary gets wrong in words our readers meet often, by language prefix.
BUILT_IN_EXCEPTIONS: dict[str, tuple[str, ...]] = {
    "en": ("di-ag-no-sis", "di-ag-nosed", "dev-as-tat-ing", "ag-gres-sive", "dis-cus-sion",
           "chemo-ther-apy", "radio-ther-apy", "leu-kae-mia", "con-sult-ant",
           "on-col-o-gist", "relapse", "relapsed", "refractory"),
}
#: Elements whose text is never touched: addresses keep their own breaking rules.
_SKIP = frozenset({"head", "style", "script", "title", "a"})


def has_hyphenation_dictionary(language: str) -> bool:
    """Return whether pyphen can hyphenate the language (Welsh and Arabic, say, it cannot)."""
    return bool(pyphen.language_fallback(language.replace("-", "_")))


def exceptions_for(language: str, own: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """Return the exception words for a language: ours, then the organisation's."""
    primary = language.split("-")[0].lower()
    words = list(BUILT_IN_EXCEPTIONS.get(primary, ()))
    for tag, listed in own.items():
        if tag.lower() in (language.lower(), primary):
            words += listed
    return tuple(words)


def prepare(root: ElementTree.Element, enabled: bool, exceptions: Iterable[str]) -> None:
    """Turn hyphenation on for the document and apply the exception words to its text."""
    if not enabled:
        return
    root.set("class", " ".join(filter(None, [root.get("class"), HYPHENATE_CLASS])))
    marked, whole = {}, []
    for word in exceptions:
        plain = word.replace("-", "")
        if "-" in word:
            marked[plain.lower()] = word
        else:
            whole.append(plain)
    if marked:
        pattern = re.compile(r"\b(" + "|".join(map(re.escape, marked)) + r")\b", re.IGNORECASE)
        for element, attribute in _text_slots(root):
            text = getattr(element, attribute)
            setattr(element, attribute, pattern.sub(lambda match: _mark(match[0], marked),
                                                    text))
    for word in whole:
        keep_whole(root, word)


def _mark(found: str, marked: dict[str, str]) -> str:
    """Return the word as written in the text, with soft hyphens where its exception breaks."""
    breaks = [len(part) for part in marked[found.lower()].split("-")[:-1]]
    result, start = [], 0
    for length in breaks:
        result.append(found[start:start + length])
        start += length
    return SOFT_HYPHEN.join([*result, found[start:]])


def _text_slots(root: ElementTree.Element) -> list[tuple[ElementTree.Element, str]]:
    """Return (element, 'text' or 'tail') for every piece of running text outside addresses."""
    slots = []

    def visit(element: ElementTree.Element) -> None:
        if not isinstance(element.tag, str) or element.tag in _SKIP:
            return
        if element.text:
            slots.append((element, "text"))
        for child in element:
            visit(child)
            if child.tail:
                slots.append((child, "tail"))
    visit(root)
    return slots


def word_pattern(word: str) -> re.Pattern[str]:
    """Return a pattern finding a word whether or not soft hyphens or a hyphen split it."""
    letters = [re.escape(char) for char in word if char not in ("-", SOFT_HYPHEN)]
    return re.compile(r"(?<!\w)" + f"[{SOFT_HYPHEN}-]?".join(letters) + r"(?!\w)",
                      re.IGNORECASE)


def keep_whole(root: ElementTree.Element, word: str, first_only_in=None) -> bool:
    """Wrap a word so it never breaks; return whether it was found.

    With first_only_in, only the first occurrence inside that element is wrapped (a repair of
    one line); otherwise every occurrence in the document is.
    """
    pattern = word_pattern(word)
    found = False
    for element, attribute in _text_slots(first_only_in if first_only_in is not None
                                          else root):
        if element.tag == "span" and KEEP_WHOLE_CLASS in (element.get("class") or "") \
                and attribute == "text":
            continue
        text = getattr(element, attribute)
        match = pattern.search(text)
        while match:
            found = True
            span = ElementTree.Element("span", {"class": KEEP_WHOLE_CLASS})
            span.text = match[0]
            span.tail = text[match.end():]
            setattr(element, attribute, text[:match.start()])
            if attribute == "text":
                element.insert(0, span)
            else:
                parent = _parent(root if first_only_in is None else first_only_in, element)
                parent.insert(list(parent).index(element) + 1, span)
            if first_only_in is not None:
                return True
            element, attribute, text = span, "tail", span.tail
            match = pattern.search(text)
    return found


def _parent(root: ElementTree.Element, child: ElementTree.Element) -> ElementTree.Element:
    for element in root.iter():
        if child in list(element):
            return element
    raise ValueError("element not in tree")  # pragma: no cover - slots come from this tree
