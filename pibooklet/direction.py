"""Writing direction: which languages are set right to left, and so bound on the right."""

from __future__ import annotations

import re
from functools import cache

import babel


@cache
def is_right_to_left(language: str) -> bool:
    """Return whether a BCP 47 language tag (ar, ur, he, fa …) is written right to left."""
    try:
        locale = babel.Locale.parse(language.replace("-", "_"))
    except (ValueError, babel.UnknownLocaleError):
        return False  # content.py reports a malformed tag with its line
    return locale.character_order == "right-to-left"


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
