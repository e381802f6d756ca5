"""Running a comparison in a process of its own: an untrusted PDF may not hang or exhaust us.

A PDF bomb (a page that expands to gigabytes, a drawing of millions of paths) is stopped by
the child's address-space limit or by the time limit, and reported in one line; the
command's own process never holds more than the report.
"""

from __future__ import annotations

import contextlib
import faulthandler
import multiprocessing
import os
import resource
import traceback
from collections.abc import Callable
from typing import TypeVar

from ..runner import die_with_parent, forking, leave_interrupts_to_the_build
from . import ProofError

T = TypeVar("T")


class ComparisonCrashed(Exception):
    """The comparison failed with a bug of ours; the child's traceback is in its notes."""


def run_confined(work: Callable[[], T], seconds: float, memory_bytes: int) -> T:
    """Return work() run in a forked child limited to `seconds` and `memory_bytes`."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(work, sender, memory_bytes, os.getpid()),
                            daemon=True)
    with forking():
        child.start()
    sender.close()
    try:
        if not receiver.poll(seconds):
            raise ProofError(f"the comparison took longer than {seconds:.0f} s and was "
                             "stopped; a PDF this slow to draw may be built to exhaust its "
                             "reader")
        try:
            ok, value = receiver.recv()
        except EOFError:
            child.join()
            raise ProofError(f"the comparison ran out of memory (the limit is "
                             f"{memory_bytes / 2**30:.0f} GiB) or was killed (exit "
                             f"{child.exitcode}); a PDF this large to draw may be built to "
                             "exhaust its reader") from None
        if ok:
            return value
        if isinstance(value, ProofError):
            raise value
        crashed = ComparisonCrashed(value.strip().splitlines()[-1])
        crashed.add_note(value)  # the child's traceback, for the crash report
        raise crashed
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join()


def _child(work: Callable[[], T], sender, memory_bytes: int, command: int) -> None:
    """Run the work under the limits and send back (True, result) or (False, the error)."""
    die_with_parent(command)
    leave_interrupts_to_the_build()  # the command ends it
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    # A PDF built to exhaust the reader may abort PDFium itself: the parent reports it in one
    # line, so no thread dump (PYTHONFAULTHANDLER, or pytest's) is printed from here.
    faulthandler.disable()
    try:
        result = (True, work())
    except ProofError as error:
        result = (False, error)
    except MemoryError:
        result = (False, ProofError(f"the comparison ran out of memory (the limit is "
                                    f"{memory_bytes / 2**30:.0f} GiB); a PDF this large to "
                                    "draw may be built to exhaust its reader"))
    except BaseException:  # a bug of ours: its traceback goes to the crash report
        result = (False, "".join(traceback.format_exc()))
    sender.send(result)
    sender.close()
