"""Callout styles, "more from us" blocks and placed figures, read back from the built PDFs."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pdfplumber
import pypdfium2
import pytest
import yaml
from conftest import CONTENT, MM, Built, replace_in
from PIL import Image

from pibooklet import thumbnail
from pibooklet.cli import main
from pibooklet.press import WARN_BELOW_PPI

COFFEE = CONTENT / "relapsed-cancer" / "images" / "coffee.jpg"


def _colours() -> dict[str, tuple[float, ...]]:
    """Return each brand colour's screen value as the RGB fractions a PDF holds."""
    colours = yaml.safe_load((CONTENT / "organisation.yaml").read_text())["colours"]
    return {name: tuple(int(value["screen"][index:index + 2], 16) / 255
                        for index in (1, 3, 5)) for name, value in colours.items()}


def _page_with(pdf: pdfplumber.PDF, text: str) -> pdfplumber.page.Page:
    pages = [page for page in pdf.pages if text in page.extract_text()]
    assert len(pages) == 1, f"{text!r} is on {len(pages)} pages"
    return pages[0]


def _tagged(page: pdfplumber.page.Page) -> list[tuple[str, str, dict]]:
    """Return (tag, text, node) for every structure element on the page, in reading order."""
    text_of = {}
    for char in page.chars:
        if char.get("mcid") is not None:
            text_of[char["mcid"]] = text_of.get(char["mcid"], "") + char["text"]
    found = []

    def walk(node: dict) -> str:
        text = "".join(text_of.get(mcid, "") for mcid in node.get("mcids", []))
        place = len(found)
        found.append(None)
        text += "".join(walk(child) for child in node.get("children", []))
        found[place] = (node["type"], text, node)
        return text

    for node in page.structure_tree:
        walk(node)
    return found


def _same(colour: tuple[float, ...], expected: tuple[float, ...]) -> bool:
    return len(colour) == 3 and all(abs(a - b) < 0.01 for a, b in zip(colour, expected,
                                                                       strict=True))


@pytest.mark.parametrize(("slug", "label", "body", "colour"), [
    ("relapsed-cancer", "Key message", "Nothing you did, or did not do", "primary"),
    ("relapsed-cancer", "Important", "Tell your child’s team before", "on_primary"),
    ("clinical-trials", "Tip", "Write your questions down", "accent"),
])
def test_each_callout_style_is_labelled_first_and_read_as_one_block(
        built: Built, slug: str, label: str, body: str, colour: str) -> None:
    with pdfplumber.open(built.pdf(slug)) as pdf:
        page = _page_with(pdf, body)
        divs = [(text, node) for tag, text, node in _tagged(page)
                if tag == "Div" and body.replace(" ", "") in text.replace(" ", "")]
        assert len(divs) == 1, "the callout is one Div in the structure tree"
        text, node = divs[0]
        first = node["children"][0]
        # The label is its own paragraph, read before the text of the callout.
        assert first["type"] == "P" and text.startswith(label)
        label_chars = [char for char in page.chars if char.get("mcid") in
                       [mcid for child in first.get("children", [first])
                        for mcid in child.get("mcids", [])]]
        assert "".join(char["text"] for char in label_chars) == label
        assert all("Bold" in char["fontname"] for char in label_chars)
        # Each style prints its label in its own brand colour.
        assert all(_same(char["non_stroking_color"], _colours()[colour])
                   for char in label_chars), label_chars[0]["non_stroking_color"]


@pytest.mark.parametrize(("slug", "sentence", "bold"), [
    ("relapsed-cancer", "Tell your child’s team before your child takes any herb", "any"),
    ("relapsed-cancer", "Nothing you did, or did not do, made your child’s", None),
    ("clinical-trials", "Taking part in a trial is always your choice", None),
])
def test_callout_text_is_regular_weight_with_bold_only_where_written(
        built: Built, slug: str, sentence: str, bold: str | None) -> None:
    with pdfplumber.open(built.pdf(slug)) as pdf:
        page = _page_with(pdf, sentence.split(",")[0])
        chars = [char for char in page.chars if char["text"].strip()]
        text = "".join(char["text"] for char in chars)
        start = text.index(sentence.replace(" ", ""))
        weights = {index - start for index in range(start, start + len(sentence.replace(" ", "")))
                   if "Bold" in chars[index]["fontname"]}
        bold_at = sentence.replace(" ", "").find(bold) if bold else -1
        assert weights == (set(range(bold_at, bold_at + len(bold))) if bold else set())


