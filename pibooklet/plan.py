"""The build plan: one job per booklet, language and edition, each keyed by its inputs.

A job is a pure function of the files it may read (its booklet's own files, the library's
shared files and every manifest, the fonts and colour profile, our code, templates and
styles and the libraries' versions) and of the options that change its output. The key is a
digest of all of them: a job whose key and output files are those recorded by an earlier
build has nothing to do. The jobs of one booklet run together, as one task, because they
share the laid-out screen document (the office file imposes it, the press file must match
its pages).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import Problem
from .fingerprint import combine

#: What each edition writes, after the booklet's id.
EDITION_FILES: dict[str, tuple[str, ...]] = {
    "screen": (".pdf",),
    "large-print": ("-large-print.pdf",),
    "press": ("-press.pdf",),
    "office": ("-office-a4.pdf",),
    "spec": ("-print-spec.txt", "-print-spec.json"),
}
LAYOUT_REPORT = "layout-report"


@dataclass(frozen=True)
class BookletFacts:
    """What the plan needs to know of one booklet, kept so that a no-op build reads none."""

    slug: str
    manifest: str  # relative to the content folder
    folders: tuple[str, ...]  # own folders (a translation's adds its source's), relative
    halves: tuple[str, ...] = ()  # a bilingual booklet's two booklets
    overdue: bool = False
    sections: tuple[str, ...] = ()  # its section files, wherever they are, relative
    covers: bool = False  # whether it draws other booklets' covers ("more from us" blocks)

    @property
    def editions(self) -> tuple[str, ...]:
        """Return the editions this booklet can have: a bilingual one has no large print."""
        return tuple(edition for edition in EDITION_FILES
                     if not (self.halves and edition == "large-print"))


@dataclass(frozen=True)
class Job:
    """One output of one booklet: the files it writes and the digest of its inputs."""

    slug: str
    edition: str
    files: tuple[str, ...]
    key: str

    @property
    def name(self) -> str:
        """Return how the job is named in progress and in the plan."""
        return f"{self.slug}:{self.edition}"


#: The editions laid out with the screen edition, and those laid out apart from it.
WITH_SCREEN = ("screen", "office")
APART_FROM_SCREEN = ("large-print", "press", "spec")
#: Apart from the screen edition, large print is a task of its own, and the press file with
#: the specification read back from it another: two workers are then kept busy, where the
#: screen task, half as long as the other two together, left one idle.
_APART_TASKS = {"large-print": 1, "press": 2, "spec": 2}
#: A booklet that draws other booklets' covers has its large print made last, most often by
#: the worker that made the screen edition and drew those covers already (a process keeps
#: them: thumbnail.py). Made with the press file instead, so that one worker drew them once,
#: relapsed-cancer took 0.17 s longer (median of 8); a booklet without covers took 0.24 s
#: longer in this order.
_APART_TASKS_WITH_COVERS = {"press": 1, "spec": 1, "large-print": 2}


@dataclass
class Task:
    """The jobs of one booklet that run together, in one worker."""

    slug: str
    jobs: list[Job]
    bilingual: bool = False
    #: Made apart from the screen edition, which another task or an earlier build makes.
    screen_apart: bool = False
    #: A bilingual booklet's halves' files it may use, by (id, edition): filled in as it
    #: starts, once the halves' own tasks are written.
    reuse: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def editions(self) -> tuple[str, ...]:
        """Return the editions to make (the layout report is not one)."""
        return tuple(job.edition for job in self.jobs if job.edition != LAYOUT_REPORT)


@dataclass
class Plan:
    """Every job chosen, in the order a one-at-a-time build makes them."""

    jobs: list[Job] = field(default_factory=list)
    facts: dict[str, BookletFacts] = field(default_factory=dict)

    def slugs(self) -> list[str]:
        """Return the booklets planned, in order."""
        return list(dict.fromkeys(job.slug for job in self.jobs))

    def tasks(self, stale: set[str]) -> list[Task]:
        """Return, in plan order, each booklet's stale jobs as tasks.

        A booklet's screen and office editions are one task (the office file imposes the
        screen document). When the plan has its screen edition, its large print is another
        and its press file and specification a third, run beside it (large print last, for a
        booklet that draws other booklets' covers). Otherwise (a
        bilingual booklet, no screen edition asked for, a layout report to make) all its jobs
        are one task.
        """
        # The layout report covers every edition laid out: to make it, make them all.
        whole = {job.slug for job in self.jobs
                 if job.edition == LAYOUT_REPORT and job.name in stale}
        with_screen = {job.slug for job in self.jobs if job.edition == "screen"}
        tasks: dict[tuple[str, int], Task] = {}
        for job in self.jobs:
            if job.name not in stale and job.slug not in whole:
                continue
            facts = self.facts[job.slug]
            bilingual = bool(facts.halves)
            apart = job.edition in APART_FROM_SCREEN and job.slug in with_screen and \
                job.slug not in whole and not bilingual
            part = (_APART_TASKS_WITH_COVERS if facts.covers else _APART_TASKS)[job.edition] \
                if apart else 0
            tasks.setdefault((job.slug, part), Task(job.slug, [], bilingual, apart))
            tasks[(job.slug, part)].jobs.append(job)
        order = {slug: index for index, slug in enumerate(self.slugs())}
        return [tasks[key] for key in sorted(tasks, key=lambda key: (order[key[0]], key[1]))]

    def shard(self, index: int, count: int) -> Plan:
        """Return the share of the plan shard `index` of `count` builds (1-based).

        A booklet's share is fixed by a digest of its id alone, so it stays on the same
        shard however the library grows, and the shards together build every job once.
        """
        def share(slug: str) -> int:
            return int(hashlib.sha256(slug.encode()).hexdigest()[:12], 16) % count
        return Plan([job for job in self.jobs if share(job.slug) == index - 1], self.facts)


def choose_booklets(requested: list[str], known: list[str], root: Path
                    ) -> tuple[list[str], list[Problem]]:
    """Return the booklets asked for, once each and in the order asked (all of them when
    none is named), and an error for each name that is no booklet's."""
    unknown = [Problem(root, None, f"no booklet called '{slug}'; the booklets are: "
                                   f"{', '.join(known)}")
               for slug in requested if slug not in known]
    chosen = list(dict.fromkeys(slug for slug in requested if slug in known))
    return chosen or ([] if requested else list(known)), unknown


