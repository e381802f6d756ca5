"""A library build: fingerprint the inputs, check, plan, run what is stale, write, record.

    files  = every content file's digest            (fingerprint.py)
    check  = the library check, or its record        (checks.py, cache.py)
    plan   = one job per booklet, language, edition  (plan.py)
    run    = each stale booklet's jobs in a worker   (runner.py)
    write  = each file atomically, in plan order     (output.py)
    record = each job's inputs and files             (cache.py)

A complete no-op reads no content file beyond its size and times and imports no layout code.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from . import intake
from .cache import (
    CACHE_FOLDER,
    Cache,
    CheckRecord,
    JobRecord,
    check_cache_folder,
    output_stamp,
    outputs_intact,
)
from .errors import ERROR, NOTE, BuildError, OutputError, Problem, display_path
from .fingerprint import Digests, combine, scan_folder, tool_digest, walk_content
from .jobs import crash_problem, run_job, stale_outputs
from .output import check_output_folder, write_atomically
from .plan import (
    EDITION_FILES,
    LAYOUT_REPORT,
    Job,
    Plan,
    Task,
    choose_booklets,
    facts_of,
    group_files,
    make_plan,
    own_files,
    shared_files,
    valid_until,
)
from .progress import PlainReporter
from .runner import default_jobs, run_tasks

T = TypeVar("T")


@dataclass
class Outcome:
    """What a worker made of one task: files to write and messages, in build order."""

    files: list = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # printed before the files
    failures: list[str] = field(default_factory=list)  # printed after them
    problems: list[Problem] = field(default_factory=list)
    reads: dict[str, str] = field(default_factory=dict)  # path -> digest of what was read
    seconds: float = 0.0
    pages: int = 0  # the screen edition's, or the press layout's when made apart

    @property
    def ok(self) -> bool:
        """Return whether every job of the task made its files."""
        return not (self.errors or self.failures or self.problems)


@dataclass
class _Run:
    """One build's state, shared by the stages below (and, forked, by the workers)."""

    args: argparse.Namespace
    reporter: PlainReporter
    root: Path
    cache: Cache
    digests: Digests
    files: dict[str, str]
    tool: str
    today: dt.date
    theme: object = None
    report: object = None  # the LibraryReport, once the library has been read
    written: set[str] = field(default_factory=set)
    facts: dict = field(default_factory=dict)  # the plan's facts of every booklet
    grouped: dict = field(default_factory=dict)  # the content files by booklet folder
    records: dict = field(default_factory=dict)  # each up-to-date job's record, by name
    fresh: set[str] = field(default_factory=set)  # the jobs up to date before this build
    ahead: object = None  # the check's child, rendering the lone booklet (overlap.Helper)
    drawer: object = None  # a child drawing the covers the lone booklet shows (the same)
    answered: tuple | None = None  # what the check's child rendered for the lone booklet


def build_library(args: argparse.Namespace, reporter: PlainReporter) -> int:
    """Build the chosen booklets' stale jobs; return the exit status."""
    check_output_folder(args.output)  # an unusable output folder fails before any work
    cache_folder = args.cache or args.output / CACHE_FOLDER
    check_cache_folder(cache_folder)
    run = _new_run(args, reporter, cache_folder)
    try:
        return _build(run, cache_folder)
    finally:
        for helper in (run.ahead, run.drawer):
            if helper is not None:
                helper.close()