def _render(path: Path, index: int) -> Image.Image:
    """Return one page drawn at 288 ppi, so one point is four pixels."""
    document = pypdfium2.PdfDocument(str(path))
    try:
        return document[index].render(scale=4).to_pil().convert("RGB")
    finally:
        document.close()


def _colour_at(image: Image.Image, x: float, top: float) -> tuple[float, ...]:
    return tuple(round(value / 255, 2) for value in image.getpixel((round(x * 4),
                                                                    round(top * 4))))


def test_each_callout_style_has_its_own_look(built: Built) -> None:
    colours = {name: tuple(round(value, 2) for value in colour)
               for name, colour in _colours().items()}
    looks = {}
    for slug, label in (("relapsed-cancer", "Key message"), ("relapsed-cancer", "Important"),
                        ("clinical-trials", "Tip")):
        with pdfplumber.open(built.pdf(slug)) as pdf:
            page = _page_with(pdf, label)
            index = page.page_number - 1
            line = next(line for line in page.extract_text_lines() if line["text"] == label)
        image = _render(built.pdf(slug), index)
        left = 15 * MM if index % 2 else 20 * MM  # the text column's edge (mirrored margins)
        middle = (line["top"] + line["bottom"]) / 2
        behind = _colour_at(image, line["x0"] - 2, middle)
        # Going up from the label: the first brand colour that differs from what it sits
        # on (past the anti-aliased edge between them).
        above = next(colour for step in range(1, 80)
                     if (colour := _colour_at(image, line["x0"] + 3, line["top"] - step / 4))
                     != behind and colour in colours.values())
        looks[label] = (behind, _colour_at(image, left + 0.7, middle), above)
    assert looks["Key message"] == (colours["tint"], colours["primary"], colours["paper"])
    assert looks["Important"] == (colours["accent"], colours["accent"], colours["paper"])
    assert looks["Tip"] == (colours["paper"], colours["paper"], colours["accent"])


def test_more_from_us_shows_the_other_booklets_real_cover(built: Built) -> None:
    with pdfplumber.open(built.pdf("relapsed-cancer")) as pdf:
        page = _page_with(pdf, "More from us")
        text = page.extract_text()
        assert "Taking part in a clinical trial" in text and "www.cclg.org.uk" in text
        images = [image for image in page.images if image["tag"] == "Figure"]
        assert len(images) == 1
        image = images[0]
        assert abs((image["x1"] - image["x0"]) / MM - 28) < 0.1
        tagged = _tagged(page)
        block = next(text for tag, text, _ in tagged if tag == "Div" and
                     text.startswith("More from us"))
        assert "Taking part in a clinical trial" in block and "Ask your child" in block
        figures = [(text, node) for tag, text, node in tagged if tag == "Figure"]
        assert [node.get("alt_text") for _, node in figures] == [
            "Cover of the booklet Taking part in a clinical trial"]
        # A picture: no text of its own for a screen reader to read a second time.
        assert figures[0][0] == ""
        width, height = image["srcsize"]
    embedded = _embedded_image(built.pdf("relapsed-cancer"), "More from us")
    assert embedded.size == (width, height)
    # The same pixels as the first page of the other booklet's own PDF, drawn at that size.
    cover = pypdfium2.PdfDocument(str(built.pdf("clinical-trials")))
    try:
        reference = cover[0].render(scale=width / cover[0].get_size()[0]).to_pil().convert("RGB")
    finally:
        cover.close()
    assert reference.size == embedded.size
    difference = sum(abs(a - b) for a, b in zip(reference.tobytes(), embedded.tobytes(),
                                                 strict=True)) / len(reference.tobytes())
    assert difference < 2, f"mean difference {difference:.1f} of 255"


def _embedded_image(path: Path, text: str) -> Image.Image:
    """Return the pixels of the one image on the page holding `text` (PDFium)."""
    document = pypdfium2.PdfDocument(str(path))
    try:
        for index in range(len(document)):
            page = document[index]
            if text in page.get_textpage().get_text_range():
                images = list(page.get_objects(filter=[pypdfium2.raw.FPDF_PAGEOBJ_IMAGE],
                                               max_depth=5))
                assert len(images) == 1
                return images[0].get_bitmap().to_pil().convert("RGB")
    finally:
        document.close()
    raise AssertionError(f"{text!r} not found")


def test_the_cover_thumbnail_prints_above_300_ppi_in_cmyk_on_press(built: Built) -> None:
    with pdfplumber.open(built.output / "relapsed-cancer-press.pdf") as pdf:
        page = _page_with(pdf, "More from us")
        (image,) = page.images
        ppi = image["srcsize"][0] / ((image["x1"] - image["x0"]) / 72)
        assert ppi >= WARN_BELOW_PPI
        assert image["colorspace"] == ["/'DeviceCMYK'"] or "CMYK" in str(image["colorspace"]) \
            or str(image["stream"].get("/ColorSpace")) == "/DeviceCMYK"