def make_plan(facts: dict[str, BookletFacts], chosen: list[str], outputs: tuple[str, ...],
              files: dict[str, str], tool: str, external: dict[str, str],
              layout_report: str | None) -> Plan:
    """Return the jobs for the chosen booklets and outputs, each with the key of its inputs.

    `files` maps every content file (relative path) to its digest; `external` the fonts and
    colour profile outside the content folder to theirs.
    """
    plan = Plan(facts=facts)
    grouped = group_files(files, facts)
    shared = combine(shared_files(grouped))
    # A booklet that draws another's cover ("more from us") draws its overdue stamp too.
    overdue = sorted(slug for slug, booklet in facts.items() if booklet.overdue)
    if "spec" in outputs and "press" not in outputs:  # the spec describes the press file
        outputs = (*outputs, "press")
    for slug in chosen:
        booklet = facts[slug]
        inputs = combine(tool, shared, own_files(booklet, files, grouped), external, overdue)
        editions = [edition for edition in outputs if edition in booklet.editions]
        for edition in editions:
            plan.jobs.append(Job(slug, edition, tuple(slug + ending for ending in
                                                      EDITION_FILES[edition]),
                                 combine(inputs, edition)))
        if layout_report and editions:
            ending = "json" if layout_report == "json" else "txt"
            # The report covers every edition laid out, so the editions chosen are an input.
            plan.jobs.append(Job(slug, LAYOUT_REPORT, (f"{slug}-layout.{ending}",),
                                 combine(inputs, LAYOUT_REPORT, ending, editions)))
    return plan


def group_files(files: dict[str, str], facts: dict[str, BookletFacts]
                ) -> dict[str | None, dict[str, str]]:
    """Return the content files' digests by the booklet folder each belongs to, the deepest
    holding it (None: shared)."""
    folders = {folder for booklet in facts.values() for folder in booklet.folders}
    grouped: dict[str | None, dict[str, str]] = {}
    for name, digest in files.items():
        parts = name.split("/")[:-1]
        owner = next((folder for end in range(len(parts), 0, -1)
                      if (folder := "/".join(parts[:end])) in folders), None)
        grouped.setdefault(owner, {})[name] = digest
    return grouped


def own_files(booklet: BookletFacts, files: dict[str, str],
              grouped: dict[str | None, dict[str, str]]) -> dict[str, str]:
    """Return the digests of the files in a booklet's own folders, and of its sections.

    Files it reads elsewhere (another booklet's picture or cover) are recorded as it is
    built and checked with its record (see cache.py).
    """
    own = {name: digest for folder in booklet.folders
           for name, digest in grouped.get(folder, {}).items()}
    own.update({name: files.get(name, "missing") for name in booklet.sections})
    return own


def shared_files(grouped: dict[str | None, dict[str, str]]) -> dict[str, str]:
    """Return the digests of every file outside the booklets' folders, and of every manifest
    (each booklet prints other booklets' titles)."""
    return {name: digest for owner, found in grouped.items() for name, digest in found.items()
            if owner is None or name.endswith("/booklet.yaml")}


def valid_until(dates: list[tuple[dt.date, int]], today: dt.date) -> dt.date:
    """Return the first day after `today` on which a review check could say something new.

    `dates` holds each booklet's next review date and the days before it that the build
    warns. Inside a warning window the count of days changes daily.
    """
    changes = []
    for next_review, warn_days in dates:
        warn_from = next_review - dt.timedelta(days=warn_days)
        if warn_from <= today <= next_review:
            changes.append(today + dt.timedelta(days=1))
        changes += [day for day in (warn_from, next_review + dt.timedelta(days=1))
                    if day > today]
    return min(changes, default=dt.date.max)


def facts_of(library) -> dict[str, BookletFacts]:
    """Return the plan's facts of every booklet in a read library, bilingual ones too."""
    root = library.root

    def relative(path: Path) -> str:
        """Return the path relative to the content folder, links inside it not followed."""
        path = Path(path).absolute()
        return (path if path.is_relative_to(root) else path.resolve()).relative_to(root) \
            .as_posix()

    facts = {}
    for slug, booklet in library.booklets.items():
        folders = [relative(booklet.folder)]
        if booklet.translates in library.booklets:  # it prints its source's dates and support
            folders.append(relative(library.booklets[booklet.translates].folder))
        sections = {relative(path) for section in booklet.sections
                    for path in (section.path, section.path.resolve())
                    if path.resolve().is_relative_to(root)}
        facts[slug] = BookletFacts(slug, relative(booklet.manifest), tuple(folders),
                                   overdue=booklet.overdue, sections=tuple(sorted(sections)),
                                   covers=bool(library.covers_in(booklet)))
    for slug, halves in library.bilingual().items():
        facts[slug] = BookletFacts(
            slug, relative(halves[0].manifest),
            tuple(dict.fromkeys(folder for half in halves for folder in facts[half.slug].folders)),
            halves=tuple(half.slug for half in halves),
            overdue=any(half.overdue for half in halves),
            sections=tuple(sorted({name for half in halves
                                   for name in facts[half.slug].sections})))
    return facts
