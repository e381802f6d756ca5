"""Writing direction: which languages are set right to left, and so bound on the right."""

from __future__ import annotations

import re
from functools import cache

import babel


@cache
def parsed_locale(tag: str) -> babel.Locale | None:
    """Return Babel's (CLDR's) locale for a language tag (cy, en-GB or en_GB), or None if it
    does not know the language."""
    try:
        return babel.Locale.parse(tag.replace("-", "_"))
    except (ValueError, babel.UnknownLocaleError):
        return None


def is_right_to_left(language: str) -> bool:
    """Return whether a BCP 47 language tag (ar, ur, he, fa …) is written right to left."""
    locale = parsed_locale(language)  # content.py reports an unknown tag with its line
    return locale is not None and locale.character_order == "right-to-left"


def text_direction(language: str) -> str:
    """Return the HTML dir value for a language: "rtl" or "ltr"."""
    return "rtl" if is_right_to_left(language) else "ltr"


_SPAN_LANGUAGE = re.compile(r'<span lang="([A-Za-z0-9-]+)">')


def with_directions(fragment: str) -> str:
    """Return sanitised HTML with each <span lang> given its language's direction.

    The bidi algorithm alone would put an English name's closing bracket, or a number beside
    it, on the wrong side in Arabic text; its own direction keeps the run in order.
    """
    return _SPAN_LANGUAGE.sub(
        lambda span: f'<span lang="{span[1]}" dir="{text_direction(span[1])}">', fragment)
