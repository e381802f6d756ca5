"""The command line: `pibooklet VERB ...`, or `python build.py [SLUG ...]` to build.

Each verb but build and check lives in a module of its own under commands/, imported only when
it is used: the module gives `add_arguments(parser)` and `run(args) -> exit status`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import sys
from pathlib import Path

from . import OUTPUTS, __version__
from .errors import ERROR, NOTE, ContentError, OutputError, Problem, display_path
from .jobs import crash_problem, run_job
from .runner import default_jobs

#: The verbs of `pibooklet VERB`: the module that runs each (None: build and check, here)
#: and its line in `pibooklet --help`.
VERBS = {
    "build": (None, "check, then build the booklets (the default: `pibooklet` alone builds)"),
    "check": (None, "check the booklets without building them: every problem a build would "
                    "refuse, at its path:line"),
    "new": ("new", "start a library (`new library DIR`) or add a booklet (`new booklet SLUG`)"),
    "import": ("importing", "make a booklet folder from a Word (.docx) or Markdown (.md) "
                            "booklet, and report what could not be mapped"),
    "diff": ("diff", "what changed between two editions (two PDFs, or a booklet at two git "
                     "revisions): the changed pages, a proof PDF and the plates that change"),
    "preview": ("preview", "a live preview in the browser: the booklet's spreads, contents and "
                           "layout report, rebuilt each time a file is saved"),
}


def _parser(prog: str = "build.py", verb: str | None = None) -> argparse.ArgumentParser:
    """Return the parser of a build (verb None or "build") or a check (verb "check")."""
    checking = verb == "check"
    parser = argparse.ArgumentParser(
        prog=prog,
        description=("Check patient-information booklets without building them: schema, "
                     "files, references, addresses, review dates, plain language and the "
                     "fixed pages; exit 1 if any problem is an error." if checking else
                     "Build patient-information booklets (A5 PDFs) from a content folder. "
                     "Every booklet is read and checked first; problems are listed as "
                     "path:line: message and nothing is written."),
        epilog=None if verb else "verbs (each has its own --help):\n" + "\n".join(
            f"  pibooklet {name:<8} {line}" for name, (_, line) in VERBS.items()),
        formatter_class=argparse.RawDescriptionHelpFormatter if not verb else
        argparse.HelpFormatter)
    parser.add_argument("slugs", nargs="*", metavar="SLUG",
                        help=f"booklets to {'check' if checking else 'build'}, by folder name "
                             "(default: every booklet)")
    parser.add_argument("--content", type=Path, default=Path("content"), metavar="DIR",
                        help="content folder: organisation.yaml, directory.yaml and one folder "
                             "per booklet; its own templates/ and styles/ override ours file by "
                             "file (default: ./content)")
    parser.add_argument("--output", type=Path, default=Path("output"), metavar="DIR",
                        help="folder the PDFs are written to as SLUG.pdf (default: ./output)")
    if verb is None:  # `build.py --check`, as before the verbs
        parser.add_argument("--check", action="store_true",
                            help="check every booklet without building it (as `pibooklet "
                                 "check`); exit 1 if any problem is an error")
    else:
        parser.set_defaults(check=checking)
    if checking:  # what a check shares with a build's code, set as a build would
        parser.set_defaults(outputs=OUTPUTS, jobs=1, force=False, shard=None, dry_run=False,
                            layout_report=None)
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="how problems and progress are reported: text lines "
                             "(path:line: message; a live display on a terminal) or JSON for a "
                             "charity's own CI: --check prints one JSON report, a build one "
                             "JSON event a line (default: text)")
    parser.add_argument("--allow-overdue", action="store_true",
                        help="build booklets past their next review date anyway, stamped as "
                             "overdue for review")
    parser.add_argument("--today", type=dt.date.fromisoformat, default=None, metavar="DATE",
                        help="the date review dates are checked against, YYYY-MM-DD "
                             "(default: today)")
    parser.add_argument("--cache", type=Path, default=None, metavar="DIR",
                        help="folder that records what each output was made from, so an "
                             "unchanged booklet is not built again (default: "
                             "OUTPUT/.pibooklet/cache)")
    if not checking:  # what only a build does
        parser.add_argument("--outputs", type=_outputs, default=OUTPUTS, metavar="LIST",
                            help="what to make, comma-separated: screen (SLUG.pdf, the A5 "
                                 "booklet to read and share, tagged PDF/UA), large-print "
                                 "(SLUG-large-print.pdf, A4 at the organisation's large-print "
                                 "size), "
                                 "press (SLUG-press.pdf, PDF/X-4 with bleed for "
                                 "a commercial printer), office (SLUG-office-a4.pdf, A4 sheets to "
                                 "print duplex and fold), spec (SLUG-print-spec.txt and .json for "
                                 "ordering; makes the press file too) (default: all)")
        parser.add_argument("-j", "--jobs", type=_positive, metavar="N",
                            help="how many tasks to run at once, each in its own process (a "
                                 "booklet is up to three: screen and office, large print, "
                                 "press and specification) (default: the number of cores, "
                                 f"here {default_jobs()}; a lone booklet's tasks all at once)")
        parser.add_argument("--force", action="store_true",
                            help="build every chosen booklet again, trusting nothing the cache "
                                 "recorded")
        parser.add_argument("--shard", type=_shard, default=None, metavar="I/N",
                            help="build only share I of N of the plan (1/4, 2/4, ...), for a CI "
                                 "matrix spread over N machines; every booklet falls in exactly "
                                 "one share, the same one every time")
        parser.add_argument("-n", "--dry-run", action="store_true",
                            help="print the plan, one job per booklet, language and edition, and "
                                 "whether each is up to date; build nothing")
        parser.add_argument("--layout-report", choices=("text", "json"), default=None,
                            help="also write each booklet's layout report, page by page: how full "
                                 "each page is, what starts and ends there, blocks split over a "
                                 "page turn, hyphenated lines and every fault, as SLUG-layout.txt "
                                 "or "
                                 "SLUG-layout.json (faults are always printed as warnings)")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="print only problems, not the files built")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"give a whole number of 1 or more (got {value!r})")
    return number


def _shard(value: str) -> tuple[int, int]:
    index, _, count = value.partition("/")
    if not (index.isdigit() and count.isdigit() and 1 <= int(index) <= int(count)):
        raise argparse.ArgumentTypeError(f"write it as I/N with 1 <= I <= N, for example 2/4 "
                                         f"(got {value!r})")
    return int(index), int(count)


def _outputs(value: str) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
    unknown = [part for part in chosen if part not in OUTPUTS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"choose from {', '.join(OUTPUTS)} (got {value!r})")
    return chosen


def main(argv: list[str] | None = None, prog: str = "build.py") -> int:
    """Run `VERB ...` from argv, or check and then build the booklets it names (all by
    default); return the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    verb = argv[0] if argv and argv[0] in VERBS else None
    module = VERBS[verb][0] if verb else None
    if module:
        return _run_verb(verb, module, argv[1:], prog)
    args = _parser(prog if not verb else f"{prog} {verb}", verb).parse_args(
        argv[1:] if verb else argv)
    try:
        return _check_and_build(args)
    except KeyboardInterrupt:
        print("build.py: interrupted; every file written so far is whole, the rest were not "
              "written", file=sys.stderr)
        return 130
    except OutputError as error:
        print(error, file=sys.stderr)
        return 1
    except ContentError as error:  # found before any booklet is read (the theme's folders)
        for problem in error.problems:
            print(problem, file=sys.stderr)
        return 1
    except Exception as error:  # a bug outside any one booklet: one line, no traceback
        print(crash_problem(args.content, None, "check" if args.check else "build", error,
                            args.output), file=sys.stderr)
        return 1


