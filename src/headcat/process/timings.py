"""Where a build's time goes: wall time per stage, for `headcat build --timings` and the benchmarks.

Stages mark themselves with `with timed("name"):`; nothing is recorded unless `start_recording` was called, so an
ordinary build pays for nothing but a clock read per stage. `on_stage` hears each stage start: the progress line a
build shows on a terminal.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_records: list[tuple[str, float]] | None = None
_listener: Callable[[str], None] | None = None


def on_stage(listener: Callable[[str], None] | None) -> None:
    """Call `listener` with each stage's name as it starts (the command's progress line); None stops."""
    global _listener
    _listener = listener


def start_recording() -> None:
    global _records
    _records = []


def stop_recording() -> None:
    global _records
    _records = None


def recorded() -> list[tuple[str, float]]:
    """Each stage timed since `start_recording`, in the order they ended, with its seconds."""
    return list(_records or ())


@contextmanager
def timed(stage: str) -> Iterator[None]:
    if _listener is not None:
        _listener(stage)
    start = time.perf_counter()
    try:
        yield
    finally:
        if _records is not None:
            _records.append((stage, time.perf_counter() - start))
