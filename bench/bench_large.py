#!/usr/bin/env python3
"""Time and peak memory for very large inputs: a 300-page booklet (screen edition and every
output) and a 40-megapixel photograph, each in a fresh process. Peak memory is given for the
build's own process and for its largest worker (a lone booklet's three tasks run in three
workers).

    python bench/bench_large.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from large_library import write_long_booklet  # noqa: E402 - this folder is on the path now

CHILD = """
import json, resource, sys, time, contextlib, io
from pibooklet.cli import main
started = time.perf_counter()
with contextlib.redirect_stderr(io.StringIO()) as errors:
    status = main(sys.argv[1:])
usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
print(json.dumps({"status": status, "seconds": time.perf_counter() - started,
                  # CPU time, workers' included: less noisy than wall time on a shared machine.
                  "cpu": sum(use.ru_utime + use.ru_stime for use in usage),
                  # The build and its largest worker process: memory is per process.
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "worker_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
                  "message": errors.getvalue().strip().splitlines()[:1]}))
"""


def run(*args: str) -> dict:
    result = subprocess.run([sys.executable, "-c", CHILD, *args], cwd=PROJECT, check=True,
                            capture_output=True, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> int:
    """Build the large cases and print a table."""
    from PIL import Image

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        content = write_long_booklet(folder / "content", PROJECT / "content", sections=54)
        print(f"{'case':<44} {'exit':>4} {'seconds':>8} {'cpu s':>7} {'peak MiB':>9} "
              f"{'worker MiB':>10}")
        for label, outputs in (("300-page booklet, screen edition", "screen"),
                               ("300-page booklet, every output",
                                "screen,large-print,press,office,spec")):
            found = run("long-booklet", "--outputs", outputs, "--content", str(content),
                        "--output", str(folder / "out"), "--quiet")
            pages = "" if found["status"] else " ok"
            print(f"{label:<44} {found['status']:>4} {found['seconds']:>8.1f} "
                  f"{found['cpu']:>7.1f} {found['peak_mib']:>9.0f} "
                  f"{found['worker_mib']:>10.0f}{pages}")
        booklet = content / "clinical-trials"
        Image.new("RGB", (8000, 5000), (200, 60, 90)).save(booklet / "huge.jpg")
        section = booklet / "01-what-is-a-trial.md"
        section.write_text(section.read_text(encoding="utf-8")
                           + "\n![A huge photograph](huge.jpg)\n", encoding="utf-8")
        found = run("clinical-trials", "--content", str(content), "--output",
                    str(folder / "out2"))
        print(f"{'40-megapixel photograph (refused)':<44} {found['status']:>4} "
              f"{found['seconds']:>8.1f} {found['cpu']:>7.1f} {found['peak_mib']:>9.0f}  "
              f"{found['message'][0][-60:]}")
        check = run("--check", "--content", str(PROJECT / "content"), "--today", "2026-01-01")
        print(f"{'--check on the sample library':<44} {check['status']:>4} "
              f"{check['seconds']:>8.2f} {check['cpu']:>7.1f} {check['peak_mib']:>9.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