def _build(run: _Run, cache_folder: Path) -> int:
    """Check, plan, run and record; return the exit status (the caller ends run.ahead)."""
    args, reporter = run.args, run.reporter
    files, digests = run.files, run.digests
    record = _trusted_check(run)
    checked = record is None
    if checked:
        record = _while_loading(run, _check)
    for problem in record.problems:
        if problem.severity != NOTE:  # the plain-language report is for --check
            reporter.problem(problem)
    chosen, unknown = choose_booklets(args.slugs, record.known, run.root)
    for problem in unknown:
        reporter.problem(problem)
    buildable = [slug for slug in chosen if slug in record.ready]
    failed = [slug for slug in chosen if slug not in buildable]
    errors = [problem for problem in [*record.problems, *unknown] if problem.severity == ERROR]
    if errors:
        count = len(errors)
        reporter.line(f"{count} error{'s' if count != 1 else ''} found; "
                      + (f"not built: {', '.join(failed)}." if buildable
                         else "nothing was built."), error=True)
    run.facts, run.grouped = record.facts, group_files(files, record.facts)
    plan = make_plan(record.facts, buildable, args.outputs, files, run.tool,
                     _external_digests(run, record.external), args.layout_report)
    if args.shard:
        plan = plan.shard(*args.shard)
    stale = {job.name for job in plan.jobs if not _up_to_date(run, job)}
    run.fresh = {job.name for job in plan.jobs} - stale
    if args.dry_run:
        _print_plan(run, plan, stale)
        return 1 if errors else 0
    tasks = plan.tasks(stale)
    _ask_ahead(run, tasks)
    reporter.plan(len(stale), len(plan.jobs) - len(stale), len({task.slug for task in tasks}))
    reporter.failed += len(failed)  # those the check stopped count as failed too
    _replay_up_to_date(run, plan, stale)
    try:
        failed += _run_tasks(run, tasks, plan) if tasks else []
    except _Stopped:
        reporter.close(False)
        return 1
    finally:
        # Kept only where outputs are: a build that wrote nothing leaves no folder behind.
        if args.cache or run.written or (cache_folder / "jobs").is_dir():
            if checked and record.facts:
                run.cache.save_check(record)
            digests.save()
    if failed and buildable:
        reporter.line(f"{len(failed)} of {len(chosen)} booklets failed: "
                      f"{', '.join(sorted(failed))}", error=True)
    if failed and (left := _left_over(args.output, failed, run.written,
                                      f"{display_path(args.output)}/: ")):
        reporter.line(left, error=True)
    ran = {task.slug for task in tasks}
    reporter.close(not (failed or errors), {"built": len(ran - set(failed)),
                                            "up_to_date": len(plan.jobs) - len(stale),
                                            "failed": sorted(failed)})
    return 1 if failed or errors else 0


# The check ---------------------------------------------------------------------------------

def _new_run(args: argparse.Namespace, reporter: PlainReporter, cache_folder: Path) -> _Run:
    """Return a build's state with every content file's digest (the memo is kept in the
    cache folder, and saved only by a build that writes)."""
    root = args.content.resolve()
    digests = Digests(cache_folder / "digests.json")
    files = scan_folder(root, digests, skip=(args.output, cache_folder))
    return _Run(args, reporter, root, Cache(cache_folder), digests, files,
                tool_digest(digests), args.today or dt.date.today())


def proven_by_builds(args: argparse.Namespace, library) -> set[str]:
    """Return the booklets whose screen edition, recorded and still up to date, proves that
    their fixed pages fit: --check need not lay their covers out again. Writes nothing."""
    cache_folder = args.cache or args.output / CACHE_FOLDER
    if library is None or not (cache_folder / "jobs").is_dir():
        return set()
    run = _new_run(args, PlainReporter(quiet=True), cache_folder)
    plan = make_plan(facts_of(library), sorted(library.booklets), ("screen",), run.files,
                     run.tool, _external_digests(run, _external_files(library)), None)
    return {job.slug for job in plan.jobs if _up_to_date(run, job)}


def check_chosen(root: Path, skip: tuple[Path, ...], today: dt.date, allow_overdue: bool,
                 slugs: list[str], notes: bool = True):
    """Check a content folder as `pibooklet check` and the preview do, before any layout: its
    size limits, then every file; return the theme, the report (a name asked for that is not
    a booklet is one of its problems) and the booklets chosen. Without `notes`, findings
    that can only be notes are not looked for (see check_library)."""
    from .checks import check_library
    from .plan import choose_booklets
    from .render import theme_for

    for _ in walk_content(root, skip):
        pass  # a folder past the limits (files, bytes, depth) is refused before it is read
    theme = theme_for(root)
    report = check_library(root, theme.layouts(), today, allow_overdue, notes)
    chosen, unknown = choose_booklets(slugs, known_booklets(report), report.root)
    report.problems.extend(unknown)
    return theme, report, chosen


def known_booklets(report) -> list[str]:
    """Return the id of every booklet in a checked library, bilingual ones last."""
    from .content import find_manifests, slug_of

    known = [slug_of(path, report.root) for path in find_manifests(report.root)]
    return known + (sorted(report.library.bilingual()) if report.library else [])


