"""Finding web addresses, email addresses and UK phone numbers."""

from __future__ import annotations

import pytest

from pibooklet.links import find_contacts, kind_of


def found(text: str) -> list[tuple[str, str, str]]:
    return [(contact.kind, contact.text, contact.href) for contact in find_contacts(text)]


def test_addresses_are_found_with_their_links() -> None:
    text = "Ring 0333 050 7654, write to info@cclg.org.uk or go to www.cclg.org.uk/donate."
    assert found(text) == [
        ("phone", "0333 050 7654", "tel:+443330507654"),
        ("email", "info@cclg.org.uk", "mailto:info@cclg.org.uk"),
        ("web", "www.cclg.org.uk/donate", "https://www.cclg.org.uk/donate")]


@pytest.mark.parametrize("text", ["Text CCLG to 70085", "charity 1182637", "SC049948",
                                  "April 2025", "page 12 of 24", "£3"])
def test_numbers_that_are_not_phone_numbers_are_left_alone(text: str) -> None:
    assert found(text) == []


@pytest.mark.parametrize(("text", "href"), [
    ("0808 808 00 00", "tel:+448088080000"),
    ("020 7946 0000", "tel:+442079460000"),
    ("+44 20 7946 0000", "tel:+442079460000"),
    ("0300-330-0803", "tel:+443003300803"),
])
def test_uk_phone_numbers_in_their_usual_forms(text: str, href: str) -> None:
    assert found(text) == [("phone", text, href)]


def test_sentence_punctuation_is_not_part_of_an_address() -> None:
    assert found("(see https://www.nhs.uk/a/b.aspx).") == [
        ("web", "https://www.nhs.uk/a/b.aspx", "https://www.nhs.uk/a/b.aspx")]


def test_kind_of_a_whole_value() -> None:
    assert kind_of("www.example.org") == "web"
    assert kind_of("0113 496 0000") == "phone"
    assert kind_of("see www.example.org") is None
    assert kind_of("example") is None
