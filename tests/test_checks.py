"""`build.py --check`: every editorial problem at once, as text or JSON, without layout."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pypdf
import pytest
from conftest import CONTENT, replace_in, visible
from test_content import MANIFEST, SECTION, write_library

from pibooklet.checks import PlainLanguage, malformed_addresses, measure_section
from pibooklet.cli import main

TODAY = "2026-11-24"


def check(root: Path, capsys, *extra: str) -> tuple[int, str]:
    status = main(["--check", "--content", str(root), "--today", TODAY, *extra])
    return status, capsys.readouterr().out


def test_the_samples_pass_the_check_with_their_readability(capsys) -> None:
    status, out = check(CONTENT, capsys)
    assert status == 0
    # The two notes: Welsh and Arabic have no hyphenation dictionary, so are set unhyphenated.
    assert out.strip().endswith("0 errors, 0 warnings, 2 notes")
    assert out.count("no hyphenation dictionary") == 2
    # The shared section is counted in both booklets that list it.
    assert re.search(r"relapsed-cancer: \d{4} words", out) and "lowest reading ease" in out


def test_json_lists_problems_and_readability_for_a_charitys_ci(tmp_path: Path, capsys) -> None:
    root = write_library(tmp_path, manifest=MANIFEST.replace("subtitle:", "subtitel:"))
    status, out = check(root, capsys, "--format", "json")
    report = json.loads(out)
    assert status == 1 and report["ok"] is False
    assert report["problems"][0]["line"] == 2 and report["problems"][0]["severity"] == "error"
    assert "did you mean 'subtitle'" in report["problems"][0]["message"]
    sample = json.loads(main(["--check", "--format", "json", "--content", str(CONTENT),
                              "--today", TODAY]) or capsys.readouterr().out)
    section = sample["readability"]["relapsed-cancer"][1]
    assert set(section) == {"path", "words", "sentences", "reading_ease", "reading_age",
                            "long_sentences"}


def test_the_check_writes_nothing(tmp_path: Path, capsys) -> None:
    output = tmp_path / "output"
    assert main(["--check", "--content", str(CONTENT), "--output", str(output),
                 "--today", TODAY]) == 0
    assert not output.exists()


@pytest.mark.parametrize(("today", "status", "message"), [
    ("2027-03-01", 0, None),
    ("2027-02-15", 0, "warning: due for review on 01 April 2027, in 45 days"),
    ("2027-05-01", 1, "overdue for review since April 2027: review the content"),
])
def test_review_dates_warn_then_fail(tmp_path: Path, capsys, today: str, status: int,
                                     message: str | None) -> None:
    root = write_library(tmp_path)  # edition 2025-04, next review 2027-04
    code = main(["--check", "--content", str(root), "--today", today])
    out = capsys.readouterr().out
    if today == "2027-03-01":
        message = "warning: due for review on 01 April 2027, in 31 days"
    assert code == status and message in out


def test_next_review_may_not_be_too_far_away(tmp_path: Path, capsys) -> None:
    root = write_library(tmp_path, manifest=MANIFEST.replace("next_review: 2027-04",
                                                             "next_review: 2029-04"))
    status, out = check(root, capsys)
    assert status == 1
    assert ("small/booklet.yaml:4: 'next_review' is more than 3 years after the edition: "
            "review by April 2028 at the latest") in out


def test_an_overdue_booklet_builds_only_when_allowed_and_then_says_so(tmp_path: Path,
                                                                      capsys) -> None:
    root = write_library(tmp_path / "content")
    output = tmp_path / "output"
    assert main(["--outputs", "screen", "--content", str(root), "--output", str(output),
                 "--today", "2027-06-01"]) == 1
    assert not output.exists()
    assert main(["--outputs", "screen", "--content", str(root), "--output", str(output),
                 "--today", "2027-06-01", "--allow-overdue", "--quiet"]) == 0
    assert "warning: overdue for review since April 2027" in capsys.readouterr().err
    reader = pypdf.PdfReader(output / "small.pdf")
    assert "Overdue for review since April 2027" in " ".join(reader.pages[0].extract_text().split())
    assert "overdue for review" in " ".join(reader.pages[1].extract_text().split())


def test_malformed_addresses_are_reported_by_line(tmp_path: Path, capsys) -> None:
    body = SECTION + ("\nCall 0333 050 765 or 0808 808 00 00.\n\nWrite to help@example or "
                      "help@example.org.uk.\n\nSee http://www.example.org or www.example.\n")
    root = write_library(tmp_path, section=body)
    status, out = check(root, capsys)
    assert status == 1
    assert ("small/one.md:6: '0333 050 765' looks like a UK phone number but has 10 digits; "
            "numbers starting 03 have 11") in out
    assert "small/one.md:8: 'help@example' is not a valid email address" in out
    assert ("small/one.md:10: 'http://www.example.org' uses http://: give the https:// "
            "address") in out
    assert "small/one.md:10: 'www.example' is not a valid web address" in out
    assert "0808 808 00 00" not in out and "help@example.org.uk'" not in out


@pytest.mark.parametrize(("text", "expected"), [
    ("Ring 0113 496 0000 today", []),
    ("Ring 0113 496 00 today", ["has 9 digits"]),
    ("Ring 07700 900 12 today", ["has 10 digits; numbers starting 07 have 11"]),
    ("Page 12 of 2025, charity 1182637 and SC049948", []),
    ("mail us at team@example.org.uk.", []),
    ("visit www.example.org.uk/page?x=1.", []),
    ("[[qr:www.example.org]] and [[qr:www.example.org/a]]", []),
    ("[[qr:www.example]]", ["'www.example' is not a valid web address"]),
    ("Registered company number 09876543, registered charity 1182637", []),
    ('  - number: "09876543"', []),
    ("Childline: 0800 1111. Samaritans: 116 123. Text CCLG to 70085.", []),
    ("Call 0800 123 45 today", ["has 9 digits"]),
    ("itsgoodtotalk.org, booklet.yaml, e.g. Dr. Patel, 3.5", []),
])
def test_address_rules(text: str, expected: list[str]) -> None:
    found = malformed_addresses(text)
    assert len(found) == len(expected)
    for message, part in zip(found, expected, strict=True):
        assert part in message


def test_unused_files_and_directory_entries_are_warnings(tmp_path: Path, capsys) -> None:
    directory = ("helpline:\n  name: A helpline\n  phone: \"0800 000 0000\"\n"
                 "  description: Someone to talk to.\n")
    root = write_library(tmp_path, extra={"directory.yaml": directory,
                                          "small/draft.md": "---\ntitle: Draft\n---\n",
                                          "small/images/old.svg": "<svg/>"})
    status, out = check(root, capsys)
    assert status == 0  # warnings do not fail the check
    assert "small/draft.md: warning: not used: add it to 'sections'" in out
    assert "small/images/old.svg: warning: image not used by any section" in out
    assert ("directory.yaml:1: warning: directory entry 'helpline' is not used by any "
            "booklet") in out


def test_sections_whose_names_give_the_same_anchor_are_reported(tmp_path: Path, capsys) -> None:
    root = write_library(tmp_path, manifest=MANIFEST + "  - One.md\n",
                         extra={"small/One.md": SECTION})
    if (root / "small" / "one.md").samefile(root / "small" / "One.md"):
        pytest.skip("this filesystem folds case, so the two names are one file")
    status, out = check(root, capsys)
    assert status == 1 and "its link anchor 'section-one' is the same as one.md's" in out


def test_plain_language_is_a_report_unless_strict(tmp_path: Path, capsys) -> None:
    long = ("When the team meets to consider the many options for further treatment they "
            "will think carefully about the benefits and the possible side effects for your "
            "child and family.")
    body = SECTION + "\n" + " ".join([long] * 3) + "\n"
    root = write_library(tmp_path, section=body)
    status, out = check(root, capsys)
    assert status == 0 and "small/one.md:6: note: sentence of 29 words (over 25)" in out
    replace_in(root / "small" / "booklet.yaml", "sections:",
               "plain_language:\n  strict: true\nsections:")
    status, out = check(root, capsys)
    assert status == 1 and "small/one.md:6: sentence of 29 words (over 25)" in out


def test_a_build_rates_plain_language_where_it_is_strict(tmp_path: Path, capsys) -> None:
    # A build shows no notes, so rates reading ease only where it makes errors.
    hard = ("Chemotherapeutic immunomodulation necessitates comprehensive multidisciplinary "
            "haematological consultation. ") * 6
    root = write_library(tmp_path, section=SECTION + "\n" + hard + "\n")
    replace_in(root / "small" / "booklet.yaml", "sections:",
               "plain_language:\n  strict: true\nsections:")
    output = tmp_path / "output"
    assert main(["--outputs", "screen", "--content", str(root), "--output", str(output),
                 "--today", TODAY]) == 1
    error = capsys.readouterr().err
    assert re.search(r"one\.md: reading ease -\d+ is below 60", error)
    assert re.search(r"one\.md: reading age \d+ is above 14", error)
    assert not output.exists()  # refused before any layout


def test_reading_measures_follow_the_flesch_formulas() -> None:
    easy = measure_section(Path("x.md"), "The cat sat on the mat. It was a good cat.\n", 1,
                           "en-GB", PlainLanguage())
    assert easy.words == 11 and easy.sentences == 2
    assert easy.reading_ease > 100 and easy.reading_age == 5.0
    hard = measure_section(Path("x.md"), "Chemotherapeutic immunomodulation necessitates "
                           "comprehensive multidisciplinary haematological consultation.\n", 1,
                           "en-GB", PlainLanguage())
    assert hard.reading_ease < 0 and hard.reading_age > 20


def test_one_broken_booklet_does_not_stop_the_others(library_copy: Path, tmp_path: Path,
                                                     capsys) -> None:
    replace_in(library_copy / "clinical-trials" / "booklet.yaml", "edition: 2025-06",
               "edition: June")
    output = tmp_path / "output"
    assert main(["--outputs", "screen", "--content", str(library_copy), "--output",
                 str(output), "--today", TODAY]) == 1
    error = capsys.readouterr().err
    assert "clinical-trials/booklet.yaml:4: 'edition' is not a date" in error
    # Its translations wait for their source: they cannot be checked against a broken one.
    assert "not built: clinical-trials, clinical-trials-ar, clinical-trials-cy." in error
    assert "clinical-trials/cy/booklet.yaml:1: this translation cannot be checked until its " \
        "source" in error
    assert [path.name for path in visible(output)] == ["relapsed-cancer.pdf"]


def test_a_content_folder_that_is_not_there(tmp_path: Path, capsys) -> None:
    assert main(["--content", str(tmp_path / "nowhere"), "--output", str(tmp_path)]) == 1
    assert "content folder not found" in capsys.readouterr().err


def _record_layouts(monkeypatch) -> list:
    """Make whole-booklet layout fail and record each small layout as (has sections, pages)."""
    def no_layout(*args, **kwargs):
        raise AssertionError("--check must not lay out whole booklets")

    import pibooklet.layout
    real_lay_out = pibooklet.layout.lay_out
    laid_out = []

    def fixed_only(html, *args, **kwargs):
        document = real_lay_out(html, *args, **kwargs)
        laid_out.append(("<main>" in html, len(document.pages)))
        return document

    monkeypatch.setattr("pibooklet.pipeline.lay_out", no_layout)
    monkeypatch.setattr("pibooklet.layout.lay_out", fixed_only)
    return laid_out


def test_the_check_lays_out_only_the_fixed_pages(tmp_path: Path, monkeypatch) -> None:
    # An empty output folder: no earlier build (such as the README's) proves any cover.
    laid_out = _record_layouts(monkeypatch)
    assert main(["--check", "--content", str(CONTENT), "--output", str(tmp_path),
                 "--today", TODAY]) == 0
    # One small layout per booklet: cover, inside cover and back cover, no sections; then
    # one specimen of every kind of block in the brand colours, for the whole library.
    assert laid_out[:-1] == [(False, 3)] * 4  # two samples and two translations
    specimen, pages = laid_out[-1]
    assert specimen and pages <= 8


def test_the_check_skips_covers_an_up_to_date_build_proved(tmp_path: Path,
                                                           monkeypatch) -> None:
    assert main(["clinical-trials", "--content", str(CONTENT), "--output", str(tmp_path),
                 "--outputs", "screen", "--today", TODAY, "--quiet"]) == 0
    laid_out = _record_layouts(monkeypatch)
    assert main(["--check", "--content", str(CONTENT), "--output", str(tmp_path),
                 "--today", TODAY]) == 0
    # The built booklet's cover is not laid out again.
    assert [layout for layout in laid_out if not layout[0]] == [(False, 3)] * 3


def test_the_sample_library_is_copied_unchanged(library_copy: Path) -> None:
    # A guard for the tests above: library_copy is a faithful copy of content/.
    assert sorted(path.name for path in library_copy.iterdir()) == sorted(
        path.name for path in CONTENT.iterdir())
    assert shutil.which("python3")
    assert dt.date.fromisoformat(TODAY)


def test_long_sentences_are_reported_at_the_line_where_they_start() -> None:
    body = ("Short one. Another short one.\n"
            "Then a long sentence begins here and keeps going well past the limit because it\n"
            "lists many things such as appointments and medicines and visits and tests.\n\n"
            "- A list item that is short.\n")
    result = measure_section(Path("x.md"), body, 10, "en-GB", PlainLanguage(max_sentence_words=15))
    assert [(line, words) for line, words, _ in result.long_sentences] == [(11, 27)]
    assert result.sentences == 4


def test_real_addresses_and_numbers_pass_the_check(tmp_path: Path, capsys) -> None:
    body = SECTION + ("\nScan [[qr:www.example.org]] or [[qr:itsgoodtotalk.org]].\n\n"
                      "Samaritans: call free on 116 123. Childline: 0800 1111. Call 111 or 999."
                      "\n\nText CCLG to 70085. Company number 09876543.\n")
    directory = ("talk:\n  name: It's good to talk\n  web: itsgoodtotalk.org\n"
                 "  phone: \"116 123\"\n  description: Find a therapist.\n")
    manifest = MANIFEST + "support: [talk]\n"
    root = write_library(tmp_path, manifest=manifest, section=body,
                         extra={"directory.yaml": directory})
    status, out = check(root, capsys)
    assert status == 0, out
    assert out.strip().endswith("0 errors, 0 warnings, 0 notes")


def test_picture_attributes_are_not_read_as_prose() -> None:
    body = ('Rest when you can.\n\n![A cup](cup.jpg "A break"){width=45mm place=right '
            'credit="Photo: A Name"}\n\nAsk for help.\n')
    measured = measure_section(Path("x.md"), body, 1, "en-GB", PlainLanguage())
    assert measured.words == 7 and measured.sentences == 2


def test_a_check_reads_each_file_once_and_finds_the_same(monkeypatch) -> None:
    from collections import Counter

    from pibooklet import intake
    from pibooklet.checks import _check_library, check_library
    from pibooklet.render import theme_for

    root = CONTENT.resolve()
    layouts = theme_for(root).layouts()
    today = dt.date(2026, 12, 2)
    reads: Counter = Counter()
    real = intake._read_bytes
    monkeypatch.setattr(intake, "_read_bytes", lambda path, root, kind: reads.update(
        [(str(path), str(root), kind)]) or real(path, root, kind))
    once = check_library(root, layouts, today)
    # Each file was read once as asked for (inside the folder, or accepted already: root None).
    assert reads and max(reads.values()) == 1
    read_once = sum(reads.values())
    reads.clear()
    every_time = _check_library(root, layouts, today, False, True)  # outside the block
    assert sum(reads.values()) > 2 * read_once
    assert [str(problem) for problem in every_time.problems] == \
        [str(problem) for problem in once.problems]
    assert every_time.buildable() == once.buildable()