def check_own_templates(theme, library, booklets: list, root: Path,
                        output: Path) -> list[Problem]:
    """Return the problems of the content folder's own templates and styles, rendered for
    each booklet; they are shared, so one broken stops every booklet."""
    from .render import check_templates

    broken, crashed = run_job(lambda: check_templates(theme, library, booklets), root, None,
                              "template check", output)
    return [*(broken or []), *crashed]



def _fingerprint(run: _Run, external: list[str]) -> str:
    """Return the digest of everything the library check reads and the options it takes."""
    return combine(run.tool, run.files, _external_digests(run, external),
                   run.args.allow_overdue)


def _trusted_check(run: _Run) -> CheckRecord | None:
    """Return the last check's record if nothing it read has changed and no date has passed."""
    record = None if run.args.force else run.cache.check()
    if record is None or run.today >= record.valid_until or record.valid_from > run.today:
        return None
    return record if record.fingerprint == _fingerprint(run, record.external) else None


def _read_library(run: _Run):
    """Read and check the whole library into the run; return its report."""
    from .checks import check_library
    from .render import theme_for

    run.theme = theme_for(run.root)
    run.report = check_library(run.args.content, run.theme.layouts(), run.today,
                               run.args.allow_overdue, notes=False)
    return run.report


def _check(run: _Run) -> CheckRecord:
    """Read and check the whole library; return what was found, to record when it could be
    read."""
    report = _read_library(run)
    library = report.library
    problems = list(report.problems)
    ready = set(report.buildable())
    if library:
        broken = check_own_templates(run.theme, library,
                                     [library.booklets[slug] for slug in sorted(ready)],
                                     report.root, run.args.output)
        problems += broken
        if broken:
            ready = set()
        ready |= {slug for slug, halves in library.bilingual().items()
                  if {half.slug for half in halves} <= ready}
    external = _external_files(library) if library else []
    return CheckRecord(_fingerprint(run, external), _valid_until(library, run.today),
                       problems, sorted(ready), known_booklets(report),
                       facts_of(library) if library else {}, external, valid_from=run.today)


def _while_loading(run: _Run, read: Callable[[_Run], T]) -> T:
    """Return read(run), which reads the library into the run: given a second core, in a
    forked child (kept as run.ahead) while this process loads the layout code (overlap.py)."""
    if (run.args.jobs or default_jobs()) < 2 or run.args.dry_run or not hasattr(os, "fork"):
        return read(run)
    from .overlap import Helper

    try:
        helper = Helper(lambda: (read(run), run.theme, run.report),
                        lambda slug: _render_ahead(run, slug), lambda: _lone_booklet(run))
    except OSError:  # no process to spare
        return read(run)
    found = helper.first()
    if found is None:  # the child failed: whatever it met, it is met again here
        return read(run)
    run.ahead = helper
    result, run.theme, run.report = found
    return result


def _ask_ahead(run: _Run, tasks: list[Task]) -> None:
    """Have the check's child render a lone booklet's screen edition while this process loads
    the rest of the layout code, and a second child draw the covers it shows meanwhile; end
    the check's child if there is no such booklet."""
    if run.ahead is None:
        return
    if len(tasks) == 1 and not (tasks[0].bilingual or tasks[0].screen_apart):
        run.ahead.ask(tasks[0].slug)
        if "screen" in tasks[0].editions:
            # This process has nothing else to do until the child renders the HTML; the
            # second child, forked after, has the stylesheets parsed too.
            from .pipeline import parse_stylesheets_ahead

            parse_stylesheets_ahead(run.report.library, run.theme)
        # The child rendered the covers' HTML too: the second child only lays them out.
        answer, run.ahead = run.ahead.answer(), None
        run.answered = answer or (None, {}, {})
        _draw_ahead(run, tasks[0].slug, run.answered[2])
    else:
        run.ahead.close()
        run.ahead = None


