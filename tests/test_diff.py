"""pibooklet diff: the changed pages, the proof PDF's marked regions, reflow, plates, git."""

from __future__ import annotations

import json
import random
import subprocess
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import pypdf
import pytest
from conftest import glyphs, page_size
from pypdf.generic import ContentStream, NameObject, StreamObject
from test_content import MANIFEST, write_library

from pibooklet.cli import main
from pibooklet.impose import saddle_stitch_order
from pibooklet.limits import MAX_DIFF_PAGES

WORDS = ("team", "ward", "nurse", "plan", "week", "letter", "clinic", "visit", "family",
         "question", "answer", "meal", "sleep", "school", "friend", "music", "walk", "garden",
         "story", "doctor", "test", "result", "bus", "morning", "evening", "phone", "note",
         "calendar", "drawer", "blanket", "window", "kettle")


def paragraphs(count: int, first: int = 0) -> list[str]:
    """Return distinct paragraphs of plain words, each made from its own number."""
    found = []
    for number in range(first, first + count):
        chooser = random.Random(number)
        words = " ".join(chooser.choice(WORDS) for _ in range(45))
        found.append(f"Paragraph {number} {words}.")
    return found


def section(body: list[str]) -> str:
    return "---\ntitle: The only section\n---\n" + "\n\n".join(body) + "\n"


BASE = paragraphs(12)
#: The changed word: in paragraph 5, which the base edition prints on one page.
CHANGED = [*BASE[:5], BASE[5].replace("Paragraph 5 ", "Paragraph 5 lanterns "), *BASE[6:]]
#: Two new paragraphs at the start push every later one on: pages added, text reflowed.
LONGER = [*paragraphs(9, first=100), *BASE]


@dataclass
class Editions:
    """The small booklet built three ways: as it was, one word changed, made longer."""

    folder: Path

    def pdf(self, name: str, press: bool = False) -> Path:
        return self.folder / name / f"small{'-press' if press else ''}.pdf"


def build(root: Path, body: list[str], subtitle: str = "For testing") -> Path:
    """Write and build the small library (screen and press files) into root/output."""
    content = write_library(root / "content", section=section(body),
                            manifest=MANIFEST.replace("For testing", subtitle))
    assert main(["--content", str(content), "--output", str(root / "output"), "--outputs",
                 "screen,press", "--quiet", "--today", "2025-05-01"]) == 0
    return root / "output"


@pytest.fixture(scope="module")
def editions(tmp_path_factory: pytest.TempPathFactory) -> Editions:
    folder = tmp_path_factory.mktemp("editions")
    for name, body, subtitle in (("base", BASE, "For testing"),
                                 ("changed", CHANGED, "For trying"),
                                 ("longer", LONGER, "For testing")):
        (folder / name).symlink_to(build(folder / f"{name}-build", body, subtitle))
    return editions_checked(Editions(folder))


def editions_checked(editions: Editions) -> Editions:
    """The fixtures must be what the tests assume: the longer edition has more pages."""
    base = len(pypdf.PdfReader(editions.pdf("base")).pages)
    assert len(pypdf.PdfReader(editions.pdf("longer")).pages) > base
    return editions


def run_diff(*arguments: str | Path, capsys) -> tuple[int, str, str]:
    status = main(["diff", *map(str, arguments)])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def report(*arguments: str | Path, capsys) -> tuple[int, dict]:
    status, out, _ = run_diff(*arguments, "--format", "json", capsys=capsys)
    return status, json.loads(out)


def word_box(pdf: Path, page: int, word: str) -> tuple[float, float, float, float]:
    """Return a word's box on a page (1-based), in points from the bottom-left corner."""
    found = glyphs(pdf, page - 1)
    text = "".join(glyph.char for glyph in found)
    start = text.index(word)
    boxes = [glyph.box for glyph in found[start:start + len(word)]]
    return (min(box[0] for box in boxes), min(box[1] for box in boxes),
            max(box[2] for box in boxes), max(box[3] for box in boxes))


def page_with(pdf: Path, word: str) -> int:
    reader = pypdf.PdfReader(pdf)
    return next(index for index, page in enumerate(reader.pages, 1)
                if word in page.extract_text())


def placements(page: pypdf.PageObject) -> dict[str, tuple[float, float, float, float]]:
    """Return where each page image is drawn on a proof page: name -> (x, y, width, height)."""
    placed, matrix = {}, None
    for operands, operator in ContentStream(page.get_contents(), None).operations:
        if operator == b"cm":
            matrix = [float(value) for value in operands]
        elif operator == b"Do":
            placed[str(operands[0])] = (matrix[4], matrix[5], matrix[0], matrix[3])
    return placed


