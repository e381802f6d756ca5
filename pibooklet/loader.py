"""WeasyPrint, loaded as it loads itself, but finding its C libraries faster.

WeasyPrint opens each of its seven C libraries (GObject, Pango, HarfBuzz, fontconfig…) by
trying up to six names, Linux's among the later ones. cffi looks most names up with
ctypes.util.find_library, which on Linux runs ldconfig and, for a name the dynamic linker's
cache does not hold, gcc and ld as well: 54 programs for the 22 names looked up, 0.2 s of
every cold build (and of bare WeasyPrint's). While WeasyPrint loads, names are looked up here
instead, in that cache read once, as ctypes reads it.

The answer is ctypes' own wherever the cache holds the name. Where it does not, it is None,
though gcc or ld might have found a file: WeasyPrint then tries its next name, and at the
latest the library's Linux name, which the dynamic linker opens from the same folders.
tests/test_loader.py compares the two for every name WeasyPrint asks for.

Every module of ours that uses WeasyPrint imports this one first.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import os
import re
import struct
import subprocess
import sys
from collections.abc import Iterator

#: ctypes' names for the C library's ABI in `ldconfig -p`, by machine and word size.
_ABI_TYPES = {"x86_64-64": "libc6,x86-64", "ppc64-64": "libc6,64bit",
              "sparc64-64": "libc6,64bit", "s390x-64": "libc6,64bit",
              "ia64-64": "libc6,IA-64"}


def linker_cache() -> bytes | None:
    """Return what `ldconfig -p` lists, as ctypes reads it, or None where it cannot."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        listed = subprocess.run(["/sbin/ldconfig", "-p"], stdin=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                env={"LC_ALL": "C", "LANG": "C"}, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return listed.stdout


def find_in_cache(cache: bytes, name: str) -> str | None:
    """Return the file name ctypes.util.find_library finds for `name` in the cache."""
    machine = os.uname().machine + ("-32" if struct.calcsize("l") == 4 else "-64")
    abi_type = _ABI_TYPES.get(machine, "libc6")
    pattern = os.fsencode(rf"\s+(lib{re.escape(name)}\.[^\s]+)\s+\({abi_type}")
    found = re.search(pattern, cache)
    return os.fsdecode(found.group(1)) if found else None


@contextlib.contextmanager
def _libraries_found_in_cache() -> Iterator[None]:
    cache = linker_cache()
    if cache is None:  # not Linux, or no glibc ldconfig: ctypes as it is
        yield
        return
    original = ctypes.util.find_library
    ctypes.util.find_library = lambda name: find_in_cache(cache, name)
    try:
        yield
    finally:
        ctypes.util.find_library = original


if "weasyprint" not in sys.modules:
    with _libraries_found_in_cache():
        import weasyprint  # noqa: F401 - loaded here, for every module that uses it