def _draw_ahead(run: _Run, slug: str, sources: dict) -> None:
    """Fork a child that draws the covers a booklet's "more from us" blocks show (from
    `sources`, what each is drawn from, where the check's child rendered it): it draws them
    while this process parses and styles the booklet, before its layout asks for them
    (thumbnail.CoverPictures)."""
    library = run.report.library
    shown = library.covers_in(library.booklets[slug])
    if not shown:
        return
    from . import thumbnail  # the child is forked with WeasyPrint loaded, as this process is
    from .overlap import Helper

    with contextlib.suppress(OSError):  # no process to spare: the layout draws them itself
        run.drawer = Helper(lambda: thumbnail.draw_covers(library, run.theme, shown, sources),
                            lambda request: None)


def _covers_drawn(run: _Run) -> Callable[[], object] | None:
    """Return what waits for the covers the drawer drew (None if it failed), or None."""
    drawer = run.drawer
    if drawer is None:
        return None
    found = []

    def drawn():
        if not found:
            found.append(drawer.first(modules=()))
            drawer.close()
        return found[0]
    return drawn


def _lone_booklet(run: _Run) -> str | None:
    """Return the one booklet this build is likely to lay out (in the check's child, which
    renders it on this guess before the plan is made), or None."""
    library = run.report.library
    chosen = run.args.slugs or (list(library.booklets) if library else [])
    return chosen[0] if len(chosen) == 1 and library and chosen[0] in library.booklets \
        else None


def _render_ahead(run: _Run, slug: str):
    """Return a booklet's screen HTML and the files read for it, and what each cover it
    shows is drawn from, with the files read for that (render.cover_to_draw): in the check's
    child, whose templates are compiled by then."""
    from .render import cover_to_draw, render_edition

    library = run.report.library
    booklet = library.booklets[slug]
    with intake.recording_reads() as reads:
        rendered = render_edition(booklet, library, run.theme, "screen")
    covers = {}
    for shown in library.covers_in(booklet):
        with intake.recording_reads() as read_for_cover:
            cover = cover_to_draw(library, run.theme, shown)
        if cover is not None:
            covers[shown] = cover, read_for_cover
    return rendered, reads, covers


def _rendered_ahead(run: _Run):
    """Return the screen HTML the check's child rendered for the lone task, or None."""
    rendered, reads, _ = run.answered or (None, {}, {})
    run.answered = None
    if rendered is not None:
        intake.add_reads(reads)  # the job's record names every file its HTML was made from
    return rendered


def _valid_until(library, today: dt.date) -> dt.date:
    """Return the first day on which a review date would make the check say something new."""
    if library is None:
        return today
    warn_days = int(library.organisation.governance.get("warn_days_before_review", 90))
    return valid_until([(booklet.next_review, warn_days)
                        for booklet in library.booklets.values()], today)


def _external_files(library) -> list[str]:
    """Return the files outside the content folder the booklets are made with, in order."""
    organisation = library.organisation
    fonts = {path for face in organisation.typefaces.typefaces for path, _, _ in face.files}
    return sorted(str(path) for path in fonts | {organisation.print.colour_profile})


def _external_digests(run: _Run, paths: list[str]) -> dict[str, str]:
    return {path: run.digests.of_file(Path(path)) for path in paths}


# The plan ----------------------------------------------------------------------------------

def _up_to_date(run: _Run, job: Job) -> bool:
    """Return whether the job's record matches its inputs and its files are intact."""
    record = None if run.args.force else run.cache.job(job)
    if record is None or record.key != job.key or sorted(record.files) != sorted(job.files):
        return False
    for name, digest in record.reads.items():
        found = run.files.get(name) if not name.startswith("/") else \
            run.digests.of_file(Path(name))
        if found != digest:
            return False
    if not outputs_intact(record, run.args.output):
        return False
    run.records[job.name] = record
    return True


def _print_plan(run: _Run, plan: Plan, stale: set[str]) -> None:
    """Print each job, as `make -n` does: what would be built, and what is up to date."""
    for job in plan.jobs:
        state = "build" if job.name in stale else "up to date"
        targets = ", ".join(display_path(run.args.output / name) for name in job.files)
        run.reporter.line(f"{state:<10} {job.name:<40} {targets}", event="job",
                          job=job.name, stale=job.name in stale, key=job.key)
    tasks = len(plan.tasks(stale))
    run.reporter.line(f"{len(stale)} of {len(plan.jobs)} job{'s' * (len(plan.jobs) != 1)} "
                      f"would run in {tasks} booklet task{'s' * (tasks != 1)}")


