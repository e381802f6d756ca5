#!/usr/bin/env python3
"""Time library builds: --jobs 1 against --jobs N, a no-op rebuild, and a one-section edit.

A generated library (bench/library.py: copies of the English samples) is built cold with
--jobs 1 and with --jobs N into separate folders; the outputs must be byte-identical. Then a
50-booklet library, once built, is rebuilt with nothing changed (wall time of the whole
command, start-up included), and again after one section of one booklet changes.

    python bench/bench_library.py [--booklets 16] [--jobs 2] [--noop-booklets 50]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from library import write_library  # noqa: E402 - this folder is on the path now


def _build(content: Path, output: Path, *extra: str) -> tuple[float, str]:
    """Run one build as a user would; return its wall time and standard output."""
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "build.py", "--content", str(content),
                             "--output", str(output), *extra], cwd=PROJECT, check=True,
                            capture_output=True, text=True)
    return time.perf_counter() - started, result.stdout


def _outputs(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in folder.iterdir() if path.is_file()}


def main() -> int:
    """Measure and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--booklets", type=int, default=16)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--noop-booklets", type=int, default=50)
    parser.add_argument("--outputs", default="screen,large-print,press,office,spec")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        content = folder / "library"
        write_library(content, PROJECT / "content", args.booklets)
        slugs = [path.name for path in sorted(content.iterdir())
                 if (path / "booklet.yaml").is_file() and re.search(r"-\d{3}$", path.name)]
        serial, _ = _build(content, folder / "serial", *slugs, "--jobs", "1", "--outputs",
                           args.outputs)
        parallel, _ = _build(content, folder / "parallel", *slugs, "--jobs", str(args.jobs),
                             "--outputs", args.outputs)
        same = _outputs(folder / "serial") == _outputs(folder / "parallel")
        print(f"{len(slugs)} booklets, {args.outputs}: --jobs 1 {serial:.1f} s, --jobs "
              f"{args.jobs} {parallel:.1f} s, speed-up {serial / parallel:.2f}x, outputs "
              f"{'identical' if same else 'DIFFERENT'}")
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"peak resident memory of any one process: {peak:.0f} MiB")

        large = folder / "large"
        write_library(large, PROJECT / "content", args.noop_booklets)
        output = folder / "large-out"
        cold, _ = _build(large, output, "--outputs", "screen", "--quiet")
        noop = min(_build(large, output, "--outputs", "screen", "--quiet")[0]
                   for _ in range(3))
        section = large / "clinical-trials-001" / "03-phases.md"
        section.write_text(section.read_text(encoding="utf-8") + "\nOne more line.\n",
                           encoding="utf-8")
        edited, printed = _build(large, output, "--outputs", "screen")
        ran = re.search(r"(\d+) jobs? to run in (\d+) booklets?", printed)
        print(f"{len(list(large.glob('*/booklet.yaml')))} booklets, screen: cold {cold:.1f} s, "
              f"no-op rebuild {noop:.2f} s (best of 3, start-up included), after one section "
              f"changed {edited:.1f} s ({ran[1]} job in {ran[2]} booklet)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
