"""Sharing independent jobs among the machine's cores (load, README and write stages).

Each job says how much work it is (a page that lists 1,000 papers weighs 1,000; a paper's page weighs 1). Light
jobs are grouped into batches that weigh about the same; a heavy job is a batch of its own. This process works
too: it forks one helper process fewer than there are cores, and takes batches from the front of a shared queue
(the heavy jobs, heaviest first) while helpers take them from the back (light ones), until the two meet, so no
core waits long for another at the end. Forked helpers start with the catalog, the templates and the jobs already
in memory, so only a job's result crosses between processes, as soon as its batch is done. Small amounts of work,
machines with one core and systems without fork run in this process alone: the results are the same.

Every forked helper holds a private copy of each part of this process's memory it touches (Python's reference
counts write to every object read). That is why this process works instead of waiting (one copy fewer), why
heavy jobs stay here (a page listing every paper reads much of what this process holds, and would leave a helper
with a copy of it, and of every paper card it rendered), and why a helper that has copied a good share of it hands
its place to a new one, forked from this process as it is then, which shares it again.

Work started `in_background` (writing a cache for the next build) gives way to the rest of the build: it runs at a
lower priority. Work started `beside` (the search index) runs as the build does, and sends its result back.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from multiprocessing.connection import Connection
from typing import Any, Generic, TypeVar

log = logging.getLogger("headcat")
Job = TypeVar("Job")
Result = TypeVar("Result")

PIPE_BYTES = 1 << 20
"""How much a helper can send before it waits for this process to read. Results are read by a thread of this
process, which runs only when the thread doing jobs lets it (every 5 ms, Python's switch interval): a helper whose
results outgrow the pipe (64 KiB by default on Linux) would wait that long every 64 KiB."""
LOWER_PRIORITY = 10
"""How much helpers that give way lower their priority (their niceness, 0 to 19): at 10, Linux gives a process of
the usual priority about nine tenths of a core they share."""
HELPER_MEMORY_SHARE = 0.6
"""How much memory a forked helper may make its own, as a share of this process's resident memory when it was
forked, before it hands its place to a new helper (`_SharedRun._help_out`). At 10,000 papers a helper makes about
90% of it its own over a build; at 0.6 it is forked again (about twice), which took the build's peak memory
(summed PSS) from 311-316 to 290-295 MiB for 40,000 to 80,000 more page faults (of about 190,000); at 0.5, about
the same memory for 70,000 to 140,000 more (benchmarks/README.md, run AK)."""
HELPER_RENEWALS = 2
"""How many times a helper's place is taken by a new one in one `run_in_parallel`; the last one keeps it to the end.
A helper's faults count the memory it allocates as well as what it copies, and at 100,000 papers it allocates
several times HELPER_MEMORY_SHARE in a build: renewed each time, the build took 323 s instead of 274 s (3.5 million
page faults instead of 1.7) for 1,804 instead of 2,035 MiB summed PSS. At 10,000 papers a helper is renewed about
twice; with one renewal the cold build's peak was 289 MiB, with two or more 279 to 281 MiB."""
MIN_WEIGHT_PER_WORKER = 500
"""Below this a helper process costs more (forking, sending results back) than it saves."""
BATCH_WEIGHT = 100


def run_in_parallel(function: Callable[[Job], Result], jobs: Sequence[Job], weights: Sequence[int] | None = None,
                    collect: Callable[[Result], Any] | None = None) -> list[Any]:
    """`[function(job) for job in jobs]`, computed by several processes when that pays; `weights` says how much
    work each job is (1 each when not given). With `collect`, each result is passed to it in this process as soon
    as it arrives (one at a time, in no particular order), and what it returns is kept instead of the result.
    An exception raised by a job, in any process, is raised here."""
    weights = weights if weights is not None else [1] * len(jobs)
    workers = min(_core_count(), sum(weights) // MIN_WEIGHT_PER_WORKER)
    keep = collect or (lambda result: result)
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return [keep(function(job)) for job in jobs]
    return _SharedRun(function, jobs, _plan_batches(weights), keep).run(helpers=workers - 1)


def _plan_batches(weights: Sequence[int]) -> list[list[int]]:
    """The jobs' indices in batches, in the order this process takes them: the heavy jobs, heaviest first, one
    batch each; then the light ones, grouped into batches of about BATCH_WEIGHT, heaviest batch first."""
    heavy = sorted((index for index, weight in enumerate(weights) if weight > BATCH_WEIGHT),
                   key=lambda index: -weights[index])
    light = _batches([index for index, weight in enumerate(weights) if weight <= BATCH_WEIGHT], weights)
    return [[index] for index in heavy] + sorted(light, key=lambda batch: -sum(weights[index] for index in batch))


class _SharedRun:
    """One `run_in_parallel` shared with forked helpers: this process takes batches from the front of the shared
    list, helpers from the back, until the two meet; each result is filed as soon as it arrives."""

    def __init__(self, function: Callable[[Any], Any], jobs: Sequence[Any], batches: list[list[int]],
                 keep: Callable[[Any], Any]) -> None:
        self.function, self.jobs, self.batches, self.keep = function, jobs, batches, keep
        self.context = multiprocessing.get_context("fork")
        self.ends = self.context.Array("l", [0, len(batches)])  # the first batch nobody took, and one past the last
        self.results: list[Any] = [None] * len(jobs)
        self.failures: list[BaseException] = []
        self.collecting = threading.Lock()  # `keep` sees one result at a time
        self.parent = os.getpid()
        self.retired: list[int] = []
        """The places (in `run`'s list of helpers) of helpers that ended with batches left, to be forked again."""

    def run(self, helpers: int) -> list[Any]:
        started: list[tuple[Any, Connection, threading.Thread]] = []
        collecting_here = gc.isenabled()  # a build pauses the collector (collector.py); other callers may not
        if collecting_here:
            gc.freeze()  # the collector in a helper would otherwise touch, and so copy, every object this process made
        try:
            renewals = [0] * helpers
            for place in range(helpers):
                started.append(self._start_helper(place, renewed=0))
            for indices in self._take(from_front=True):
                while self.retired:  # forked again from this process's memory as it is now: see _help_out
                    place = self.retired.pop()
                    _end(*started[place])
                    renewals[place] += 1
                    started[place] = self._start_helper(place, renewals[place])
                for index in indices:
                    result = self.function(self.jobs[index])
                    with self.collecting:
                        self.results[index] = self.keep(result)
        finally:
            if collecting_here:
                gc.unfreeze()
            self._stop()  # after a failure here, the helpers take no more batches
            for helper in started:
                _end(*helper)
        if self.failures:
            raise self.failures[0]
        return self.results

    def _start_helper(self, place: int, renewed: int) -> tuple[Any, Connection, threading.Thread]:
        """A forked helper (the `renewed`-th to take its place), and the thread of this process that receives its
        results. It retires once it made its share of pages its own, unless it is the last one allowed."""
        own_pages = _helper_pages() if renewed < HELPER_RENEWALS else sys.maxsize
        receiving, sending = self.context.Pipe(duplex=False)
        _widen(sending)
        helper = self.context.Process(target=self._help_out, args=(sending, own_pages), daemon=True)
        helper.start()
        sending.close()
        receiver = threading.Thread(target=self._receive, args=(receiving, place), daemon=True)
        receiver.start()
        return helper, receiving, receiver

    def _take(self, from_front: bool) -> Iterator[list[int]]:
        """This process takes batches from the front (the heavy jobs), helpers from the back (light ones)."""
        while True:
            with self.ends.get_lock():
                if self.ends[0] >= self.ends[1]:
                    return
                if from_front:
                    number = self.ends[0]
                    self.ends[0] += 1
                else:
                    self.ends[1] -= 1
                    number = self.ends[1]
            yield self.batches[number]

    def _help_out(self, connection: Connection, own_pages: int) -> None:
        """A helper's whole life: batches until none is left, each batch's results sent back as soon as they are
        ready (so the helper holds none of them), then 'done', or the first error.

        Or 'retired', once the helper has made `own_pages` pages of memory its own: a forked helper shares this
        process's memory until either writes to a page, and Python writes to every object it reads (reference
        counts), so a helper that reads the whole catalog would end up with a copy of it, and the build with twice
        its memory. This process then forks a new helper, which shares its memory again; each fork costs the
        copies made afresh (a few hundred page faults a MiB), so the share is not small."""
        _end_with(self.parent)
        try:
            for indices in self._take(from_front=False):
                connection.send(("batch", indices, [self.function(self.jobs[index]) for index in indices]))
                if _pages_made_own() > own_pages:
                    connection.send(("retired", None, None))
                    return
            connection.send(("done", None, None))
        except BaseException as error:  # noqa: BLE001  # any failure is the parent's to report
            try:
                connection.send(("failed", None, _sendable(error)))
            except OSError:
                pass  # the parent stopped listening: it failed itself, and reports that
        finally:
            connection.close()

    def _receive(self, connection: Connection, place: int) -> None:
        """Runs on a thread of this process while it works: files each result a helper sends, and notes a helper
        that retired (this thread does not fork its successor: a fork copies only the thread that forks, and the
        locks the others hold stay held in the child)."""
        try:
            while True:
                outcome, indices, payload = connection.recv()
                if outcome == "batch":
                    with self.collecting:
                        for index, result in zip(indices, payload, strict=True):
                            self.results[index] = self.keep(result)
                    continue
                if outcome == "failed":
                    self.failures.append(payload)
                elif outcome == "retired":
                    self.retired.append(place)
                return
        except EOFError:
            self.failures.append(RuntimeError("a helper process ended without sending all its results (killed, or "
                                              "out of memory?)"))
        except BaseException as error:  # noqa: BLE001  # `keep` failed here: the caller must hear of it
            self.failures.append(error)
        finally:
            if self.failures:
                self._stop()

    def _stop(self) -> None:
        with self.ends.get_lock():
            self.ends[0] = self.ends[1]  # no process takes another batch


def _end(helper: Any, receiving: Connection, receiver: threading.Thread) -> None:
    """Wait for a helper that has sent its last message, and close what this process kept of it."""
    receiver.join()
    receiving.close()
    helper.join(timeout=5)
    if helper.is_alive():
        helper.terminate()


def _helper_pages() -> int:
    """How many pages a helper forked now may make its own: HELPER_MEMORY_SHARE of this process's resident memory
    (Linux); no limit where that cannot be read."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(HELPER_MEMORY_SHARE * int(statm.read().split()[1]))
    except (OSError, IndexError, ValueError):
        return sys.maxsize


def _pages_made_own() -> int:
    """The pages of memory this process has made its own since it was forked: its minor page faults (a page copied
    on a first write, or one newly given), which a forked child counts from zero; 0 where they are not counted."""
    try:
        import resource  # Unix only, as fork is
    except ImportError:
        return 0
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


class Pending(Generic[Result]):
    """A result being worked out by `beside`: `result` waits for it, `cancel` stops the work."""

    def __init__(self, function: Callable[[], Result]) -> None:
        self._function: Callable[[], Result] | None = function
        self._process: Any = None
        self._connection: Connection | None = None
        if _core_count() < 2 or "fork" not in multiprocessing.get_all_start_methods():
            return  # worked out here, when asked
        receiving, sending = multiprocessing.get_context("fork").Pipe(duplex=False)
        self._process = multiprocessing.get_context("fork").Process(
            target=_work_beside, args=(function, sending, os.getpid()), daemon=True)
        self._process.start()
        sending.close()
        self._connection = receiving
        self._function = None

    def result(self) -> Result:
        """The function's result (its error, raised here, when it failed)."""
        if self._function is not None:
            return self._function()
        assert self._connection is not None and self._process is not None
        try:
            outcome = self._connection.recv()
        except EOFError:
            outcome = RuntimeError(f"a child process of the build ended without its result ({self._process.exitcode})")
        finally:
            self._connection.close()
            self._process.join()
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome  # type: ignore[no-any-return]

    def cancel(self) -> None:
        """Stop the work if it is still going on (the build failed before it needed the result)."""
        if self._process is not None and self._process.is_alive():
            self._process.kill()
            self._process.join()
        if self._connection is not None:
            self._connection.close()


def beside(function: Callable[[], Result]) -> Pending[Result]:
    """Work out `function()` in a forked child process while this one goes on (the child sees this process's memory
    as it is now, and sends back the result, pickled). On one core or without fork, it is worked out here, when its
    result is asked for."""
    return Pending(function)


def _work_beside(function: Callable[[], Any], connection: Connection, parent: int) -> None:
    _end_with(parent)
    _widen(connection)
    try:
        outcome = function()
    except BaseException as error:  # noqa: BLE001  # sent to the build, which raises it
        outcome = _sendable(error)
    connection.send(outcome)
    connection.close()


_background_scopes: list[list[Any]] = []
"""The child processes started by `in_background` in each `background_work` block still open, innermost last."""


@contextmanager
def background_work() -> Iterator[None]:
    """Work started with `in_background` inside this block has ended when the block ends."""
    _background_scopes.append([])
    try:
        yield
    finally:
        for process in _background_scopes.pop():
            process.join()


def in_background(function: Callable[[], object], what: str) -> None:
    """Run `function` in a forked child process while this one goes on (the child sees this process's memory as it
    is now), to be finished when the enclosing `background_work` block ends. For work whose only result is a file
    (the paper cache): a failure is a warning on stderr naming `what`, not an error. Outside such a block, on one
    core or without fork, it runs here and now."""
    if not _background_scopes or _core_count() < 2 or "fork" not in multiprocessing.get_all_start_methods():
        _run_quietly(function, what)
        return
    process = multiprocessing.get_context("fork").Process(target=_give_way_and_run, args=(function, what, os.getpid()),
                                                          daemon=True)
    process.start()
    _background_scopes[-1].append(process)


def _give_way_and_run(function: Callable[[], object], what: str, parent: int) -> None:
    """In a child started by `in_background`: nothing waits for its work until the build ends, so it gives way."""
    _end_with(parent)
    _lower_priority()
    _run_quietly(function, what)


def _run_quietly(function: Callable[[], object], what: str) -> None:
    try:
        function()
    except Exception as error:  # noqa: BLE001  # the build goes on without it: say so, once
        log.warning("could not %s: %s", what, error)


def _end_with(parent: int) -> None:
    """Have the system end this forked child when `parent` (the build) ends, where it can (Linux). A build that is
    killed would otherwise leave helpers waiting for ever to send results nobody reads, and holding what the build
    held open: its output folder's lock, which the next build would wait for."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (AttributeError, OSError):
        return  # not Linux: a killed build's helpers end when their work does
    if os.getppid() != parent:  # the build ended before the request was made: end as the request would have
        os.kill(os.getpid(), signal.SIGKILL)


PR_SET_PDEATHSIG = 1
"""prctl's option that names the signal a child gets when its parent ends (linux/prctl.h)."""


def _lower_priority() -> None:
    """Lower this process's priority by LOWER_PRIORITY, where the system allows it."""
    try:
        os.nice(LOWER_PRIORITY)
    except (AttributeError, OSError):
        pass  # not Unix, or not permitted: the work is the same, only shared differently


def _widen(connection: Connection) -> None:
    """Make the pipe under `connection` hold PIPE_BYTES, where the system allows it (Linux); else leave it."""
    try:
        import fcntl

        fcntl.fcntl(connection.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (ImportError, AttributeError, OSError):
        pass  # not Linux, or a limit below PIPE_BYTES: the default size works, a little slower


def _sendable(error: BaseException) -> BaseException:
    """The error itself when it survives pickling (a located template problem does), else its traceback as text."""
    try:
        pickle.loads(pickle.dumps(error))  # noqa: S301  # our own object, pickled a line before
        return error
    except Exception:  # noqa: BLE001  # any pickling failure
        return RuntimeError("in a helper process:\n" + "".join(traceback.format_exception(error)))


def _batches(indices: Sequence[int], weights: Sequence[int]) -> list[list[int]]:
    """These job indices in their order, grouped until a group weighs BATCH_WEIGHT."""
    batches: list[list[int]] = [[]]
    total = 0
    for index in indices:
        if total >= BATCH_WEIGHT:
            batches.append([])
            total = 0
        batches[-1].append(index)
        total += weights[index]
    return [batch for batch in batches if batch]


_job_limit: int | None = None


def limit_jobs(count: int | None) -> None:
    """Let at most `count` processes work on a build, this one included (`headcat build -j N`); None: one per core.
    With 1, nothing is forked: every step runs in this process, in the same order, with the same output."""
    global _job_limit
    _job_limit = count


def _core_count() -> int:
    """The cores this process may use, at most the job limit."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, _job_limit)) if _job_limit else cores
