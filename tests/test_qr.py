"""QR codes: chosen in content, vector, scannable, big enough, and with the address beside."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from xml.etree import ElementTree

import pypdf
import pytest
import yaml
from conftest import CONTENT, Built

from pibooklet.qr import make_qr

DPI = 300


def expected_codes(slug: str) -> set[str]:
    """The web addresses the content asks to carry a QR code, as the code should read them."""
    manifest = yaml.safe_load((CONTENT / slug / "booklet.yaml").read_text(encoding="utf-8"))
    directory = yaml.safe_load((CONTENT / "directory.yaml").read_text(encoding="utf-8"))
    organisation = yaml.safe_load((CONTENT / "organisation.yaml").read_text(encoding="utf-8"))
    # Support items that are not directory ids (sub-headings, text) carry no code of their own.
    addresses = [directory[entry]["web"] for entry in manifest.get("support", [])
                 if isinstance(entry, str) and directory[entry].get("qr")]
    if manifest.get("related_qr"):
        addresses.append(organisation["website"])
    for name in manifest["sections"]:
        path = CONTENT / name if name.startswith("shared/") else CONTENT / slug / name
        addresses += re.findall(r"\[\[qr:([^\]]+)\]\]", path.read_text())
    return {"https://" + address.strip() for address in addresses}


def decode(path: Path, tmp_path: Path) -> list[dict]:
    """Render every page and decode every QR code with zbar; return each text and page."""
    for tool in ("pdftoppm", "zbarimg"):
        assert shutil.which(tool), f"{tool} is needed: apt-get install poppler-utils zbar-tools"
    subprocess.run(["pdftoppm", "-r", str(DPI), "-png", str(path), str(tmp_path / "page")],
                   check=True)
    found = []
    for image in sorted(tmp_path.glob("page-*.png")):
        result = subprocess.run(["zbarimg", "--xml", "-q", str(image)], capture_output=True,
                                text=True, check=False)
        if result.returncode == 4:  # no symbol on this page
            continue
        assert result.returncode == 0, result.stderr
        for symbol in ElementTree.fromstring(result.stdout).findall(".//{*}symbol"):
            assert symbol.get("type") == "QR-Code"
            found.append({"text": symbol.find("{*}data").text,
                          "page": int(image.stem.split("-")[1])})
    return found


def printed_widths_mm(path: Path) -> list[float]:
    """Return the width of each QR code as laid out (quiet zone included), from its tag."""
    reader = pypdf.PdfReader(path)
    widths, pending = [], [reader.trailer["/Root"]["/StructTreeRoot"]["/K"]]
    while pending:
        node = pending.pop().get_object()
        if isinstance(node, pypdf.generic.ArrayObject):
            pending.extend(node)
        elif isinstance(node, pypdf.generic.DictionaryObject) and "/S" in node:
            if node["/S"] == "/Figure" and str(node.get("/Alt", "")).startswith("QR code"):
                left, _, right, _ = (float(value) for value in node["/A"]["/BBox"])
                widths.append((right - left) * 25.4 / 96)  # CSS pixels
            if "/K" in node:
                pending.append(node["/K"])
    return widths


@pytest.mark.parametrize("name", ["relapsed-cancer.pdf", "relapsed-cancer-press.pdf",
                                  "relapsed-cancer-large-print.pdf"])
def test_every_code_decodes_to_its_address_and_is_at_least_15mm(built: Built, name: str,
                                                                tmp_path: Path) -> None:
    codes = decode(built.output / name, tmp_path)
    assert {code["text"] for code in codes} == expected_codes("relapsed-cancer")
    assert len(codes) == 4
    reader = pypdf.PdfReader(built.output / name)
    if not name.endswith("-press.pdf"):  # the press file is not tagged
        widths = printed_widths_mm(built.output / name)
        # At least 15 mm of symbol plus a quiet zone of 4 modules of 0.4 mm each side.
        assert len(widths) == 4 and min(widths) >= 15 + 8 * 0.4 - 0.01, widths
    for code in codes:
        page_text = re.sub(r"\s+", "", reader.pages[code["page"] - 1].extract_text())
        address = code["text"].removeprefix("https://")
        assert address in page_text, f"{address} must be printed beside its code"


def test_the_other_booklet_asks_for_no_codes(built: Built, tmp_path: Path) -> None:
    assert expected_codes("clinical-trials") == set()
    assert decode(built.output / "clinical-trials.pdf", tmp_path) == []


@pytest.mark.parametrize("href", ["https://www.cclg.org.uk",
                                  "https://www.nhs.uk/mental-health/self-help/tips-and-support/"
                                  "mindfulness/"])
def test_codes_are_vector_with_a_quiet_zone_error_correction_m_and_big_modules(href: str) -> None:
    code = make_qr(href, "#000000", "#FFFFFF")
    assert code.error_level in ("M", "Q", "H")
    svg = __import__("base64").b64decode(code.data_uri.split(",", 1)[1]).decode()
    side = int(re.search(r'viewBox="0 0 (\d+) \1"', svg)[1])
    modules = side - 8
    assert '<path fill="#000000"' in svg and "<image" not in svg  # vector, not a bitmap
    starts = [(int(x), int(y)) for x, y in re.findall(r"M(\d+),(\d+)", svg)]
    assert min(x for x, _ in starts) == 4 and min(y for _, y in starts) == 4  # quiet zone
    module_mm = code.width_mm / side
    assert module_mm >= 0.4 - 1e-9 and modules * module_mm >= 15 - 1e-9


def test_codes_print_in_black_ink_only_on_the_press_file(built: Built) -> None:
    reader = pypdf.PdfReader(built.output / "relapsed-cancer-press.pdf")
    page = next(page for page in reader.pages if "Scan the code" in page.extract_text())
    drawing, pending = page.get_contents().get_data(), list(
        page["/Resources"].get("/XObject", {}).values())
    while pending:  # the codes are drawn inside (nested) form XObjects
        form = pending.pop().get_object()
        drawing += form.get_data()
        pending.extend(form.get("/Resources", {}).get("/XObject", {}).values())
    assert b"0 0 0 1 scn" in drawing  # the dark modules: 100% K


def test_a_feedback_survey_can_carry_a_code(tmp_path: Path) -> None:
    from test_content import MANIFEST, write_library

    from pibooklet.cli import main

    manifest = MANIFEST.replace("feedback: Email info@example.org.uk.",
                                "feedback: 'Tell us what you think: [[qr:www.example.org/survey]]'")
    root = write_library(tmp_path / "content", manifest=manifest)
    assert main(["--outputs", "screen", "--content", str(root), "--output",
                 str(tmp_path / "out"), "--quiet"]) == 0
    codes = decode(tmp_path / "out" / "small.pdf", tmp_path)
    assert codes == [{"text": "https://www.example.org/survey", "page": 2}]  # the inside cover


def test_a_code_needs_a_web_address(tmp_path: Path) -> None:
    from test_content import SECTION, write_library

    from pibooklet.content import read_library
    from pibooklet.errors import ContentError

    root = write_library(tmp_path, section=SECTION + "\n[[qr:call us]]\n")
    with pytest.raises(ContentError) as caught:
        read_library(root)
    assert [str(problem).replace(str(root) + "/", "") for problem in caught.value.problems] == [
        "small/one.md:6: [[qr:call us]] needs a web address, written like www.example.org.uk"]


def test_a_code_for_an_address_with_no_path_or_a_bare_domain(tmp_path: Path) -> None:
    from test_content import SECTION, write_library

    from pibooklet.cli import main

    section = SECTION + ("\nOur site: [[qr:www.example.org]]\n\n"
                         "Therapists: [[qr:itsgoodtotalk.org]]\n")
    root = write_library(tmp_path / "content", section=section)
    assert main(["--outputs", "screen", "--content", str(root), "--output",
                 str(tmp_path / "out"), "--quiet"]) == 0
    codes = decode(tmp_path / "out" / "small.pdf", tmp_path)
    assert sorted(code["text"] for code in codes) == [
        "https://itsgoodtotalk.org", "https://www.example.org"]
    page = codes[0]["page"] - 1
    text = " ".join(pypdf.PdfReader(tmp_path / "out" / "small.pdf").pages[page].extract_text()
                    .split())
    assert "visit www.example.org" in text and "visit itsgoodtotalk.org" in text
    assert "]]" not in text
