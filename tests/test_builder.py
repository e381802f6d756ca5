"""Library builds: the plan, parallel workers, the cache, shards and progress (builder.py)."""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pypdf
import pytest
from conftest import visible
from test_content import write_library
from test_hostile import write_booklets

from pibooklet import OUTPUTS, fingerprint, pipeline
from pibooklet.cli import main
from pibooklet.output import TEMPORARY_NAME
from pibooklet.plan import BookletFacts, Plan, make_plan

PROJECT = Path(__file__).resolve().parent.parent
SLUGS = ("aa", "bb", "cc", "dd")


def outputs_of(folder: Path) -> dict[str, bytes]:
    """Return every output file's bytes by name (the hidden cache left out)."""
    return {path.name: path.read_bytes() for path in visible(folder) if path.is_file()}


def plan_states(root: Path, output: Path, *extra: str) -> dict[str, str]:
    """Return each job's state in the dry-run plan: 'build' or 'up to date'."""
    result = subprocess.run([sys.executable, "build.py", "--dry-run", "--content", str(root),
                             "--output", str(output), "--format", "json", *extra],
                            cwd=PROJECT, capture_output=True, text=True, check=False)
    events = [json.loads(line) for line in result.stdout.splitlines()]
    return {event["job"]: "build" if event["stale"] else "up to date"
            for event in events if event.get("event") == "job"}


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Four small booklets built one at a time, every output: the reference build."""
    folder = tmp_path_factory.mktemp("library")
    root = write_booklets(folder / "content", SLUGS)
    reference = folder / "serial"
    assert main(["--content", str(root), "--output", str(reference), "--jobs", "1",
                 "--quiet"]) == 0
    return root, reference


def test_parallel_outputs_are_byte_identical_to_one_at_a_time(library, tmp_path: Path) -> None:
    root, reference = library
    assert main(["--content", str(root), "--output", str(tmp_path), "--jobs", "4",
                 "--quiet"]) == 0
    expected = outputs_of(reference)
    assert len(expected) == 4 * 6  # screen, large print, press, office, spec (.txt, .json)
    assert outputs_of(tmp_path) == expected


def test_shards_together_make_exactly_the_whole_build(library, tmp_path: Path) -> None:
    root, reference = library
    made: dict[str, bytes] = {}
    for index in (1, 2, 3):
        folder = tmp_path / f"shard-{index}"
        assert main(["--content", str(root), "--output", str(folder), "--shard", f"{index}/3",
                     "--quiet"]) == 0
        shard = outputs_of(folder) if folder.exists() else {}
        assert not set(shard) & set(made), "a booklet was built by two shards"
        made.update(shard)
    assert made == outputs_of(reference)


def test_shards_are_stable_and_cover_every_job() -> None:
    facts = {slug: BookletFacts(slug, f"{slug}/booklet.yaml", (slug,)) for slug in
             [f"booklet-{number}" for number in range(40)]}
    plan = make_plan(facts, list(facts), ("screen", "office"), {}, "", {}, None)
    shards = [plan.shard(index, 4) for index in range(1, 5)]
    names = [job.name for shard in shards for job in shard.jobs]
    assert sorted(names) == sorted(job.name for job in plan.jobs)  # each job exactly once
    assert all(shard.jobs for shard in shards)  # 40 booklets fill 4 shards
    # A booklet stays in its shard when the library grows.
    grown = {**facts, "new": BookletFacts("new", "new/booklet.yaml", ("new",))}
    bigger = make_plan(grown, list(grown), ("screen", "office"), {}, "", {}, None)
    for index, shard in enumerate(shards, 1):
        kept = {job.slug for job in bigger.shard(index, 4).jobs} - {"new"}
        assert kept == {job.slug for job in shard.jobs}
    assert isinstance(plan.shard(1, 1), Plan) and len(plan.shard(1, 1).jobs) == len(plan.jobs)


def test_a_booklet_is_three_tasks_large_print_last_when_it_draws_other_covers() -> None:
    facts = {"plain": BookletFacts("plain", "plain/booklet.yaml", ("plain",)),
             "more": BookletFacts("more", "more/booklet.yaml", ("more",), covers=True)}
    plan = make_plan(facts, list(facts), OUTPUTS, {}, "", {}, None)
    tasks = plan.tasks({job.name for job in plan.jobs})
    assert [(task.slug, task.editions, task.screen_apart) for task in tasks] == [
        ("plain", ("screen", "office"), False), ("plain", ("large-print",), True),
        ("plain", ("press", "spec"), True),
        # Large print last: most often made where the screen edition drew the covers.
        ("more", ("screen", "office"), False), ("more", ("press", "spec"), True),
        ("more", ("large-print",), True)]


def test_a_no_op_build_runs_nothing_and_a_changed_section_rebuilds_one_booklet(
        tmp_path: Path, capsys) -> None:
    root = write_booklets(tmp_path / "content", ("aa", "bb", "cc"))
    output = tmp_path / "output"
    arguments = ["--content", str(root), "--output", str(output), "--outputs", "screen,office"]
    assert main(arguments) == 0
    first = outputs_of(output)
    capsys.readouterr()
    assert main(arguments) == 0
    printed = capsys.readouterr().out
    assert "0 jobs to run in 0 booklets, 6 up to date" in printed
    assert "built " not in printed
    section = root / "bb" / "one.md"
    section.write_text(section.read_text(encoding="utf-8") + "\nA new sentence.\n",
                       encoding="utf-8")
    assert main(arguments) == 0
    printed = capsys.readouterr().out
    assert "2 jobs to run in 1 booklet, 4 up to date" in printed
    assert [line for line in printed.splitlines() if line.startswith("built ")] == [
        f"built {output / 'bb.pdf'}: 8 pages, A5",
        f"built {output / 'bb-office-a4.pdf'}: 2 A4 sheets, duplex, short edge"]
    now = outputs_of(output)
    assert now["aa.pdf"] == first["aa.pdf"] and now["bb.pdf"] != first["bb.pdf"]
    assert "A new sentence." in "".join(page.extract_text()
                                        for page in pypdf.PdfReader(output / "bb.pdf").pages)


# Each kind of input a job has, and an edit of it. Every edit must make the plan stale.
EDITS = {
    "a section": ("aa/one.md", "\nMore words.\n"),
    "a manifest": ("aa/booklet.yaml", "\nkeywords: [changed]\n"),
    "organisation.yaml": ("organisation.yaml", "\n# a comment is still an edit\n"),
    "an image": ("logo.svg", "<!-- changed -->"),
    "a shared section": ("shared/extra.md", "---\ntitle: Extra\n---\nText.\n"),
    # Overrides of ours, copied with one addition: a copy still builds.
    "a content stylesheet": ("styles/booklet.css", "p { }\n"),
    "a content template": ("templates/notes.html", "{# a content override #}\n"),
    "a catalogue": ("locale/en/LC_MESSAGES/pibooklet.po", "\n"),
}
OURS = {"styles/booklet.css": PROJECT / "styles" / "booklet.css",
        "templates/notes.html": PROJECT / "templates" / "notes.html",
        "locale/en/LC_MESSAGES/pibooklet.po":
            PROJECT / "pibooklet" / "locale" / "en" / "LC_MESSAGES" / "pibooklet.po"}


@pytest.fixture(scope="module")
def built_once(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("cached")
    root = write_booklets(folder / "content", ("aa", "bb"))
    output = folder / "output"
    assert main(["--content", str(root), "--output", str(output), "--outputs", "screen",
                 "--quiet"]) == 0
    return root, output


@pytest.mark.parametrize("kind", list(EDITS))
def test_the_cache_is_never_trusted_over_a_changed_input(built_once, kind: str) -> None:
    root, output = built_once
    name, added = EDITS[kind]
    path = root / name
    before = path.read_bytes() if path.exists() else None
    top = root / name.split("/")[0]
    made = not top.exists()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if name in OURS:
            shutil.copy(OURS[name], path)
        with path.open("ab") as file:
            file.write(added.encode())
        states = plan_states(root, output, "--outputs", "screen")
        # A booklet's own files are its inputs alone; a manifest is every booklet's (each
        # prints the others' titles), like the shared files.
        expected_stale = {"aa:screen"} if name == "aa/one.md" else {"aa:screen", "bb:screen"}
        assert {job for job, state in states.items() if state == "build"} == expected_stale
    finally:
        if made:
            shutil.rmtree(top)
        elif before is None:
            path.unlink()
        else:
            path.write_bytes(before)
    # Put back as it was, the input matches its record again.
    assert set(plan_states(root, output, "--outputs", "screen").values()) == {"up to date"}


def test_the_cache_is_invalidated_by_options_dates_our_code_and_outputs(
        built_once, monkeypatch, capsys) -> None:
    root, output = built_once
    args = ["--content", str(root), "--output", str(output), "--outputs", "screen",
            "--dry-run", "--format", "json"]

    def stale(*extra: str) -> set[str]:
        capsys.readouterr()
        main([*args, *extra])
        events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        return {event["job"] for event in events if event.get("stale")}

    assert stale() == set()
    assert stale("--force") == {"aa:screen", "bb:screen"}
    assert stale("--layout-report", "text") == {"aa:layout-report", "bb:layout-report"}
    # Past the next review date (2027-04-01) the booklet is overdue: built only when allowed,
    # and then stamped, so its screen edition is made again.
    assert stale("--today", "2027-05-01", "--allow-overdue") == {"aa:screen", "bb:screen"}
    # Our own code, templates and styles, and the libraries' versions, are inputs too.
    monkeypatch.setattr(fingerprint, "LIBRARIES", (*fingerprint.LIBRARIES, "pytest"))
    assert stale() == {"aa:screen", "bb:screen"}
    monkeypatch.undo()
    # So are the fonts, read from their package outside the content folder.
    real = fingerprint.Digests.of_file
    monkeypatch.setattr(fingerprint.Digests, "of_file", lambda self, path, root=None:
                        "another font" if str(path).endswith(".ttf") else
                        real(self, path, root))
    assert stale() == {"aa:screen", "bb:screen"}
    monkeypatch.undo()
    # An output changed or removed since is made again.
    (output / "aa.pdf").write_bytes((output / "aa.pdf").read_bytes() + b"\n")
    assert stale() == {"aa:screen"}



def test_a_librarys_version_is_read_from_its_metadata_folder_first_on_the_path(
        tmp_path: Path, monkeypatch) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    for folder, names in ((first, ["Jinja2-3.1.6.dist-info", "weasyprint-70.0.dist-info"]),
                          (second, ["jinja2-2.0.dist-info", "PyYAML-6.0.3-py3.11.egg-info",
                                    "tinycss2-1.5.1.data"])):
        for name in names:
            (folder / name).mkdir(parents=True)
    monkeypatch.setattr(sys, "path", [str(first), str(tmp_path / "gone"), str(second)])
    versions = fingerprint.installed_versions()
    assert versions == {"jinja2": "3.1.6", "weasyprint": "70.0", "pyyaml": "6.0.3-py3.11"}
    digests = fingerprint.Digests(tmp_path / "digests.json")
    before = fingerprint.tool_digest(digests)
    (first / "weasyprint-70.0.dist-info").rename(first / "weasyprint-71.0.dist-info")
    assert fingerprint.tool_digest(digests) != before  # an upgrade builds everything again
    # A source checkout's metadata folder has no version in its name: its file tells it.
    for folder in first.glob("weasyprint-*"):
        folder.rename(first / "weasyprint.egg-info")
    info = first / "weasyprint.egg-info" / "PKG-INFO"
    info.write_text("Metadata-Version: 2.1\nName: weasyprint\nVersion: 99.1\n")
    assert fingerprint.installed_versions()["weasyprint"] == ""
    checkout = fingerprint.tool_digest(digests)
    info.write_text("Metadata-Version: 2.1\nName: weasyprint\nVersion: 99.2\n")
    assert fingerprint.tool_digest(digests) != checkout

def test_a_failing_booklet_among_many_fails_alone_with_its_own_message(
        tmp_path: Path, capsys) -> None:
    messages = {}
    for jobs in ("1", "2"):
        root = write_booklets(tmp_path / f"content-{jobs}", SLUGS)
        manifest = root / "cc" / "booklet.yaml"
        manifest.write_text(manifest.read_text(encoding="utf-8").replace(
            "edition: 2025-04", "edition: April"), encoding="utf-8")
        output = tmp_path / f"output-{jobs}"
        assert main(["--content", str(root), "--output", str(output), "--outputs", "screen",
                     "--jobs", jobs, "--quiet"]) == 1
        messages[jobs] = capsys.readouterr().err.replace(str(root), "ROOT")
        assert sorted(path.name for path in visible(output)) == ["aa.pdf", "bb.pdf", "dd.pdf"]
    assert messages["1"] == messages["2"]
    assert re.match(r"ROOT/cc/booklet.yaml:\d+: 'edition' is not a date", messages["2"])


def test_a_worker_killed_takes_only_its_own_booklet(tmp_path: Path, capsys,
                                                    monkeypatch) -> None:
    root = write_booklets(tmp_path / "content", ("aa", "bb", "cc"))
    output = tmp_path / "output"
    real = pipeline.build_booklet

    def build_booklet(booklet, *args, **kwargs):
        if booklet.slug == "bb":  # as the kernel's out-of-memory killer would
            os.kill(os.getpid(), signal.SIGKILL)
        return real(booklet, *args, **kwargs)

    monkeypatch.setattr(pipeline, "build_booklet", build_booklet)
    assert main(["--content", str(root), "--output", str(output), "--outputs", "screen",
                 "--jobs", "2", "--quiet"]) == 1
    errors = capsys.readouterr().err.splitlines()
    assert errors[0].endswith("bb/booklet.yaml: the build of 'bb' stopped: its worker process "
                              "was killed (out of memory, or by a signal); nothing of it was "
                              "written")
    assert errors[1:] == ["1 of 3 booklets failed: bb"]
    assert sorted(path.name for path in visible(output)) == ["aa.pdf", "cc.pdf"]


def test_a_killed_parallel_build_leaves_whole_files_and_a_usable_cache(library,
                                                                       tmp_path: Path) -> None:
    root, reference = library
    output = tmp_path / "output"
    command = [sys.executable, "build.py", "--content", str(root), "--output", str(output),
               "--jobs", "2"]
    build = subprocess.Popen(command, cwd=PROJECT, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:  # killed as soon as the first file is in place
        ready, _, _ = select.select([build.stdout], [], [], 1)
        if ready and build.stdout.readline().startswith("built "):
            break
    os.killpg(build.pid, signal.SIGKILL)
    build.wait()
    build.stdout.close()
    left = outputs_of(output)
    expected = outputs_of(reference)
    # A kill between naming a finished file and renaming it into place (microseconds) leaves
    # it under its hidden temporary name: it must be whole too, and the next build removes it.
    temporaries = {name: data for name, data in left.items() if name.endswith(".part")}
    finished_files = {name: data for name, data in left.items() if name not in temporaries}
    assert finished_files, "the build was killed before it wrote anything"
    assert len(finished_files) < len(expected)
    for name, data in finished_files.items():  # every file there is whole, as a full build
        assert data == expected[name]
    for name, data in temporaries.items():
        written = TEMPORARY_NAME.fullmatch(name)
        assert written, f"{name}: not named as a build's temporary file"
        assert data == expected[written["name"]]
    finished = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, check=True)
    assert re.search(r"\d+ jobs to run in \d booklets, [1-9]\d* up to date", finished.stdout)
    assert outputs_of(output) == outputs_of(reference)
    assert not [path for path in output.iterdir() if path.name.endswith(".part")]


def test_plain_lines_without_a_terminal_and_json_events_for_ci(library, tmp_path: Path) -> None:
    root, _ = library
    command = [sys.executable, "build.py", "aa", "bb", "--content", str(root), "--outputs",
               "screen"]
    plain = subprocess.run([*command, "--output", str(tmp_path / "plain")], cwd=PROJECT,
                           capture_output=True, text=True, check=True)
    lines = plain.stdout.splitlines()
    assert lines[0] == "2 jobs to run in 2 booklets, 0 up to date"
    assert {"[1/2] aa: screen", "[2/2] bb: screen"} <= set(lines)
    assert "\x1b[" not in plain.stdout + plain.stderr  # no terminal codes in a log
    events = subprocess.run([*command, "--output", str(tmp_path / "json"), "--format", "json"],
                            cwd=PROJECT, capture_output=True, text=True, check=True)
    parsed = [json.loads(line) for line in events.stdout.splitlines()]
    kinds = [event["event"] for event in parsed]
    assert kinds[0] == "plan" and kinds[-1] == "end" and parsed[-1]["ok"] is True
    assert kinds.count("started") == kinds.count("finished") == 2
    assert {event["file"] for event in parsed if event["event"] == "built"} == {"aa.pdf",
                                                                              "bb.pdf"}


def test_a_live_display_on_a_terminal(library, tmp_path: Path) -> None:
    import pty

    root, _ = library
    pid, terminal = pty.fork()
    if pid == 0:  # the child: a build on a pseudo-terminal, as a person runs it
        os.chdir(PROJECT)
        os.environ.update(COLUMNS="100", LINES="30", TERM="xterm-256color")
        os.execv(sys.executable, [sys.executable, "build.py", "aa", "bb", "cc", "--content",
                                  str(root), "--output", str(tmp_path), "--outputs", "screen",
                                  "--jobs", "2"])
    shown = b""
    while True:
        try:
            chunk = os.read(terminal, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    text = shown.decode("utf-8", "replace")
    assert "\x1b[" in text  # drawn and redrawn in place
    assert re.search(r"\d/3 booklets done", text)
    assert "running" in text and "now: " in text
    assert "3 jobs to run in 3 booklets" in text
    assert sorted(path.name for path in visible(tmp_path)) == ["aa.pdf", "bb.pdf", "cc.pdf"]


def test_a_content_folder_with_its_own_library_builds_from_its_own_cache(
        tmp_path: Path) -> None:
    root = write_library(tmp_path / "content")
    cache = tmp_path / "elsewhere"
    assert main(["--content", str(root), "--output", str(tmp_path / "out"), "--cache",
                 str(cache), "--outputs", "screen", "--quiet"]) == 0
    assert len(list((cache / "jobs").glob("small.screen-*.json"))) == 1
    assert not (tmp_path / "out" / ".pibooklet").exists()


def _stale_after(root: Path, output: Path, edit) -> set[str]:
    """Build, make an edit, and return the jobs the plan then finds stale."""
    assert main(["--content", str(root), "--output", str(output), "--outputs", "screen",
                 "--quiet"]) == 0
    edit()
    return {job for job, state in plan_states(root, output, "--outputs", "screen").items()
            if state == "build"}


def test_inputs_the_folders_alone_would_miss_are_still_inputs(tmp_path: Path) -> None:
    """Hidden files, a section kept in a translation's folder, a shared file linked into a
    booklet's folder: each is read by the build, so an edit of it is seen."""
    root = write_booklets(tmp_path / "content", ("aa", "bb"))
    manifest = root / "aa" / "booklet.yaml"
    (root / "aa" / ".hidden.md").write_text("---\ntitle: Hidden\n---\nHidden words.\n",
                                            encoding="utf-8")
    (root / "aa" / "cy").mkdir()
    (root / "aa" / "cy" / "kept.md").write_text("---\ntitle: Kept\n---\nWords.\n",
                                                encoding="utf-8")
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(
        "  - one.md", "  - one.md\n  - .hidden.md\n  - cy/kept.md"), encoding="utf-8")
    (root / "aa" / "organisation.yaml").write_text(
        (root / "organisation.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (root / "organisation.yaml").unlink()
    (root / "organisation.yaml").symlink_to("aa/organisation.yaml")

    def appended(path: Path, text: str):
        return lambda: path.write_text(path.read_text(encoding="utf-8") + text,
                                       encoding="utf-8")

    output = tmp_path / "output"
    assert _stale_after(root, output, appended(root / "aa" / ".hidden.md", "More.\n")) == \
        {"aa:screen"}
    assert _stale_after(root, output, appended(root / "aa" / "cy" / "kept.md", "More.\n")) == \
        {"aa:screen"}
    assert _stale_after(root, output, appended(root / "aa" / "organisation.yaml",
                                               "\n# edited through the link\n")) == \
        {"aa:screen", "bb:screen"}


def test_a_damaged_cache_costs_a_rebuild_never_a_crash_or_a_hang(tmp_path: Path,
                                                                  capsys) -> None:
    root = write_booklets(tmp_path / "content", ("aa",))
    output = tmp_path / "output"
    arguments = ["--content", str(root), "--output", str(output), "--outputs", "screen"]
    cache = output / ".pibooklet" / "cache"
    damages = {
        "garbage": lambda path: path.write_bytes(b"{not json"),
        "wrong types": lambda path: path.write_text(json.dumps(
            {"format": 2, "key": 1, "reads": [], "files": {"aa.pdf": 5}, "summaries": 3,
             "warnings": "text"}), encoding="utf-8"),
        "a folder": lambda path: (path.unlink(), path.mkdir()),
        "a pipe": lambda path: (path.unlink(), os.mkfifo(path)),
    }
    for name, damage in damages.items():
        assert main(arguments) == 0, name
        for record in [*(cache / "jobs").iterdir(), cache / "check.json",
                       cache / "digests.json"]:
            damage(record)
        capsys.readouterr()
        assert main(arguments) == 0, name
        printed = capsys.readouterr()
        assert "1 job to run in 1 booklet" in printed.out, name
        assert "Traceback" not in printed.err and "unexpectedly" not in printed.err, name
        shutil.rmtree(cache)
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    assert main([*arguments, "--cache", str(tmp_path / "a-file")]) == 1
    assert "the cache folder is a file, not a folder" in capsys.readouterr().err


def test_a_bilingual_booklet_uses_its_halves_files_and_is_the_same(tmp_path: Path) -> None:
    """Made with its halves, a back-to-back booklet joins their files instead of laying them
    out again; the result is the very file it makes on its own."""
    content = PROJECT / "content"
    arguments = ["--content", str(content), "--outputs", "screen,press", "--quiet"]
    assert main(["clinical-trials-cy-en", *arguments, "--output", str(tmp_path / "alone")]) == 0
    together = tmp_path / "together"
    assert main(["clinical-trials", "clinical-trials-cy", "clinical-trials-cy-en", *arguments,
                 "--output", str(together)]) == 0
    alone = outputs_of(tmp_path / "alone")
    assert sorted(alone) == ["clinical-trials-cy-en-press.pdf", "clinical-trials-cy-en.pdf"]
    assert {name: data for name, data in outputs_of(together).items() if name in alone} == alone
    # Again with its halves up to date: their files, not new layouts, make it.
    for name in alone:
        (together / name).unlink()
    assert main(["clinical-trials", "clinical-trials-cy", "clinical-trials-cy-en", *arguments,
                 "--output", str(together)]) == 0
    assert {name: data for name, data in outputs_of(together).items() if name in alone} == alone



@pytest.mark.parametrize(("slugs", "jobs", "together"), [
    (("aa",), [], 3),               # by default, a lone booklet's three tasks at once
    (("aa",), ["--jobs", "2"], 2),  # as many as asked for, when asked
    (("aa", "bb"), [], 2),          # a library: one task a core
])
def test_a_lone_booklets_tasks_run_together_by_default(
        tmp_path: Path, monkeypatch, slugs: tuple[str, ...], jobs: list[str],
        together: int) -> None:
    from pibooklet import builder

    monkeypatch.setattr(builder, "default_jobs", lambda: 2)  # a machine of two cores
    spans, work = tmp_path / "spans", builder._work

    def timed_work(run, task):  # in the workers, forked with it
        started = time.monotonic()
        outcome = work(run, task)
        with spans.open("a", encoding="utf-8") as file:
            file.write(f"{started} {time.monotonic()}\n")
        return outcome

    monkeypatch.setattr(builder, "_work", timed_work)
    root = write_booklets(tmp_path / "content", slugs)
    assert main(["--content", str(root), "--output", str(tmp_path / "output"), "--quiet",
                 *jobs]) == 0
    times = [tuple(map(float, line.split())) for line in spans.read_text().splitlines()]
    assert len(times) == 3 * len(slugs)
    assert max(sum(start <= moment < end for start, end in times)
               for moment, _ in times) == together
