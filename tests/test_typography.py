"""Curly quotes in every printed text: Markdown's smarty rules applied to plain YAML text too."""

from __future__ import annotations

import html
from pathlib import Path

import markdown
import pytest
from conftest import SAMPLES, Built
from test_content import MANIFEST, ORGANISATION, write_library

from pibooklet.content import read_library
from pibooklet.render import last_words_together
from pibooklet.typography import smarten, straighten

SMARTY = markdown.Markdown(extensions=["smarty"])


def smarty(text: str) -> str:
    """Return what Markdown's smarty extension makes of one plain paragraph."""
    SMARTY.reset()
    return html.unescape(SMARTY.convert(text).removeprefix("<p>").removesuffix("</p>"))


@pytest.mark.parametrize("text", [
    "Great North Children's Hospital", "\"CCLG\" and 'quoted' words", "Parents' group",
    "He said, \"'Quoted' words in a larger quote.\"", "the '80s -- and then --- later...",
    "'Tis the season", "\"Hello,\" she said.", "rock 'n' roll", "Sinéad O'Neill", "'", "\"",
    "x - y", "\"(brackets)\"", "it's 'fine'."])
def test_plain_text_gets_the_same_typography_as_markdown(text: str) -> None:
    assert smarten(text) == smarty(text)
    assert "'" not in smarten(text) and '"' not in smarten(text)


@pytest.mark.parametrize("kept", [
    "www.example.org/it's", "itsgoodtotalk.org/a--b", "team@example.org", "`it's`",
    '<abbr title="Magnetic">MRI</abbr>', "](https://www.example.org/a'b \"Title\")", '\\"'])
def test_addresses_code_tags_and_link_targets_are_left_as_written(kept: str) -> None:
    assert smarten(f"It's {kept} -- \"ok\"") == f"It’s {kept} – “ok”"


def test_straighten_undoes_what_smarty_does_to_an_address() -> None:
    assert straighten("www.example.org/it’s–a…") == "www.example.org/it's--a..."


def test_plain_yaml_text_is_curly_when_read(tmp_path: Path) -> None:
    manifest = MANIFEST.replace("title: A small booklet", "title: Your child's \"plan\"")
    manifest = manifest.replace("name: A Reviewer", "name: Sinéad O'Neill").replace(
        "organisation: A Hospital", "organisation: Children's Hospital, www.example.org/it's")
    organisation = ORGANISATION.replace("[1 High Street, Leeds LS1 1AA]",
                                        "[\"St Mary's House\", Leeds LS1 1AA]")
    library = read_library(write_library(tmp_path, manifest=manifest, organisation=organisation))
    booklet = library.booklets["small"]
    assert booklet.title == "Your child’s “plan”"
    reviewer = booklet.reviewers[0]
    assert reviewer.name == "Sinéad O’Neill"
    assert reviewer.organisation == "Children’s Hospital, www.example.org/it's"
    assert library.organisation.address[0] == "St Mary’s House"
    assert library.organisation.website == "www.example.org.uk"
    assert library.titles()["small"] == "Your child’s “plan”"


@pytest.mark.parametrize("slug", [*SAMPLES, "relapsed-cancer-large-print"])
def test_no_straight_quote_is_printed_in_the_samples(built: Built, slug: str) -> None:
    reader = built.reader(slug)
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert "'" not in text and '"' not in text, (number, text)
    assert "’" in reader.pages[1].extract_text() or slug == "clinical-trials"
    assert "'" not in reader.metadata.title and "'" not in reader.metadata.author


def test_a_title_keeps_its_last_two_words_together_when_they_are_short() -> None:
    assert last_words_together("Taking part in a clinical trial") == \
        "Taking part in a clinical\u00a0trial"
    # Two long words kept together could run off the page: they may break as usual.
    assert last_words_together("Understanding childhood neuroblastoma") == \
        "Understanding childhood neuroblastoma"
    assert last_words_together("Notes") == "Notes"
