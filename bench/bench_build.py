#!/usr/bin/env python3
"""Time a cold build of each sample booklet against bare WeasyPrint on the same HTML and CSS.

Each measurement runs in a fresh Python process, so imports, font loading and caches are cold,
as they are when a user runs `python build.py`. The bare run lays out the very HTML our screen
edition ends with (same stylesheets, fonts and number of notes pages) and writes the PDF, with
none of our reading, checking, finishing or verifying. The ratio of our screen-edition build to
it is our overhead. The full build (screen, press, office and specification) is timed too:
it lays out the booklet three times (screen, large print and press) and adds imposition and
preflight checks.

    python bench/bench_build.py [--runs N] [--content DIR] [--slug SLUG ...]

A long booklet shows how the overhead falls with length (bench/large_library.py writes one):

    python -c "import sys; sys.path.insert(0, 'bench'); from pathlib import Path; \\
        from large_library import write_long_booklet as w; \\
        w(Path('/tmp/long'), Path('content'), sections=54)"
    python bench/bench_build.py --content /tmp/long --slug long-booklet --runs 1
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import unquote

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from pibooklet import OUTPUTS  # noqa: E402 - the project is on the path only now

# Each child prints its wall time (from its own start, imports included), the time spent after
# imports, its CPU time (user and system, its workers' included: on a shared machine wall time
# is noisy, CPU time much less so) and its peak resident memory.
_CHILD_PREFIX = """
import json, resource, sys, time
started = time.perf_counter()
"""
_CHILD_SUFFIX = """
finished = time.perf_counter()
usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
# The largest process: the build's own, or one of its workers.
print(json.dumps({"work": finished - ready, "total": finished - started,
                  "cpu": sum(use.ru_utime + use.ru_stime for use in usage),
                  "peak_mib": max(resource.getrusage(who).ru_maxrss / 1024 for who in
                                  (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))}))
"""
OURS = """
from pibooklet.cli import main
ready = time.perf_counter()
# --force: a cold build every run, never one the cache answers.
assert main([sys.argv[1], "--content", sys.argv[2], "--output", sys.argv[3], "--quiet",
             "--outputs", sys.argv[4], "--force"]) == 0
"""
BARE = """
import weasyprint
ready = time.perf_counter()
# The same PDF variant as our screen edition: tagging is WeasyPrint's work, not our overhead.
weasyprint.HTML(filename=sys.argv[1]).write_pdf(sys.argv[2], pdf_variant="pdf/ua-1")
"""


# Children read bytecode from here, as an installed copy has it: where PYTHONDONTWRITEBYTECODE
# is set, every cold run would otherwise compile our modules again (0.13 s). Python then looks
# for every module's bytecode here alone, so WeasyPrint's is written here too, before timing.
_BYTECODE_ENV = {key: value for key, value in os.environ.items()
                 if key != "PYTHONDONTWRITEBYTECODE"}
_IMPORT_EVERYTHING = """
import importlib, pkgutil, pibooklet
for module in pkgutil.walk_packages(pibooklet.__path__, "pibooklet."):
    if not module.name.endswith("__main__"):  # that one runs a build
        importlib.import_module(module.name)
