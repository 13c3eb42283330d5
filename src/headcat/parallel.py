"""Sharing independent render jobs among the machine's cores (render stage).

Worker processes are forked, so they start with the catalog and templates already in memory; jobs go to them in
small batches and the results come back in order, one batch at a time, so that a large site is never held in
memory whole. Small job lists, machines with one core and systems without fork run in this process instead: the
results are the same either way.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

Result = TypeVar("Result")

MIN_JOBS_PER_WORKER = 500
"""Below this a worker costs more (forking, sending results back) than it saves."""
BATCH_SIZE = 100

_work: tuple[Callable[..., Any], Sequence[tuple[Any, ...]]] | None = None
"""The function and jobs of the current run, set just before forking so that the workers inherit them."""


def run_in_parallel(function: Callable[..., Result], jobs: Sequence[tuple[Any, ...]]) -> Iterator[Result]:
    """`function(*job)` for each job, in order, computed by several processes when that pays."""
    global _work
    workers = min(_core_count(), len(jobs) // MIN_JOBS_PER_WORKER)
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        yield from (function(*job) for job in jobs)
        return
    _work = (function, jobs)
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for batch in pool.imap(_run_batch, range(0, len(jobs), BATCH_SIZE)):
                yield from batch
    finally:
        _work = None


def _run_batch(start: int) -> list[Any]:
    if _work is None:
        raise RuntimeError("a worker started without work: workers must be forked by run_in_parallel")
    function, jobs = _work
    return [function(*job) for job in jobs[start:start + BATCH_SIZE]]


def _core_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
