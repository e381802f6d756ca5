"""What a build shows while it works: a live display on a terminal, plain lines elsewhere,
or a stream of JSON events (--format json) for a charity's CI.

Every message of a build passes through one reporter, so the three forms always agree.
"""

from __future__ import annotations

import json
import sys
import time
from typing import TextIO

from .errors import Problem


class PlainReporter:
    """Plain lines: 'built …' and progress on standard output, problems on standard error."""

    def __init__(self, quiet: bool = False, out: TextIO | None = None,
                 err: TextIO | None = None):
        self.quiet = quiet
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.total = self.done = self.failed = 0
        self.begun: list[str] = []
        self.closed = False

    def plan(self, to_run: int, up_to_date: int, tasks: int) -> None:
        """Say what the build will do before it starts."""
        self.total = tasks
        if not self.quiet and (to_run or up_to_date):
            self.line(f"{to_run} job{'s' * (to_run != 1)} to run in {tasks} booklet"
                      f"{'s' * (tasks != 1)}, {up_to_date} up to date")

    def started(self, slug: str, editions: tuple[str, ...]) -> None:
        """Note that a booklet's jobs have started (said with its results, in order)."""

    def making(self, slug: str, editions: tuple[str, ...]) -> None:
        """Say which of a booklet's jobs these results are, in plan order, so that a log is
        the same whatever order the workers finished in."""
        if slug not in self.begun:
            self.begun.append(slug)
        if not self.quiet:
            self.line(f"[{self.begun.index(slug) + 1}/{self.total}] {slug}: "
                      f"{', '.join(editions)}")

    def finished(self, slug: str, ok: bool) -> None:
        """Count a booklet whose jobs have all ended."""
        self.done += 1
        self.failed += not ok

    def line(self, text: str, error: bool = False, **_: object) -> None:
        """Print one message; `error` sends it to standard error."""
        print(text, file=self.err if error else self.out, flush=True)

    def problem(self, problem: Problem) -> None:
        """Print one problem as path:line: message."""
        self.line(str(problem), error=True)

    def close(self, ok: bool, summary: dict | None = None) -> None:
        """End the display (once: later calls do nothing)."""
        if not self.closed:
            self.closed = True
            self._close(ok, summary or {})

    def _close(self, ok: bool, summary: dict) -> None:
        pass


class LiveReporter(PlainReporter):
    """A live display on a terminal: booklets done, running and failed, and those running.

    Messages print above it as plain lines; it stays, as a summary, when the build ends.
    """

    def __init__(self, quiet: bool = False):
        super().__init__(quiet)
        from rich.console import Console
        from rich.live import Live

        self.console = Console(file=sys.stderr)
        self.running: dict[str, float] = {}
        self.checking = True
        # Drawn afresh at each refresh, so the time of each booklet running counts up.
        self.live = Live(console=self.console, get_renderable=self._render,
                         refresh_per_second=4, redirect_stdout=True, redirect_stderr=True)
        self.live.start()

    def _render(self):
        from rich.table import Table
        from rich.text import Text

        grid = Table.grid(padding=(0, 2))
        if self.checking:
            grid.add_row(Text("checking the library…"))
            return grid
        grid.add_row(Text(f"{self.done}/{self.total} booklets done", style="bold"),
                     Text(f"{len(self.running)} running"),
                     Text(f"{self.failed} failed", style="red" if self.failed else ""))
        now = time.monotonic()
        running = ", ".join(f"{slug} ({now - since:.0f} s)" for slug, since in
                            self.running.items())
        grid.add_row(Text(f"now: {running or '-'}"))
        return grid

    def plan(self, to_run: int, up_to_date: int, tasks: int) -> None:
        self.checking = False
        super().plan(to_run, up_to_date, tasks)

    def started(self, slug: str, editions: tuple[str, ...]) -> None:
        self.running[slug] = time.monotonic()
        self.live.refresh()

    def finished(self, slug: str, ok: bool) -> None:
        super().finished(slug, ok)
        self.running.pop(slug, None)
        self.live.refresh()

    def line(self, text: str, error: bool = False, **_: object) -> None:
        self.console.print(text, markup=False, highlight=False, soft_wrap=True,
                           style="red" if error else None)

    def _close(self, ok: bool, summary: dict) -> None:
        self.checking = False
        self.live.refresh()
        self.live.stop()


class JsonReporter(PlainReporter):
    """One JSON object a line on standard output, each with an "event"."""

    def _event(self, event: str, **values: object) -> None:
        print(json.dumps({"event": event, **values}, ensure_ascii=False), file=self.out,
              flush=True)

    def plan(self, to_run: int, up_to_date: int, tasks: int) -> None:
        self.total = tasks
        self._event("plan", jobs_to_run=to_run, up_to_date=up_to_date, booklets=tasks)

    def started(self, slug: str, editions: tuple[str, ...]) -> None:
        self._event("started", booklet=slug, editions=list(editions))

    def finished(self, slug: str, ok: bool) -> None:
        super().finished(slug, ok)
        self._event("finished", booklet=slug, ok=ok)

    def line(self, text: str, error: bool = False, **values: object) -> None:
        self._event(str(values.pop("event", "message")), text=text,
                    severity="error" if error else "info", **values)

    def problem(self, problem: Problem) -> None:
        self._event("problem", text=str(problem), **problem.as_dict())

    def _close(self, ok: bool, summary: dict) -> None:
        self._event("end", ok=ok, **summary)


def reporter_for(output_format: str, quiet: bool) -> PlainReporter:
    """Return the reporter for this run: JSON if asked, live on a terminal, else plain."""
    if output_format == "json":
        return JsonReporter(quiet)
    if sys.stdout.isatty() and sys.stderr.isatty():
        return LiveReporter(quiet)
    return PlainReporter(quiet)
