"""The check in a forked child while the build loads its layout code (overlap.py)."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest
from test_builder import outputs_of
from test_hostile import write_booklets

from pibooklet import builder, overlap, thumbnail
from pibooklet.cli import main


def _child_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_the_first_result_then_the_guessed_request_then_one_asked_for(tmp_path: Path) -> None:
    calls = tmp_path / "calls"

    def then(request: str) -> tuple[int, str]:
        with calls.open("a") as file:
            file.write(f"{request}\n")
        return os.getpid(), request.upper()

    helper = overlap.Helper(lambda: ("checked", os.getpid()), then, lambda: "guess")
    child = helper._child
    kind, pid = helper.first(modules=())
    assert (kind, pid) == ("checked", child) and pid != os.getpid()
    helper.ask("guess")
    assert helper.answer() == (child, "GUESS")
    assert calls.read_text() == "guess\n"  # worked out once, before it was asked for
    assert _child_gone(child)

    calls.unlink()
    helper = overlap.Helper(lambda: "checked", then, lambda: "guess")
    assert helper.first(modules=()) == "checked"
    helper.ask("other")
    assert helper.answer()[1] == "OTHER"
    assert calls.read_text() == "guess\nother\n"  # a wrong guess is not what is answered


@pytest.mark.parametrize("failure", ["raises", "killed", "cannot be pickled"])
def test_whatever_goes_wrong_in_the_child_the_caller_gets_none(failure: str) -> None:
    def first():
        if failure == "raises":
            raise RuntimeError("a bug")
        if failure == "killed":
            os.kill(os.getpid(), signal.SIGKILL)
        return lambda: None

    helper = overlap.Helper(first, lambda request: request)
    child = helper._child
    assert helper.first(modules=()) is None
    assert _child_gone(child)  # ended, and waited for: no process is left behind


def test_a_request_the_child_cannot_answer_and_one_never_made() -> None:
    helper = overlap.Helper(lambda: 1, lambda request: 1 / request)
    assert helper.first(modules=()) == 1
    helper.ask(0)
    assert helper.answer() is None
    helper = overlap.Helper(lambda: 1, lambda request: request)
    child = helper._child
    assert helper.first(modules=()) == 1
    assert helper.answer() is None  # never asked: nothing to wait for
    assert _child_gone(child)


def _records(output: Path) -> dict[str, dict]:
    return {path.name: json.loads(path.read_text())
            for path in (output / ".pibooklet" / "cache" / "jobs").glob("*.json")}


@pytest.fixture
def one_booklet(tmp_path: Path) -> tuple[Path, Path]:
    """One small booklet, built one job at a time, with no second process: the reference."""
    root = write_booklets(tmp_path / "content", ("aa",))
    reference = tmp_path / "serial"
    assert main(["--content", str(root), "--output", str(reference), "--jobs", "1",
                 "--outputs", "screen", "--quiet"]) == 0
    return root, reference


def test_the_child_checks_and_renders_and_the_build_is_the_same(one_booklet, tmp_path: Path,
                                                                 monkeypatch) -> None:
    root, reference = one_booklet
    rendered_by = tmp_path / "rendered-by"
    render_ahead = builder._render_ahead

    def recorded(run, slug):
        rendered_by.write_text(str(os.getpid()))
        return render_ahead(run, slug)

    monkeypatch.setattr(builder, "_render_ahead", recorded)
    output = tmp_path / "overlapped"
    assert main(["--content", str(root), "--output", str(output), "--jobs", "2",
                 "--outputs", "screen", "--quiet"]) == 0
    assert int(rendered_by.read_text()) != os.getpid()  # the child made the HTML
    assert outputs_of(output) == outputs_of(reference)
    # The job's record names every file its HTML was read from, as when made in one process:
    # a template edited later makes it stale.
    expected = _records(reference)
    assert expected and _records(output).keys() == expected.keys()
    for name, record in _records(output).items():
        assert record["reads"] == expected[name]["reads"]
        assert any(path.endswith("templates/booklet.html") for path in record["reads"])


def test_a_child_that_fails_costs_time_never_a_result(one_booklet, tmp_path: Path,
                                                      monkeypatch, capsys) -> None:
    root, reference = one_booklet
    build = os.getpid()
    check = builder._check

    def fails_in_the_child(run):
        if os.getpid() != build:
            os._exit(3)
        return check(run)

    monkeypatch.setattr(builder, "_check", fails_in_the_child)
    output = tmp_path / "fallback"
    assert main(["--content", str(root), "--output", str(output), "--jobs", "2",
                 "--outputs", "screen", "--quiet"]) == 0
    assert outputs_of(output) == outputs_of(reference)
    assert capsys.readouterr().err == ""


def test_errors_found_by_the_child_are_the_errors_of_one_process(one_booklet, tmp_path: Path,
                                                                 capsys) -> None:
    root, _ = one_booklet
    manifest = root / "aa" / "booklet.yaml"
    manifest.write_text(manifest.read_text().replace("title:", "titel:", 1))
    found = []
    for jobs in ("1", "2"):
        code = main(["--content", str(root), "--output", str(tmp_path / jobs), "--jobs", jobs,
                     "--outputs", "screen", "--quiet"])
        found.append((code, capsys.readouterr().err))
    assert found[0] == found[1]
    assert found[0][0] == 1 and "booklet.yaml:" in found[0][1]


@pytest.mark.parametrize("drawer", ["draws", "dies"])
def test_a_more_from_us_cover_drawn_by_a_second_child_is_the_cover_drawn_here(
        drawer: str, tmp_path: Path, monkeypatch) -> None:
    # relapsed-cancer points to clinical-trials: its cover thumbnail is a layout of its own,
    # drawn by a second child while the build lays the booklet out (or here, if it dies),
    # from the HTML the check's child rendered, and recorded with the files read for it.
    content = Path(__file__).resolve().parent.parent / "content"
    drawn_by = tmp_path / "drawn-by"
    draw_covers = thumbnail.draw_covers
    build = os.getpid()

    def recorded(library, theme, booklet_ids, sources=None):
        if os.getpid() != build:
            drawn_by.write_text(json.dumps([os.getpid(), booklet_ids, sorted(sources or ())]))
            if drawer == "dies":
                os._exit(3)
        return draw_covers(library, theme, booklet_ids, sources)

    monkeypatch.setattr(thumbnail, "draw_covers", recorded)
    built = {}
    for jobs in ("1", "2"):
        thumbnail.forget_thumbnails()  # none drawn by an earlier build in this process
        assert main(["relapsed-cancer", "--content", str(content), "--output",
                     str(tmp_path / jobs), "--jobs", jobs, "--outputs", "screen",
                     "--quiet"]) == 0
        built[jobs] = outputs_of(tmp_path / jobs)
    pid, booklet_ids, rendered = json.loads(drawn_by.read_text())
    # The check's child rendered the cover's HTML: the second child only lays it out.
    assert pid != build and booklet_ids == rendered == ["clinical-trials"]
    assert built["1"] == built["2"]
    # The job's record names the files the cover was drawn from, wherever it was drawn.
    serial, overlapped = _records(tmp_path / "1"), _records(tmp_path / "2")
    assert serial.keys() == overlapped.keys()
    assert all(overlapped[name]["reads"] == record["reads"] for name, record in serial.items())


def test_a_child_dead_before_it_is_asked_gives_none_not_an_error() -> None:
    def dies_guessing():  # once its first result is sent, by its own thread
        time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGKILL)

    helper = overlap.Helper(lambda: "checked", lambda request: request, dies_guessing)
    child = helper._child
    assert helper.first(modules=()) == "checked"
    os.waitpid(child, 0)  # dead, and its pipes closed
    helper._child = None  # already waited for
    helper.ask("x")  # the request cannot be written: no error for it
    assert helper.answer() is None


def test_a_module_that_fails_to_load_is_left_to_fail_where_it_is_used(tmp_path: Path,
                                                                         monkeypatch) -> None:
    (tmp_path / "broken_library.py").write_text("raise OSError('cannot load library')\n")
    (tmp_path / "interrupted_library.py").write_text("raise KeyboardInterrupt\n")
    monkeypatch.syspath_prepend(str(tmp_path))

    def checked_slowly() -> str:  # still checking when the import is tried
        time.sleep(1)
        return "checked"

    helper = overlap.Helper(checked_slowly, lambda request: request)
    assert helper.first(modules=("broken_library",)) == "checked"  # the check still counts
    helper.close()
    helper = overlap.Helper(checked_slowly, lambda request: request)
    child = helper._child
    with pytest.raises(KeyboardInterrupt):
        helper.first(modules=("interrupted_library",))
    assert _child_gone(child)  # an interrupt ends the child with it
