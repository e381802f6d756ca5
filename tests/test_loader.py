"""WeasyPrint loaded with its C libraries found in the linker's cache (loader.py)."""

from __future__ import annotations

import ast
import ctypes.util
import subprocess
import sys
from pathlib import Path

import pytest

from pibooklet import loader

PROJECT = Path(__file__).resolve().parent.parent


def _names_weasyprint_tries() -> list[str]:
    """Return every library name WeasyPrint's ffi module passes to its _dlopen."""
    import weasyprint

    source = (Path(weasyprint.__file__).parent / "text" / "ffi.py").read_text()
    return [argument.value for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "_dlopen"
            for argument in node.args if isinstance(argument, ast.Constant)]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ldconfig is Linux's")
def test_every_name_weasyprint_asks_for_is_found_as_ctypes_finds_it() -> None:
    names = _names_weasyprint_tries()
    assert len(names) >= 30  # six names for each of its libraries
    cache = loader.linker_cache()
    assert cache
    found = {name: loader.find_in_cache(cache, name) for name in names}
    assert found == {name: ctypes.util.find_library(name) for name in names}
    assert sum(path is not None for path in found.values()) >= 6


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ldconfig is Linux's")
def test_loading_weasyprint_runs_one_program_not_dozens() -> None:
    # A fresh process, as a build is: the programs started while WeasyPrint loads are counted.
    count = """
import subprocess, sys
started = []
real = subprocess.Popen.__init__
def counted(self, args, *rest, **options):
    started.append(args[0] if isinstance(args, (list, tuple)) else args)
    real(self, args, *rest, **options)
subprocess.Popen.__init__ = counted
import {module}
import weasyprint.text.ffi as ffi
assert ffi.pango and ffi.harfbuzz and ffi.fontconfig
print(len(started), started[:1])
"""
    ours = subprocess.run([sys.executable, "-c", count.format(module="pibooklet.loader")],
                          cwd=PROJECT, capture_output=True, text=True, check=True).stdout
    bare = subprocess.run([sys.executable, "-c", count.format(module="weasyprint")],
                          cwd=PROJECT, capture_output=True, text=True, check=True).stdout
    assert ours.split()[0] == "1" and "ldconfig" in ours
    assert int(bare.split()[0]) > 10  # ldconfig, gcc and ld, name after name
