"""The print specification a printer quotes from, as text and JSON."""

from __future__ import annotations

import hashlib
import json

import pypdf
import pytest
from conftest import SAMPLES, Built


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