def test_the_cover_thumbnail_is_the_same_bytes_every_time(built: Built, tmp_path: Path) -> None:
    first = _embedded_image(built.pdf("relapsed-cancer"), "More from us").tobytes()
    thumbnail._CACHE.clear()  # the next build lays out and rasterises the cover afresh
    output = tmp_path / "again"
    assert main(["relapsed-cancer", "--outputs", "screen", "--content", str(CONTENT),
                 "--output", str(output), "--quiet"]) == 0
    assert (output / "relapsed-cancer.pdf").read_bytes() == \
        built.pdf("relapsed-cancer").read_bytes()
    assert _embedded_image(output / "relapsed-cancer.pdf", "More from us").tobytes() == first


def test_a_cover_drawn_before_is_recorded_as_read_by_every_job_that_shows_it() -> None:
    # A worker draws a cover once and each job showing it takes it from there: each job's
    # record must still name the files the cover was drawn from (a later edit stales it).
    from pibooklet import intake
    from pibooklet.content import read_library
    from pibooklet.render import cover_to_draw, theme_for

    theme = theme_for(CONTENT)
    library = read_library(CONTENT, theme.layouts())
    cover = cover_to_draw(library, theme, "clinical-trials")
    thumbnail.forget_thumbnails()
    with intake.recording_reads() as drawing:
        png = thumbnail.cover_thumbnail(cover)
    with intake.recording_reads() as taking:
        assert thumbnail.cover_thumbnail(cover) == png
    assert any(path.name == "logo.svg" for path in drawing)
    assert taking == drawing


def test_a_booklets_editions_draw_each_cover_once(monkeypatch) -> None:
    # Large print and the press file, made in one task, show the same covers: the second
    # edition takes them from the first (its pictures are converted to CMYK from the same PNG).
    from pibooklet import pipeline
    from pibooklet.content import read_library
    from pibooklet.render import theme_for

    theme = theme_for(CONTENT)
    library = read_library(CONTENT, theme.layouts())
    drawn, draw = [], thumbnail.draw_covers

    def counted(library, theme, booklet_ids):
        drawn.extend(booklet_ids)
        return draw(library, theme, booklet_ids)

    monkeypatch.setattr(thumbnail, "draw_covers", counted)
    built = pipeline.build_booklet(library.booklets["relapsed-cancer"], library, theme,
                                   ("large-print", "press"), screen_apart=True)
    assert {file.name for file in built.files} == {"relapsed-cancer-large-print.pdf",
                                                   "relapsed-cancer-press.pdf"}
    assert drawn == ["clinical-trials"]


def test_a_template_that_shows_the_cover_of_no_booklet_is_an_error(tmp_path: Path) -> None:
    from test_hostile import write_booklets

    root = write_booklets(tmp_path / "content", ("aa",))
    (root / "templates").mkdir(exist_ok=True)
    cover = (Path(__file__).resolve().parent.parent / "templates" / "cover.html").read_text()
    (root / "templates" / "cover.html").write_text(
        cover.replace("</section>", '<img src="pibooklet-cover:nobody" alt="x"></section>', 1))
    output = tmp_path / "output"
    code = main(["--content", str(root), "--output", str(output), "--outputs", "screen",
                 "--quiet", "--jobs", "1"])
    assert code == 1 and not list(output.glob("*.pdf"))


def test_a_photo_set_at_45mm_floats_right_with_text_beside_it(built: Built) -> None:
    with pdfplumber.open(built.pdf("relapsed-cancer")) as pdf:
        page = _page_with(pdf, "Make time for yourself")
        (photo,) = [image for image in page.images if image["srcsize"] == (600, 400)]
        assert abs((photo["x1"] - photo["x0"]) / MM - 45) < 0.1
        # At the right edge of the text column (a right-hand page: 15 mm outer margin).
        assert abs(photo["x1"] - (page.width - 15 * MM)) < 1
        beside = [line for line in page.extract_text_lines()
                  if line["bottom"] > photo["top"] and line["top"] < photo["bottom"]
                  and line["x1"] < photo["x0"]]
        assert any(line["text"].startswith("Taking a break") for line in beside)
        caption = [line["text"] for line in page.extract_text_lines()
                   if line["top"] >= photo["bottom"] and line["x0"] >= photo["x0"] - 1]
        assert caption[:2] == ["A few quiet minutes can", "help"]
        assert "Photo: Rachel Michetti" in caption[2]
        figure = [node for tag, _, node in _tagged(page) if tag == "Figure"
                  and node.get("alt_text", "").startswith("A small cup of coffee")]
        assert len(figure) == 1


