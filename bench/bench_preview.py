#!/usr/bin/env python3
"""Time the live preview from a save to the new spreads, on a copy of the sample library.

It starts `pibooklet preview SLUG` as a user would (a process of its own), waits for the first
preview, then, several times over, edits a section file and follows the server's event stream
until the page it feeds shows the new text, laid out as the build lays it out. It prints the
median and every run.

    python bench/bench_preview.py [--runs N] [--slug SLUG] [--section FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
_FIRST_BUILD_SECONDS = 120
_RUN_SECONDS = 60


def _states(url: str):
    """Yield each state the preview's event stream sends."""
    with urllib.request.urlopen(url + "events", timeout=_FIRST_BUILD_SECONDS) as stream:
        for raw in stream:
            line = raw.decode("utf-8").rstrip("\n")
            if line.startswith("data: "):
                yield json.loads(line[len("data: "):])


def _shows(state: dict, word: str) -> bool:
    return any(word in page["text"] for page in state["pages"])


def _time_save(url: str, section: Path, word: str, run: int) -> tuple[float, float]:
    """Edit the section; return the seconds to the spreads showing it and the processor
    seconds the server spent on them."""
    states = _states(url)
    next(states)  # the state now, sent as the stream opens
    text = section.read_text(encoding="utf-8")
    lines = text.split("\n")
    # The first paragraph line after the front matter gains a word.
    body = next(index for index in range(lines.index("---", 1) + 1, len(lines))
                if lines[index].strip() and not lines[index].startswith(("#", ":::")))
    lines[body] = f"{lines[body]} {word}{run}"
    started = time.perf_counter()
    section.write_text("\n".join(lines), encoding="utf-8")
    for state in states:
        if time.perf_counter() - started > _RUN_SECONDS:
            raise SystemExit(f"run {run}: no new spreads after {_RUN_SECONDS} s")
        if state["problems"]:
            raise SystemExit("the preview reports problems:\n" + "\n".join(state["problems"]))
        if _shows(state, f"{word}{run}"):
            return time.perf_counter() - started, state["cpu_seconds"]
    raise SystemExit("the event stream ended")


def main() -> int:
    """Run the benchmark; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--slug", default="relapsed-cancer")
    parser.add_argument("--section", default="02-refractory.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        content = Path(temporary) / "content"
        shutil.copytree(PROJECT / "content", content)
        server = subprocess.Popen(
            [sys.executable, "-m", "pibooklet", "preview", args.slug, "--content", str(content),
             "--port", "0", "--no-open"], cwd=PROJECT, stdout=subprocess.PIPE, text=True)
        try:
            url = server.stdout.readline().split(" at ")[1].split()[0]
            started = time.perf_counter()
            for state in _states(url):
                if state["stage"] == "copyfitted" and not state["building"]:
                    break
            print(f"first preview: {time.perf_counter() - started:.2f} s (imports and fonts "
                  "loaded)")
            seconds, cpus = [], []
            for run in range(args.runs):
                time.sleep(1)  # the watcher's quiet period between saves
                wall, cpu = _time_save(url, content / args.slug / args.section, "zqxbench", run)
                seconds.append(wall)
                cpus.append(cpu)
                print(f"run {run + 1}: new spreads {wall:.2f} s ({cpu:.2f} s of processor "
                      "time)")
            status = Path(f"/proc/{server.pid}/status")
            peak = next((line.split()[1] for line in status.read_text().splitlines()
                         if line.startswith("VmHWM:")), None) if status.is_file() else None
            if peak:
                print(f"the preview's peak memory: {int(peak) // 1024} MiB")
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"median of {args.runs} saves: new spreads {statistics.median(seconds):.2f} s "
          f"({statistics.median(cpus):.2f} s of processor time) "
          f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
