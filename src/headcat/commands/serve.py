"""`headcat serve`: the built site on localhost, rebuilt whenever a source file changes, and pages that reload
themselves after each rebuild and show the problems of a failed one.

Changes are file-system events (watchfiles: inotify, FSEvents, ReadDirectoryChangesW; an idle server does no work),
filtered to what a build reads. The server reads the output folder on every request, so the atomic swap of a
rebuild is picked up at once, and a failed rebuild leaves the last good site in place. Every HTML page it serves
(not the built file) loads /__headcat/reload.js, which asks /__headcat/status what the last build did: a new
build reloads the page, a failed one shows its problems over the last good site.

Only regular files whose real path lies inside the site folder's real path are served, that real path worked out
on every request (a build may replace the whole folder): a link in the site that leads out of it, a folder
without an index.html and a path that names no file are 404; a request path that is not one (no leading slash,
a NUL byte, escapes that are not UTF-8) is 400. No request ends in a dropped connection or a traceback.
"""

from __future__ import annotations

import errno
import io
import json
import os
import posixpath
import stat
import sys
import threading
import urllib.parse
from collections.abc import Callable, Sequence
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, BinaryIO

WATCHED = ("papers", "taxonomy.yaml", "templates", "pyproject.toml", "README.md", "CONTRIBUTING.md")
"""What a build reads, relative to the catalog root."""

STATUS_PATH = "/__headcat/status"
RELOAD_PATH = "/__headcat/reload.js"
RELOAD_TAG = f'<script src="{RELOAD_PATH}"></script>'.encode()

RELOAD_SCRIPT = """(() => {
  let seen = null;
  const show = (problems) => {
    let box = document.getElementById("headcat-build-problems");
    if (!problems.length) { if (box) box.remove(); return; }
    if (!box) {
      box = document.createElement("pre");
      box.id = "headcat-build-problems";
      box.setAttribute("role", "alert");
      Object.assign(box.style, {position: "fixed", inset: "auto 1rem 1rem 1rem", zIndex: 2147483647, margin: 0,
        maxHeight: "50vh", overflow: "auto", padding: "1rem", whiteSpace: "pre-wrap", font: "14px/1.4 monospace",
        background: "#2b0b0b", color: "#ffe8e8", border: "2px solid #ff6b6b", borderRadius: "6px"});
      document.body.append(box);
    }
    box.textContent = "headcat: the last build failed; this is the last good site.\\n\\n" + problems.join("\\n");
  };
  const poll = async () => {
    try {
      const status = await (await fetch("STATUS", {cache: "no-store"})).json();
      if (seen !== null && status.generation !== seen) { location.reload(); return; }
      seen = status.generation;
      show(status.problems);
    } catch (error) { /* the server stopped or is restarting: ask again */ }
    setTimeout(poll, 500);
  };
  poll();
})();
""".replace("STATUS", STATUS_PATH)
"""The script every served page loads: reload after a new build, show a failed build's problems."""


class BuildStatus:
    """What the last build did, for the pages: `generation` counts the builds that published a site, `problems`
    are the lines of the last build when it failed (empty when it succeeded)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.generation = 0
        self.problems: tuple[str, ...] = ()

    def published(self) -> None:
        with self._lock:
            self.generation += 1
            self.problems = ()

    def failed(self, problems: Sequence[str]) -> None:
        with self._lock:
            self.problems = tuple(problems)

    def as_json(self) -> bytes:
        with self._lock:
            return json.dumps({"generation": self.generation, "problems": list(self.problems)}).encode()


def is_source(root: Path, output: Path, path: str) -> bool:
    """Whether a changed path is one a build reads (under WATCHED, `root` being the catalog's real path), and not in
    the output folder (`output`, a real path)."""
    changed = Path(path)
    try:
        relative = changed.relative_to(root) if changed.is_absolute() else changed
    except ValueError:
        return False
    if not relative.parts or relative.parts[0] not in WATCHED:
        return False
    return not (changed == output or output in changed.parents)


class ServeError(Exception):
    """The server cannot listen where it was asked to (a port in use, say); the message says what to do."""


def start_server(out_dir: Path, port: int, status: BuildStatus | None = None,
                 host: str = "127.0.0.1") -> ThreadingHTTPServer:
    """Serve `out_dir` in a background thread, telling the pages what `status` says; the caller reads the port
    from server.server_address. Raises ServeError when the port cannot be listened on."""
    handler = partial(_SiteHandler, directory=str(out_dir), status=status or BuildStatus())
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
                  ready: threading.Event | None = None) -> None:
    """Call `on_change` after source files are added, removed or modified (a burst of changes once), until `stop`
    is set. `ready` is set once the watcher listens, so that no change after it is missed."""
    from watchfiles import watch  # only serve needs it

    real_root, output = root.resolve(), out_dir.resolve()  # once, not for every change

    def wanted(_: object, path: str) -> bool:
        return is_source(real_root, output, path)

    if ready is not None:
        ready.set()  # watchfiles starts listening as the first batch is asked for, which is now
    for _ in watch(root, watch_filter=wanted, stop_event=stop, debounce=200, step=50, raise_interrupt=False):
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
    terminal, which is for build messages; HTML pages with the reload script, and the build's status."""

    def __init__(self, *arguments: Any, status: BuildStatus, **options: Any) -> None:
        self.status = status
        super().__init__(*arguments, **options)

    def send_head(self) -> BinaryIO | None:
        """The response's status and headers, and the file to send (or None when the response is complete)."""
        own = {STATUS_PATH: (self.status.as_json, "application/json"),
               RELOAD_PATH: (RELOAD_SCRIPT.encode, "text/javascript")}.get(_raw_path(self.path))
        if own is not None:
            return self._send_bytes(own[0](), own[1])
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
            return self._not_found(site)
        kind = self.guess_type(path)
        if kind == "text/html":
            with stream:
                return self._send_bytes(_with_reload_script(stream.read()), kind)
        try:
            status = os.fstat(stream.fileno())
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-type", kind)
            self.send_header("Content-Length", str(status.st_size))
            self.send_header("Last-Modified", self.date_time_string(int(status.st_mtime)))
            self.end_headers()
        except BaseException:
            stream.close()
            raise
        return stream

    def _not_found(self, site: Path) -> BinaryIO | None:
        """The site's own 404 page, as GitHub Pages answers a missing address, read from the site's root at any
        depth (a base element says so, so its styles load); the standard answer when the site has none."""
        page_path = _inside(site, site / "404.html")
        stream = _open_regular_file(page_path) if page_path is not None else None
        if stream is None:
            self.send_error(HTTPStatus.NOT_FOUND, "File not found")
            return None
        with stream:
            page = stream.read()
        at = page.find(b"<head>")
        page = page[:at + 6] + b'<base href="/">' + page[at + 6:] if at >= 0 else page
        return self._send_bytes(_with_reload_script(page), "text/html", HTTPStatus.NOT_FOUND)

    def _send_bytes(self, body: bytes, kind: str, status: HTTPStatus = HTTPStatus.OK) -> BinaryIO:
        self.send_response(status)
        self.send_header("Content-type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)

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


def _with_reload_script(page: bytes) -> bytes:
    """The page with the reload script before its closing body tag (or at its end)."""
    at = page.rfind(b"</body>")
    return page[:at] + RELOAD_TAG + page[at:] if at >= 0 else page + RELOAD_TAG


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
