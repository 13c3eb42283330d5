"""The process machinery (process/): sharing work among cores, work in the background, and the paused collector."""

from __future__ import annotations

import gc
import os
import time
from pathlib import Path

import pytest

from headcat.commands.cli import show_warnings
from headcat.process import collector, parallel


@pytest.fixture
def in_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Work in forked helper processes even for a few jobs (as a large catalog does)."""
    monkeypatch.setattr(parallel, "MIN_WEIGHT_PER_WORKER", 1)
    monkeypatch.setattr(parallel, "BATCH_WEIGHT", 3)
    monkeypatch.setattr(parallel, "_core_count", lambda: 2)


def test_background_work_is_done_in_a_child_process_by_the_end_of_its_block(tmp_path: Path, in_workers: None) -> None:
    done = tmp_path / "done"

    def work() -> None:
        time.sleep(0.2)
        done.write_text(str(os.getpid()), encoding="utf-8")

    with parallel.background_work():
        parallel.in_background(work, "write a file")
        assert not done.exists()
    assert done.read_text(encoding="utf-8") != str(os.getpid())


def test_a_failure_in_background_work_is_a_warning(capfd: pytest.CaptureFixture[str], in_workers: None) -> None:
    show_warnings()  # as the command does
    with parallel.background_work():
        parallel.in_background(lambda: 1 / 0, "divide")
    assert capfd.readouterr().err == "headcat: warning: could not divide: division by zero\n"


def square_and_pid(job: int) -> tuple[int, int]:
    """A job that tells which process ran it."""
    time.sleep(0.005)  # long enough for forked helpers to take batches too
    return job * job, os.getpid()


def test_run_in_parallel_returns_every_result_in_job_order(in_workers: None) -> None:
    jobs = list(range(60))
    results = parallel.run_in_parallel(square_and_pid, jobs, weights=[1 + job % 7 for job in jobs])
    assert [result for result, _ in results] == [job * job for job in jobs]
    assert len({pid for _, pid in results}) == 2  # this process and one helper shared the work


def test_what_a_paused_build_made_is_old_when_the_collector_resumes() -> None:
    assert gc.isenabled()
    with collector.paused():
        assert not gc.isenabled()
        made = [[index] for index in range(10_000)]  # containers the collector tracks
    assert gc.isenabled()
    # In the oldest generation, not scanned as young objects by the first collection after the build.
    assert any(item is made for item in gc.get_objects(generation=2))
    assert not any(item is made for item in gc.get_objects(generation=0))


def priority(job: int) -> tuple[int, int]:
    """A job that tells which process ran it, and at what niceness."""
    time.sleep(0.005)  # long enough for the forked helper to take batches too
    return os.getpid(), os.nice(0)


def test_helpers_run_at_this_process_priority(in_workers: None) -> None:
    here = os.nice(0)
    results = parallel.run_in_parallel(priority, list(range(60)))
    assert {niceness for pid, niceness in results} == {here}
    assert len({pid for pid, niceness in results}) == 2  # the helper took batches too


def test_work_beside_the_build_runs_in_a_child_and_sends_its_result(in_workers: None) -> None:
    pending = parallel.beside(lambda: (os.getpid(), "made"))
    child, made = pending.result()
    assert child != os.getpid() and made == "made"


def test_an_error_beside_the_build_is_raised_where_the_result_is_asked_for(in_workers: None) -> None:
    def fail() -> None:
        raise ValueError("no index")

    pending = parallel.beside(fail)
    with pytest.raises(ValueError, match="no index"):
        pending.result()


def test_work_beside_the_build_can_be_stopped(in_workers: None) -> None:
    pending = parallel.beside(lambda: time.sleep(60))
    started = time.monotonic()
    pending.cancel()
    assert time.monotonic() - started < 30


def test_on_one_core_work_beside_is_done_here_when_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "_core_count", lambda: 1)
    asked: list[int] = []
    pending = parallel.beside(lambda: asked.append(os.getpid()) or "done")  # type: ignore[func-returns-value]
    assert pending.result() == "done" and asked == [os.getpid()]


def test_background_work_gives_way(tmp_path: Path, in_workers: None) -> None:
    seen = tmp_path / "niceness"
    with parallel.background_work():
        parallel.in_background(lambda: seen.write_text(str(os.nice(0)), encoding="utf-8"), "write a file")
    assert int(seen.read_text(encoding="utf-8")) == min(19, os.nice(0) + parallel.LOWER_PRIORITY)


def test_an_error_in_a_helper_process_is_raised_in_this_one(in_workers: None) -> None:
    parent = os.getpid()

    def fail_in_helper(job: int) -> int:
        time.sleep(0.005)
        if os.getpid() != parent:
            raise ValueError(f"job {job} failed in a helper")
        return job

    with pytest.raises(ValueError, match="failed in a helper"):
        parallel.run_in_parallel(fail_in_helper, list(range(60)))


def test_an_error_in_collecting_a_helpers_result_is_raised_in_this_process(in_workers: None) -> None:
    def slow(job: int) -> int:
        time.sleep(0.005)
        return job

    def collect(result: int) -> int:
        if result == 59:  # in the last batch, which the helper takes first
            raise OSError("no space left on device")
        return result

    with pytest.raises(OSError, match="no space left"):
        parallel.run_in_parallel(slow, list(range(60)), collect=collect)


def test_a_helper_that_made_its_share_of_memory_its_own_hands_its_place_to_a_new_one(
        in_workers: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "HELPER_MEMORY_SHARE", 0.0)  # every helper retires after its first batch
    monkeypatch.setattr(parallel, "HELPER_RENEWALS", 1000)

    jobs = list(range(60))
    results = parallel.run_in_parallel(square_and_pid, jobs)
    assert [result for result, _ in results] == [job * job for job in jobs]
    helpers = [pid for _, pid in results if pid != os.getpid()]
    assert len(set(helpers)) >= 2  # forked again after the first retired
    assert max(helpers.count(pid) for pid in helpers) <= parallel.BATCH_WEIGHT  # one batch each


def test_an_error_in_a_helper_forked_again_is_raised_in_this_process(
        in_workers: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "HELPER_MEMORY_SHARE", 0.0)
    monkeypatch.setattr(parallel, "HELPER_RENEWALS", 1000)
    parent = os.getpid()

    def fail_in_a_later_helper(job: int) -> int:
        time.sleep(0.005)
        if os.getpid() != parent and job < 57:  # the first helper takes the last batch (57 to 59), and retires
            raise ValueError(f"job {job} failed in a later helper")
        return job

    with pytest.raises(ValueError, match="failed in a later helper"):
        parallel.run_in_parallel(fail_in_a_later_helper, list(range(60)))


def test_a_helpers_place_is_taken_by_a_new_one_at_most_helper_renewals_times(
        in_workers: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "HELPER_MEMORY_SHARE", 0.0)
    monkeypatch.setattr(parallel, "HELPER_RENEWALS", 2)

    jobs = list(range(90))
    results = parallel.run_in_parallel(square_and_pid, jobs)
    assert [result for result, _ in results] == [job * job for job in jobs]
    helpers = [pid for _, pid in results if pid != os.getpid()]
    assert len(set(helpers)) == 3  # the first helper, and two that took its place; the last kept it
    assert max(helpers.count(pid) for pid in helpers) > parallel.BATCH_WEIGHT


def test_a_forked_child_counts_the_pages_it_makes_its_own_from_zero(in_workers: None) -> None:
    shared = bytearray(16 << 20)  # 16 MiB of this process's memory, written once here
    for offset in range(0, len(shared), 4096):
        shared[offset] = 1

    def write_half() -> tuple[int, int]:
        before = parallel._pages_made_own()
        for offset in range(0, len(shared) // 2, 4096):  # a write to each page copies it for this child
            shared[offset] = 2
        return before, parallel._pages_made_own()

    before, after = parallel.beside(write_half).result()
    assert before < parallel._pages_made_own()  # the child's count started at zero, not at this process's
    assert after - before >= (8 << 20) // 4096  # 8 MiB written: at least that many pages copied
