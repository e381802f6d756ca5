"""The preview's local HTTP server, its file watcher and the thread that rebuilds.

The server listens on 127.0.0.1 only and answers GET alone, and only at its own addresses: the
booklet list, each booklet's page, its state as Server-Sent Events or JSON, its page images
(held in memory) and the page's own script and style. No path is ever mapped to a file, so
nothing else can be read through it, and a request naming another host is refused (a web page
elsewhere cannot reach the preview by a DNS name pointed at this machine).
"""

from __future__ import annotations

import html
import json
import re
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from ..jobs import crash_problem
from ..limits import MAX_PREVIEW_STREAMS
from .rebuild import CRASH_FOLDER, Previewer, tune_collector

#: The only address the preview listens on: it is for the person at this machine.
HOST = "127.0.0.1"
_HERE = Path(__file__).resolve().parent
#: The page's own files, read once: nothing else is served from disk.
STATIC = {"/static/preview.js": ("text/javascript; charset=utf-8", "preview.js"),
          "/static/preview.css": ("text/css; charset=utf-8", "preview.css")}
_PAGE = (_HERE / "page.html").read_text(encoding="utf-8")
_BOOKLET = re.compile(r"/b/(?P<slug>[A-Za-z0-9_-]{1,100})/(?P<what>|state\.json|events|"
                      r"pages/(?P<version>\d{1,9})-(?P<page>\d{1,4})\.jpg)")
_KEEP_ALIVE_SECONDS = 15


class _QuietServer(ThreadingHTTPServer):
    """A browser that drops a connection (a tab closed, a page reloaded mid-request) is no
    error to show; anything else is one line, never a traceback."""

    def handle_error(self, request, client_address) -> None:
        error = sys.exc_info()[1]
        if not isinstance(error, ConnectionError):
            print(f"preview: a request failed ({type(error).__name__}: {error})",
                  file=sys.stderr)


class PreviewServer:
    """The server, the watcher and the rebuilding thread of one `pibooklet preview`."""

    def __init__(self, content: Path, slug: str | None = None, port: int = 0,
                 tune_collector: bool = False):
        self.root = content.resolve()
        self.tune_collector = tune_collector  # the process is the preview's own
        self.slug = slug
        self.previewers: dict[str, Previewer] = {}
        self._lock = threading.Lock()
        self._wanted = threading.Event()  # a booklet wants rebuilding
        self._dirty: dict[str, float] = {}  # slug -> when its change was seen
        # Whether a file that a cover may show (not a Markdown section) changed since the
        # last rebuild began: the covers drawn for "more from us" blocks are then drawn again.
        self._covers_changed = True
        self.stopping = threading.Event()
        self.streams = threading.BoundedSemaphore(MAX_PREVIEW_STREAMS)
        self.httpd = _QuietServer((HOST, port), _handler(self))
        self.httpd.daemon_threads = True  # an open event stream never holds up the end
        self.port = self.httpd.server_address[1]
        self.url = f"http://{HOST}:{self.port}/" + (f"b/{slug}/" if slug else "")
        self._threads: list[threading.Thread] = []

    def start(self) -> PreviewServer:
        """Serve, watch and rebuild in background threads; return self."""
        if self.slug:
            self.previewer(self.slug)
        for target in (self.httpd.serve_forever, self._watch, self._rebuild_forever):
            thread = threading.Thread(target=target, daemon=True, name=f"preview-{target.__name__}")
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        """Stop serving, watching and rebuilding (a rebuild under way is finished first)."""
        self.stopping.set()
        self._wanted.set()
        for previewer in list(self.previewers.values()):
            with previewer.changed:
                previewer.changed.notify_all()
        self.httpd.shutdown()
        self.httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=30)

    def booklets(self) -> list[tuple[str, str]]:
        """Return every booklet of the content folder: its id and title (from its manifest)."""
        from ..content import find_manifests, manifest_value, slug_of

        return [(slug_of(manifest, self.root), str(manifest_value(manifest, "title") or ""))
                for manifest in find_manifests(self.root)]

    def is_booklet(self, slug: str) -> bool:
        """Return whether a booklet of that id is open or in the content folder."""
        from ..content import find_manifests, slug_of

        return slug in self.previewers or any(slug_of(manifest, self.root) == slug
                                              for manifest in find_manifests(self.root))

    def previewer(self, slug: str) -> Previewer:
        """Return the preview of a booklet, made (and its first build asked for) if new."""
        with self._lock:
            if slug not in self.previewers:
                self.previewers[slug] = Previewer(self.root, slug)
                self._dirty[slug] = time.perf_counter()
                self._wanted.set()
            return self.previewers[slug]

    def changed(self, paths: set[str]) -> None:
        """Ask for every open preview to be rebuilt: these files were saved."""
        seen = time.perf_counter()
        with self._lock:
            self._covers_changed |= not all(path.endswith(".md") for path in paths)
            for slug in self.previewers:
                self._dirty.setdefault(slug, seen)
            self._wanted.set()

    def pending(self) -> tuple[dict[str, float], bool]:
        """Return the booklets to rebuild (when each one's change was seen) and whether only
        Markdown sections changed since the last call; forget them."""
        with self._lock:
            self._wanted.clear()
            dirty, self._dirty = dict(self._dirty), {}
            sections_only, self._covers_changed = not self._covers_changed, False
            return dirty, sections_only

    def say(self, line: str) -> None:
        """Print a line for the person running the preview."""
        print(line, flush=True)

    def _watch(self) -> None:
        import watchfiles

        from ..render import PROJECT_ROOT

        folders = [self.root, *(PROJECT_ROOT / name for name in ("templates", "styles"))]
        for changes in watchfiles.watch(*[folder for folder in folders if folder.is_dir()],
                                  stop_event=self.stopping, step=30, rust_timeout=500):
            self.changed({path for _, path in changes})

    def _rebuild_forever(self) -> None:
        while not self.stopping.is_set():
            self._wanted.wait()
            dirty, sections_only = self.pending()
            for slug, seen in sorted(dirty.items(), key=lambda item: item[0] != self.slug):
                if self.stopping.is_set():
                    return
                previewer = self.previewers[slug]
                try:
                    previewer.rebuild(seen, sections_only=sections_only)
                except Exception as error:  # a bug of ours outside the booklet's job
                    previewer.publish(building=False, problems=(str(crash_problem(
                        self.root, slug, "preview", error, CRASH_FOLDER)),))
                self._report(previewer)
                if self.tune_collector:
                    tune_collector()
                    self.tune_collector = False

    def _report(self, previewer: Previewer) -> None:
        snapshot = previewer.snapshot
        for line in snapshot.problems:
            self.say(line)
        if snapshot.pages and not snapshot.problems:
            self.say(f"{previewer.slug}: {len(snapshot.pages)} pages, {snapshot.stage}, "
                     f"{snapshot.seconds:.1f} s after the save")


