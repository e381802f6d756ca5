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


@pytest.mark.parametrize(("text", "printed"), [
    ("Visit itsgoodtotalk.org.", "itsgoodtotalk.org"),
    ("Itsgoodtotalk.org helps you find a therapist", "Itsgoodtotalk.org"),
    ("See nhs.uk/conditions/cancer, or ask.", "nhs.uk/conditions/cancer"),
    ("(example.co.uk)", "example.co.uk"),
    ("gov.scot and", "gov.scot"),
    ("Go to llyw.cymru", "llyw.cymru"),
    ("hse.ie!", "hse.ie"),
])
def test_bare_domains_print_as_written_and_link_to_https(text: str, printed: str) -> None:
    assert found(text) == [("web", printed, "https://" + printed)]


@pytest.mark.parametrize("text", [
    "Edit booklet.yaml and 00-introduction.md", "images/logo.svg", "e.g. this, i.e. that, etc.",
    "Dr. Patel and Mr.Smith", "a dose of 3.5 ml, version 1.2.3", "the U.K. and St. Ives",
    "report.pdf", "at 9 a.m.", "wrong.example", "example.org-like", "example.organ"])
def test_file_names_and_abbreviations_are_not_web_addresses(text: str) -> None:
    assert found(text) == []


def test_an_email_is_never_read_as_a_bare_domain() -> None:
    assert found("write to john.info@example.org") == [
        ("email", "john.info@example.org", "mailto:john.info@example.org")]


@pytest.mark.parametrize(("text", "number", "href"), [
    ("Samaritans: call free on 116 123.", "116 123", "tel:116123"),
    ("If you cannot wait, call 111.", "111", "tel:111"),
    ("In an emergency, phone 999", "999", "tel:999"),
    ("Ring 116 123 at any time", "116 123", "tel:116123"),
    ("you can get advice on 111", "111", "tel:111"),
    ("Samaritans are on 116 123 day or night", "116 123", "tel:116123"),
    ("Call NHS 111 today", "111", "tel:111"),
    ("Phone: 111", "111", "tel:111"),
    ("Childline: 0800 1111", "0800 1111", "tel:+448001111"),
    ("Call free on 0808 808 00 00", "0808 808 00 00", "tel:+448088080000"),
    ("Freephone 0800 123 4567", "0800 123 4567", "tel:+448001234567"),
])
def test_real_uk_numbers_become_tel_links(text: str, number: str, href: str) -> None:
    assert found(text) == [("phone", number, href)]


def test_numbers_joined_to_a_dialled_one_are_dialled_too() -> None:
    assert [href for _, _, href in found("call 999 or 112, or 111")] == [
        "tel:999", "tel:112", "tel:111"]


@pytest.mark.parametrize("text", [
    "111 children took part", "in 1999 and 2025", "On 111 days out of 365", "see page 111",
    "999 reasons", "give £111", "it rose by 111.5", "call 1111 times", "Text CCLG to 70085",
    "text SHOUT to 85258", "111 or 999", "based on 111 interviews", "on 999 days"])
def test_short_numbers_outside_a_phone_context_stay_text(text: str) -> None:
    assert found(text) == []


@pytest.mark.parametrize("text", [
    "company number 09876543", "Company No. 09876543", "Registered company 09876543",
    "registered in England and Wales no. 09876543", "Registered charity 1182637",
    "charity number: 01234567890", '  - number: "01133 496000"', "SC049948", "NI012345"])
def test_company_and_charity_numbers_are_never_phone_numbers(text: str) -> None:
    assert found(text) == []


def test_a_phone_number_after_the_word_company_is_still_a_phone_number() -> None:
    assert found("the company phone number 0113 496 0000") == [
        ("phone", "0113 496 0000", "tel:+441134960000")]


def test_a_phone_field_may_hold_a_short_number_alone() -> None:
    assert kind_of("116 123") == "phone" and kind_of("111") == "phone"
    assert kind_of("itsgoodtotalk.org") == "web"
    assert kind_of("booklet.yaml") is None and kind_of("1111") is None
