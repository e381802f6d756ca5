"""Web addresses, email addresses and UK phone numbers: finding them and making their links.

Rules, documented in the README under "Addresses and numbers":
- a web address starts with https://, http:// or www., or is a bare domain such as
  itsgoodtotalk.org whose last part is one of BARE_DOMAIN_ENDINGS (so booklet.yaml, e.g.,
  Dr. and 3.5 are never taken for addresses);
- a UK number starts with 0 or +44 and has the digits its prefix needs (0800 1111 is the one
  shorter number);
- a short number (999, 112, 111, 101, 105, 119, 116 xxx) is a phone number only after a word
  that says so ("call", "phone", "ring", "dial", "contact" ...; "on" when the clause ends
  there), or alone in a phone field;
- a number after "company number", "registered charity" and the like is never a phone number.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# Trailing punctuation belongs to the sentence, not the address.
_TRAILING = ".,;:!?)]}'\"’”…–—"

# The endings a bare domain may have. Short on purpose: each is one a UK charity's readers
# meet, and none is a common file extension or abbreviation. .uk covers .org.uk, .nhs.uk,
# .gov.uk, .co.uk and .ac.uk.
BARE_DOMAIN_ENDINGS = ("uk", "org", "com", "net", "info", "scot", "wales", "cymru", "ie", "eu",
                       "io")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_PATH = r"[^\s<>()\[\]{}\"]"
_BARE_DOMAIN = (rf"(?<![\w@./:-])(?:{_LABEL}\.)+(?:{'|'.join(BARE_DOMAIN_ENDINGS)})"
                rf"(?![\w@-]|\.[A-Za-z0-9])(?:/{_PATH}*)?")
_WEB = rf"(?:https?://|www\.){_PATH}+|{_BARE_DOMAIN}"
_EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
# A UK number: 0 or +44, then digits in groups separated by single spaces or hyphens.
_PHONE = r"(?:\+44\s?(?:\(0\)\s?)?|\b0)\d{2,5}(?:[ -]?\d{2,4}){1,3}\b"
# Emergency, NHS, police and the European 116 helplines (116 123 is Samaritans).
_SHORT = r"(?:116[ -]?\d{3}|999|112|111|101|105|119)"

# The class each kind of link carries, so styles can keep phone numbers on one line.
LINK_CLASSES = {"web": "url", "email": "email", "phone": "tel"}

CONTACT_PATTERN = re.compile(
    rf"(?P<web>{_WEB})|(?P<email>(?<![\w.@/]){_EMAIL})|(?P<phone>(?<![\w+/-]){_PHONE}(?![\w-]))"
    rf"|(?P<short>(?<![\w+/.,£$-]){_SHORT}(?![\w-]|[ -]?\d|\.\d))")

# What must come just before a short number for it to be dialled: "call 111", "phone 999",
# "ring 116 123", "call free on 116 123", "call NHS 111", "Phone: 111".
_DIAL_CONTEXT = re.compile(
    r"\b(?i:call|phone|ring|dial|telephone|tel|contact|helpline)"
    r"(?:\s+(?i:us|them|free|now|today|NHS|the\s+NHS|on))*\s*:?\s*$")
# "on 111" alone is dialled only when the clause ends there or goes on as a phone line does
# ("on 111 day or night"), so "based on 111 interviews" and "On 111 days" stay text.
_ON_CONTEXT = re.compile(r"\bon\s*$")
_AFTER_ON = re.compile(r"\s*(?:[.,;:!?)]|$|(?:or|and|for|if|to|at|from|any|anytime|free|day|"
                       r"24)\b)")

_JOINED = re.compile(r"\s*(?:,|or|and|,\s*or)\s*")

# What comes before a registration number: never a phone number, never reported.
_REGISTRATION_CONTEXT = re.compile(
    r"(?:\b(?:company|charity|registration|registered|reg\.?)\b(?:(?!phone|tel)[\w ]){0,30}?"
    r"\b(?:number|no\.?|num\.?)|\bregistered\s+(?:charity|company)|^\s*-?\s*number\s*:)"
    r"[\s:#.(\"']*$", re.IGNORECASE)

# The one UK number shorter than ten digits: Childline, 0800 1111.
_SHORT_NATIONAL_NUMBERS = ("08001111",)


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
    dialled_to = -1  # the end of the last short number, so "call 111 or 999" links both
    for match in CONTACT_PATTERN.finditer(text):
        kind = match.lastgroup or ""
        found = match.group(kind)
        if kind == "web":
            found = found.rstrip(_TRAILING)
        elif kind == "phone" and (not _is_uk_number(found)
                                  or is_registration_number(text, match.start(kind))):
            continue
        elif kind == "short":
            before = text[max(0, match.start(kind) - 40):match.start(kind)]
            joined = dialled_to >= 0 and _JOINED.fullmatch(text[dialled_to:match.start(kind)])
            on = _ON_CONTEXT.search(before) and _AFTER_ON.match(text, match.end(kind))
            if not (joined or on or _DIAL_CONTEXT.search(before)):
                continue
            kind, dialled_to = "phone", match.end(kind)
        start = match.start(match.lastgroup or "")
        yield Contact(kind, found, contact_href(kind, found), start, start + len(found))


def is_registration_number(text: str, start: int) -> bool:
    """Return whether the number at `start` follows words like "company number"."""
    return bool(_REGISTRATION_CONTEXT.search(text[max(0, start - 60):start]))


def contact_href(kind: str, text: str) -> str:
    """Return the link target for an address as printed."""
    if kind == "web":
        return text if re.match(r"https?://", text) else f"https://{text}"
    if kind == "email":
        return f"mailto:{text}"
    if kind == "phone":
        digits = national_digits(text)
        # Short numbers are dialled as they are; others in international form.
        return f"tel:+44{digits[1:]}" if digits.startswith("0") else f"tel:{digits}"
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
    digits = national_digits(text)
    return len(digits) in uk_number_lengths(text) or digits in _SHORT_NATIONAL_NUMBERS


def kind_of(text: str) -> str | None:
    """Return the kind of a whole string that is exactly one address, else None."""
    value = text.strip()
    if re.fullmatch(_SHORT, value):  # a phone field: "116 123" needs no "call" before it
        return "phone"
    for contact in find_contacts(value):
        if contact.start == 0 and contact.end == len(value):
            return contact.kind
    return None
