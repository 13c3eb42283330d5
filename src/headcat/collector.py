"""When Python's cycle collector runs during a build: not at all, until the build ends.

A build makes millions of objects that live until it ends: paper models, the catalog, cached fragments. The
collector scans every object it tracks each time their number has grown by a quarter, which at 10,000 papers costs
about a second, and a forked helper that runs it touches, and so copies, every object it scans. A build makes no
reference cycles that matter (parsing, validating and grouping make none, the YAML loader breaks its own, and
rendering 3,000 pages leaves none behind), so the collector is paused while a build runs; objects are still freed
as soon as nothing refers to them. It runs as usual once the build has ended (headcat serve builds many times).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """No collection inside the block (it may be nested)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
