"""`pibooklet import FILE`: a Word (.docx) or Markdown (.md) booklet becomes a booklet folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import display_path
from ..importing import import_booklet


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the import verb's arguments."""
    parser.add_argument("file", type=Path, metavar="FILE",
                        help="the booklet to import: a Word document (.docx) or Markdown (.md)")
    parser.add_argument("--content", type=Path, default=Path("content"), metavar="DIR",
                        help="content folder the booklet folder is made in (default: ./content)")
    parser.add_argument("--slug", default=None, metavar="SLUG",
                        help="the booklet's folder name (default: made from the document's "
                             "title, or its file name)")
    parser.add_argument("--force", action="store_true",
                        help="replace the booklet folder of that name if there is one")


def run(args: argparse.Namespace) -> int:
    """Import the file, print everything that was not mapped, then what was written."""
    result = import_booklet(args.file, args.content, args.slug, args.force)
    for line in result.report():
        print(line)
    plan = result.plan
    if plan.proposed:
        print(f"Proposed for {display_path(args.content / 'directory.yaml')} (then list their "
              "ids under 'support:' in place of their text):")
        for entry in plan.proposed:
            print("  " + entry.replace("\n", "\n  "))
    if plan.placeholders:
        print(f"To fill in, in {display_path(result.folder / 'booklet.yaml')}: "
              f"{', '.join(plan.placeholders)} (the document does not give them)")
    content = "" if args.content == Path("content") else f" --content {args.content}"
    pictures = f", {plan.pictures} pictures" if plan.pictures else ""
    print(f"Wrote {display_path(result.folder)}/: booklet.yaml and {plan.sections} sections"
          f"{pictures}. Check it with: pibooklet check {plan.slug}{content}")
    return 0
