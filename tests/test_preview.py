"""The live preview: its rebuilds, its server's endpoints, and the page in a real browser."""

from __future__ import annotations

import http.client
import io
import json
import math
import re
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import CONTENT, PROJECT, replace_in, squash
from PIL import Image

from pibooklet import pipeline
from pibooklet.cli import main
from pibooklet.preview import rebuild
from pibooklet.preview.rebuild import COPYFITTED, Previewer, spreads
from pibooklet.preview.server import HOST, PreviewServer

SLUG = "relapsed-cancer"
SECTION = "02-refractory.md"
FIRST_LINE = "Cancer is **refractory** when it does not shrink or go away with the first"
CHROMIUM = Path("/usr/bin/chromium")
#: The flags the machine's closed network needs: Chromium must not try to reach anything.
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--disable-quic"]
_BUILD_SECONDS = 180  # a loaded 2-core machine lays the sample out in 5 to 15 s


class Recording(Previewer):
    """A preview that keeps every snapshot it publishes."""

    def __init__(self, root: Path, slug: str):
        super().__init__(root, slug)
        self.published: list[rebuild.Snapshot] = []

    def publish(self, **changes) -> rebuild.Snapshot:
        snapshot = super().publish(**changes)
        self.published.append(snapshot)
        return snapshot


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory):
    """A preview server on a copy of the samples, its first preview of SLUG built."""
    content = tmp_path_factory.mktemp("preview") / "content"
    shutil.copytree(CONTENT, content)
    preview = PreviewServer(content, SLUG).start()
    try:
        assert _settled(preview.previewers[SLUG]).stage == COPYFITTED
        yield preview
    finally:
        preview.stop()


def _settled(previewer: Previewer, after: int = 0) -> rebuild.Snapshot:
    """Wait until the previewer has published past version `after` and is not building;
    return its snapshot."""
    deadline = time.monotonic() + _BUILD_SECONDS
    snapshot = previewer.snapshot
    while snapshot.building or snapshot.version <= after:
        assert time.monotonic() < deadline, "the preview never finished building"
        snapshot = previewer.wait_newer(snapshot.version, 5)
    return snapshot


def _get(port: int, path: str, method: str = "GET", host: str | None = None
         ) -> tuple[int, dict[str, str], bytes]:
    """Return the status, headers and body of one request to the preview."""
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        connection.putrequest(method, path, skip_host=True)
        connection.putheader("Host", host or f"{HOST}:{port}")
        connection.endheaders()
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


# Spreads -----------------------------------------------------------------------------------

def test_spreads_are_as_a_reader_holds_the_booklet() -> None:
    assert spreads(8) == [[1], [2, 3], [4, 5], [6, 7], [8]]
    assert spreads(24)[0] == [1] and spreads(24)[-1] == [24] and len(spreads(24)) == 13
    assert spreads(1) == [[1]] and spreads(0) == []


# The rebuild -------------------------------------------------------------------------------

