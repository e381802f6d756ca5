"""Web addresses, email addresses and UK phone numbers: finding them and making their links."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# Trailing punctuation belongs to the sentence, not the address.
_TRAILING = ".,;:!?)]}'\"’”"

_WEB = r"(?:https?://|www\.)[^\s<>()\[\]{}\"]+"
_EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
# A UK number: 0 or +44, then digits in groups separated by single spaces or hyphens.
_PHONE = r"(?:\+44\s?(?:\(0\)\s?)?|\b0)\d{2,5}(?:[ -]?\d{2,4}){1,3}\b"

# The class each kind of link carries, so styles can keep phone numbers on one line.
LINK_CLASSES = {"web": "url", "email": "email", "phone": "tel"}

CONTACT_PATTERN = re.compile(
    rf"(?P<web>{_WEB})|(?P<email>(?<![\w.@/]){_EMAIL})|(?P<phone>(?<![\w+/-]){_PHONE}(?![\w-]))")


@dataclass(frozen=True)
class Contact:
    """An address as printed and the link it becomes."""

    kind: str  # "web", "email" or "phone"
    text: str
    href: str
    start: int
    end: int


def find_contacts(text: str) -> Iterator[Contact]:
    """Yield every web address, email address and UK phone number in `text`."""
    for match in CONTACT_PATTERN.finditer(text):
        kind = match.lastgroup or ""
        found = match.group(kind)
        if kind == "web":
            found = found.rstrip(_TRAILING)
        elif kind == "phone" and not _is_uk_number(found):
            continue
        start = match.start(kind)
        yield Contact(kind, found, contact_href(kind, found), start, start + len(found))


def contact_href(kind: str, text: str) -> str:
    """Return the link target for an address as printed."""
    if kind == "web":
        return text if re.match(r"https?://", text) else f"https://{text}"
    if kind == "email":
        return f"mailto:{text}"
    if kind == "phone":
        return f"tel:+44{national_digits(text)[1:]}"
    raise ValueError(f"unknown contact kind {kind!r}")


def national_digits(text: str) -> str:
    """Return a UK number as its national digits, starting with 0."""
    digits = re.sub(r"\D", "", text.replace("(0)", ""))
    return "0" + digits[2:] if digits.startswith("44") else digits


# Numbers starting 02, 03 and 07 always have 11 digits; others have 10 or 11.
_ELEVEN_DIGIT_PREFIXES = ("02", "03", "07")


def uk_number_lengths(text: str) -> tuple[int, ...]:
    """Return the digit counts a UK number starting like `text` may have."""
    return (11,) if national_digits(text).startswith(_ELEVEN_DIGIT_PREFIXES) else (10, 11)


def _is_uk_number(text: str) -> bool:
    return len(national_digits(text)) in uk_number_lengths(text)


def kind_of(text: str) -> str | None:
    """Return the kind of a whole string that is exactly one address, else None."""
    for contact in find_contacts(text.strip()):
        if contact.start == 0 and contact.end == len(text.strip()):
            return contact.kind
    return None