def test_large_print_does_not_float_the_photo(built: Built) -> None:
    with pdfplumber.open(built.output / "relapsed-cancer-large-print.pdf") as pdf:
        page = _page_with(pdf, "Make time for yourself")
        (photo,) = [image for image in page.images if image["srcsize"] == (600, 400)]
        column = page.width - 36 * MM
        assert photo["x1"] - photo["x0"] >= 0.6 * column - 1
        beside = [line for line in page.extract_text_lines()
                  if line["bottom"] > photo["top"] and line["top"] < photo["bottom"]]
        assert beside == []


def test_the_press_file_prints_the_photo_in_cmyk_above_300_ppi(built: Built) -> None:
    with pdfplumber.open(built.output / "relapsed-cancer-press.pdf") as pdf:
        page = _page_with(pdf, "Make time for yourself")
        (photo,) = [image for image in page.images if image["srcsize"] == (600, 400)]
        assert 600 / ((photo["x1"] - photo["x0"]) / 72) >= WARN_BELOW_PPI
        # The embedded pixels are the converted CMYK ones, not the RGB file re-read from disk.
        embedded = Image.open(io.BytesIO(photo["stream"].get_rawdata()))
        assert embedded.mode == "CMYK" and embedded.size == (600, 400)


def _check(content: Path, capsys) -> str:
    assert main(["--check", "--content", str(content)]) == 1
    return capsys.readouterr().out + capsys.readouterr().err


def _line_of(path: Path, text: str) -> int:
    return next(number for number, line in enumerate(path.read_text().splitlines(), 1)
                if text in line)


def test_an_unknown_callout_style_is_a_content_error_with_its_line(library_copy: Path,
                                                                   capsys) -> None:
    section = library_copy / "relapsed-cancer" / "03-adjusting.md"
    replace_in(section, "::: callout key", "::: callout warning")
    out = _check(library_copy, capsys)
    line = _line_of(section, "::: callout warning")
    assert f"03-adjusting.md:{line}: unknown callout style 'warning'; use one of: key, " \
           "important, tip" in out


@pytest.mark.parametrize(("target", "message"), [
    ("clinical-trails", "no booklet or publication has the id 'clinical-trails'"),
    ("complementary-therapies", "'::: more complementary-therapies' needs a booklet in this "
                                "library, to draw its cover"),
])
def test_a_more_block_for_a_booklet_not_here_is_a_content_error_with_its_line(
        library_copy: Path, capsys, target: str, message: str) -> None:
    section = library_copy / "relapsed-cancer" / "08-clinical-trials.md"
    replace_in(section, "::: more clinical-trials", f"::: more {target}")
    out = _check(library_copy, capsys)
    assert f"08-clinical-trials.md:{_line_of(section, '::: more')}: {message}" in out


def test_image_attributes_are_checked_with_their_line(library_copy: Path, capsys) -> None:
    section = library_copy / "clinical-trials" / "01-what-is-a-trial.md"
    section.write_text(section.read_text() + "\n![A cup](../relapsed-cancer/images/coffee.jpg)"
                       "{width=200mm place=middle size=2}\n\nSee ![A cup]"
                       "(../relapsed-cancer/images/coffee.jpg){width=40%} here.\n")
    out = _check(library_copy, capsys)
    lines = section.read_text().splitlines()
    first = len(lines) - 2
    assert f"01-what-is-a-trial.md:{first}: image width '200mm' must be between 10mm and " \
           "113mm" in out
    assert f"01-what-is-a-trial.md:{first}: unknown image place 'middle'; use one of: left, " \
           "right, column, bleed" in out
    assert f"01-what-is-a-trial.md:{first}: unknown image attribute 'size'" in out
    assert f"01-what-is-a-trial.md:{first + 2}: image '../relapsed-cancer/images/coffee.jpg' " \
           "has a size or place, so it is a figure: put it on a line of its own" in out


def test_an_oversized_photo_with_a_size_is_refused_from_its_header(library_copy: Path,
                                                                   capsys) -> None:
    images = library_copy / "clinical-trials" / "images"
    images.mkdir()
    Image.new("1", (6000, 5000)).save(images / "huge.png")  # 30 megapixels, a small file
    section = library_copy / "clinical-trials" / "02-why-trials.md"
    section.write_text(section.read_text() + '\n![A huge picture](images/huge.png "Big")'
                       "{width=50% place=left}\n")
    out = _check(library_copy, capsys)
    assert f"02-why-trials.md:{len(section.read_text().splitlines())}: image " \
           "'images/huge.png' is 30 megapixels (6000 x 5000); the limit is 25" in out


