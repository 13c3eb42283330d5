"""Sharing independent jobs among the machine's cores (write stage).

Worker processes are forked, so they start with the catalog, the templates and the jobs already in memory: only a
job's index and its small result cross between processes. Jobs are grouped into batches of about equal work (each
job says how much it is: a page that lists 1,000 papers weighs 1,000), and the heaviest batches go out first, so no
core waits long for another at the end. Small amounts of work, machines with one core and systems without fork
run in this process instead: the results are the same either way.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

Job = TypeVar("Job")
Result = TypeVar("Result")

MIN_WEIGHT_PER_WORKER = 500
"""Below this a worker costs more (forking, sending results back) than it saves."""
BATCH_WEIGHT = 100

_work: tuple[Callable[[Any], Any], Sequence[Any]] | None = None
"""The function and jobs of the current run, set just before forking so that the workers inherit them."""


def run_in_parallel(function: Callable[[Job], Result], jobs: Sequence[Job],
                    weights: Sequence[int] | None = None) -> list[Result]:
    """`[function(job) for job in jobs]`, computed by several processes when that pays; `weights` says how much
    work each job is (1 each when not given)."""
    global _work
    weights = weights if weights is not None else [1] * len(jobs)
    workers = min(_core_count(), sum(weights) // MIN_WEIGHT_PER_WORKER)
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return [function(job) for job in jobs]
    batches = sorted(_batches(weights), key=lambda batch: -sum(weights[index] for index in batch))
    results: list[Any] = [None] * len(jobs)
    _work = (function, jobs)
    gc.freeze()  # the collector in a worker would otherwise touch, and so copy, every object the parent made
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for indices, batch_results in pool.imap_unordered(_run_batch, batches):
                for index, result in zip(indices, batch_results):
                    results[index] = result
    finally:
        _work = None
        gc.unfreeze()
    return results


def _batches(weights: Sequence[int]) -> list[list[int]]:
    """Consecutive job indices, grouped until a group weighs BATCH_WEIGHT."""
    batches: list[list[int]] = [[]]
    total = 0
    for index, weight in enumerate(weights):
        if total >= BATCH_WEIGHT:
            batches.append([])
            total = 0
        batches[-1].append(index)
        total += weight
    return [batch for batch in batches if batch]


def _run_batch(indices: list[int]) -> tuple[list[int], list[Any]]:
    if _work is None:
        raise RuntimeError("a worker started without work: workers must be forked by run_in_parallel")
    function, jobs = _work
    return indices, [function(jobs[index]) for index in indices]


def _core_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