def _run_verb(verb: str, module_name: str, argv: list[str], prog: str) -> int:
    """Parse and run a verb that has a module of its own; no traceback reaches the user."""
    try:
        module = importlib.import_module(f".commands.{module_name}", __package__)
    except KeyboardInterrupt:  # Ctrl-C while the command loads
        print(f"{prog} {verb}: interrupted", file=sys.stderr)
        return 130
    parser = argparse.ArgumentParser(prog=f"{prog} {verb}", description=VERBS[verb][1])
    module.add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return module.run(args)
    except KeyboardInterrupt:
        print(f"{prog} {verb}: interrupted", file=sys.stderr)
        return 130
    except (ContentError, OutputError) as error:
        for problem in getattr(error, "problems", None) or [error]:
            print(problem, file=sys.stderr)
        return 1
    except Exception as error:  # a bug of ours: one line, no traceback
        print(crash_problem(getattr(args, "content", Path("content")), None, verb, error,
                            getattr(args, "output", Path("output"))), file=sys.stderr)
        return 1


def _check_and_build(args: argparse.Namespace) -> int:
    """Check every chosen booklet; build (see builder.py) or report the check."""
    if not args.check:
        from .builder import build_library
        from .progress import reporter_for

        reporter = reporter_for(args.format, args.quiet)
        try:
            return build_library(args, reporter)
        finally:
            reporter.close(False)
    from .builder import check_chosen, proven_by_builds

    theme, report, chosen = check_chosen(args.content.resolve(), (args.output,),
                                         args.today or dt.date.today(), args.allow_overdue,
                                         args.slugs)
    _check_fixed_pages(report, chosen, theme, args.output,
                       proven_by_builds(args, report.library))
    return _report_check(report, chosen, args.format)


