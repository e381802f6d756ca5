"""`pibooklet diff`: what changed between two editions of a booklet, for reviewers and printers.

Exit status, as diff(1): 0 the editions are the same, 1 they differ, 2 trouble (a file that
cannot be read, a revision that does not exist, a booklet that does not build).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from ..errors import OutputError, display_path
from ..jobs import crash_problem
from ..limits import MAX_DIFF_MEMORY_BYTES, MAX_DIFF_SECONDS
from ..output import check_output_folder
from ..proof import ProofError
from ..proof.confine import ComparisonCrashed, run_confined
from ..proof.outcome import Outcome, compare_pdfs

SAME, DIFFERENT, TROUBLE = 0, 1, 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the diff verb's arguments."""
    parser.description = (
        "Compare two editions of a booklet: two PDFs (pibooklet diff OLD.pdf NEW.pdf), or a "
        "booklet at two git revisions of the content (pibooklet diff SLUG --from REV). Lists "
        "the changed pages, writes a proof PDF of the changed spreads with -o, and with press "
        "files the sheet sides and inks whose plates change. Exit 0: the same; 1: they differ; "
        "2: trouble.")
    parser.add_argument("old", metavar="OLD.pdf|SLUG",
                        help="the earlier edition's PDF, or the booklet (its folder name) to "
                             "build at --from and --to")
    parser.add_argument("new", nargs="?", metavar="NEW.pdf", help="the new edition's PDF")
    parser.add_argument("--from", dest="from_revision", metavar="REV",
                        help="git revision of the content folder the old edition is built from")
    parser.add_argument("--to", dest="to_revision", metavar="REV",
                        help="git revision the new edition is built from (default: the content "
                             "folder as it is now)")
    parser.add_argument("--content", type=Path, default=Path("content"), metavar="DIR",
                        help="the content folder, in a git repository (default: ./content)")
    parser.add_argument("--press", action="store_true",
                        help="also tell which plates change: with --from, build and compare the "
                             "press files too; with two PDFs, find the plates of any PDF (press "
                             "files are found without it)")
    parser.add_argument("-o", "--output", type=Path, default=None, metavar="PROOF.pdf",
                        help="write the proof PDF here: the changes listed, then each changed "
                             "spread, old above new, with the changed regions outlined")
    parser.add_argument("--every-spread", action="store_true",
                        help="put every spread in the proof, not only those that changed")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="print the changes as lines, or as one JSON document for a "
                             "charity's CI (default: text)")


def run(args: argparse.Namespace) -> int:
    """Compare the two editions, print the changes; 0 same, 1 different, 2 trouble."""
    try:
        with tempfile.TemporaryDirectory(prefix="pibooklet-diff-") as folder:
            old, new, labels, press = _editions(args, Path(folder))
            outcome = run_confined(
                lambda: compare_pdfs(old, new, labels, args.output,
                                     plates=True if args.press and press is None else None,
                                     press=press, every_spread=args.every_spread),
                MAX_DIFF_SECONDS, MAX_DIFF_MEMORY_BYTES)
    except (ProofError, OutputError) as error:
        print(error, file=sys.stderr)
        return TROUBLE
    except (ComparisonCrashed, Exception) as error:  # a bug of ours: one line, and exit 2
        print(crash_problem(Path(args.old), None, "diff", error, Path(".")), file=sys.stderr)
        return TROUBLE
    _print(outcome, args)
    return SAME if outcome.identical else DIFFERENT


def _editions(args: argparse.Namespace, folder: Path
              ) -> tuple[Path, Path, tuple[str, str], tuple[Path, Path] | None]:
    """Return the two PDFs to compare, their names, and the press files to find plates in."""
    if args.output is not None:
        check_output_folder(args.output.parent)
    if args.new is not None:
        if args.from_revision or args.to_revision:
            raise ProofError("give two PDFs, or one booklet with --from, not both")
        old, new = Path(args.old), Path(args.new)
        if args.output is not None and args.output.resolve() in (old.resolve(), new.resolve()):
            raise ProofError(f"{display_path(args.output)}: is one of the editions compared; "
                             "write the proof to another file")
        return old, new, (display_path(old), display_path(new)), None
    if not args.from_revision:
        raise ProofError(f"{args.old}: give a second PDF to compare it with, or, for a "
                         "booklet, the revision to compare with: --from REV")
    from ..proof.revisions import build_revision

    slug = args.old
    outputs = ("screen", "press") if args.press else ("screen",)
    old = build_revision(args.content, slug, args.from_revision, folder / "old", outputs)
    new = build_revision(args.content, slug, args.to_revision, folder / "new", outputs)
    labels = (f"{slug} at {args.from_revision}",
              f"{slug} at {args.to_revision or 'the working tree'}")
    press = (old["press"], new["press"]) if args.press else None
    return old["screen"], new["screen"], labels, press


def _print(outcome: Outcome, args: argparse.Namespace) -> None:
    """Print the changes, the plates and the summary, as text or JSON."""
    if args.format == "json":
        print(json.dumps(outcome.report, indent=2, ensure_ascii=False))
        return
    for line in outcome.lines:
        print(line)
    if outcome.plates is not None:
        if outcome.plates.note:
            print(f"plates: {outcome.plates.note}")
        for side in outcome.plates.sides:
            print(f"plates: {side}")
        if not outcome.plates.sides:
            print("plates: none change")
    print(outcome.summary)
    if args.output is not None:
        print(f"proof: {display_path(args.output)}")