def test_full_bleed_photos_and_the_press_resolution_check(library_copy: Path, tmp_path: Path,
                                                          capsys) -> None:
    images = library_copy / "clinical-trials" / "images"
    images.mkdir()
    # 1900 px across 154 mm (the page and its bleed) is 313 ppi; a PNG photograph.
    with Image.open(COFFEE) as photo:
        photo.resize((1900, 1267)).save(images / "wide.png")
        photo.resize((480, 320)).save(images / "soft.jpg", quality=90)
    section = library_copy / "clinical-trials" / "03-phases.md"
    text = section.read_text()
    section.write_text(text + '\n![A cup of coffee](images/wide.png "Full bleed")'
                       '{place=bleed credit="Photo: Rachel Michetti (CC0)"}\n\n'
                       "Text after the picture starts the next page.\n\n"
                       '![A cup of coffee, smaller](images/soft.jpg "Soft"){width=45mm}\n')
    soft_line = len(section.read_text().splitlines())
    assert main(["clinical-trials", "--content", str(library_copy), "--output", str(tmp_path),
                 "--outputs", "screen,large-print,press"]) == 0
    out = capsys.readouterr()
    # 480 px at 45 mm is 271 ppi: a warning with its line, and the press file is still made.
    assert re.search(rf"03-phases\.md:{soft_line}: image soft\.jpg prints at 27\d ppi",
                     out.out + out.err), out
    with pdfplumber.open(tmp_path / "clinical-trials.pdf") as pdf:
        page = _page_with(pdf, "Full bleed")
        (photo,) = [image for image in page.images if image["srcsize"] == (1900, 1267)]
        # On screen it runs to the trim edge at the top and both sides.
        assert abs(photo["x0"]) < 0.5 and abs(photo["x1"] - page.width) < 0.5
        assert abs(photo["top"]) < 0.5
        assert "Photo: Rachel Michetti (CC0)" in page.extract_text()
        assert "Text after the picture" not in page.extract_text()
    with pdfplumber.open(tmp_path / "clinical-trials-press.pdf") as pdf:
        page = _page_with(pdf, "Full bleed")
        (photo,) = [image for image in page.images if image["srcsize"] == (1900, 1267)]
        # The crop marks widen the MediaBox below the origin; pdfplumber's y1 counts from
        # its bottom edge, so add the MediaBox's own origin to compare with the BleedBox.
        boxes = _boxes(tmp_path / "clinical-trials-press.pdf", pdf.pages.index(page))
        left, _, right, top = boxes["/BleedBox"]
        assert abs(photo["x0"] - left) < 0.5 and abs(photo["x1"] - right) < 0.5
        assert abs(photo["y1"] + boxes["/MediaBox"][1] - top) < 0.5
        assert left < 0 and top > 210 * MM  # beyond the trim: into the bleed
        assert 1900 / ((photo["x1"] - photo["x0"]) / 72) >= WARN_BELOW_PPI
    with pdfplumber.open(tmp_path / "clinical-trials-large-print.pdf") as pdf:
        page = _page_with(pdf, "Full bleed")
        (photo,) = [image for image in page.images if image["srcsize"] == (1900, 1267)]
        assert abs(photo["x0"] - 18 * MM) < 1 and abs(photo["x1"] - (page.width - 18 * MM)) < 1


def _boxes(path: Path, index: int) -> dict[str, list[float]]:
    import pypdf

    page = pypdf.PdfReader(path).pages[index]
    return {name: [float(value) for value in page[name]] for name in ("/MediaBox",
                                                                      "/BleedBox")}


def test_a_broken_booklet_costs_the_block_its_picture_not_the_other_booklet(
        library_copy: Path, tmp_path: Path, capsys) -> None:
    replace_in(library_copy / "clinical-trials" / "booklet.yaml", "edition: 2025-06",
               "edition: June")
    section = library_copy / "relapsed-cancer" / "08-clinical-trials.md"
    assert main(["--outputs", "screen", "--content", str(library_copy), "--output",
                 str(tmp_path)]) == 1
    error = capsys.readouterr().err
    assert f"08-clinical-trials.md:{_line_of(section, '::: more')}: warning: the cover of " \
           "'clinical-trials' cannot be drawn while that booklet has problems" in error
    with pdfplumber.open(tmp_path / "relapsed-cancer.pdf") as pdf:
        page = _page_with(pdf, "More from us")
        assert "Taking part in a clinical trial" in page.extract_text()
        assert page.images == []