def test_a_changed_word_is_reported_on_its_page_and_marked_over_it(editions: Editions,
                                                                    capsys) -> None:
    new = editions.pdf("changed")
    page = page_with(new, "lanterns")
    status, found = report(editions.pdf("base"), new, capsys=capsys)
    assert status == 1 and not found["identical"]
    # The cover's subtitle and the one word: nothing else changed.
    assert found["changed_pages"] == [1, page]
    change = next(item for item in found["changes"] if item["new_page"] == page)
    assert change["kind"] == "text" and "lanterns" in change["message"]
    left, bottom, right, top = word_box(new, page, "lanterns")
    height = page_size(new, page - 1)[1]
    # One region (the paragraph the word re-wrapped), lying over the word.
    [region] = change["regions"]
    assert region[0] <= left and region[2] >= right
    assert region[1] <= height - top and region[3] >= height - bottom
    assert region[3] - region[1] < height / 2  # the paragraph, not the page


def test_the_proof_outlines_the_changed_paragraph_on_both_editions(editions: Editions,
                                                                   tmp_path: Path,
                                                                   capsys) -> None:
    old, new, proof = editions.pdf("base"), editions.pdf("changed"), tmp_path / "proof.pdf"
    page = page_with(new, "lanterns")
    status, out, _ = run_diff(old, new, "-o", proof, capsys=capsys)
    assert status == 1
    assert f"page {page}: text added: \u201clanterns\u201d" in out
    reader = pypdf.PdfReader(proof)
    assert "page 1:" in reader.pages[0].extract_text()
    assert f"page {page}: text added" in reader.pages[0].extract_text()
    # The cover, then spread 1 (the cover page alone) and the spread of the changed page.
    spread = (page // 2) * 2, (page // 2) * 2 + 1
    assert [item.title.split(":")[0] for item in reader.outline] == \
        ["page 1", f"pages {spread[0]}-{spread[1]}"]
    proof_page = reader.pages[reader.get_destination_page_number(reader.outline[1])]
    placed = placements(proof_page)
    assert set(placed) == {f"/P{row}n{number}" for row in (0, 1) for number in spread}
    marks = [annotation.get_object() for annotation in proof_page["/Annots"]]
    assert [mark["/Subtype"] for mark in marks] == ["/Square", "/Square"]
    assert all("lanterns" in mark["/Contents"] for mark in marks)
    # The new page's mark lies over the word, as the word is drawn on the proof page.
    x, y, width, height = placed[f"/P1n{page}"]
    page_width, page_height = page_size(new, page - 1)
    left, bottom, right, top = word_box(new, page, "lanterns")
    on_proof = (x + left * width / page_width, y + bottom * height / page_height,
                x + right * width / page_width, y + top * height / page_height)
    rects = [[float(value) for value in mark["/Rect"]] for mark in marks]
    assert any(r[0] <= on_proof[0] and r[1] <= on_proof[1] and r[2] >= on_proof[2]
               and r[3] >= on_proof[3] for r in rects)
    # The old page's mark is at the same place on the old page, in the row above.
    old_x, old_y, _, _ = placed[f"/P0n{page}"]
    old_rect, new_rect = sorted(rects, key=lambda rect: -rect[1])
    assert old_rect[0] - old_x == pytest.approx(new_rect[0] - x, abs=0.01)
    assert old_rect[1] - old_y == pytest.approx(new_rect[1] - y, abs=0.01)


def test_the_same_inputs_give_the_same_proof_bytes(editions: Editions, tmp_path: Path,
                                                   capsys) -> None:
    first, second = tmp_path / "first.pdf", tmp_path / "second.pdf"
    for proof in (first, second):
        status, _, _ = run_diff(editions.pdf("base"), editions.pdf("changed"), "-o", proof,
                                capsys=capsys)
        assert status == 1
    assert first.read_bytes() == second.read_bytes()


def test_identical_editions_have_no_changes(editions: Editions, tmp_path: Path, capsys) -> None:
    proof = tmp_path / "proof.pdf"
    status, out, err = run_diff(editions.pdf("base"), editions.pdf("base"), "-o", proof,
                                capsys=capsys)
    assert (status, err) == (0, "")
    count = len(pypdf.PdfReader(editions.pdf("base")).pages)
    assert out.splitlines() == [f"no changes ({count} pages)", f"proof: {proof}"]
    reader = pypdf.PdfReader(proof)
    assert "no changes" in reader.pages[0].extract_text()
    assert not reader.outline and all("/Annots" not in page for page in reader.pages)
    status, found = report(editions.pdf("base", press=True), editions.pdf("base", press=True),
                           capsys=capsys)
    assert status == 0 and found["identical"] and found["plates"]["sides"] == []


def test_added_pages_and_reflowed_text_are_told_apart(editions: Editions, capsys) -> None:
    old, new = editions.pdf("base"), editions.pdf("longer")
    old_count, new_count = (len(pypdf.PdfReader(pdf).pages) for pdf in (old, new))
    status, found = report(old, new, capsys=capsys)
    assert status == 1
    kinds = {item["kind"] for item in found["changes"]}
    added = [item["new_page"] for item in found["changes"] if item["kind"] == "added"]
    assert len(added) == new_count - old_count and not found["removed_pages"]
    # Paragraph 11, the last, now starts later: its page took text from an earlier old page.
    last = page_with(new, "Paragraph 11 ")
    was = page_with(old, "Paragraph 11 ")
    assert last > was
    moved = next(item for item in found["changes"] if item["new_page"] == last)
    assert was in moved["reflowed_from"] or moved["old_page"] == was
    assert "text" in kinds and ("reflowed" in kinds or any(
        item["reflowed_from"] for item in found["changes"]))
    status, out, _ = run_diff(old, new, capsys=capsys)
    assert "text reflowed from old page" in out
    assert f"{len(found['changed_pages'])} pages changed ({old_count} pages, now " \
           f"{new_count})" in out


def test_the_printer_is_told_which_plates_change(editions: Editions, capsys) -> None:
    old, new = editions.pdf("base", press=True), editions.pdf("changed", press=True)
    page = page_with(new, "lanterns")
    status, found = report(old, new, capsys=capsys)  # press files: plates without --press
    assert status == 1
    inks = {item["new_page"]: item["inks"] for item in found["changes"]}
    assert inks[page] == ["K"]  # body text is 100 % K
    assert inks[1] and inks[1] != ["K"]  # the subtitle is knocked out of the cover's colour
    order = saddle_stitch_order(len(pypdf.PdfReader(new).pages))
    expected = [(index // 2 + 1, "back" if index % 2 else "front")
                for index, side in enumerate(order) if {1, page} & {side.left, side.right}]
    sides = found["plates"]["sides"]
    assert [(side["sheet"], side["side"]) for side in sides] == expected
    assert {tuple(side["inks"]) for side in sides} >= {("K",)}
    status, out, _ = run_diff(old, new, capsys=capsys)
    assert f"plates: sheet {expected[0][0]} front (pages " in out


def test_a_changed_page_count_changes_every_plate(editions: Editions, capsys) -> None:
    status, found = report(editions.pdf("base", press=True),
                           editions.pdf("longer", press=True), capsys=capsys)
    count = len(pypdf.PdfReader(editions.pdf("longer", press=True)).pages)
    assert status == 1
    assert "every sheet is imposed anew" in found["plates"]["note"]
    assert len(found["plates"]["sides"]) == count // 2  # every side has ink on it


def test_screen_pdfs_get_plates_only_when_asked(editions: Editions, capsys) -> None:
    _, found = report(editions.pdf("base"), editions.pdf("changed"), capsys=capsys)
    assert found["plates"] is None
    _, found = report(editions.pdf("base"), editions.pdf("changed"), "--press", capsys=capsys)
    assert found["plates"]["sides"]


def git(folder: Path, *arguments: str) -> None:
    subprocess.run(["git", "-C", str(folder), "-c", "user.name=Test", "-c",
                    "user.email=test@example.org", *arguments], check=True, capture_output=True)


def test_two_git_revisions_are_built_and_compared(tmp_path: Path, capsys) -> None:
    repository = tmp_path / "repo"
    content = write_library(repository / "content", section=section(BASE))
    git(repository, "init", "-q")
    git(repository, "add", "-A")
    git(repository, "commit", "-qm", "first")
    (content / "small" / "one.md").write_text(section(CHANGED), encoding="utf-8")
    git(repository, "commit", "-qam", "second")
    (content / "small" / "one.md").write_text(section(BASE), encoding="utf-8")  # uncommitted
    status, found = report("small", "--from", "HEAD~1", "--to", "HEAD", "--content", content,
                           capsys=capsys)
    assert status == 1
    assert found["old"]["edition"] == "small at HEAD~1"
    assert [item["kind"] for item in found["changes"]] == ["text"]
    assert "lanterns" in found["changes"][0]["message"]
    # Against the working tree (the edit undone), the first commit is the same booklet.
    status, out, _ = run_diff("small", "--from", "HEAD~1", "--content", content, capsys=capsys)
    assert status == 0 and "no changes" in out
    assert sorted(path.name for path in repository.iterdir()) == [".git", "content"]


def test_no_such_revision_or_no_git_is_one_line(tmp_path: Path, capsys) -> None:
    content = write_library(tmp_path / "content")
    status, out, err = run_diff("small", "--from", "HEAD", "--content", content,
                                capsys=capsys)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and "not in a git repository" in err
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "first")
    for revision in ("no-such-branch", "--output=x"):
        status, _, err = run_diff("small", f"--from={revision}", "--content", content,
                                  capsys=capsys)
        assert status == 2 and err == (f"{revision}: no such revision in {tmp_path}; give a "
                                       "commit, branch or tag that `git log` shows\n")


def blank_pdf(path: Path, pages: int, size: tuple[float, float] = (419.53, 595.28),
              drawing: bytes | None = None) -> Path:
    """Write a PDF of blank pages, or of pages drawn by one Flate-compressed stream."""
    writer = pypdf.PdfWriter()
    for _ in range(pages):
        page = writer.add_blank_page(*size)
        if drawing is not None:
            stream = StreamObject()
            stream._data = drawing  # written as it is: already compressed
            stream[NameObject("/Filter")] = NameObject("/FlateDecode")
            page[NameObject("/Contents")] = writer._add_object(stream)
    with path.open("wb") as file:
        writer.write(file)
    return path


def test_mismatched_page_sizes_are_a_whole_page_change(tmp_path: Path, capsys) -> None:
    a5 = blank_pdf(tmp_path / "a5.pdf", 2)
    a4 = blank_pdf(tmp_path / "a4.pdf", 2, (595.28, 841.89))
    status, found = report(a5, a4, capsys=capsys)
    assert status == 1
    assert [item["message"] for item in found["changes"]] == [
        "page size changed from 148 x 210 mm to 210 x 297 mm"] * 2
    assert found["changes"][0]["regions"] == [[0.0, 0.0, 595.3, 841.9]]


def test_untrusted_pdfs_stop_with_one_line(tmp_path: Path, capsys, monkeypatch) -> None:
    many = blank_pdf(tmp_path / "many.pdf", MAX_DIFF_PAGES + 1, (100, 100))
    one = blank_pdf(tmp_path / "one.pdf", 1)
    status, out, err = run_diff(many, one, capsys=capsys)
    assert (status, out) == (2, "")
    assert err == f"{many}: has {MAX_DIFF_PAGES + 1} pages; the limit is {MAX_DIFF_PAGES} " \
                  "pages for an edition to compare\n"
    (tmp_path / "not.pdf").write_text("hello")
    status, _, err = run_diff(tmp_path / "not.pdf", one, capsys=capsys)
    assert status == 2 and err.startswith(f"{tmp_path / 'not.pdf'}: not a PDF")
    # A page whose drawing expands to 600 MB: stopped by the memory or the time limit.
    bomb = blank_pdf(tmp_path / "bomb.pdf", 1, drawing=zlib.compress(
        b"0 0 m 1 1 l S\n" * 40_000_000, 9))
    assert bomb.stat().st_size < 2_000_000
    monkeypatch.setattr("pibooklet.commands.diff.MAX_DIFF_SECONDS", 8)
    monkeypatch.setattr("pibooklet.commands.diff.MAX_DIFF_MEMORY_BYTES", 2 * 2**30)
    started = time.monotonic()
    status, out, err = run_diff(bomb, one, capsys=capsys)
    assert time.monotonic() - started < 20
    assert (status, out) == (2, "") and err.count("\n") == 1
    assert "took longer than 8 s" in err or "ran out of memory" in err


def test_the_proof_is_never_written_over_an_edition(editions: Editions, capsys) -> None:
    old = editions.pdf("base")
    before = old.read_bytes()
    status, _, err = run_diff(old, editions.pdf("changed"), "-o", old, capsys=capsys)
    assert status == 2 and "write the proof to another file" in err
    assert old.read_bytes() == before