def _replay_up_to_date(run: _Run, plan: Plan, stale: set[str]) -> None:
    """Say which booklets are up to date, with the warnings their build gave."""
    fresh: dict[str, list[Job]] = {}
    for job in plan.jobs:
        if job.name not in stale:
            fresh.setdefault(job.slug, []).append(job)
    for slug, jobs in fresh.items():
        warnings = dict.fromkeys(warning for job in jobs
                                 for warning in run.records[job.name].warnings)
        for warning in warnings:
            run.reporter.line(f"warning: {warning}", error=True)
        if not run.args.quiet:
            run.reporter.line(f"{slug}: up to date ({', '.join(job.edition for job in jobs)})",
                              event="up-to-date", booklet=slug)


# Running -----------------------------------------------------------------------------------

def _run_tasks(run: _Run, tasks: list[Task], plan: Plan) -> list[str]:
    """Run the tasks in workers; write and record each booklet's files in plan order."""
    if run.report is None:  # the check was trusted, but building needs the library read
        _while_loading(run, _read_library)
        _ask_ahead(run, tasks)
    from . import loader  # noqa: F401 - WeasyPrint, loaded once, before workers are forked

    if not run.args.output.is_dir():
        try:
            run.args.output.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise OutputError(f"{display_path(run.args.output)}: cannot make the output "
                              f"folder ({error.strerror or error}); nothing was written") \
                from error
    for task in tasks:  # its files are about to change: no record may outlive them
        for job in task.jobs:
            run.cache.forget(job)
    failed = []
    def started(task: Task) -> None:
        _reuse_halves(run, task, plan)
        run.reporter.started(task.slug, task.editions)

    def after(index: int) -> list[int]:  # a bilingual booklet waits for its halves' files
        halves = plan.facts[tasks[index].slug].halves if tasks[index].bilingual else ()
        return [earlier for earlier, task in enumerate(tasks[:index]) if task.slug in halves]

    results = run_tasks(tasks, lambda task: _work(run, task), _at_once(run, tasks), started,
                        lambda task: Outcome(problems=[Problem(
                            _manifest_of(run, task.slug), None,
                            f"the build of '{task.slug}' stopped: its worker process was "
                            "killed (out of memory, or by a signal); nothing of it was "
                            "written")]), after)
    booklets: dict[str, _Booklet] = {}
    try:
        for index, (task, outcome) in enumerate(results):
            booklet = booklets.setdefault(task.slug, _Booklet())
            last = index + 1 == len(tasks) or tasks[index + 1].slug != task.slug
            run.reporter.making(task.slug, task.editions)
            try:
                _finish_part(run, task, outcome, booklet)
            except OutputError as error:
                unbuilt = list(dict.fromkeys(later.slug for later in tasks[index + 1:]
                                             if later.slug != task.slug))
                run.reporter.line(
                    f"{error}{'; not built: ' + ', '.join(unbuilt) if unbuilt else ''}"
                    f"{_left_over(run.args.output, [task.slug, *unbuilt], run.written, '; ')}",
                    error=True)
                raise _Stopped from None
            if last:
                if booklet.ok and not run.args.quiet:
                    run.reporter.line(f"{task.slug}: done in {booklet.seconds:.1f} s",
                                      event="done", booklet=task.slug,
                                      seconds=round(booklet.seconds, 2))
                run.reporter.finished(task.slug, booklet.ok)
                if not booklet.ok:
                    failed.append(task.slug)
    finally:
        results.close()  # stops the workers, if any are left
    return failed


def _reuse_halves(run: _Run, task: Task, plan: Plan) -> None:
    """Let a bilingual booklet use its halves' screen and press files where they are this
    build's, or an earlier one's from the same inputs, rather than lay them out again."""
    if not task.bilingual:
        return
    jobs = {job.name: job for job in plan.jobs}
    for half in plan.facts[task.slug].halves:
        for edition in ("screen", "press"):
            job = jobs.get(f"{half}:{edition}")
            if job and (job.name in run.fresh or all(name in run.written
                                                      for name in job.files)):
                task.reuse[(half, edition)] = str(run.args.output / job.files[0])


@dataclass
class _Booklet:
    """How a booklet's tasks have gone so far."""

    ok: bool = True
    screen_failed: bool = False
    seconds: float = 0.0
    pages: int | None = None  # the screen edition's


