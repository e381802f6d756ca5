"""Typed schemas for content files: each field has a check, a default and a description."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import Problems
from .yamlfile import YamlList, YamlMap


class Invalid(Exception):
    """A value does not fit its field; the message says how to fix it."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass
class Context:
    """Where a value came from, so nested checks can report their own problems."""

    path: Path
    problems: Problems
    line: int


Check = Callable[[Any, Context], Any]


@dataclass(frozen=True)
class Field:
    """One key of a content file."""

    name: str
    check: Check
    description: str
    required: bool = False
    default: Any = None


def validate(data: Any, fields: Sequence[Field], ctx: Context, what: str) -> dict[str, Any]:
    """Return the checked values of `data`; problems go to ctx.problems, defaults fill gaps."""
    if not isinstance(data, YamlMap):
        ctx.problems.add(ctx.path, ctx.line, f"{what} must be a set of 'key: value' lines")
        return {field.name: field.default for field in fields}
    known = {field.name: field for field in fields}
    for key in data:
        if key not in known:
            ctx.problems.add(ctx.path, data.line_of(key), _unknown_key_message(key, known))
    values: dict[str, Any] = {}
    for field in fields:
        if data.get(field.name) is None:
            if field.required:
                ctx.problems.add(ctx.path, data.line, f"{what} is missing '{field.name}' "
                                                      f"({field.description})")
            values[field.name] = field.default
            continue
        line = data.line_of(field.name)
        try:
            context = Context(ctx.path, ctx.problems, line)
            values[field.name] = field.check(data[field.name], context)
        except Invalid as error:
            ctx.problems.add(ctx.path, error.line or line, f"'{field.name}' {error.message}")
            values[field.name] = field.default
    return values


def _unknown_key_message(key: str, known: dict[str, Field]) -> str:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    if close:
        return f"unknown key '{key}': did you mean '{close[0]}'?"
    return f"unknown key '{key}'; the keys allowed here are: {', '.join(known)}"


#: How a value still to be written begins (`pibooklet import` writes one for each fact the
#: source document did not give): it is never printed, always reported at its line.
PLACEHOLDER = "FILL IN:"


def _refuse_placeholder(value: Any) -> None:
    if isinstance(value, str) and value.strip().upper().startswith(PLACEHOLDER):
        raise Invalid(f"is still to be filled in: {value.strip()[len(PLACEHOLDER):].strip()}")


def text(value: Any, ctx: Context) -> str:
    """Check non-empty text that is not a placeholder still to be filled in."""
    _refuse_placeholder(value)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise Invalid("must be text")
    if not isinstance(value, str):
        # An unquoted 01234 567890 or 2025 loses its leading zero or meaning in YAML.
        raise Invalid(f"must be text: put {value!r} in quotes")
    if not value.strip():
        raise Invalid("must not be empty")
    control = next((char for char in value if _is_control(char)), None)
    if control:
        raise Invalid(f"contains the invisible control character U+{ord(control):04X}; "
                      "delete it (it cannot be printed)")
    return value.strip()


def _is_control(char: str) -> bool:
    """Return whether a character is an invisible control character other than tab or newline."""
    return char not in "\t\n\r" and (ord(char) < 0x20 or 0x7F <= ord(char) < 0xA0)


def boolean(value: Any, ctx: Context) -> bool:
    """Check a yes/no value."""
    if not isinstance(value, bool):
        raise Invalid("must be true or false")
    return value


def whole_number(low: int, high: int) -> Check:
    """Check a whole number between low and high."""
    def check(value: Any, ctx: Context) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise Invalid(f"must be a whole number from {low} to {high}")
        return value
    return check


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def month_date(value: Any, ctx: Context) -> dt.date:
    """Check a date written YYYY-MM or YYYY-MM-DD; a month alone means its first day."""
    _refuse_placeholder(value)
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        match = _MONTH.match(value.strip())
        try:
            if match:
                return dt.date(int(match[1]), int(match[2]), 1)
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise Invalid(f"is not a date: write it as YYYY-MM or YYYY-MM-DD, for example 2025-04 "
                  f"(got {value!r})")


