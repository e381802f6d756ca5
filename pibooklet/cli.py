"""The command line: `python build.py [SLUG ...] [--content DIR] [--output DIR]`."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

from . import OUTPUTS, __version__
from .checks import LibraryReport, check_library
from .content import find_manifests, slug_of
from .errors import ERROR, NOTE, BuildError, ContentError, OutputError, Problem, display_path
from .jobs import crash_problem, run_job, stale_outputs
from .output import check_output_folder, write_atomically
from .render import check_templates, theme_for


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
    parser.add_argument("--check", action="store_true",
                        help="check every booklet without laying anything out: schema, files, "
                             "references, addresses, review dates and plain language; exit 1 "
                             "if any problem is an error")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="how --check reports: text lines (path:line: message) or JSON "
                             "for a charity's own CI (default: text)")
    parser.add_argument("--allow-overdue", action="store_true",
                        help="build booklets past their next review date anyway, stamped as "
                             "overdue for review")
    parser.add_argument("--today", type=dt.date.fromisoformat, default=None, metavar="DATE",
                        help="the date review dates are checked against, YYYY-MM-DD "
                             "(default: today)")
    parser.add_argument("--layout-report", choices=("text", "json"), default=None,
                        help="also write each booklet's layout report, page by page: how full "
                             "each page is, what starts and ends there, blocks split over a page "
                             "turn, hyphenated lines and every fault, as SLUG-layout.txt or "
                             "SLUG-layout.json (faults are always printed as warnings)")
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
    """Check, then build, the booklets named in argv (all by default); return the exit status."""
    args = _parser().parse_args(argv)
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


def _check_and_build(args: argparse.Namespace) -> int:
    """Check every chosen booklet, then build each one that can be, one job at a time."""
    if not args.check:  # an unusable output folder fails before any layout work
        check_output_folder(args.output)
    theme = theme_for(args.content.resolve())
    today = args.today or dt.date.today()
    report = check_library(args.content, theme.layouts(), today, args.allow_overdue)
    chosen = _choose(args.slugs, report)
    if args.check or len(theme.template_dirs) > 1 or len(theme.style_dirs) > 1:  # (perf)
        _check_fixed_pages(report, chosen, theme, args.output)
    if args.check:
        return _report_check(report, chosen, args.format)
    for problem in report.problems:
        if problem.severity != NOTE:  # the plain-language report is for --check
            print(problem, file=sys.stderr)
    ready = set(report.buildable())
    if report.library:  # a bilingual booklet is made when both its halves can be
        ready |= {slug for slug, halves in report.library.bilingual().items()
                  if {half.slug for half in halves} <= ready}
    buildable = [slug for slug in chosen if slug in ready]
    failed = [slug for slug in chosen if slug not in buildable]
    if report.errors:
        count = len(report.errors)
        print(f"{count} error{'s' if count != 1 else ''} found; "
              + (f"not built: {', '.join(failed)}." if buildable else "nothing was built."),
              file=sys.stderr)
    if buildable:  # made now, so that a crash report can be kept beside the PDFs
        try:
            args.output.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise OutputError(f"{display_path(args.output)}: cannot make the output folder "
                              f"({error.strerror or error}); nothing was written") from error
    written: set[str] = set()
    for index, slug in enumerate(buildable):
        manifest = _manifest_of(report.library, slug)
        try:
            done, problems = run_job(
                lambda slug=slug: _build(report.library, slug, theme, args, written),
                manifest, slug, "build", args.output)
        except OutputError as error:
            unbuilt = buildable[index + 1:]
            print(f"{error}{'; not built: ' + ', '.join(unbuilt) if unbuilt else ''}"
                  f"{_left_over(args.output, [slug, *unbuilt], written, '; ')}", file=sys.stderr)
            return 1
        for problem in problems:
            print(problem, file=sys.stderr)
        if not done:
            failed.append(slug)
    if failed and buildable:
        print(f"{len(failed)} of {len(chosen)} booklets failed: {', '.join(sorted(failed))}",
              file=sys.stderr)
    if failed and (left := _left_over(args.output, failed, written,
                                      f"{display_path(args.output)}/: ")):
        print(left, file=sys.stderr)
    return 1 if failed or report.errors else 0


def _left_over(output: Path, slugs: list[str], written: set[str], lead: str) -> str:
    """Return a note naming failed booklets' files left from an earlier build, or ''."""
    # Kept, not deleted: each is a whole, verified earlier edition, and a typo in one section
    # must not take a leaflet off the ward; the note stops anyone taking it for this build's.
    stale = stale_outputs(output, slugs, written)
    return (f"{lead}left from an earlier build, so they may be out of date: "
            f"{', '.join(stale)}") if stale else ""


