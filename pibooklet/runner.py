"""Running tasks in worker processes, each on its own, with results handed back in order.

Workers are forked from the build, so they share the library it has read and checked and
the modules it has loaded, and nothing needs to be sent to them but a task's number. A
worker only computes: the build writes every file, in plan order, so the messages and files
of a parallel build are those of a one-at-a-time build. A worker that dies (killed, out of
memory) takes only its own task with it: the tasks it shared the pool with run again.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

T = TypeVar("T")
R = TypeVar("R")

_WORK: Callable | None = None
_PR_SET_PDEATHSIG = 1  # linux/prctl.h
_BUILD = 0  # the build's process id, which its workers were forked from


def default_jobs() -> int:
    """Return how many tasks to run at once by default: one per core this build may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def run_tasks(tasks: list[T], work: Callable[[T], R], jobs: int,
              started: Callable[[T], None], lost: Callable[[T], R],
              after: Callable[[int], list[int]] = lambda index: []
              ) -> Iterator[tuple[T, R]]:
    """Yield each task with its result, in the order given, running up to `jobs` at once.

    A task starts only once the earlier tasks `after(index)` names have been yielded (their
    files written). `started` is called just before a task is sent (it may fill the task in:
    the task goes to its worker as it is then). `lost` makes the result of a task whose
    worker died twice, the second time alone.
    """
    # Even one job at a time runs in a worker when there are more tasks, so a booklet whose
    # process dies (out of memory) takes only itself, as with more jobs.
    if len(tasks) <= 1:
        for task in tasks:
            started(task)
            yield task, work(task)
        return
    global _WORK, _BUILD
    _WORK, _BUILD = work, os.getpid()
    try:
        yield from _in_pool(tasks, max(1, min(jobs, len(tasks))), started, lost, after)
    finally:
        _WORK = None


def _call(task):
    return _WORK(task)


@contextlib.contextmanager
def forking() -> Iterator[None]:
    """Hold back Ctrl-C while this process forks, and let it through once the fork is done.

    Python runs its fork handlers (logging's, for one) in between, and an interrupt raised in
    one of them is printed as ignored and lost: the build went on waiting for its workers.
    A child that comes back through here ignores interrupts (the build ends it); one that
    does not keeps the holding handler until it says what an interrupt does to it.
    """
    build = os.getpid()
    caught: list[int] = []
    try:
        previous = signal.signal(signal.SIGINT, lambda number, frame: caught.append(number))
    except ValueError:  # not the main thread, where no handler runs anyway
        yield
        return
    try:
        yield
    finally:
        if os.getpid() != build:
            leave_interrupts_to_the_build()
        else:
            # None: a handler set outside Python, which cannot be put back; the default then.
            signal.signal(signal.SIGINT, signal.SIG_DFL if previous is None else previous)
            if caught:
                signal.raise_signal(signal.SIGINT)  # as it came, now that it can be seen


def leave_interrupts_to_the_build() -> None:
    """Ignore Ctrl-C in a forked process: the build ends it. A terminal sends the interrupt
    to every process of the build, and a worker would otherwise print a traceback of its own.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def die_with_parent(parent: int) -> None:
    """Make this forked process die with `parent`, the build; exit now if it is gone.

    Without this, a build killed on its own (a CI time-out, the out-of-memory killer) would
    leave its workers running, holding the log's pipe open.
    """
    with contextlib.suppress(OSError, AttributeError):  # Linux only
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the build died before the request was made
        os._exit(1)


def use_own_streams() -> None:
    """Give this forked process standard output and error objects of its own, on the same
    files. A live display's drawing thread may have been writing to the build's at the
    moment of the fork, and the child would then wait for ever on the lock it held."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, f"__{name}__")
        try:
            own = open(os.dup(stream.fileno()), "w", encoding=stream.encoding,  # noqa: SIM115
                       errors=stream.errors, buffering=1)
        except (AttributeError, OSError, ValueError):  # no file under it: keep it
            own = stream
        setattr(sys, name, own)


def _start_worker() -> None:
    """Prepare a new worker: it dies with the build, is ended by it on an interrupt, and
    writes to streams of its own."""
    die_with_parent(_BUILD)
    leave_interrupts_to_the_build()
    use_own_streams()


def _in_pool(tasks: list, jobs: int, started: Callable, lost: Callable,
             after: Callable[[int], list[int]]) -> Iterator[tuple]:
    # Imported here, not at the top: a single task runs in the build's own process, with no pool.
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    context = multiprocessing.get_context("fork")  # the workers inherit what is loaded
    pending = list(range(len(tasks)))
    retried: set[int] = set()  # tasks whose worker died once: rerun each alone
    results: dict[int, object] = {}
    running: dict[Future, int] = {}
    following = 0  # the next task to yield: every one before it is written

    def new_pool() -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=jobs, mp_context=context,
                                   initializer=_start_worker)

    def next_ready() -> int | None:
        if len(running) >= jobs or any(index in retried for index in running.values()):
            return None
        for index in pending:
            if all(earlier < following for earlier in after(index)) and \
                    not (running and index in retried):
                return index
        return None

    pool = new_pool()
    try:
        while following < len(tasks):
            while (index := next_ready()) is not None:
                pending.remove(index)
                started(tasks[index])
                with forking():  # a pool forks its workers at its first task
                    running[pool.submit(_call, tasks[index])] = index
            done, _ = wait(running, return_when=FIRST_COMPLETED) if running else ((), ())
            broken = []
            for future in done:
                index = running.pop(future)
                try:
                    results[index] = future.result()
                except BrokenProcessPool:
                    broken.append(index)
            if broken:  # every task in the pool is lost with it
                broken += list(running.values())
                running.clear()
                pool.shutdown(wait=True, cancel_futures=True)
                pool = new_pool()
                for index in sorted(broken):
                    if index in retried and len(broken) == 1:
                        results[index] = lost(tasks[index])  # it died alone: its own fault
                    else:
                        retried.add(index)
                        pending.insert(0, index)
                pending.sort()
            while following in results:
                yield tasks[following], results.pop(following)
                following += 1
    finally:
        _stop(pool)


def _stop(pool: ProcessPoolExecutor) -> None:
    """End the pool at once: on an interrupt no worker may go on computing unseen."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)