_IDENTIFIER = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def identifier(value: Any, ctx: Context) -> str:
    """Check an id: lower-case letters, digits and hyphens."""
    if not isinstance(value, str) or not _IDENTIFIER.match(value):
        raise Invalid(f"must be an id of lower-case letters, digits and hyphens (got {value!r})")
    return value


def number(low: float, high: float) -> Check:
    """Check a number between low and high."""
    def check(value: Any, ctx: Context) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not low <= value <= high:
            raise Invalid(f"must be a number from {low:g} to {high:g}")
        return float(value)
    return check


def cmyk(value: Any, ctx: Context) -> tuple[float, float, float, float]:
    """Check four ink percentages, cyan magenta yellow black, each 0 to 100."""
    if not isinstance(value, list) or len(value) != 4 or not all(
            isinstance(part, int | float) and not isinstance(part, bool) and 0 <= part <= 100
            for part in value):
        raise Invalid(f"must be four ink percentages [C, M, Y, K], each 0 to 100 (got {value!r})")
    if sum(value) > 300:
        raise Invalid(f"uses {sum(value):g}% total ink; presses allow at most 300%")
    return tuple(value)


_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")


def colour(value: Any, ctx: Context) -> str:
    """Check a colour written #RRGGBB."""
    if not isinstance(value, str) or not _COLOUR.match(value):
        raise Invalid(f"must be a colour written #RRGGBB, for example #5B2A86 (got {value!r})")
    return value.upper()


def list_of(item_check: Check, *, non_empty: bool = True) -> Check:
    """Check a list whose items each pass item_check; item problems name the item's line."""
    def check(value: Any, ctx: Context) -> list[Any]:
        if not isinstance(value, YamlList):
            raise Invalid("must be a list, one '- item' per line")
        if non_empty and not value:
            raise Invalid("must list at least one item")
        items = []
        for index, item in enumerate(value):
            line = value.line_of(index)
            try:
                items.append(item_check(item, Context(ctx.path, ctx.problems, line)))
            except Invalid as error:
                ctx.problems.add(ctx.path, error.line or line, f"item {index + 1} {error.message}")
        return items
    return check


def mapping(fields: Sequence[Field], what: str, example: str | None = None) -> Check:
    """Check a nested mapping against its own fields; one written otherwise is told its whole
    shape (each key and what it holds), with `example` when given."""
    def check(value: Any, ctx: Context) -> dict[str, Any]:
        if not isinstance(value, YamlMap):
            keys = "; ".join(f"{field.name}: {field.description}"
                             + ("" if field.required else " (optional)") for field in fields)
            shown = repr(value) if isinstance(value, str | int | float | bool) else \
                "a list" if isinstance(value, list) else "nothing"
            raise Invalid(f"must be a {what} written as 'key: value' lines ({keys})"
                          + (f", for example {example}" if example else "")
                          + f"; got {shown}")
        return validate(value, fields, Context(ctx.path, ctx.problems, value.line), what)
    return check


def one_of(choices: Sequence[str]) -> Check:
    """Check text that is one of a few fixed choices."""
    def check(value: Any, ctx: Context) -> str:
        if value not in choices:
            raise Invalid(f"must be one of: {', '.join(choices)} (got {value!r})")
        return value
    return check


def text_or_false(value: Any, ctx: Context) -> str | bool:
    """Check text, or false to leave something out."""
    if value is False:
        return False
    if value is True:
        raise Invalid("must be text, or false to leave it out")
    return text(value, ctx)


def text_or_boolean(value: Any, ctx: Context) -> str | bool:
    """Check true, false or text."""
    return value if isinstance(value, bool) else text(value, ctx)