def _report_check(report, chosen: list[str], output_format: str) -> int:
    """Print every problem found by --check, as text or JSON; 1 if any is an error."""
    if output_format == "json":
        print(json.dumps({
            "ok": not report.errors,
            "problems": [problem.as_dict() for problem in report.problems],
            "readability": {slug: [result.as_dict() for result in results]
                            for slug, results in report.readability.items() if slug in chosen},
        }, indent=2, ensure_ascii=False))
        return 1 if report.errors else 0
    for problem in report.problems:
        print(problem)
    for slug, results in report.readability.items():
        if slug in chosen and results and results[0].reading_ease is None:
            print(f"{slug}: {sum(result.words for result in results)} words (reading ease and "
                  f"age are measured in English only)")
        elif slug in chosen and results:
            worst = min(results, key=lambda result: result.reading_ease)
            print(f"{slug}: {sum(result.words for result in results)} words; lowest reading "
                  f"ease {worst.reading_ease:.0f} ({display_path(worst.path)}); highest reading "
                  f"age {max(result.reading_age for result in results):.0f}")
    counts = {severity: sum(problem.severity == severity for problem in report.problems)
              for severity in (ERROR, "warning", NOTE)}
    print(f"{counts[ERROR]} errors, {counts['warning']} warnings, {counts[NOTE]} notes")
    return 1 if report.errors else 0


def _check_fixed_pages(report, chosen: list[str], theme, output: Path,
                       proven: set[str] = frozenset()) -> None:
    """Lay out just the covers of each readable booklet: each must fit its one page, in
    colours readers can read; then the specimen of every kind of block in the brand colours.

    A booklet in `proven` is left out: an up-to-date build of it fitted them already.
    """
    from .addresswidth import printed_files, too_wide_addresses
    from .builder import check_own_templates
    from .fixedpages import check_fixed_pages, check_specimen_contrast
    from .render import LARGE_PRINT_STYLESHEETS

    buildable = set(report.buildable())
    ready = [report.library.booklets[slug] for slug in chosen if slug in buildable]
    # The content folder's own templates are untrusted: checked, sandboxed, first.
    broken = check_own_templates(theme, report.library, ready, report.root, output)
    report.problems.extend(broken)
    if broken:
        return
    found: dict[Problem, None] = {}  # a back cover too long is one problem, not one a booklet

    def run(task, where: Path, slug: str | None, stage: str) -> None:
        problems, crashed = run_job(task, where, slug, stage, output)
        found.update(dict.fromkeys([*(problems or []), *crashed]))

    unproven = [booklet for booklet in ready if booklet.slug not in proven]
    for booklet in unproven:
        run(lambda booklet=booklet: check_fixed_pages([booklet], report.library, theme),
            booklet.manifest, booklet.slug, "check")
    if unproven:  # once for the library: the brand colours in every kind of block, and the
        # large-print line every printed address must fit
        organisation = report.library.organisation.path
        run(lambda: check_specimen_contrast(unproven[0], report.library, theme),
            organisation, None, "colour check")
        files = list(dict.fromkeys(path for booklet in unproven
                                   for path in printed_files(booklet, report.library)
                                   if path.is_file()))
        run(lambda: too_wide_addresses(report.library, files,
                                       theme.stylesheet(LARGE_PRINT_STYLESHEETS[0])),
            organisation, None, "large-print address check")
    report.problems.extend(found)


def run() -> None:
    """Console-script entry point: main() already turns an interrupt or a crash into one line."""
    sys.exit(main(prog="pibooklet"))
