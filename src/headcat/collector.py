"""When Python's cycle collector runs during a build.

A build makes millions of objects that live until it ends: paper models, the catalog, cached fragments. The
collector scans every object it tracks each time their number has grown by a quarter, which at 10,000 papers
costs about a second, and a forked helper that runs it touches, and so copies, every object it scans. So loading
runs without the collector (parsing and validating make no reference cycles, and the YAML loader breaks its own),
and what exists once the catalog is built is frozen: later collections scan only newer objects. The build
unfreezes everything when it ends, so a process that builds many times (headcat serve) frees old builds' cycles.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """No collection inside the block (objects are still freed as soon as nothing refers to them)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def long_lived_frozen() -> Iterator[None]:
    """Every object that exists now is left out of collections until the block ends."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