def _finish_part(run: _Run, task: Task, outcome: Outcome, booklet: _Booklet) -> None:
    """Write one task's part of a booklet, unless the screen edition it goes with failed."""
    if booklet.screen_failed:
        return  # as in a one-at-a-time build: a booklet whose screen edition fails makes nothing
    booklet.seconds += outcome.seconds
    if task.screen_apart:
        _check_press_pages(run, task, outcome, booklet)
    ok = _finish_task(run, task, outcome)
    booklet.ok &= ok
    if "screen" in task.editions:
        booklet.screen_failed = not ok
        booklet.pages = outcome.pages


def _check_press_pages(run: _Run, task: Task, outcome: Outcome, booklet: _Booklet) -> None:
    """Refuse a press file made apart whose page count is not the screen edition's."""
    press = f"{task.slug}-press.pdf"
    if not any(file.name == press for file in outcome.files):
        return
    screen = booklet.pages
    if screen is None:  # made by an earlier build from the same inputs
        import pikepdf

        with pikepdf.open(run.args.output / f"{task.slug}.pdf") as screen_pdf:
            screen = len(screen_pdf.pages)
    if outcome.pages != screen:
        from .pipeline import press_pages_differ

        made = [task.slug + ending for edition in ("press", "spec")
                for ending in EDITION_FILES[edition]]
        outcome.files = [file for file in outcome.files if file.name not in made]
        outcome.failures.append(f"{display_path(_manifest_of(run, task.slug))}: press file not "
                                f"made: {press_pages_differ(outcome.pages, screen)}")


def _at_once(run: _Run, tasks: list[Task]) -> int:
    """Return how many tasks run at once: --jobs, or by default one per core.

    A lone booklet's tasks all run at once by default. They are unequal (large print is half
    as long as the others), so with one worker each core shares them to the end; with two,
    one core idled while the other made large print last. That cut relapsed-cancer's five
    outputs from 5.84 to 5.36 s, clinical-trials' from 3.51 to 3.42 (median of 6, 2 cores).
    """
    if run.args.jobs:
        return run.args.jobs
    cores = default_jobs()
    if cores > 1 and len({task.slug for task in tasks}) == 1:
        return max(cores, len(tasks))
    return cores


class _Stopped(Exception):
    """The output folder failed: the build stops, its message already printed."""


def _work(run: _Run, task: Task) -> Outcome:
    """Make one booklet's jobs (in a worker): the files and messages, nothing written."""
    started = time.perf_counter()
    outcome = Outcome()
    manifest = _manifest_of(run, task.slug)
    with intake.recording_reads() as reads:
        try:
            _, outcome.problems = run_job(lambda: _make(run, task, outcome), manifest,
                                          task.slug, "build", run.args.output)
        except KeyboardInterrupt:
            raise
        # SystemExit and the like from a bug: this booklet's alone.
        except BaseException as error:
            outcome.problems = [crash_problem(manifest, task.slug, "build", error,
                                              run.args.output)]
    outcome.reads = {str(path): digest for path, digest in sorted(reads.items())}
    outcome.seconds = time.perf_counter() - started
    return outcome


def _make(run: _Run, task: Task, outcome: Outcome) -> None:
    from . import pipeline

    library = run.report.library
    manifest = display_path(_manifest_of(run, task.slug))
    if library is None or task.slug not in {*library.booklets, *library.bilingual()}:
        # The library changed since it was checked: its check, run again, says how.
        outcome.errors.append(f"{manifest}: this booklet could not be read (see the problems "
                              "above); build again to see them")
        return
    try:
        if task.bilingual:
            made = {key: Path(path).read_bytes() for key, path in task.reuse.items()}
            built = pipeline.build_bilingual(*library.bilingual()[task.slug], library,
                                             run.theme, task.editions, made)
        else:
            built = pipeline.build_booklet(library.booklets[task.slug], library, run.theme,
                                           task.editions, screen_apart=task.screen_apart,
                                           rendered=_rendered_ahead(run),
                                           covers_drawn=_covers_drawn(run))
    except BuildError as error:
        outcome.errors.append(f"{manifest}: {error}")
        return
    outcome.warnings = list(built.warnings)
    outcome.pages = built.pages
    wanted = {name for job in task.jobs for name in job.files}
    outcome.files = [file for file in built.files if file.name in wanted]
    if LAYOUT_REPORT in (job.edition for job in task.jobs):
        outcome.files.append(_layout_report(task.slug, built.layout, run.args.layout_report))
    outcome.failures = [f"{manifest}: {failure}" for failure in built.failures]


