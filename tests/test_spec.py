"""The print specification a printer quotes from, as text and JSON."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pypdf
import pytest
from conftest import SAMPLES, Built, replace_in

from pibooklet.cli import main
from pibooklet.colour import DEFAULT_CMYK_PROFILE


@pytest.mark.parametrize("slug", SAMPLES)
def test_the_specification_describes_the_press_file(built: Built, slug: str) -> None:
    press = built.output / f"{slug}-press.pdf"
    spec = json.loads((built.output / f"{slug}-print-spec.json").read_text(encoding="utf-8"))
    reader = pypdf.PdfReader(press)
    intent = reader.trailer["/Root"]["/OutputIntents"][0].get_object()
    assert spec["file"] == {"name": press.name, "bytes": press.stat().st_size,
                            "sha256": hashlib.sha256(press.read_bytes()).hexdigest()}
    assert spec["pages"] == len(reader.pages) and spec["pages"] % 4 == 0
    assert spec["sheets_per_copy"] == spec["pages"] // 4
    assert spec["title"] == reader.metadata.title
    assert spec["finished_size"] == "A5 portrait, 148 x 210 mm (trimmed)"
    assert spec["binding"].startswith("saddle-stitched")
    assert spec["colours"].startswith("4/4 process CMYK")
    assert spec["bleed"].startswith("3 mm on every edge")
    assert spec["pdf_standard"] == "PDF/X-4"
    assert spec["colour_profile"]["output_condition"] == intent["/OutputConditionIdentifier"]
    assert "gsm" in spec["paper"]
    assert spec["edition"] in ("April 2025", "June 2025")


@pytest.mark.parametrize("slug", SAMPLES)
def test_the_text_specification_says_the_same(built: Built, slug: str) -> None:
    spec = json.loads((built.output / f"{slug}-print-spec.json").read_text(encoding="utf-8"))
    text = (built.output / f"{slug}-print-spec.txt").read_text(encoding="utf-8")
    assert text.startswith("PRINT SPECIFICATION\n")
    for fact in (spec["title"], spec["finished_size"], f"{spec['pages']} including covers",
                 spec["binding"], spec["colours"], spec["bleed"], spec["pdf_standard"],
                 spec["colour_profile"]["name"], spec["paper"], spec["file"]["name"],
                 spec["file"]["sha256"]):
        assert str(fact) in text, fact


def test_the_specification_names_the_output_condition_the_file_was_made_for(
        library_copy: Path, tmp_path: Path) -> None:
    (library_copy / "profiles").mkdir()
    shutil.copy(DEFAULT_CMYK_PROFILE, library_copy / "profiles" / "printer.icc")
    replace_in(library_copy / "organisation.yaml", "  crop_marks: true",
               "  colour_profile: profiles/printer.icc\n  output_condition: FOGRA51\n"
               "  crop_marks: true")
    assert main(["clinical-trials", "--outputs", "spec", "--content", str(library_copy),
                 "--output", str(tmp_path), "--quiet"]) == 0
    reader = pypdf.PdfReader(tmp_path / "clinical-trials-press.pdf")
    [intent] = [item.get_object() for item in reader.trailer["/Root"]["/OutputIntents"]]
    assert intent["/OutputConditionIdentifier"] == intent["/OutputCondition"] == "FOGRA51"
    assert intent["/RegistryName"] == "http://www.color.org"  # a registered condition
    spec = json.loads((tmp_path / "clinical-trials-print-spec.json").read_text(encoding="utf-8"))
    assert spec["colour_profile"] == {"name": "Artifex CMYK SWOP Profile",
                                      "output_condition": "FOGRA51",
                                      "output_condition_named": True, "file": "printer.icc"}
    text = (tmp_path / "clinical-trials-print-spec.txt").read_text(encoding="utf-8")
    assert re.search(r"^Made for: +FOGRA51$", text, re.MULTILINE)


@pytest.mark.parametrize("slug", SAMPLES)
def test_without_a_named_condition_the_specification_says_so(built: Built, slug: str) -> None:
    spec = json.loads((built.output / f"{slug}-print-spec.json").read_text(encoding="utf-8"))
    text = (built.output / f"{slug}-print-spec.txt").read_text(encoding="utf-8")
    # The samples name no condition: the embedded profile's description stands for it.
    assert spec["colour_profile"]["output_condition_named"] is False
    condition = spec["colour_profile"]["output_condition"]
    assert condition == spec["colour_profile"]["name"] == "Artifex CMYK SWOP Profile"
    assert f"Made for:       {condition} (the profile's own description)" in text