import weasyprint
"""


def _compile_bytecode(folder: Path) -> None:
    _BYTECODE_ENV["PYTHONPYCACHEPREFIX"] = str(folder)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(PROJECT / "pibooklet")],
                   env=_BYTECODE_ENV, check=True)
    subprocess.run([sys.executable, "-c", _IMPORT_EVERYTHING], cwd=PROJECT, env=_BYTECODE_ENV,
                   check=True)


def _run_child(body: str, *args: str) -> dict[str, float]:
    code = _CHILD_PREFIX + body + _CHILD_SUFFIX
    result = subprocess.run([sys.executable, "-c", code, *args], cwd=PROJECT, check=True,
                            capture_output=True, text=True, env=_BYTECODE_ENV)
    return json.loads(result.stdout.strip().splitlines()[-1])


def _final_html(slug: str, content: Path, folder: Path) -> tuple[Path, list[str]]:
    """Write the HTML our build lays out for `slug` last, as it is then: hyphenation turned on,
    the exception words marked and the copyfit's mends made (all done to the parsed tree),
    with just the notes lines on the pages it keeps. Bare WeasyPrint then lays out the very
    pages of our screen edition. Return the file and the text of each of those pages."""
    from xml.etree import ElementTree

    from pibooklet import copyfit
    from pibooklet.content import read_library
    from pibooklet.layout import notes_page_indexes
    from pibooklet.markup import COVER_SCHEME
    from pibooklet.pipeline import screen_layout
    from pibooklet.render import theme_for
    from pibooklet.thumbnail import CoverPictures

    theme = theme_for(content.resolve())
    library = read_library(content, theme.layouts())
    booklet = library.booklets[slug]
    laid_out = []
    lay_out = copyfit.lay_out
    copyfit.lay_out = lambda source, *args: laid_out.append(source) or lay_out(source, *args)
    try:
        _, document, _ = screen_layout(booklet, library, theme)
    finally:
        copyfit.lay_out = lay_out
    kept = sum(1 for index in notes_page_indexes(document)
               for box in document.pages[index]._page_box.descendants()
               if type(box).__name__ == "BlockBox" and box.element is not None
               and "notes-line" in (box.element.get("class") or "").split())
    html = "<!doctype html>\n" + ElementTree.tostring(laid_out[-1].etree_element,
                                                       encoding="unicode", method="html")
    lines = '<div class="notes-line"></div>'
    html = re.sub(f"(?:{re.escape(lines)})+", lines * kept, html, count=1)
    # Bare WeasyPrint is given the covers "more from us" blocks show already drawn.
    pictures = CoverPictures(library, theme)

    def drawn(match: re.Match[str]) -> str:
        data, kind = pictures(unquote(match[1]))
        return f'src="data:{kind};base64,{base64.b64encode(data).decode()}"'
    html = re.sub(f'src="{COVER_SCHEME}:([^"]*)"', drawn, html)
    # Relative image paths resolve against the booklet folder, as in our build.
    html = html.replace("<head>", f'<head>\n<base href="{booklet.folder.as_uri()}/">', 1)
    path = folder / f"{slug}.html"
    path.write_text(html, encoding="utf-8")
    return path, [_page_text(page) for page in document.pages]


def _page_text(page) -> str:
    """Return the text laid out on a page, without spaces (which a PDF's text may move)."""
    return "".join("".join(box.text.split()) for box in page._page_box.descendants()
                   if type(box).__name__ == "TextBox")


def _same_pages(html: Path, expected: list[str]) -> None:
    """Fail unless bare WeasyPrint lays out the HTML into our screen edition's pages."""
    import weasyprint

    pages = [_page_text(page) for page in weasyprint.HTML(filename=html).render().pages]
    if pages != expected:
        differ = [number for number, (ours, bare)
                  in enumerate(zip(pages, expected, strict=False), 1) if ours != bare]
        sys.exit(f"{html.name}: bare WeasyPrint lays out {len(pages)} pages, ours "
                 f"{len(expected)}; the text differs on pages {differ}")


def main() -> int:
    """Measure every sample booklet and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each, median reported")
    parser.add_argument("--content", type=Path, default=PROJECT / "content")
    parser.add_argument("--slug", action="append", help="measure only this booklet (repeatable)")
    args = parser.parse_args()
    slugs = args.slug or sorted(path.parent.name for path in args.content.glob("*/booklet.yaml"))
    print(f"{'booklet':<18} {'ours s':>8} {'bare s':>8} {'ratio':>6} {'work ratio':>10} "
          f"{'ours cpu':>9} {'bare cpu':>9} {'cpu ratio':>9} "
          f"{'ours MiB':>9} {'bare MiB':>9} {'all outputs s':>14} {'cpu s':>6} {'MiB':>5}")
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        _compile_bytecode(folder / "bytecode")
        for slug in slugs:
            html, pages = _final_html(slug, args.content, folder)
            _same_pages(html, pages)
            ours, full, bare = [], [], []
            for _ in range(args.runs):  # taken in turn, so a busy spell slows all three
                ours.append(_run_child(OURS, slug, str(args.content), str(folder / "ours"),
                                       "screen"))
                bare.append(_run_child(BARE, str(html), str(folder / f"{slug}-bare.pdf")))
                full.append(_run_child(OURS, slug, str(args.content), str(folder / "full"),
                                       ",".join(OUTPUTS)))
            ours_total, bare_total = (statistics.median(run["total"] for run in runs)
                                      for runs in (ours, bare))
            ours_work, bare_work = (statistics.median(run["work"] for run in runs)
                                    for runs in (ours, bare))
            ours_cpu, bare_cpu = (statistics.median(run["cpu"] for run in runs)
                                  for runs in (ours, bare))
            print(f"{slug:<18} {ours_total:>8.2f} {bare_total:>8.2f} "
                  f"{ours_total / bare_total:>6.2f} {ours_work / bare_work:>10.2f} "
                  f"{ours_cpu:>9.2f} {bare_cpu:>9.2f} {ours_cpu / bare_cpu:>9.2f} "
                  f"{max(run['peak_mib'] for run in ours):>9.0f} "
                  f"{max(run['peak_mib'] for run in bare):>9.0f} "
                  f"{statistics.median(run['total'] for run in full):>14.2f} "
                  f"{statistics.median(run['cpu'] for run in full):>6.2f} "
                  f"{max(run['peak_mib'] for run in full):>5.0f}")
    print("ours (screen edition) / bare: cold process, imports included; work: after imports; "
          "cpu: user + system seconds, workers included; "
          f"median of {args.runs} runs; MiB: peak resident memory")
    return 0


if __name__ == "__main__":
    sys.exit(main())