def _handler(preview: PreviewServer) -> type[BaseHTTPRequestHandler]:
    """Return the request handler class bound to one preview."""

    class Handler(BaseHTTPRequestHandler):
        server_version = "pibooklet-preview"
        sys_version = ""
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            try:
                self._get()
            except (BrokenPipeError, ConnectionResetError):
                pass  # the browser went away
            except Exception as error:  # a bug of ours: one line, and the server goes on
                summary = " ".join(f"{type(error).__name__}: {error}".split())[:200]
                self._send(HTTPStatus.INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8",
                           f"the preview failed unexpectedly ({summary}); please report "
                           "this\n".encode())

        def _refuse(self) -> None:
            self._send(HTTPStatus.METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
                       b"the preview answers GET only\n", {"Allow": "GET"})

        do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _refuse  # noqa: N815

        def log_message(self, format: str, *args) -> None:
            pass  # the terminal is for the booklet's messages

        def _get(self) -> None:
            if self.headers.get("Host") not in (f"{HOST}:{preview.port}",
                                                f"localhost:{preview.port}"):
                self._send(HTTPStatus.FORBIDDEN, "text/plain; charset=utf-8",
                           b"the preview answers only at 127.0.0.1\n")
                return
            path = urlsplit(self.path).path
            if path == "/":
                self._index()
                return
            if path in STATIC:
                kind, name = STATIC[path]
                self._send(HTTPStatus.OK, kind, (_HERE / name).read_bytes())
                return
            match = _BOOKLET.fullmatch(path)
            if match is None or not preview.is_booklet(match["slug"]):
                self._send(HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8",
                           b"not found: the preview serves only its own pages\n")
                return
            previewer = preview.previewer(match["slug"])
            if match["what"] == "":
                self._send(HTTPStatus.OK, "text/html; charset=utf-8", _PAGE.replace(
                    "{{slug}}", html.escape(match["slug"])).encode())
            elif match["what"] == "state.json":
                self._send(HTTPStatus.OK, "application/json",
                           json.dumps(previewer.snapshot.as_json(previewer.slug)).encode())
            elif match["what"] == "events":
                self._events(previewer)
            else:
                image = previewer.image(int(match["version"]), int(match["page"]))
                if image is None:
                    self._send(HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8",
                               b"no such page in this build\n")
                else:
                    self._send(HTTPStatus.OK, "image/jpeg", image,
                               {"Cache-Control": "max-age=3600, immutable"})

        def _index(self) -> None:
            booklets = preview.booklets()
            if preview.slug or len(booklets) == 1:
                slug = preview.slug or booklets[0][0]
                self._send(HTTPStatus.FOUND, "text/plain; charset=utf-8", b"",
                           {"Location": f"/b/{slug}/"})
                return
            items = "".join(f'<li><a href="/b/{html.escape(slug)}/">{html.escape(title or slug)}'
                            f"</a> <code>{html.escape(slug)}</code></li>"
                            for slug, title in booklets)
            body = (_PAGE.split("<body>")[0] + "<body><main class=\"choose\"><h1>Choose a "
                    f"booklet to preview</h1><ul class=\"booklets\">{items}</ul></main>"
                    "</body></html>").replace("{{slug}}", "booklets")
            self._send(HTTPStatus.OK, "text/html; charset=utf-8", body.encode())

        def _events(self, previewer: Previewer) -> None:
            """Send the booklet's state now and at each change, as Server-Sent Events."""
            if not preview.streams.acquire(blocking=False):
                self._send(HTTPStatus.SERVICE_UNAVAILABLE, "text/plain; charset=utf-8",
                           b"too many preview pages are open: close some\n")
                return
            try:
                self.send_response(HTTPStatus.OK)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-store")
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True
                version = -1
                while not preview.stopping.is_set():
                    snapshot = previewer.wait_newer(version, _KEEP_ALIVE_SECONDS)
                    if snapshot.version != version:
                        version = snapshot.version
                        data = json.dumps(snapshot.as_json(previewer.slug))
                        self.wfile.write(f"event: state\ndata: {data}\n\n".encode())
                    else:
                        self.wfile.write(b": still here\n\n")
                    self.wfile.flush()
            finally:
                preview.streams.release()

        def _send(self, status: HTTPStatus, kind: str, body: bytes,
                  headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Content-Security-Policy", "default-src 'self'; img-src 'self'")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            if "Cache-Control" not in (headers or {}):
                self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

    return Handler
