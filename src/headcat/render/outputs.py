"""What the render stage makes: output files, each declared with what it is rendered from.

An `Output` is a file of the site: its path, the function that renders it, and that function's inputs, a plain
value (catalog papers, groups, settings, text). A render function reads its inputs, the templates and nothing else
(it is a plain module-level function, so it cannot carry data of its own), which is what makes an output's key
complete by construction: the build derives it from the render function's name and the inputs' fingerprint, with
the templates and headcat's own code (see pipeline.py and cache/). Pieces of pages that many outputs share (a
paper's card) are declared the same way, as fragments (context.py).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from headcat.cache.fingerprint import is_module_function
from headcat.cache.manifest import is_output_path

if TYPE_CHECKING:
    from headcat.render.context import RenderContext

Content = bytes | Iterable[str]
"""A file's bytes, or its text in pieces, written as they come (so a page of 20 MB never sits in memory whole)."""

Render = Callable[[Any, "RenderContext"], Content]
"""A render function: (its inputs, the render context) -> the file's content."""


class UndeclaredInputError(TypeError):
    """A render function that could read something besides its declared inputs: a bug in headcat."""


@dataclass(frozen=True)
class Output:
    """One file of the output: rendered by `render(inputs, context)` unless the previous build's file was rendered
    from the same inputs."""

    path: str
    """Relative, with forward slashes: 'papers/x/index.html'."""
    render: Render
    inputs: object
    """Everything `render` reads besides the templates: the key of the file is derived from it."""
    weight: int = 1
    """About how much work rendering it is: the number of papers it shows."""

    def __post_init__(self) -> None:
        if not is_output_path(self.path):
            raise ValueError(f"output path must be relative and inside the output folder: {self.path!r}")
        check_render_function(self.render)


@dataclass(frozen=True)
class OutputFile:
    """A file whose bytes are at hand, made outside the render stage's key (the search index's files): its key says
    what it was made from."""

    path: str
    content: bytes
    key: str

    def __post_init__(self) -> None:
        if not is_output_path(self.path):
            raise ValueError(f"output path must be relative and inside the output folder: {self.path!r}")


@functools.cache
def check_render_function(render: Callable[..., object]) -> None:
    """A render function must be a plain function defined at a module's top level: a closure, a bound method or a
    partial could read data the output's key does not cover."""
    if not is_module_function(render):
        raise UndeclaredInputError(f"{render!r} is not a module-level function: pass what it reads as its inputs")


@functools.cache
def render_name(render: Callable[..., object]) -> str:
    """A render function's name in keys: its module and name."""
    return f"{render.__module__}.{render.__qualname__}"