def _build(library, slug: str, theme, args: argparse.Namespace, written: set[str]) -> bool:
    """Build one booklet's outputs and write them; return whether everything was made."""
    # Imported here: --check never lays anything out, so it need not load WeasyPrint.
    from .pipeline import build_bilingual, build_booklet

    started = time.perf_counter()
    manifest = display_path(_manifest_of(library, slug))
    try:
        if slug in library.booklets:
            built = build_booklet(library.booklets[slug], library, theme, args.outputs)
        else:
            built = build_bilingual(*library.bilingual()[slug], library, theme,
                                    tuple(output for output in args.outputs
                                          if output != "large-print"))
    except BuildError as error:
        print(f"{manifest}: {error}", file=sys.stderr)
        return False
    for warning in built.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.layout_report:
        built.files.append(_layout_report(slug, built.layout, args.layout_report))
    for index, output in enumerate(built.files):
        target = args.output / output.name
        try:
            write_atomically(target, output.data)
        except OSError as error:
            names = [file.name for file in built.files]
            raise OutputError(
                f"{display_path(args.output)}/: cannot write {output.name} "
                f"({error.strerror or error}); written: {', '.join(sorted(written)) or 'nothing'}"
                f"; not written: {', '.join(names[index:])}") from error
        written.add(output.name)
        if not args.quiet:
            print(f"built {display_path(target)}: {output.summary}")
    for failure in built.failures:
        print(f"{manifest}: {failure}", file=sys.stderr)
    if not built.failures and not args.quiet:
        print(f"{slug}: done in {time.perf_counter() - started:.1f} s")
    return not built.failures


def _manifest_of(library, slug: str) -> Path:
    """Return the manifest a booklet's problems are reported against (a bilingual booklet's
    is its first half's)."""
    booklet = library.booklets.get(slug) or library.bilingual()[slug][0]
    return booklet.manifest


def _layout_report(slug: str, reports: list, report_format: str):
    """Return the layout report of every edition laid out, as an output file."""
    from .pagination import reports_json
    from .pipeline import OutputFile

    faults = sum(len(report.faults) for report in reports)
    data = reports_json(reports) if report_format == "json" else \
        "\n".join(report.text() for report in reports)
    return OutputFile(f"{slug}-layout.{'json' if report_format == 'json' else 'txt'}",
                      data.encode(), f"layout report, {faults} fault{'s' * (faults != 1)}")


def _report_check(report: LibraryReport, chosen: list[str], output_format: str) -> int:
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


def _choose(requested: list[str], report: LibraryReport) -> list[str]:
    """Return the booklets asked for (all by default); unknown names are errors."""
    known = [slug_of(path, report.root) for path in find_manifests(report.root)]
    known += sorted(report.library.bilingual()) if report.library else []
    for slug in requested:
        if slug not in known:
            report.problems.append(Problem(report.root, None, f"no booklet called '{slug}'; "
                                           f"the booklets are: {', '.join(known)}"))
    return list(dict.fromkeys(slug for slug in requested if slug in known)) or (
        [] if requested else known)


def _check_fixed_pages(report: LibraryReport, chosen: list[str], theme, output: Path) -> None:
    """Lay out just the covers of each readable booklet: each must fit its one page."""
    from .fixedpages import check_fixed_pages

    buildable = set(report.buildable())
    ready = [report.library.booklets[slug] for slug in chosen if slug in buildable]
    # The content folder's own templates are untrusted: checked, sandboxed, first; they are
    # shared, so a problem in one stops every booklet.
    broken, crashed = run_job(lambda: check_templates(theme, report.library, ready),
                              report.root, None, "template check", output)
    report.problems.extend([*(broken or []), *crashed])
    if broken or crashed:
        return
    found: dict[Problem, None] = {}  # a back cover too long is one problem, not one a booklet
    for booklet in ready:
        problems, crashed = run_job(
            lambda booklet=booklet: check_fixed_pages([booklet], report.library, theme),
            booklet.manifest, booklet.slug, "check", output)
        found.update(dict.fromkeys([*(problems or []), *crashed]))
    report.problems.extend(found)


def run() -> None:
    """Console-script entry point: main() already turns an interrupt or a crash into one line."""
    sys.exit(main())
