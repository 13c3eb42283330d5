"""Count the instructions of a cold headcat build in one process: a measure of work that a noisy machine does not move.

    python benchmarks/instructions.py [--papers 1000] [--source DIR ...] [--json PATH] [--work DIR]

Wall and CPU times on a shared machine drift by a quarter within minutes, more than most single changes save; the
number of instructions a build executes does not. This runs `headcat build ROOT --out OUT --no-search` on a synthetic
catalog (generate.py's, cached as run.py caches it) under Valgrind's callgrind, which counts every instruction of the
process, after deleting the output and the build cache. The build is pinned to one core, so that it forks neither
helpers nor the child that writes the paper cache: the count is the work a build does, not how it is shared. Hash
seeds are fixed. With several `--source` folders (each a checkout's `src/`, such as a `git worktree` of another
commit), each is counted in turn and compared with the first.

Needs Valgrind (`apt-get install valgrind`); about 80 s per build of 1,000 papers, 15 min at 10,000. Standard library
only. A count is not a time: memory stalls and system calls cost time without instructions, so use it to compare
two versions of the Python work, and run.py for the figures the targets are about.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import run

REPOSITORY_SOURCE = Path(__file__).resolve().parent.parent / "src"


def main() -> None:
    arguments = _parse_arguments()
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        sys.exit("instructions.py needs Valgrind: apt-get install valgrind")
    root, _ = run.prepare_catalogs(arguments.work, arguments.papers)
    counts: list[tuple[str, int]] = []
    for source in arguments.source:
        print(f"counting a cold build of {arguments.papers:,} papers with {source} ...", flush=True)
        counts.append((str(source), count_build(valgrind, source, root, arguments.work / "instructions-out")))
    first = counts[0][1]
    print(f"\ninstructions, cold build of {arguments.papers:,} papers, no search, one core")
    for source, count in counts:
        print(f"{count:>16,}  {count / first:6.3f}x  {count / arguments.papers:>12,.0f} per paper  {source}")
    if arguments.json:
        results = [{"source": source, "instructions": count} for source, count in counts]
        arguments.json.write_text(json.dumps({"papers": arguments.papers, "builds": results}, indent=1) + "\n",
                                  encoding="utf-8")


def count_build(valgrind: str, source: Path, root: Path, out: Path) -> int:
    """The instructions executed by one cold build of `root` with headcat's modules from `source`."""
    cache = out.parent / "instructions-cache"
    environment = {**run.installed_environment(), "PYTHONPATH": str(source), "PYTHONHASHSEED": "0",
                   "HEADCAT_CACHE_DIR": str(cache)}
    command = [sys.executable, "-m", "headcat", "build", str(root), "--out", str(out), "--no-search"]
    subprocess.run(command, env=environment, check=True, capture_output=True)  # compiles the modules once
    run.remove(*run.published(out), cache, root / ".headcat-cache")
    process = subprocess.run([valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null", *command],
                             env=environment, capture_output=True, text=True, preexec_fn=_one_core)
    run.remove(*run.published(out), cache, root / ".headcat-cache")
    if process.returncode != 0:
        sys.exit(f"the build under Valgrind failed ({process.returncode}):\n{process.stderr[-2000:]}")
    found = re.search(r"Collected : (\d+)", process.stderr)
    if found is None:
        sys.exit(f"Valgrind printed no instruction count:\n{process.stderr[-2000:]}")
    return int(found.group(1))


def _one_core() -> None:
    """In the child before it runs the build: one core, so headcat forks no helper (the count is then one process)."""
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def _parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=1000, help="catalog size (default 1000)")
    parser.add_argument("--source", type=Path, action="append",
                        help=f"a folder holding the headcat package to count; repeat to compare (default "
                             f"{REPOSITORY_SOURCE})")
    parser.add_argument("--json", type=Path, help="also write the counts as JSON to this file")
    default_work = Path(os.environ.get("TMPDIR") or tempfile.gettempdir()) / "headcat-bench"
    parser.add_argument("--work", type=Path, default=default_work, help=f"cache and output folder ({default_work})")
    arguments = parser.parse_args()
    arguments.source = [path.resolve() for path in arguments.source or [REPOSITORY_SOURCE]]
    return arguments


if __name__ == "__main__":
    main()
