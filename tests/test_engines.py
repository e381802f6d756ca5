"""Every PDF we make passes qpdf's check and renders in two independent engines."""

from __future__ import annotations

import shutil
import subprocess

import pypdf
import pypdfium2
import pytest
from conftest import SAMPLES, Built

KINDS = ("{}.pdf", "{}-large-print.pdf", "{}-press.pdf", "{}-office-a4.pdf")
FILES = [kind.format(slug) for slug in SAMPLES for kind in KINDS]


def tool(name: str) -> str:
    found = shutil.which(name)
    assert found, f"{name} is needed for this test: apt-get install qpdf poppler-utils"
    return found


@pytest.mark.parametrize("name", FILES)
def test_qpdf_finds_no_problem(built: Built, name: str) -> None:
    result = subprocess.run([tool("qpdf"), "--check", str(built.output / name)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors found" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


@pytest.mark.parametrize("name", FILES)
def test_poppler_and_pdfium_render_every_page(built: Built, name: str, tmp_path) -> None:
    path = built.output / name
    pages = len(pypdf.PdfReader(path).pages)
    result = subprocess.run([tool("pdftoppm"), "-r", "20", "-png", str(path),
                             str(tmp_path / "page")], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr
    assert len(list(tmp_path.glob("page-*.png"))) == pages
    document = pypdfium2.PdfDocument(str(path))
    try:
        assert len(document) == pages
        for index in range(pages):
            image = document[index].render(scale=0.3).to_pil()
            assert image.width > 0 and image.height > 0
    finally:
        document.close()
