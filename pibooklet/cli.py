"""The command line: `python build.py [SLUG ...] [--content DIR] [--output DIR]`."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import __version__
from .content import Library, read_library
from .errors import BuildError, ContentError, Problem, display_path
from .output import write_atomically
from .pipeline import OUTPUTS, build_booklet
from .render import theme_for


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="build.py",
        description="Build patient-information booklets (A5 PDFs) from a content folder. "
                    "Every booklet is read and checked first; problems are listed as "
                    "path:line: message and nothing is written.")
    parser.add_argument("slugs", nargs="*", metavar="SLUG",
                        help="booklets to build, by folder name (default: every booklet)")
    parser.add_argument("--content", type=Path, default=Path("content"), metavar="DIR",
                        help="content folder: organisation.yaml, directory.yaml and one folder "
                             "per booklet; its own templates/ and styles/ override ours file by "
                             "file (default: ./content)")
    parser.add_argument("--output", type=Path, default=Path("output"), metavar="DIR",
                        help="folder the PDFs are written to as SLUG.pdf (default: ./output)")
    parser.add_argument("--outputs", type=_outputs, default=OUTPUTS, metavar="LIST",
                        help="what to make, comma-separated: screen (SLUG.pdf, the A5 booklet "
                             "to read and share, tagged PDF/UA), large-print "
                             "(SLUG-large-print.pdf, A4 at the organisation's large-print size), "
                             "press (SLUG-press.pdf, PDF/X-4 with bleed for "
                             "a commercial printer), office (SLUG-office-a4.pdf, A4 sheets to "
                             "print duplex and fold), spec (SLUG-print-spec.txt and .json for "
                             "ordering; makes the press file too) (default: all)")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="print only problems, not the files built")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def _outputs(value: str) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
    unknown = [part for part in chosen if part not in OUTPUTS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"choose from {', '.join(OUTPUTS)} (got {value!r})")
    return chosen


def main(argv: list[str] | None = None) -> int:
    """Build the booklets named in argv (all by default); return the exit status."""
    args = _parser().parse_args(argv)
    theme = theme_for(args.content.resolve())
    try:
        library = read_library(args.content, theme.layouts())
        slugs = _choose(args.slugs, library)
    except ContentError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        count = len(error.problems)
        print(f"{count} problem{'s' if count != 1 else ''} found; nothing was built.",
              file=sys.stderr)
        return 1
    failed = []
    for slug in slugs:
        started = time.perf_counter()
        manifest = display_path(library.booklets[slug].manifest)
        try:
            built = build_booklet(library.booklets[slug], library, theme, args.outputs)
        except BuildError as error:
            print(f"{manifest}: {error}", file=sys.stderr)
            failed.append(slug)
            continue
        for warning in built.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        for output in built.files:
            target = args.output / output.name
            write_atomically(target, output.data)
            if not args.quiet:
                print(f"built {display_path(target)}: {output.summary}")
        for failure in built.failures:
            print(f"{manifest}: {failure}", file=sys.stderr)
        if built.failures:
            failed.append(slug)
        elif not args.quiet:
            print(f"{slug}: done in {time.perf_counter() - started:.1f} s")
    if failed:
        print(f"{len(failed)} of {len(slugs)} booklets failed: {', '.join(failed)}",
              file=sys.stderr)
        return 1
    return 0


def _choose(requested: list[str], library: Library) -> list[str]:
    unknown = [slug for slug in requested if slug not in library.booklets]
    if unknown:
        raise ContentError([Problem(library.root, None,
                                    f"no booklet called '{slug}'; the booklets are: "
                                    f"{', '.join(sorted(library.booklets))}") for slug in unknown])
    return list(dict.fromkeys(requested)) or sorted(library.booklets)


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
