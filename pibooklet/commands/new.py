"""`pibooklet new library DIR` and `pibooklet new booklet SLUG`: start from a working example."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from ..errors import display_path
from ..starter import new_booklet, new_library


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of `new`."""
    parser.add_argument("kind", choices=("library", "booklet"),
                        help="library: a new content folder (organisation.yaml with every key "
                             "explained, a directory and a first booklet); booklet: a new "
                             "booklet in an existing content folder, with a section of each kind")
    parser.add_argument("name", metavar="DIR|SLUG",
                        help="the new library's folder, or the new booklet's id (its folder "
                             "name: lower-case letters, digits and hyphens)")
    parser.add_argument("--content", type=Path, default=Path("content"), metavar="DIR",
                        help="the content folder a new booklet goes in (default: ./content)")
    parser.add_argument("--title", default=None,
                        help="the new booklet's title (default: made from its id)")
    parser.add_argument("--today", type=dt.date.fromisoformat, default=None, metavar="DATE",
                        help="the date the first edition is dated from, YYYY-MM-DD "
                             "(default: today)")


def run(args: argparse.Namespace) -> int:
    """Write the new library or booklet and say what to do next."""
    today = args.today or dt.date.today()
    if args.kind == "library":
        folder = Path(args.name)
        written = new_library(folder, today)
        content = folder
    else:
        written = new_booklet(args.content, args.name, today, args.title)
        content = args.content
    for path in written:
        print(f"wrote {display_path(path)}")
    where = "" if content == Path("content") else f" --content {display_path(content)}"
    print(f"next: edit the files above, then `pibooklet check{where}` and "
          f"`pibooklet build{where}`")
    return 0
