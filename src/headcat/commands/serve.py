"""`headcat serve`: the built site on localhost, rebuilt whenever a source file changes.

Watching is polling of modification times (simple, portable, no extra dependency; a catalog is a few hundred
small files). The server reads the output folder on every request, so the atomic swap of a rebuild is picked
up at once, and a failed rebuild leaves the last good site in place.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

WATCHED = ("papers", "taxonomy.yaml", "templates", "pyproject.toml", "README.md")
"""What a build reads, relative to the catalog root."""

Snapshot = dict[str, tuple[int, int]]


def snapshot_sources(root: Path, out_dir: Path) -> Snapshot:
    """Modification time and size of every source file; the output folder itself is never watched."""
    snapshot: Snapshot = {}
    output = out_dir.resolve()
    for name in WATCHED:
        top = root / name
        paths = sorted(top.rglob("*")) if top.is_dir() else [top]
        for path in paths:
            if path.is_file() and output not in path.resolve().parents:
                status = path.stat()
                snapshot[str(path)] = (status.st_mtime_ns, status.st_size)
    return snapshot


def start_server(out_dir: Path, port: int, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    """Serve `out_dir` in a background thread; the caller reads the port from server.server_address."""
    handler = partial(_QuietHandler, directory=str(out_dir))
    server = ThreadingHTTPServer((host, port), handler)
    threading.Thread(target=server.serve_forever, name="headcat-serve", daemon=True).start()
    return server


def watch_sources(root: Path, out_dir: Path, on_change: Callable[[], None], stop: threading.Event,
                  seen: Snapshot, interval: float = 0.5) -> None:
    """Call `on_change` after any source file is added, removed or modified since `seen`, until `stop` is set."""
    while not stop.wait(interval):
        current = snapshot_sources(root, out_dir)
        if current != seen:
            seen = current
            on_change()


class _QuietHandler(SimpleHTTPRequestHandler):
    """Serves files without logging every request to the terminal, which is for build messages."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")  # a reload always shows the latest build
        super().end_headers()