def _finish_task(run: _Run, task: Task, outcome: Outcome) -> bool:
    """Print a task's messages, write its files and record each job whose files were made."""
    for problem in outcome.problems:
        run.reporter.problem(problem)
    for message in outcome.errors:
        run.reporter.line(message, error=True)
    for warning in outcome.warnings:
        run.reporter.line(f"warning: {warning}", error=True)
    record = _recorder(run, task, outcome)
    for index, output in enumerate(outcome.files):
        target = run.args.output / output.name
        try:
            write_atomically(target, output.data)
        except OSError as error:
            names = [file.name for file in outcome.files]
            raise OutputError(
                f"{display_path(run.args.output)}/: cannot write {output.name} "
                f"({error.strerror or error}); written: "
                f"{', '.join(sorted(run.written)) or 'nothing'}; not written: "
                f"{', '.join(names[index:])}") from error
        run.written.add(output.name)
        record(output.name)
        if not run.args.quiet:
            run.reporter.line(f"built {display_path(target)}: {output.summary}",
                              event="built", file=output.name, booklet=task.slug)
    for failure in outcome.failures:
        run.reporter.line(failure, error=True)
    return outcome.ok


def _recorder(run: _Run, task: Task, outcome: Outcome):
    """Return a function to call as each file is written: it records each job whose files
    are then all written, at once, so a build killed later keeps what it finished."""
    made = {output.name: output.summary for output in outcome.files}
    reads = {(Path(path).relative_to(run.root).as_posix()
              if Path(path).is_relative_to(run.root) else path): digest
             for path, digest in outcome.reads.items()}
    # A file changed while the booklet was made (an editor's save) may have been read either
    # way: its jobs are not recorded, and run again next time.
    pending = [job for job in task.jobs if all(name in made for name in job.files)] \
        if _inputs_unchanged(run, task.slug) else []

    def record(written: str) -> None:
        for job in [job for job in pending if written in job.files]:
            if all(name in run.written for name in job.files):
                pending.remove(job)
                files = {name: output_stamp(run.args.output / name) for name in job.files}
                run.cache.save_job(job, JobRecord(job.key, reads, files,
                                                  {name: made[name] for name in job.files},
                                                  outcome.warnings))
    return record


def _inputs_unchanged(run: _Run, slug: str) -> bool:
    """Return whether the booklet's own and shared files are still as the plan saw them."""
    read = {**shared_files(run.grouped), **own_files(run.facts[slug], run.files, run.grouped)}
    return all(run.digests.of_file(run.root / name, run.root) == digest
               for name, digest in read.items())


def _manifest_of(run: _Run, slug: str) -> Path:
    """Return the manifest a booklet's problems are reported against (a bilingual booklet's
    is its first half's)."""
    library = run.report.library if run.report else None
    booklet = library and (library.booklets.get(slug) or
                           library.bilingual().get(slug, (None,))[0])
    return booklet.manifest if booklet else run.root / run.facts[slug].manifest


def _layout_report(slug: str, reports: list, report_format: str):
    """Return the layout report of every edition laid out, as an output file."""
    from .pagination import reports_json
    from .pipeline import OutputFile

    faults = sum(len(report.faults) for report in reports)
    data = reports_json(reports) if report_format == "json" else \
        "\n".join(report.text() for report in reports)
    return OutputFile(f"{slug}-layout.{'json' if report_format == 'json' else 'txt'}",
                      data.encode(), f"layout report, {faults} fault{'s' * (faults != 1)}")


def _left_over(output: Path, slugs: list[str], written: set[str], lead: str) -> str:
    """Return a note naming failed booklets' files left from an earlier build, or ''."""
    # Kept, not deleted: each is a whole, verified earlier edition, and a typo in one section
    # must not take a leaflet off the ward; the note stops anyone taking it for this build's.
    stale = stale_outputs(output, slugs, written)
    return (f"{lead}left from an earlier build, so they may be out of date: "
            f"{', '.join(stale)}") if stale else ""
