"""The whole comparison of two PDFs, as run in its confined process: compare, plates, proof."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .compare import compare_editions
from .document import write_proof
from .pages import read_edition
from .plates import Plates, find_plates
from .report import as_json, change_lines, summary_line


@dataclass
class Outcome:
    """What the comparison found, in the words and JSON the command prints."""

    identical: bool
    lines: list[str]
    summary: str
    plates: Plates | None
    report: dict[str, object]


def compare_pdfs(old: Path, new: Path, labels: tuple[str, str], proof: Path | None = None,
                 plates: bool | None = None, press: tuple[Path, Path] | None = None,
                 every_spread: bool = False) -> Outcome:
    """Compare two editions; find the plates (of the press files `press`, of these files
    themselves when `plates`, or when both are press files) and write the proof."""
    editions = [read_edition(old)]
    try:
        editions.append(read_edition(new))
        comparison = compare_editions(*editions)
        found = None
        if press is not None:
            found = _press_plates(*press)
        elif plates or (plates is None and comparison.old.press and comparison.new.press):
            found = find_plates(comparison)
        lines, summary = change_lines(comparison), summary_line(comparison)
        if proof is not None:
            write_proof(comparison, found, lines, summary, labels, proof, every_spread)
        report = as_json(comparison, found, *labels, str(proof) if proof else None)
        return Outcome(comparison.identical, lines, summary, found, report)
    finally:
        for edition in editions:
            edition.close()


def _press_plates(old: Path, new: Path) -> Plates:
    """Return the plates that change between two press files."""
    editions = [read_edition(old)]
    try:
        editions.append(read_edition(new))
        return find_plates(compare_editions(*editions))
    finally:
        for edition in editions:
            edition.close()
