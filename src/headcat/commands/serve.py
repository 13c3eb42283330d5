"""`headcat serve`: the built site on localhost, rebuilt whenever a source file changes.

Watching is polling of modification times (simple, portable, no extra dependency; a catalog is a few hundred
small files). The server reads the output folder on every request, so the atomic swap of a rebuild is picked
up at once, and a failed rebuild leaves the last good site in place.

Only regular files whose real path lies inside the site folder's real path are served, that real path worked out
on every request (a build may replace the whole folder): a link in the site that leads out of it, a folder
without an index.html and a path that names no file are 404; a request path that is not one (no leading slash,
a NUL byte, escapes that are not UTF-8) is 400. No request ends in a dropped connection or a traceback.
"""

from __future__ import annotations

import errno
import os
import posixpath
import stat
import sys
import threading
import urllib.parse
from collections.abc import Callable
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import BinaryIO

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
            try:
                if path.is_file() and output not in path.resolve().parents:
                    status = path.stat()
                    snapshot[str(path)] = (status.st_mtime_ns, status.st_size)
            except (OSError, RuntimeError):  # removed since it was listed, or a loop of links: the build will say
                continue
    return snapshot


class ServeError(Exception):
    """The server cannot listen where it was asked to (a port in use, say); the message says what to do."""


def start_server(out_dir: Path, port: int, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    """Serve `out_dir` in a background thread; the caller reads the port from server.server_address. Raises
    ServeError when the port cannot be listened on."""
    handler = partial(_SiteHandler, directory=str(out_dir))
    try:
        server = _SiteServer((host, port), handler)
    except OSError as error:
        fix = "pick another port with --port (0 picks a free one)"
        if error.errno == errno.EADDRINUSE:
            raise ServeError(f"port {port} on {host} is in use (another server is listening there); stop it, or "
                             f"{fix}") from None
        raise ServeError(f"cannot listen on port {port} on {host}: {error.strerror or error}; {fix}") from None
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


class _SiteServer(ThreadingHTTPServer):
    """Serves each request in a thread of its own (a daemon thread: a browser keeping a connection open never
    holds up Ctrl-C)."""

    def handle_error(self, request: object, client_address: object) -> None:
        """A browser that closed its connection is not worth a word; anything else is a bug in headcat, said in one
        line on stderr (the server goes on) instead of socketserver's traceback."""
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError):
            return
        print(f"headcat: internal error while serving a request: {type(error).__name__}: {error}", file=sys.stderr)


class _SiteHandler(SimpleHTTPRequestHandler):
    """Serves the regular files inside the site folder and nothing else, without logging every request to the
    terminal, which is for build messages."""

    def send_head(self) -> BinaryIO | None:
        """The response's status and headers, and the file to send (or None when the response is complete)."""
        words = _path_words(self.path)
        if words is None:
            self.send_error(HTTPStatus.BAD_REQUEST, None, "not the path of a file of the site")
            return None
        site = Path(os.path.realpath(self.directory))  # on every request: a build may replace the whole folder
        try:
            path = _inside(site, site.joinpath(*words))
            if path is not None and path.is_dir():
                if not _raw_path(self.path).endswith("/"):
                    self._redirect_to_folder()
                    return None
                path = _inside(site, path / "index.html")
        except OSError:  # a name too long for the file system, say: no file of the site
            path = None
        stream = _open_regular_file(path) if path is not None else None
        if path is None or stream is None:
            self.send_error(HTTPStatus.NOT_FOUND, "File not found")
            return None
        try:
            status = os.fstat(stream.fileno())
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-type", self.guess_type(path))
            self.send_header("Content-Length", str(status.st_size))
            self.send_header("Last-Modified", self.date_time_string(int(status.st_mtime)))
            self.end_headers()
        except BaseException:
            stream.close()
            raise
        return stream

    def _redirect_to_folder(self) -> None:
        """A folder asked for without its trailing slash: the browser must ask again with it, or the page's relative
        links would be read from the folder above."""
        path = _raw_path(self.path)
        self.send_response(HTTPStatus.MOVED_PERMANENTLY)
        self.send_header("Location", path + "/" + self.path[len(path):])
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")  # a reload always shows the latest build
        super().end_headers()


def _path_words(target: str) -> list[str] | None:
    """The names on the request target's path, decoded and normalised ('/a/../b/c' is ['b', 'c']), or None when it
    is not the path of a file: no leading slash, escapes that are not UTF-8, a NUL byte."""
    if not target.startswith("/"):
        return None
    try:
        path = urllib.parse.unquote(_raw_path(target), errors="strict")
    except UnicodeDecodeError:
        return None
    if "\0" in path:
        return None
    return [word for word in posixpath.normpath(path).split("/") if word not in ("", ".", "..")]


def _raw_path(target: str) -> str:
    """The request target without its query and fragment, as the browser sent it."""
    return target.split("?", 1)[0].split("#", 1)[0]


def _inside(site: Path, path: Path) -> Path | None:
    """The real path of `path` when it lies inside `site` (itself a real path), else None."""
    real = Path(os.path.realpath(path))
    return real if real.is_relative_to(site) else None


def _open_regular_file(path: Path) -> BinaryIO | None:
    """The file at `path` (a real path) open for reading when it is a regular file, else None: never a folder, a
    device, or a pipe that would hold the request forever."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        return None
    return os.fdopen(descriptor, "rb")
