"""The changes in words: lines for the terminal and the proof's cover, and JSON for a CI."""

from __future__ import annotations

from ..errors import display_path
from .compare import REFLOWED, Comparison, PageChange, page_ranges
from .plates import Plates


def change_lines(comparison: Comparison) -> list[str]:
    """Return one line per change; reflowed pages in a row share one line ("pages 7-9: …")."""
    lines = []
    changes = [comparison.changes[pair] for pair in comparison.pairs
               if pair in comparison.changes]
    index = 0
    while index < len(changes):
        change = changes[index]
        run = [change]
        while change.kind == REFLOWED and index + len(run) < len(changes):
            following = changes[index + len(run)]
            if following.kind != REFLOWED or following.new != run[-1].new + 1:
                break
            run.append(following)
        lines.append(_run_line(run))
        index += len(run)
    return lines


def _run_line(run: list[PageChange]) -> str:
    """Return the line of one change, or of reflowed pages in a row."""
    change = run[0]
    inks = sorted({ink for item in run for ink in (item.inks or ())}, key="CMYK".index)
    plates = f" [inks: {' '.join(inks)}]" if run[0].inks is not None and inks else ""
    if len(run) == 1:
        where = _where(change)
        return f"{where}: {change.message}{plates}"
    sources = {page for item in run for page in item.reflowed_from}
    # Text passed on between the pages of the run is said once, by "from".
    targets = {page for item in run for page in item.reflowed_to} - {item.new for item in run}
    parts = [f"text reflowed from old page{'s' if len(sources) > 1 else ''} "
             f"{page_ranges(sources)}" if sources else "",
             f"text reflowed to page{'s' if len(targets) > 1 else ''} "
             f"{page_ranges(targets)}" if targets else ""]
    return (f"pages {run[0].new}-{run[-1].new}: "
            f"{'; '.join(part for part in parts if part)}{plates}")


def _where(change: PageChange) -> str:
    """Return "page 5", "page 6 (old page 5)" or "old page 12"."""
    if change.new is None:
        return f"old page {change.old}"
    if change.old is None or change.old == change.new:
        return f"page {change.new}"
    return f"page {change.new} (old page {change.old})"


def summary_line(comparison: Comparison) -> str:
    """Return the last line: how many pages changed, or that nothing did."""
    old, new = len(comparison.old.pages), len(comparison.new.pages)
    counts = f"{old} pages" if old == new else f"{old} pages, now {new}"
    if comparison.identical:
        return f"no changes ({counts})"
    changed = comparison.changed_pages()
    removed = sum(change.new is None for change in comparison.changes.values())
    return (f"{len(changed)} page{'s' if len(changed) != 1 else ''} changed"
            f"{f', {removed} removed' if removed else ''} ({counts}): "
            f"{page_ranges(changed) or 'none'}")


def as_json(comparison: Comparison, plates: Plates | None, old_label: str, new_label: str,
            proof: str | None) -> dict[str, object]:
    """Return the comparison as a JSON document for a charity's CI."""
    return {
        "identical": comparison.identical,
        "old": {"edition": old_label, "pages": len(comparison.old.pages)},
        "new": {"edition": new_label, "pages": len(comparison.new.pages)},
        "changed_pages": comparison.changed_pages(),
        "removed_pages": sorted(change.old for change in comparison.changes.values()
                                if change.new is None),
        "changes": [_change_dict(comparison.changes[pair]) for pair in comparison.pairs
                    if pair in comparison.changes],
        "plates": plates.as_dict() if plates else None,
        "proof": proof,
    }


def _change_dict(change: PageChange) -> dict[str, object]:
    return {"old_page": change.old, "new_page": change.new, "kind": change.kind,
            "message": change.message,
            "regions": [[round(value, 1) for value in (region.left, region.top, region.right,
                                                       region.bottom)]
                        for region in change.regions],
            "reflowed_from": list(change.reflowed_from), "reflowed_to": list(change.reflowed_to),
            "inks": list(change.inks) if change.inks is not None else None}


def edition_label(path, revision: str | None = None) -> str:
    """Return how an edition is named in the report: its revision, or its file."""
    return revision or display_path(path)
