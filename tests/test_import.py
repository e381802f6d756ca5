"""`pibooklet import`: Word and Markdown booklets made in tmp_path become booklet folders that
check and build; what cannot be mapped is reported at its place; hostile files are refused."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import docx
import pypdf
import pytest
from conftest import CONTENT, squash, visible
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from PIL import Image

from pibooklet.cli import main

TODAY = "2025-07-01"


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A content folder with the samples' organisation, directory and images, and no booklet."""
    folder = tmp_path / "content"
    folder.mkdir()
    for name in ("organisation.yaml", "directory.yaml"):
        shutil.copy(CONTENT / name, folder / name)
    shutil.copytree(CONTENT / "images", folder / "images")
    return folder


def add_hyperlink(paragraph, url: str, text: str) -> None:
    """Add a link run to a python-docx paragraph (python-docx has no API for one)."""
    rel = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rel)
    run = OxmlElement("w:r")
    text_element = OxmlElement("w:t")
    text_element.text = text
    run.append(text_element)
    link.append(run)
    paragraph._p.append(link)


def png(width: int = 600, height: int = 400, colour: str = "teal") -> io.BytesIO:
    """Return a PNG made here, of one colour."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "PNG")
    buffer.seek(0)
    return buffer


def add_picture(document, data: io.BytesIO, alt: str):
    """Add a picture with its alternative text (Word's Alt Text: wp:docPr descr)."""
    shape = document.add_picture(data, width=docx.shared.Mm(40))
    shape._inline.docPr.set("descr", alt)
    return shape


def sound_booklet(path: Path, facts: bool = True) -> Path:
    """Write a Word booklet with every part the import maps, and a table it cannot."""
    document = docx.Document()
    document.add_heading("Going home after treatment", 0)
    document.add_paragraph("For parents and families of a child with cancer", style="Subtitle")
    document.add_heading("Contents", 1)
    document.add_paragraph("Coming home\t3")
    document.add_paragraph("Questions you may want to ask\t5")
    if facts:
        document.add_heading("About this booklet", 1)
        document.add_paragraph("Published: June 2025")
        document.add_paragraph("Next review: June 2028")
        document.add_paragraph("This booklet was reviewed by Dr Ann Example, Consultant, "
                               "Example Children's Hospital.")
        document.add_paragraph("This information does not replace advice from your child's "
                               "medical team.")
        document.add_paragraph("Tell us what you think: email publications@cclg.org.uk.")
    document.add_heading("Coming home", 1)
    paragraph = document.add_paragraph("Going home is a big step. ")
    paragraph.add_run("Ask your team").bold = True
    paragraph.add_run(" before you leave, and read ")
    add_hyperlink(paragraph, "https://www.cclg.org.uk/going-home", "our guide")
    paragraph.add_run(" with ")
    paragraph.add_run("care").italic = True
    paragraph.add_run(".")
    document.add_paragraph("Keep a thermometer at home.", style="List Bullet")
    document.add_paragraph("Keep your team's number by the phone.", style="List Bullet")
    document.add_heading("Looking after yourself", 2)
    document.add_paragraph("Rest when you can, and accept help when it is offered.")
    add_picture(document, png(), "A family walking in a park")
    table = document.add_table(rows=3, cols=4)
    table.cell(0, 0).text = "Day"
    document.add_heading("Questions you may want to ask", 1)
    for question in ("Who do we call if our child has a temperature?",
                     "When is our next clinic visit?"):
        document.add_paragraph(question, style="List Bullet")
    document.add_heading("Help and support", 1)
    document.add_paragraph("These organisations can help.")
    paragraph = document.add_paragraph()
    paragraph.add_run("Macmillan Support Line").bold = True
    paragraph.add_run(" Call free on 0808 808 00 00.")
    paragraph = document.add_paragraph()
    paragraph.add_run("Family Rest Line").bold = True
    paragraph.add_run(" Friendly advice for tired parents. Phone: 0300 123 4567. Web: "
                      "www.familyrest.org.uk")
    document.save(path)
    return path


def rewrite_zip(path: Path, changes: dict[str, bytes | None]) -> None:
    """Replace (bytes), add or remove (None) parts of a .docx in place."""
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    for name, data in changes.items():
        if data is None:
            parts.pop(name, None)
        else:
            parts[name] = data
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def run_import(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(["import", *argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


# A sound Word booklet ----------------------------------------------------------------------

def test_word_booklet_is_mapped(tmp_path: Path, content: Path, capsys) -> None:
    source = sound_booklet(tmp_path / "going-home.docx")
    status, out, err = run_import(capsys, str(source), "--content", str(content))
    assert status == 0, err
    folder = content / "going-home-after-treatment"
    manifest = (folder / "booklet.yaml").read_text()
    assert 'title: "Going home after treatment"' in manifest
    assert 'subtitle: "For parents and families of a child with cancer"' in manifest
    assert "edition: 2025-06" in manifest and "next_review: 2028-06" in manifest
    assert "Dr Ann Example" in manifest and "does not replace" in manifest
    assert "publications@cclg.org.uk" in manifest and '"FILL IN' not in manifest
    # One section a heading; the contents list, the facts and Help and support are not ones.
    assert sorted(path.name for path in folder.glob("*.md")) == [
        "01-coming-home.md", "02-questions-you-may-want-to-ask.md"]
    coming = (folder / "01-coming-home.md").read_text()
    assert 'title: "Coming home"' in coming
    assert "**Ask your team**" in coming and "*care*" in coming
    assert "[our guide](https://www.cclg.org.uk/going-home)" in coming
    assert "- Keep a thermometer at home." in coming
    assert "## Looking after yourself" in coming
    assert "![A family walking in a park](images/picture-01.png)" in coming
    assert Image.open(folder / "images" / "picture-01.png").size == (600, 400)
    assert "Contents" not in coming and "Day" not in coming
    questions = (folder / "02-questions-you-may-want-to-ask.md").read_text()
    assert "::: questions\n- Who do we call if our child has a temperature?\n" in questions
    # Macmillan is in the directory (matched by its number); the new one is written as text.
    assert "  - macmillan\n" in manifest
    assert "Family Rest Line" in manifest and "0300 123 4567" in manifest
    lines = out.splitlines()
    assert any(line.startswith(f"{source}: paragraph 3: a contents list (2 entries) was "
                               "dropped") for line in lines), out
    assert any("a table (3 x 4) was not imported" in line and ": paragraph " in line
               for line in lines), out
    assert "family-rest-line:" in out and 'phone: "0300 123 4567"' in out
    assert lines[-1] == (f"Wrote {folder}/: booklet.yaml and 2 sections, 1 pictures. Check it "
                         f"with: pibooklet check going-home-after-treatment --content {content}")


def test_imported_word_booklet_checks_and_builds(tmp_path: Path, content: Path, capsys) -> None:
    source = sound_booklet(tmp_path / "going-home.docx")
    assert run_import(capsys, str(source), "--content", str(content), "--slug", "home")[0] == 0
    assert main(["check", "home", "--content", str(content), "--today", TODAY]) == 0
    output = tmp_path / "output"
    assert main(["build", "home", "--content", str(content), "--output", str(output),
                 "--outputs", "screen", "--today", TODAY, "--quiet"]) == 0
    reader = pypdf.PdfReader(output / "home.pdf")
    outline = [item.title for item in reader.outline if not isinstance(item, list)]
    assert "Coming home" in outline and "Questions you may want to ask" in outline
    text = squash("".join(page.extract_text() for page in reader.pages))
    for words in ("Going home after treatment", "Family Rest Line", "Dr Ann Example",
                  "This edition: June 2025", "Keep a thermometer at home."):
        assert squash(words) in text, words
    uris = {annotation.get_object()["/A"].get("/URI") for page in reader.pages
            for annotation in page.get("/Annots") or []
            if annotation.get_object().get("/A")}
    assert "https://www.cclg.org.uk/going-home" in uris
    assert "tel:+448088080000" in uris  # Macmillan, from the directory
    assert "tel:+443001234567" in uris and "https://www.familyrest.org.uk" in uris


def test_missing_facts_are_placeholders_the_check_reports(tmp_path: Path, content: Path,
                                                          capsys) -> None:
    source = sound_booklet(tmp_path / "going-home.docx", facts=False)
    status, out, _ = run_import(capsys, str(source), "--content", str(content), "--slug", "home")
    assert status == 0
    assert "To fill in, in" in out and "edition, next_review, reviewers, disclaimer, feedback" \
        in out
    manifest = (content / "home" / "booklet.yaml").read_text().splitlines()
    assert main(["check", "home", "--content", str(content), "--today", TODAY]) == 1
    checked = capsys.readouterr().out
    for key in ("edition", "next_review", "reviewers", "disclaimer", "feedback"):
        line = next(number for number, text in enumerate(manifest, 1)
                    if text.startswith(f"{key}: \"FILL IN:"))
        assert f"home/booklet.yaml:{line}: '{key}' is still to be filled in:" in checked
    # Nothing invented: no date, no name.
    assert not any(text.startswith(("edition: 2", "next_review: 2")) for text in manifest)


def test_existing_folder_is_kept_unless_forced(tmp_path: Path, content: Path, capsys) -> None:
    source = sound_booklet(tmp_path / "going-home.docx")
    assert run_import(capsys, str(source), "--content", str(content), "--slug", "home")[0] == 0
    (content / "home" / "01-coming-home.md").write_text("mine")
    status, out, err = run_import(capsys, str(source), "--content", str(content), "--slug",
                                  "home")
    assert status == 1 and "is there already; give --force" in err and not out
    assert (content / "home" / "01-coming-home.md").read_text() == "mine"
    assert run_import(capsys, str(source), "--content", str(content), "--slug", "home",
                      "--force")[0] == 0
    assert (content / "home" / "01-coming-home.md").read_text() != "mine"
    assert not [path for path in content.iterdir() if path.name.startswith(".")]
    # --force never replaces a folder that is not a booklet.
    status, _, err = run_import(capsys, str(source), "--content", str(content), "--slug",
                                "images", "--force")
    assert status == 1 and "a folder the content folder uses itself" in err
    assert (content / "images" / "logo.svg").is_file()


def test_picture_without_alt_text_is_reported(tmp_path: Path, content: Path, capsys) -> None:
    document = docx.Document()
    document.add_heading("Pictures", 1)
    document.add_paragraph("A picture follows.")
    document.add_picture(png(), width=docx.shared.Mm(40))
    document.save(tmp_path / "pictures.docx")
    status, out, _ = run_import(capsys, str(tmp_path / "pictures.docx"), "--content",
                                str(content))
    assert status == 0
    assert f"{tmp_path / 'pictures.docx'}: paragraph 3: a picture has no alternative text: " \
           "describe what it shows in pictures/01-pictures.md:7" in out
    section = (content / "pictures" / "01-pictures.md").read_text().splitlines()
    assert section[6] == "![](images/picture-01.png)"


# Markdown ---------------------------------------------------------------------------------

def test_markdown_booklet_is_mapped_and_checks(tmp_path: Path, content: Path, capsys) -> None:
    png(300, 200).seek(0)
    (tmp_path / "walk.png").write_bytes(png(300, 200).getvalue())
    source = tmp_path / "tired.md"
    source.write_text("""---
title: Tiredness during treatment
edition: 2025-05
next_review: 2028-05
reviewers: Reviewed by Dr Ann Example, Consultant, Example Children's Hospital.
disclaimer: This booklet does not replace advice from your child's medical team.
feedback: Tell us what you think at publications@cclg.org.uk.
author: Someone
---
## Contents

- [Why it happens](#why)
- [Questions to ask](#questions)

## Why it happens

Treatment uses a lot of **energy**. See [our site](https://www.cclg.org.uk).

![A child resting on a sofa](walk.png)

| time | what |
| --- | --- |
| 9am | rest |

## Questions to ask

- How long will the tiredness last?
- Can exercise help?

## Useful organisations

**Macmillan Support Line** Call free on 0808 808 00 00.
""")
    status, out, err = run_import(capsys, str(source), "--content", str(content))
    assert status == 0, err
    folder = content / "tiredness-during-treatment"
    lines = out.splitlines()
    assert f"{source}:8: front matter key 'author' is not a manifest key" in out
    assert any(line.startswith(f"{source}:10: a contents list (2 entries) was dropped")
               for line in lines), out
    assert any(line.startswith(f"{source}:21: a table (2 x 2) was not imported")
               for line in lines), out
    why = (folder / "01-why-it-happens.md").read_text()
    assert "**energy**" in why and "[our site](https://www.cclg.org.uk)" in why
    assert "![A child resting on a sofa](images/picture-01.png)" in why
    assert (folder / "images" / "picture-01.png").read_bytes() == (tmp_path / "walk.png") \
        .read_bytes()
    assert "::: questions\n- How long will the tiredness last?" in (
        folder / "02-questions-to-ask.md").read_text()
    manifest = (folder / "booklet.yaml").read_text()
    assert "  - macmillan\n" in manifest and "edition: 2025-05\n" in manifest
    assert main(["check", "tiredness-during-treatment", "--content", str(content), "--today",
                 TODAY]) == 0


def test_markdown_picture_outside_its_folder_is_not_read(tmp_path: Path, content: Path,
                                                         capsys, server) -> None:
    url, requests = server
    (tmp_path / "secret.png").write_bytes(png(10, 10).getvalue())
    (tmp_path / "book").mkdir()
    source = tmp_path / "book" / "b.md"
    source.write_text(f"# Title\n\n## One\n\nText.\n\n![Secret](../secret.png)\n\n"
                      f"![Far](/etc/hostname)\n\n![Web]({url}/x.png)\n")
    status, out, _ = run_import(capsys, str(source), "--content", str(content))
    assert status == 0
    assert f"{source}:7: a picture '../secret.png' is outside the Markdown file's folder, so " \
           "it was not read" in out
    assert f"{source}:9: a picture '/etc/hostname' is outside the Markdown file's folder" in out
    assert f"{source}:11: a picture '{url}/x.png' is on the web or elsewhere, so it was never " \
           "fetched" in out
    assert not list((content / "title").glob("images/*")) and requests == []


# Hostile files ----------------------------------------------------------------------------

def _refused(capsys, content: Path, source: Path, message: str) -> None:
    before = sorted(visible(content))
    status, out, err = run_import(capsys, str(source), "--content", str(content))
    assert status == 1 and not out
    assert err.count("\n") == 1 and message in err and "Traceback" not in err, err
    assert err.startswith(f"{source}: ")
    assert sorted(visible(content)) == before
    assert not [path for path in content.iterdir() if path.name.startswith(".")]


def test_a_file_that_is_not_a_docx_is_refused(tmp_path: Path, content: Path, capsys) -> None:
    source = tmp_path / "notes.docx"
    source.write_text("Just some text, not a Word document.")
    _refused(capsys, content, source, "is not a Word document (.docx)")
    with zipfile.ZipFile(source, "w") as archive:
        archive.writestr("hello.txt", "hi")
    _refused(capsys, content, source, "is a zip file but not a Word document")
    source.write_bytes(b"\xd0\xcf\x11\xe0" + bytes(500))
    _refused(capsys, content, source, "is a Word 97-2003 document or a password-protected one")
    sound_booklet(source)
    rewrite_zip(source, {"word/document.xml": b"<w:document>"})
    _refused(capsys, content, source, "could not be read as a Word document")
    (tmp_path / "booklet.pdf").write_bytes(b"%PDF-1.7")
    _refused(capsys, content, tmp_path / "booklet.pdf", "is not a Word document (.docx) or a "
                                                       "Markdown file (.md)")


def test_zip_bomb_is_refused(tmp_path: Path, content: Path, capsys) -> None:
    source = sound_booklet(tmp_path / "bomb.docx")
    with zipfile.ZipFile(source, "a", zipfile.ZIP_DEFLATED) as archive, \
            archive.open("word/media/zeros.png", "w", force_zip64=True) as member:
        for _ in range(210):
            member.write(bytes(2**20))
    assert source.stat().st_size < 2**20  # a few hundred KB that unpack to 210 MB
    _refused(capsys, content, source, "would unpack to 210 MB, more than the 200 MB")


def test_xml_with_a_dtd_is_refused(tmp_path: Path, content: Path, capsys) -> None:
    source = sound_booklet(tmp_path / "laughs.docx")
    with zipfile.ZipFile(source) as archive:
        xml = archive.read("word/document.xml")
    bomb = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">]>' + xml.split(b"?>", 1)[1]
    rewrite_zip(source, {"word/document.xml": bomb})
    _refused(capsys, content, source, "with a DTD, which Word never writes")


def test_thousands_of_headings_are_refused(tmp_path: Path, content: Path, capsys) -> None:
    document = docx.Document()
    for number in range(3000):
        document.add_heading(f"Part {number}", 1)
    document.save(tmp_path / "many.docx")
    _refused(capsys, content, tmp_path / "many.docx", "has 3000 headings that would each start "
                                                      "a section; a booklet may have at most 200")


def test_macros_are_left_out(tmp_path: Path, content: Path, capsys) -> None:
    source = sound_booklet(tmp_path / "macros.docx")
    rewrite_zip(source, {"word/vbaProject.bin": b"Attribute VB_Name = \"Evil\"" * 100})
    status, out, _ = run_import(capsys, str(source), "--content", str(content))
    assert status == 0
    assert f"{source}: the document holds macros or controls (they were not run, and are " \
           "not kept); they were left out" in out
    assert not any("vba" in path.name.lower() for path in visible(content))


def test_linked_picture_is_never_fetched(tmp_path: Path, content: Path, capsys,
                                         server) -> None:
    url, requests = server
    document = docx.Document()
    document.add_heading("Linked", 1)
    shape = add_picture(document, png(), "A linked picture")
    blip = shape._inline.graphic.graphicData.pic.blipFill.blip
    rel = document.part.relate_to(f"{url}/tracker.png", RELATIONSHIP_TYPE.IMAGE,
                                  is_external=True)
    del blip.attrib[qn("r:embed")]
    blip.set(qn("r:link"), rel)
    document.save(tmp_path / "linked.docx")
    status, out, _ = run_import(capsys, str(tmp_path / "linked.docx"), "--content", str(content))
    assert status == 0
    assert f"paragraph 2: a picture is linked from outside the document ('{url}/tracker.png'), " \
           "so it was never fetched" in out
    assert requests == [] and not list((content / "linked").glob("images/*"))


def test_huge_and_corrupt_pictures_are_reported(tmp_path: Path, content: Path,
                                                capsys) -> None:
    document = docx.Document()
    document.add_heading("Pictures", 1)
    add_picture(document, png(6000, 5000, "white"), "A very large picture")
    add_picture(document, png(300, 200, "red"), "A damaged picture")
    document.save(tmp_path / "pictures.docx")
    with zipfile.ZipFile(tmp_path / "pictures.docx") as archive:
        media = sorted(name for name in archive.namelist() if "/media/" in name)
        small = next(name for name in media if archive.getinfo(name).file_size < 5000)
    rewrite_zip(tmp_path / "pictures.docx", {small: b"\x89PNG\r\n\x1a\n" + b"\0" * 100})
    status, out, _ = run_import(capsys, str(tmp_path / "pictures.docx"), "--content",
                                str(content))
    assert status == 0
    assert "paragraph 2: a picture was not imported: 'picture' is 30 megapixels (6000 x 5000)" \
        in out
    assert "paragraph 3: a picture was not imported: 'picture' cannot be read as an image" \
        in out or "paragraph 3: a picture was not imported: it is not a PNG" in out
    assert not list((content / "pictures").glob("images/*"))
