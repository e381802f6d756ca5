"""`pibooklet preview`: a live preview of a booklet in the browser, rebuilt at each save."""

from __future__ import annotations

import argparse
import errno
import sys
import webbrowser
from pathlib import Path

#: The port the preview listens on unless told otherwise.
DEFAULT_PORT = 8765


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the preview's arguments."""
    parser.add_argument("slug", nargs="?", metavar="SLUG",
                        help="the booklet to preview, by folder name (default: a list to choose "
                             "from, or the only booklet)")
    parser.add_argument("--content", type=Path, default=Path("content"), metavar="DIR",
                        help="content folder (default: ./content)")
    parser.add_argument("--port", type=_port, default=DEFAULT_PORT, metavar="N",
                        help=f"port on 127.0.0.1 to listen on; 0 chooses a free one (default: "
                             f"{DEFAULT_PORT})")
    parser.add_argument("--no-open", action="store_true",
                        help="do not open the preview in the browser")


def _port(value: str) -> int:
    if not value.isdigit() or int(value) > 65535:
        raise argparse.ArgumentTypeError(f"give a port from 0 to 65535 (got {value!r})")
    return int(value)


def run(args: argparse.Namespace) -> int:
    """Serve the preview until interrupted; return the exit status."""
    from ..content import find_manifests, slug_of
    from ..errors import display_path
    from ..plan import choose_booklets
    from ..preview.server import PreviewServer

    root = args.content.resolve()
    if not root.is_dir():
        print(f"{display_path(args.content)}: no such content folder: give --content the folder "
              "that holds organisation.yaml", file=sys.stderr)
        return 1
    if args.slug:
        known = [slug_of(manifest, root) for manifest in find_manifests(root)]
        _, unknown = choose_booklets([args.slug], known, root)
        if unknown:
            for problem in unknown:
                print(problem, file=sys.stderr)
            return 1
    try:
        preview = PreviewServer(root, args.slug, args.port, tune_collector=True)
    except OSError as error:
        if error.errno != errno.EADDRINUSE:
            raise
        print(f"pibooklet preview: port {args.port} is in use: give another with --port N "
              "(0 chooses a free one)", file=sys.stderr)
        return 1
    preview.start()
    print(f"Previewing {display_path(args.content)} at {preview.url} (Ctrl-C to stop)",
          flush=True)
    if not args.no_open:
        webbrowser.open(preview.url)
    try:
        preview.stopping.wait()
    except KeyboardInterrupt:  # Ctrl-C is how a preview ends
        print("pibooklet preview: stopped", flush=True)
    finally:
        preview.stop()
    return 0
