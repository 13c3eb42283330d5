"""Rendering the outputs (render stage): each file rendered and written, unless the previous build made it from the
same inputs.

For every output, its key is derived from what it declares it reads (outputs.py): the fingerprint of its path,
render function and inputs, with headcat's code and the templates (the context's key). A file the previous build
rendered from the same key, and still there as it was written, is kept without rendering it; the others are
rendered, each by the process that renders it writing it into the staging folder (write stage), so that no large
site passes through one process. Both are done on every core: in a rebuild that renders a few files, the keys are
most of the work.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from typing import Any, Protocol

from headcat.cache.fragments import Fragments
from headcat.cache.manifest import OutputManifest
from headcat.process.parallel import run_in_parallel
from headcat.process.timings import timed
from headcat.render.context import RenderContext
from headcat.render.outputs import Content, Output, render_name

ErrorContext = Callable[[], AbstractContextManager[object]]


class OutputSink(Protocol):
    """Where rendered files go: the write stage's staging folder (write/staging.py), passed in by the pipeline."""

    def claim(self, path: str) -> None:
        """Hold `path`'s place among the outputs (a path is claimed once)."""

    def keep_claimed(self, path: str) -> None:
        """Keep the previous build's file at `path`, claimed before, as it is."""

    def write_file(self, path: str, content: Content, key: str) -> Any:  # the sink's own value
        """Write one file (in whichever process rendered it) and describe it."""

    def record(self, path: str, written: Any) -> None:
        """Note a file written by `write_file` (in this process), as it described it."""


def output_key(output: Output, context: RenderContext) -> str:
    """What the file at `output.path` is rendered from: its render function and inputs, and the context's key."""
    return context.fingerprints.key(context.key, output.path, render_name(output.render), output.inputs)


def render_outputs(outputs: Iterable[Output], context: RenderContext, staging: OutputSink,
                   previous: OutputManifest | None, errors: ErrorContext = nullcontext) -> int:
    """Render every output into `staging`, except those `previous` (the previous build's manifest, None without
    the build cache) holds as made from the same key. Outputs are keyed, and rendered when they must be, on every
    core (a rebuild that renders little is mostly keys). Each is rendered inside `errors()`, which can turn an
    exception into a located problem while its traceback is at hand; fragments rendered by helpers come back with
    their results and go to the context's store. Returns how many were rendered."""
    with timed("list the outputs"):
        listed = list(outputs)
        for output in listed:
            staging.claim(output.path)  # in the outputs' order, whichever process keys each

    def key_and_render(output: Output) -> str | tuple[str, object, Fragments]:
        key = output_key(output, context) if previous is not None else ""
        if previous is not None and previous.is_current(output.path, key):
            return output.path
        with errors():  # a file in pieces is rendered as it is written
            written = staging.write_file(output.path, output.render(output.inputs, context), key)
        return output.path, written, context.take_fresh()

    rendered = 0

    def collect(result: str | tuple[str, object, Fragments]) -> None:
        nonlocal rendered
        if isinstance(result, str):
            staging.keep_claimed(result)
            return
        path, written, fragments = result
        context.keep(fragments)  # into the store as they arrive, not held until every file is written
        staging.record(path, written)
        rendered += 1

    with timed(f"key {len(listed)} outputs, render and write those that changed"):
        run_in_parallel(key_and_render, listed, [output.weight for output in listed], collect=collect)
    return rendered


def render_in_memory(outputs: Iterable[Output], context: RenderContext) -> dict[str, bytes]:
    """Every output's bytes by path, rendered in this process and kept in memory (for tools and tests that need no
    output folder)."""
    return {output.path: as_bytes(output.render(output.inputs, context)) for output in outputs}


def as_bytes(content: Content) -> bytes:
    return content if isinstance(content, bytes) else "".join(content).encode("utf-8")