def test_a_save_shows_the_build_s_layout_and_errors_keep_the_last_pages(
        library_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    previewer = Recording(library_copy, SLUG)
    previewer.rebuild(time.perf_counter())
    first = previewer.snapshot
    # Each rebuild lays out as the build does, at once.
    assert [snapshot.stage for snapshot in previewer.published] == ["", COPYFITTED]
    assert not first.building and not first.problems and len(first.pages) == 24
    notes = next(page for page in first.pages if "Your notes" in page.text and page.number > 3)
    # They begin under Help and support (its related booklets end it), not on a page of
    # their own.
    assert notes.text.index("Other booklets that may help") < notes.text.index("Your notes")

    # A saved word is in the spreads and in the contents.
    replace_in(library_copy / SLUG / SECTION, "title: What is refractory cancer?",
               "title: What is stubborn refractory cancer?")
    previewer.published.clear()
    previewer.rebuild(time.perf_counter())
    saved = previewer.snapshot
    assert [snapshot.building for snapshot in previewer.published] == [True, False]
    assert saved.stage == COPYFITTED and not saved.problems
    assert any("What is stubborn refractory cancer?" in page.text for page in saved.pages)
    assert ("What is stubborn refractory cancer?", 4) in saved.contents
    assert saved.cpu_seconds > 0 and saved.seconds > 0

    # Broken YAML: the build's very message, and the last pages stay.
    manifest = library_copy / SLUG / "booklet.yaml"
    replace_in(manifest, "title:", "title: [unclosed\ntitle:")
    assert main(["--content", str(library_copy), "--output", str(tmp_path / "out"),
                 SLUG]) == 1
    printed = capsys.readouterr().err.splitlines()
    before = previewer.snapshot
    previewer.rebuild(time.perf_counter())
    broken = previewer.snapshot
    assert broken.problems and not broken.building
    assert set(broken.problems) <= set(printed)
    assert any(re.match(rf"{manifest}:\d+: YAML: ", line) for line in broken.problems)
    # The last pages are still shown, at the same addresses.
    assert broken.pages == before.pages and broken.pages_version == before.pages_version

    # Fixed: the problems go, new pages come.
    manifest.write_text(manifest.read_text().replace("title: [unclosed\n", ""))
    previewer.rebuild(time.perf_counter())
    assert not previewer.snapshot.problems and previewer.snapshot.stage == COPYFITTED
    assert previewer.snapshot.pages_version > broken.pages_version


def test_a_crash_of_ours_is_one_line_and_the_next_save_builds(
        library_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("a bug in the layout")

    monkeypatch.setattr(pipeline, "screen_layout", broken)
    previewer = Previewer(library_copy, SLUG)
    previewer.rebuild(time.perf_counter())
    (line,) = previewer.snapshot.problems
    assert "the preview of 'relapsed-cancer' failed unexpectedly (RuntimeError: a bug in the " \
           "layout); please report this with the file" in line
    assert "Traceback" not in line and not previewer.snapshot.building
    monkeypatch.undo()
    previewer.rebuild(time.perf_counter())
    assert not previewer.snapshot.problems and len(previewer.snapshot.pages) == 24


def test_a_saved_picture_is_drawn_again_in_another_booklets_cover(library_copy: Path) -> None:
    previewer = Previewer(library_copy, SLUG)
    previewer.rebuild(time.perf_counter())
    before = previewer.snapshot.pages
    # Page 10's "more from us" block shows the clinical-trials booklet's cover, and its logo.
    assert "Our booklet about trials explains them" in before[9].text
    replace_in(library_copy / "images" / "logo.svg", 'fill="#00766C"', 'fill="#FFD700"')
    previewer.rebuild(time.perf_counter())
    after = previewer.snapshot.pages
    assert after[0].image != before[0].image  # our own cover
    assert after[9].image != before[9].image  # the other booklet's, drawn again
    assert after[23].image != before[23].image  # the back cover's logo
    assert [page.image for page in after[10:23]] == [page.image for page in before[10:23]]


def test_a_saved_section_draws_only_the_pages_it_changed(library_copy: Path,
                                                         monkeypatch) -> None:
    previewer = Previewer(library_copy, SLUG)
    previewer.rebuild(time.perf_counter())
    before = previewer.snapshot.pages
    drawn = []
    real = rebuild._draw_all
    monkeypatch.setattr(rebuild, "_draw_all", lambda document, edition: drawn.append(
        len(document.pages)) or real(document, edition))
    section = library_copy / SLUG / "15-janes-story.md"
    replace_in(section, "When Alice was three", "When Alice was four")
    previewer.rebuild(time.perf_counter(), sections_only=True)
    after = previewer.snapshot.pages
    changed = [page.number for page, old in zip(after, before, strict=True)
               if page.image != old.image]
    assert changed and "Alice was four" in after[changed[0] - 1].text
    # Only the pages laid out differently were drawn again.
    assert 0 < sum(drawn) < len(after)
    # And each page kept is the very page a fresh preview draws.
    fresh = Previewer(library_copy, SLUG)
    fresh.rebuild(time.perf_counter())
    assert [page.text for page in fresh.snapshot.pages] == [page.text for page in after]
    assert [page.image for page in fresh.snapshot.pages] == [page.image for page in after]


def test_only_saved_sections_keep_the_covers_drawn() -> None:
    preview = PreviewServer(CONTENT)
    try:
        preview.pending()
        preview.changed({"/content/a/01-one.md", "/content/a/02-two.md"})
        preview.changed({"/content/a/03-three.md"})
        assert preview.pending()[1]
        preview.changed({"/content/images/logo.svg"})
        preview.changed({"/content/a/01-one.md"})
        assert not preview.pending()[1]  # the logo's change is still to be built
        preview.changed({"/content/styles/booklet.css", "/content/a/01-one.md"})
        assert not preview.pending()[1]
    finally:
        preview.httpd.server_close()


def test_a_bug_outside_the_booklets_job_is_one_line_and_the_server_rebuilds_again(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self, *args, **kwargs):
        raise RuntimeError("a bug in the rebuild")

    preview = PreviewServer(CONTENT, SLUG)
    monkeypatch.setattr(Previewer, "rebuild", broken)
    preview.start()
    try:
        deadline = time.monotonic() + 60
        while not preview.previewers[SLUG].snapshot.problems:
            assert time.monotonic() < deadline, "the crash was never shown"
            time.sleep(0.1)
        (line,) = preview.previewers[SLUG].snapshot.problems
        assert "the preview of 'relapsed-cancer' failed unexpectedly (RuntimeError: a bug in " \
               "the rebuild); please report this" in line
        monkeypatch.undo()
        crashed = preview.previewers[SLUG].snapshot.version
        preview.changed({str(CONTENT / SLUG / SECTION)})
        assert _settled(preview.previewers[SLUG], after=crashed).stage == COPYFITTED
    finally:
        preview.stop()


def test_an_unknown_booklet_is_a_problem(library_copy: Path) -> None:
    previewer = Previewer(library_copy, "no-such-booklet")
    previewer.rebuild(time.perf_counter())
    (line,) = previewer.snapshot.problems
    assert line.startswith(f"{library_copy}: no booklet called 'no-such-booklet'; the "
                           "booklets are: ") and "relapsed-cancer" in line
    assert not previewer.snapshot.pages


# The server --------------------------------------------------------------------------------

def test_it_listens_on_127_0_0_1_only(running: PreviewServer) -> None:
    assert running.httpd.server_address[0] == "127.0.0.1"
    # A server bound to every address (0.0.0.0) would answer at any loopback address too.
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.2", running.port), timeout=5).close()
    socket.create_connection(("127.0.0.1", running.port), timeout=5).close()


def test_the_page_its_state_and_images(running: PreviewServer) -> None:
    status, headers, body = _get(running.port, "/")
    assert status == 302 and headers["Location"] == f"/b/{SLUG}/"
    status, headers, body = _get(running.port, f"/b/{SLUG}/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b'src="/static/preview.js"' in body and b"http" not in body.split(b"<body>")[0]
    status, headers, script = _get(running.port, "/static/preview.js")
    assert status == 200 and b"EventSource" in script and b"http" not in script

    status, _, body = _get(running.port, f"/b/{SLUG}/state.json")
    state = json.loads(body)
    assert status == 200 and state["stage"] == COPYFITTED and len(state["pages"]) == 24
    assert state["spreads"] == spreads(24)
    # Each contents entry is the printed contents page's line: its title, then its number.
    assert len(state["contents"]) >= 10
    printed = squash(state["pages"][2]["text"]).replace(".", "")
    for entry in state["contents"]:
        title = squash(entry["title"]).replace(".", "")
        assert re.match(r"\d+", printed[printed.index(title) + len(title):])[0] == \
            str(entry["page"])
    assert {"pages", "faults", "edition"} <= set(state["report"])
    assert [page["number"] for page in state["report"]["pages"]] == list(range(1, 25))

    status, headers, image = _get(running.port, f"/b/{SLUG}/{state['pages'][0]['image']}")
    assert status == 200 and headers["Content-Type"] == "image/jpeg"
    picture = Image.open(io.BytesIO(image))
    assert picture.format == "JPEG"
    assert picture.size == (math.ceil(148 / 25.4 * 96), math.ceil(210 / 25.4 * 96))  # A5
    # The cover is drawn: its colours are there, not a blank page.
    assert len(picture.convert("RGB").getcolors(maxcolors=1 << 20)) > 50


def test_the_event_stream_sends_the_state(running: PreviewServer) -> None:
    connection = http.client.HTTPConnection(HOST, running.port, timeout=30)
    try:
        connection.request("GET", f"/b/{SLUG}/events")
        response = connection.getresponse()
        assert response.status == 200
        assert response.getheader("Content-Type") == "text/event-stream"
        assert response.readline() == b"event: state\n"
        data = response.readline().decode()
        assert data.startswith("data: ")
        assert json.loads(data[6:])["version"] == running.previewers[SLUG].snapshot.version
    finally:
        connection.close()


def test_the_list_of_booklets(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    preview = PreviewServer(content)  # not started: no booklet is built until it is opened
    thread = threading.Thread(target=preview.httpd.serve_forever, daemon=True)
    thread.start()
    try:
        status, _, body = _get(preview.port, "/")
        page = body.decode()
        assert status == 200 and "Choose a booklet" in page
        for slug in ("relapsed-cancer", "clinical-trials", "clinical-trials-cy"):
            assert f'href="/b/{slug}/"' in page
        assert "cancer comes back or does not respond" in page  # the manifest's title
    finally:
        preview.httpd.shutdown()
        preview.httpd.server_close()


@pytest.mark.parametrize("path", [
    "/../pyproject.toml", "/static/../server.py", "/static/%2e%2e/server.py",
    "/static/page.html", "/b/../../etc/passwd", "/b/%2e%2e/organisation.yaml/",
    f"/b/{SLUG}/booklet.yaml", f"/b/{SLUG}/pages/../../../pyproject.toml",
    f"/b/{SLUG}/pages/0-1.jpg", "/b/no-such-booklet/", "/etc/passwd",
    "//etc/passwd", f"/b/{SLUG}/02-refractory.md",
])
def test_nothing_else_is_served(running: PreviewServer, path: str) -> None:
    status, _, body = _get(running.port, path)
    assert status == 404 and b"root:" not in body and b"[project]" not in body


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"])
def test_only_get_is_answered(running: PreviewServer, method: str) -> None:
    status, headers, _ = _get(running.port, f"/b/{SLUG}/state.json", method)
    assert status == 405 and headers["Allow"] == "GET"


def test_another_host_is_refused(running: PreviewServer) -> None:
    for host in ("evil.example", f"evil.example:{running.port}", "127.0.0.1:1"):
        status, _, body = _get(running.port, f"/b/{SLUG}/state.json", host=host)
        assert status == 403 and b"pages" not in body
    assert _get(running.port, f"/b/{SLUG}/state.json", host=f"localhost:{running.port}")[0] \
        == 200


def test_a_bug_in_a_request_is_one_line_and_the_server_goes_on(
        running: PreviewServer, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self, slug):
        raise ValueError("a bug in the state")

    monkeypatch.setattr(rebuild.Snapshot, "as_json", broken)
    status, _, body = _get(running.port, f"/b/{SLUG}/state.json")
    assert status == 500 and body.count(b"\n") == 1 and b"Traceback" not in body
    assert b"failed unexpectedly (ValueError: a bug in the state)" in body
    monkeypatch.undo()
    assert _get(running.port, f"/b/{SLUG}/state.json")[0] == 200


def test_a_connection_a_browser_drops_prints_nothing(running: PreviewServer, capfd) -> None:
    client = socket.create_connection(("127.0.0.1", running.port), timeout=5)
    client.sendall(b"GET / HT")  # half a request, then a reset, as a closed tab may leave
    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    client.close()
    time.sleep(0.5)
    assert _get(running.port, f"/b/{SLUG}/state.json")[0] == 200  # still serving
    assert "Traceback" not in capfd.readouterr().err


# The command -------------------------------------------------------------------------------

def test_the_command_refuses_what_it_cannot_preview(
        library_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["preview", "nope", "--content", str(library_copy), "--no-open"]) == 1
    assert "no booklet called 'nope'" in capsys.readouterr().err
    assert main(["preview", "--content", str(tmp_path / "missing"), "--no-open"]) == 1
    assert "no such content folder" in capsys.readouterr().err
    with socket.socket() as taken:
        taken.bind((HOST, 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["preview", SLUG, "--content", str(library_copy), "--no-open",
                     "--port", str(port)]) == 1
    assert f"port {port} is in use" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["preview", "--port", "99999"])
    assert "give a port from 0 to 65535" in capsys.readouterr().err


# In a real browser -------------------------------------------------------------------------

def test_in_a_browser_a_save_shows_and_an_error_comes_and_goes(library_copy: Path,
                                                                tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    assert CHROMIUM.is_file(), "install Debian's chromium (apt-get install chromium)"
    server = subprocess.Popen(
        [sys.executable, "-m", "pibooklet", "preview", SLUG, "--content", str(library_copy),
         "--port", "0", "--no-open"], cwd=PROJECT, stdout=subprocess.PIPE, text=True)
    try:
        url = server.stdout.readline().split(" at ")[1].split()[0]
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                                 args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            requested: list[str] = []
            page.on("request", lambda request: requested.append(request.url))
            page.goto(url)
            status = page.locator("#status")
            expect(status).to_have_attribute("data-stage", COPYFITTED,
                                             timeout=_BUILD_SECONDS * 1000)
            expect(page.locator(".spread img")).to_have_count(24)
            expect(page.locator(".spread")).to_have_count(13)
            entry = page.locator("#contents a", has_text="What is refractory cancer?")
            expect(entry).to_have_attribute("href", "#spread-3")  # pages 4 and 5
            page.screenshot(path=str(tmp_path / "preview.png"))

            replace_in(library_copy / SLUG / SECTION, FIRST_LINE,
                       FIRST_LINE.replace("Cancer is", "Cancer, zebrafish-wise, is"))
            expect(page.locator("#page-4 .page-text")).to_contain_text(
                "zebrafish-wise", timeout=_BUILD_SECONDS * 1000)
            expect(page.locator("#status")).to_have_attribute("data-stage", COPYFITTED,
                                                              timeout=_BUILD_SECONDS * 1000)

            manifest = library_copy / SLUG / "booklet.yaml"
            replace_in(manifest, "title:", "title: [unclosed\ntitle:")
            problems = page.locator("#problems")
            expect(problems).to_be_visible(timeout=_BUILD_SECONDS * 1000)
            expect(page.locator("#problem-lines")).to_contain_text(
                re.compile(r"relapsed-cancer/booklet\.yaml:\d+: "))
            expect(page.locator(".spread img")).to_have_count(24)  # the last preview stays
            expect(page.locator("#page-4 .page-text")).to_contain_text("zebrafish-wise")
            page.screenshot(path=str(tmp_path / "broken.png"))

            manifest.write_text(manifest.read_text().replace("title: [unclosed\n", ""))
            expect(problems).to_be_hidden(timeout=_BUILD_SECONDS * 1000)
            expect(page.locator(".spread img")).to_have_count(24)
            browser.close()
        assert requested and all(address.startswith(url.split("/b/")[0])
                                 for address in requested)
    finally:
        server.terminate()
        server.wait(timeout=30)
