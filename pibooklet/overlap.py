"""The library check in a forked child while the build loads its layout code.

A cold build spent about half a second checking the library and then half a second importing
WeasyPrint, one after the other, on one core. With a second core they overlap: a forked child
runs the check and hands back what it found (pickled: some 70 KB for the samples), while the
build imports the modules it lays out with, stopping as soon as the check is done (a check that
finds errors is not kept waiting for WeasyPrint). The child then does one more piece of work
(a booklet's HTML), which it starts on a guess, before the build asks for it.

Every result is the one the work returns when run in the build itself. Whatever goes wrong in
the child (an exception, a crash, a kill, a result that cannot be pickled), the caller gets
None and does the work itself: only time is lost, never a result or a message.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import pickle
import select
import signal
import struct
import sys
import threading
from collections.abc import Callable, Iterable
from typing import BinaryIO

from .runner import die_with_parent, forking, use_own_streams

#: What a build lays out and finishes with, slowest first: WeasyPrint is half a second cold.
LAYOUT_MODULES = ("pibooklet.loader", "pibooklet.pipeline")
_LENGTH = struct.Struct("<Q")


class Helper:
    """A forked child that runs `first()` at once and then, if asked, `then(request)`: it
    starts on then(guess()) before it is asked, and keeps the result if the guess was right."""

    def __init__(self, first: Callable[[], object], then: Callable[[object], object],
                 guess: Callable[[], object] = lambda: None):
        for stream in (sys.stdout, sys.stderr):  # nothing buffered may be written twice
            with contextlib.suppress(Exception):
                stream.flush()
        results, results_writer = os.pipe()
        requests_reader, requests = os.pipe()
        build = os.getpid()
        with forking():
            self._child = os.fork()
        if self._child == 0:  # never returns
            os.close(results)
            os.close(requests)
            _serve(first, then, guess, build, requests_reader, results_writer)
        os.close(results_writer)
        os.close(requests_reader)
        self._results: BinaryIO | None = open(results, "rb")  # noqa: SIM115 - kept open
        self._requests: BinaryIO | None = open(requests, "wb")  # noqa: SIM115 - kept open

    def first(self, modules: Iterable[str] = LAYOUT_MODULES) -> object | None:
        """Import each module in turn until the first result is ready; return it.

        A module that fails to import is left: it fails again where the build imports it,
        as it would have without the child (or never, if nothing is laid out).
        """
        try:
            for name in modules:
                if select.select([self._results], [], [], 0)[0]:
                    break
                importlib.import_module(name)
        except Exception:  # see above
            pass
        except BaseException:  # an interrupt: the child's work is wanted no more
            self.close()
            raise
        found = self._receive()
        if found is None:
            self.close()
        return found

    def ask(self, request: object) -> None:
        """Have the child run then(request); its answer comes from answer()."""
        with contextlib.suppress(OSError):  # the child is gone: answer() says so
            _send(self._requests, pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL))
        with contextlib.suppress(OSError):  # what could not be sent is not sent again
            self._requests.close()
        self._requests = None

    def answer(self) -> object | None:
        """Return the answer to the request (waiting for it), or None; the child then ends."""
        try:
            return self._receive() if self._requests is None and self._results else None
        finally:
            self.close()

    def close(self) -> None:
        """End the child, whatever it was doing (once: later calls do nothing)."""
        if self._child is None:
            return
        for stream in (self._requests, self._results):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        self._requests = self._results = None
        with contextlib.suppress(OSError):
            os.kill(self._child, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self._child, 0)
        self._child = None

    def _receive(self) -> object | None:
        try:
            header = self._results.read(_LENGTH.size)
            if len(header) < _LENGTH.size:
                return None
            data = self._results.read(_LENGTH.unpack(header)[0])
            done, value = pickle.loads(data)
        except Exception:
            return None
        return value if done else None


def _send(stream: BinaryIO, data: bytes) -> None:
    stream.write(_LENGTH.pack(len(data)) + data)
    stream.flush()


def _send_quietly(stream: BinaryIO, data: bytes) -> None:
    """Send from a thread: a build gone (interrupted) is no error to print."""
    with contextlib.suppress(OSError):
        _send(stream, data)


def _serve(first: Callable[[], object], then: Callable[[object], object],
           guess: Callable[[], object], build: int, requests_fd: int, results_fd: int) -> None:
    """Run in the child: the first work, then the guessed request, then the one asked for
    (unless it was the guess); exit."""
    try:
        die_with_parent(build)
        use_own_streams()
        with open(results_fd, "wb") as results, open(requests_fd, "rb") as requests:
            # Sent by a thread: a result larger than the pipe holds would otherwise keep the
            # child waiting, its guess not begun, until the build is done importing.
            sending = threading.Thread(target=_send_quietly, args=(results, _outcome(first)))
            sending.start()
            try:
                guessed = guess()
            except Exception:
                guessed = None
            early = _outcome(lambda: then(guessed)) if guessed is not None else None
            sending.join()
            header = requests.read(_LENGTH.size)
            if len(header) == _LENGTH.size:
                request = pickle.loads(requests.read(_LENGTH.unpack(header)[0]))
                _send(results, early if early and request == guessed
                      else _outcome(lambda: then(request)))
    except BaseException:
        pass
    finally:
        os._exit(0)


def _outcome(work: Callable[[], object]) -> bytes:
    """Return (True, what the work returned), pickled; or (False, None) if it raised or that
    cannot be pickled: the build then does the work itself."""
    try:
        return pickle.dumps((True, work()), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        return pickle.dumps((False, None))
