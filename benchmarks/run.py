"""Benchmark headcat, and Hugo on the same papers, side by side in one run; print the figures and the ratios.

    python benchmarks/run.py [--sizes 100,1000,10000] [--repeat 5] [--with-100k] [--json PATH] [--work DIR]
                             [--browser [--browser-runs 3]]

Catalogs come from generate.py and are cached under WORK (default $TMPDIR/headcat-bench), outside the repository;
templates/, taxonomy.yaml and the config are copied afresh on every run, so the build measured is the build as it
is. Every figure is the median wall time of a fresh process (`headcat` as a user runs it, start-up included), and
headcat and Hugo runs alternate within each round, so both see the same machine. Standard library only; with
--browser, the last size's site (built with search) is then measured in Chromium by browser.py (Lighthouse from
npm, Playwright).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import browser
import generate

CATALOG_ENTRIES = {"papers", "taxonomy.yaml", "templates", "pyproject.toml", "README.md"}
"""What a synthetic catalog holds; anything else a build leaves in it (a cache) is deleted before a cold build."""
EDITED_TEXT = ("  innovation: >-\n    ", "  innovation: >-\n    Revised: ")
"""The one-paper change: the first words of a summary part, toggled before each one-change rebuild."""
FIGURES = {
    "startup": "headcat --version (start-up, imports)",
    "cold": "headcat cold build, no search",
    "search": "headcat cold build, with search",
    "no_change": "headcat rebuild, nothing changed",
    "one_change": "headcat rebuild, one paper changed",
    "search_no_change": "headcat rebuild, search, nothing changed",
    "search_one_change": "headcat rebuild, search, one changed",
    "check": "headcat check",
    "hugo": "Hugo cold build",
}
MEMORY = {"cold_mib": "headcat peak memory, no search",
          "no_change_mib": "  rebuild, nothing changed",
          "one_change_mib": "  rebuild, one paper changed",
          "no_output_mib": "  rebuild, output folder deleted",
          "search_mib": "headcat peak memory, with search",
          "hugo_mib": "Hugo peak memory"}
NO_SEARCH_BUILDS = ("cold", "no_change", "one_change", "no_output")
"""The builds without search whose memory the pass samples; the target holds for the largest of them."""
TARGETS = {  # the targets: (label, numerator, denominator or None, at most, unit)
    "cold_vs_hugo": ("cold, no search / Hugo", "cold", "hugo", 0.7, "x"),
    "cold_vs_hugo_beside": ("cold, no search / Hugo, round by round", "cold", "hugo beside", 0.7, "x"),
    "one_change_vs_hugo": ("one change / Hugo", "one_change", "hugo", 0.2, "x"),
    "search_one_change_vs_hugo": ("one change, with search / Hugo", "search_one_change", "hugo", 0.2, "x"),
    "search_vs_hugo": ("with search / Hugo", "search", "hugo", 1.6, "x"),
    "search_vs_hugo_beside": ("with search / Hugo, round by round", "search", "hugo beside", 1.6, "x"),
    "peak_mib": ("peak memory, no search (largest build)", "no_search_mib", None, 300.0, " MiB"),
    "check_s": ("check", "check", None, 1.0, " s"),
}


@dataclass(frozen=True)
class Measured:
    seconds: float
    max_rss_mib: float
    """The largest resident set of the process or of any one of its descendants (wait4)."""
    tree_pss_mib: float = 0.0
    """The largest sampled sum of proportional set sizes over the process tree (memory pass only)."""
    cpu_seconds: float = 0.0
    """User and system time of the process and of the processes it waited for (its workers, the search index's)."""

    @property
    def peak_mib(self) -> float:
        """Peak memory: exact for one process (max RSS), summed without counting shared pages twice for several."""
        return max(self.max_rss_mib, self.tree_pss_mib)


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped by SIGTERM"))  # the edited paper file is restored
    arguments = _parse_arguments()
    work = arguments.work.resolve()
    headcat = _headcat_command()
    hugo = shutil.which("hugo")
    build_flags = _build_flags(headcat)
    facts = _setup_facts(hugo, arguments.repeat)
    print(_describe_setup(facts, headcat, hugo, build_flags))
    results: dict[str, object] = {"setup": facts, "sizes": {}}
    set_aside = SetAside(work / "set-aside")
    try:
        for count in arguments.sizes:
            root, hugo_dir = prepare_catalogs(work, count)
            print(f"\nN = {count:,}: {root}", flush=True)
            runner = Runner(headcat, hugo, build_flags, root, hugo_dir, work / "out" / f"n{count}", set_aside)
            results["sizes"][str(count)] = runner.measure(arguments.repeat)
    finally:
        if set_aside.folder.exists():
            print(f"deleting the outputs set aside in {set_aside.folder} ...", flush=True)
            remove(set_aside.folder)
    if arguments.browser and arguments.sizes:
        _measure_browser(results["sizes"][str(arguments.sizes[-1])], runner.site, arguments.browser_runs)
    results["setup"]["load_average_after"] = os.getloadavg()[0]
    results["setup"]["headcat_commit_after"] = _setup_facts(hugo, arguments.repeat)["headcat_commit"]
    print("\n" + format_table(results))
    if arguments.json:
        arguments.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        print(f"\nwrote {arguments.json}")


def _measure_browser(size: dict[str, object], site: Path, runs: int) -> None:
    """After every timed build, so that no browser competes with them: the site of the last size's last headcat
    build (the memory pass's cold build with search), with its figures judged against issue 25's targets."""
    print(f"\nbrowser figures of {site} ...", flush=True)
    size["browser"] = browser.measure(site, runs)
    size["targets"] |= browser.judge(size["browser"])


def _parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000", help="paper counts, comma-separated")
    parser.add_argument("--repeat", type=int, default=5, help="rounds per size; figures are medians (default 5)")
    parser.add_argument("--with-100k", action="store_true", help="also measure 100,000 papers (slow)")
    parser.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    parser.add_argument("--browser", action="store_true",
                        help="then measure the last size's site in Chromium: Lighthouse and answer times")
    parser.add_argument("--browser-runs", type=int, default=3, help="Lighthouse runs per page (default 3)")
    default_work = Path(os.environ.get("TMPDIR") or tempfile.gettempdir()) / "headcat-bench"
    parser.add_argument("--work", type=Path, default=default_work, help=f"cache and output folder ({default_work})")
    arguments = parser.parse_args()
    arguments.sizes = [int(size.replace("_", "")) for size in arguments.sizes.split(",") if size]
    if arguments.with_100k and 100_000 not in arguments.sizes:
        arguments.sizes.append(100_000)
    return arguments


def _headcat_command() -> list[str]:
    """The installed `headcat` of this interpreter's environment, else `python -m headcat`."""
    script = Path(sys.executable).parent / "headcat"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "headcat"]


def installed_environment() -> dict[str, str]:
    """This process's environment, with Python allowed to keep compiled modules: headcat is measured as installed,
    with its bytecode (a shell that sets PYTHONDONTWRITEBYTECODE would charge every run about 0.1 s for compiling
    headcat's modules again)."""
    return {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def _build_flags(headcat: list[str]) -> list[str]:
    """The flags of a build without search; the first run of headcat also leaves its modules compiled."""
    usage = subprocess.run([*headcat, "build", "--help"], capture_output=True, text=True,
                           env=installed_environment()).stdout
    return ["--no-search"] if "--no-search" in usage else []


def prepare_catalogs(work: Path, count: int) -> tuple[Path, Path]:
    """The cached catalog of `count` papers (made if missing), with templates, taxonomy and config refreshed."""
    key = _cache_key()
    root = work / "catalogs" / f"n{count}-{key}"
    hugo_dir = root.with_name(root.name + "-hugo")
    done = root.with_name(root.name + ".done")
    if not done.exists():
        print(f"generating {count:,} papers in {root} ...", flush=True)
        generate.write_catalogs(count, root, hugo_dir)
        done.touch()
    generate.copy_catalog_files(root)
    shutil.copytree(generate.HUGO_THEME, hugo_dir, dirs_exist_ok=True)
    return root, hugo_dir


def _cache_key() -> str:
    """Changes when the generator or the taxonomy does (templates are copied on every run instead)."""
    digest = hashlib.sha256()
    for path in (Path(generate.__file__), generate.REPOSITORY / "taxonomy.yaml"):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


class Runner:
    """One size: the rounds of alternating headcat and Hugo runs, and the memory pass after them."""

    def __init__(self, headcat: list[str], hugo: str | None, build_flags: list[str], root: Path, hugo_dir: Path,
                 out: Path, set_aside: SetAside) -> None:
        self.headcat, self.hugo, self.build_flags, self.set_aside = headcat, hugo, build_flags, set_aside
        self.root, self.hugo_dir = root, hugo_dir
        self.site, self.hugo_site, self.caches = out / "headcat-site", out / "hugo-site", out / "caches"
        self.env = {**installed_environment(), "XDG_CACHE_HOME": str(self.caches / "xdg"),
                    "HEADCAT_CACHE_DIR": str(self.caches / "headcat"), "HUGO_CACHEDIR": str(self.caches / "hugo")}
        paper_files = sorted((root / "papers").iterdir())
        self.edited = paper_files[len(paper_files) // 2]

    def measure(self, repeat: int) -> dict[str, object]:
        original = self.edited.read_text(encoding="utf-8").replace(EDITED_TEXT[1], EDITED_TEXT[0])  # if interrupted
        runs: dict[str, list[Measured]] = {key: [] for key in FIGURES}
        beside: dict[str, list[float]] = {"cold": [], "search": []}
        """Each round's headcat build divided by the Hugo build that ran right after it."""
        try:
            warm_up = self._warm_up()
            for _ in range(repeat):
                previous = None
                for key, measured in self._round(original):
                    runs[key].append(measured)
                    print(f"  {key:<17} {measured.seconds:8.3f} s {measured.cpu_seconds:8.3f} s CPU "
                          f"{measured.max_rss_mib:8.1f} MiB max RSS", flush=True)
                    if key == "hugo" and previous is not None and previous[0] in beside:
                        beside[previous[0]].append(previous[1].seconds / measured.seconds)
                    previous = key, measured
            memory = self._memory_pass(original)
            pages = page_weights(self.site)
        finally:
            self.edited.write_text(original, encoding="utf-8")
        figures = {key: {"median_s": statistics.median(m.seconds for m in values),
                         "runs_s": [round(m.seconds, 4) for m in values],
                         "cpu_median_s": statistics.median(m.cpu_seconds for m in values),
                         "cpu_runs_s": [round(m.cpu_seconds, 4) for m in values],
                         "max_rss_mib": max(m.max_rss_mib for m in values)}
                   for key, values in runs.items() if values}
        for key, ratios in beside.items():
            if ratios and key in figures:
                figures[key]["vs_hugo_beside"] = [round(ratio, 4) for ratio in ratios]
        return {"figures": figures, "memory": memory, "pages": pages, "warm_up_s": warm_up,
                "targets": _compare(figures, memory)}

    def _warm_up(self) -> dict[str, float]:
        """One cold build of each tool before the rounds, not counted: the first builds after the catalogs were
        written, or after another size's outputs, wait on the disk for what those left to write (a 10,000-paper
        build once took 63 s there, against 7 to 9 s in the rounds after it)."""
        seconds = {"cold": round(self._headcat_build(cold=True).seconds, 4)}
        if self.hugo:
            seconds["hugo"] = round(self._hugo_build().seconds, 4)
        figures = "  ".join(f"{name} {value:.3f} s" for name, value in seconds.items())
        print(f"  warm-up    {figures} (not counted)", flush=True)
        return seconds

    def _round(self, original: str):
        """Alternating: headcat cold, Hugo, headcat rebuilds, headcat with search and its rebuilds, Hugo, check."""
        yield "startup", self._run([*self.headcat, "--version"])
        yield "cold", self._headcat_build(cold=True)
        if self.hugo:
            yield "hugo", self._hugo_build()
        yield "no_change", self._headcat_build(cold=False)
        self._change_one_paper(original)
        yield "one_change", self._headcat_build(cold=False)
        yield "search", self._headcat_build(cold=True, search=True)
        if self.hugo:
            yield "hugo", self._hugo_build()
        yield "search_no_change", self._headcat_build(cold=False, search=True)
        self._change_one_paper(original)
        yield "search_one_change", self._headcat_build(cold=False, search=True)
        yield "check", self._run([*self.headcat, "check", str(self.root)])

    def _change_one_paper(self, original: str) -> None:
        """Edit the paper when it is as generated, or put it back as generated: either way one paper changed."""
        edited = original.replace(*EDITED_TEXT, 1)
        if edited == original:
            raise SystemExit(f"could not edit {self.edited}: its summary is not written as generate.py writes it")
        current = self.edited.read_text(encoding="utf-8")
        self.edited.write_text(original if current == edited else edited, encoding="utf-8")

    def _memory_pass(self, original: str) -> dict[str, float]:
        """Builds with the process tree sampled, so that the search index's and worker processes count: each build
        without search (cold; then rebuilds with nothing changed, one paper changed, and the output folder deleted but
        the cache kept, which renders every page again from cached fragments), the cold build with search, and
        Hugo."""
        runs = {"cold": self._headcat_build(cold=True, sample=True),
                "no_change": self._headcat_build(cold=False, sample=True)}
        self._change_one_paper(original)
        runs["one_change"] = self._headcat_build(cold=False, sample=True)
        self.set_aside(*published(self.site))
        runs["no_output"] = self._headcat_build(cold=False, sample=True)
        runs["search"] = self._headcat_build(cold=True, search=True, sample=True)
        if self.hugo:
            runs["hugo"] = self._hugo_build(sample=True)
        memory = {}
        for name, measured in runs.items():
            memory |= {f"{name}_mib": measured.peak_mib, f"{name}_max_rss_mib": measured.max_rss_mib,
                       f"{name}_tree_pss_mib": measured.tree_pss_mib}
        memory["no_search_mib"] = max(runs[name].peak_mib for name in NO_SEARCH_BUILDS)
        print("  memory     " + "  ".join(f"{name} {runs[name].peak_mib:.0f} MiB" for name in runs), flush=True)
        return memory

    def _headcat_build(self, cold: bool, search: bool = False, sample: bool = False) -> Measured:
        if cold:
            self.set_aside(*published(self.site), self.caches / "xdg", self.caches / "headcat",
                           self.root / ".headcat-cache",
                           *(path for path in self.root.iterdir() if path.name not in CATALOG_ENTRIES))
        flags = [] if search else self.build_flags
        return self._run([*self.headcat, "build", str(self.root), "--out", str(self.site), *flags], sample)

    def _hugo_build(self, sample: bool = False) -> Measured:
        self.set_aside(self.hugo_site, self.caches / "hugo", self.hugo_dir / "resources",
                       self.hugo_dir / ".hugo_build.lock")
        return self._run([self.hugo, "--quiet", "-s", str(self.hugo_dir), "-d", str(self.hugo_site)], sample)

    def _run(self, command: list[str], sample: bool = False) -> Measured:
        """Wall time and peak memory of one fresh process; a failure stops the benchmark with its message."""
        os.sync()  # what earlier runs left to write is not charged to this one
        with tempfile.TemporaryFile() as errors:
            start = time.perf_counter()
            process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors, env=self.env)
            sampler = TreeSampler(process.pid) if sample else None
            try:
                _, status, usage = os.wait4(process.pid, 0)
            except BaseException:  # stopped (Ctrl-C, SIGTERM): do not leave the command running
                process.kill()
                process.wait()
                raise
            seconds = time.perf_counter() - start
            process.returncode = os.waitstatus_to_exitcode(status)
            if process.returncode != 0:
                errors.seek(0)
                message = errors.read().decode("utf-8", "replace")[-3000:]
                raise SystemExit(f"failed ({process.returncode}): {' '.join(command)}\n{message}")
        return Measured(seconds, usage.ru_maxrss / 1024, sampler.stop() if sampler else 0.0,
                        usage.ru_utime + usage.ru_stime)


class TreeSampler:
    """Samples the summed PSS of a process and its descendants every 20 ms, from /proc (Linux).

    PSS (proportional set size) shares each page among the processes that map it, so forked workers' shared
    pages are not counted twice, as summing their RSS would.
    """

    def __init__(self, pid: int) -> None:
        self.pid, self.peak_kib, self._done = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def stop(self) -> float:
        self._done.set()
        self._thread.join()
        return self.peak_kib / 1024

    def _sample(self) -> None:
        while not self._done.wait(0.02):
            self.peak_kib = max(self.peak_kib, sum(_pss_kib(pid) for pid in _descendants(self.pid)))


def _descendants(pid: int) -> list[int]:
    children_by_parent: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:  # /proc/PID/stat: "PID (name) STATE PPID ..."; the name may hold spaces and parentheses
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children_by_parent.setdefault(parent, []).append(int(entry.name))
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        pending += children_by_parent.get(current, [])
    return found


def _pss_kib(pid: int) -> int:
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        return next(int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:"))
    except (OSError, IndexError, ValueError, StopIteration):
        return 0


class SetAside:
    """Moves what a cold build must not find (the previous output, caches) out of the way by renaming it into one
    folder, deleted when the run ends: no file is deleted while builds are timed.

    Deleting would make the next build slower by an amount that has nothing to do with the tool measured, and that
    grows over a run. On an ext4 file system without a journal (as on the machine these figures come from), the
    inode allocator passes over every free inode deleted in the last 60 seconds (360 when its inode table block has
    changes not yet written), reading its block for each: after many builds, each followed by the deletion of its
    10,000 files, creating one file cost up to 1.4 ms of system time instead of 0.06 ms. A rename frees nothing."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0
        if folder.exists():  # left by an interrupted run
            remove(folder)

    def __call__(self, *paths: Path) -> None:
        for path in paths:
            if path.exists() or path.is_symlink():
                self.folder.mkdir(parents=True, exist_ok=True)
                self.count += 1
                try:
                    path.rename(self.folder / f"{self.count}-{path.name}")
                except OSError:  # on another file system than the work folder
                    remove(path)


def published(site: Path) -> tuple[Path, Path, Path]:
    """An output folder with what headcat's builds keep beside it: the spare folder the next site is made in (the
    site before last) and the lock; a cold build starts without them, as on a fresh machine."""
    return site, site.with_name(f".{site.name}.headcat-spare"), site.with_name(f".{site.name}.headcat-lock")


def remove(*paths: Path) -> None:
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()


def _compare(figures: dict[str, dict], memory: dict[str, float]) -> dict[str, dict]:
    """Each target's figure: a ratio of medians; "hugo beside" takes the median of the round-by-round ratios
    instead (each build against the Hugo build right after it, so both saw the machine in the same state)."""
    compared = {}
    for key, (_, numerator, denominator, limit, _) in TARGETS.items():
        value = figures[numerator]["median_s"] if numerator in figures else memory.get(numerator)
        if denominator == "hugo beside":
            ratios = figures.get(numerator, {}).get("vs_hugo_beside")
            value = statistics.median(ratios) if ratios else None
        elif denominator:
            value = value / figures[denominator]["median_s"] if denominator in figures and value else None
        if value is not None:
            compared[key] = {"value": round(value, 4), "at_most": limit, "met": value <= limit}
    return compared


def _describe_setup(facts: dict[str, object], headcat: list[str], hugo: str | None, build_flags: list[str]) -> str:
    lines = [f"headcat {facts['headcat_commit']} ({' '.join(headcat)}), {facts['cpus']} cores, "
             f"load average {facts['load_average_before']:.2f}, {facts['repeat']} rounds per size"]
    lines.append(f"Hugo: {facts['hugo_version']}" if hugo else "Hugo: not installed (apt-get install hugo); "
                 "reporting headcat figures alone")
    if not build_flags:
        lines.append("note: this headcat has no --no-search; 'no search' builds are plain builds")
    return "\n".join(lines)


def _setup_facts(hugo: str | None, repeat: int) -> dict[str, object]:
    git = ["git", "-C", str(generate.REPOSITORY)]
    commit = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = bool(subprocess.run([*git, "status", "--porcelain"], capture_output=True, text=True).stdout.strip())
    version = subprocess.run([hugo, "version"], capture_output=True, text=True).stdout.split()[1] if hugo else None
    return {"headcat_commit": commit + (" with uncommitted work in progress" if dirty else ""),
            "hugo_version": version, "python": sys.version.split()[0], "cpus": os.cpu_count(), "repeat": repeat,
            "load_average_before": os.getloadavg()[0]}


def format_table(results: dict[str, object]) -> str:
    sizes = results["sizes"]
    header = f"{'median wall time':<40}" + "".join(f"{int(size):>12,}" for size in sizes) + "   target"
    lines = [header, "-" * len(header)]
    for key, label in FIGURES.items():
        cells = [sizes[size]["figures"].get(key, {}).get("median_s") for size in sizes]
        lines.append(f"{label:<40}" + "".join(f"{_cell(value, ' s'):>12}" for value in cells))
    for key in ("cold", "hugo"):
        cells = [sizes[size]["figures"].get(key, {}).get("cpu_median_s") for size in sizes]
        lines.append(f"{FIGURES[key] + ', CPU time':<40}" + "".join(f"{_cell(value, ' s'):>12}" for value in cells))
    for key, label in MEMORY.items():
        cells = [sizes[size]["memory"].get(key) for size in sizes]
        lines.append(f"{label:<40}" + "".join(f"{_cell(value, ' MiB', 0):>12}" for value in cells))
    for name, label in (("home", "home page"), ("largest", "largest other page")):
        cells = [sizes[size].get("pages", {}).get(name) for size in sizes]
        shown = [f"{c['gzip_bytes'] / 1024:,.0f} KB gz" if c else "-" for c in cells]
        lines.append(f"{label + ', transferred':<40}" + "".join(f"{text:>12}" for text in shown))
        shown = [f"{c['elements']:,}" if c else "-" for c in cells]
        lines.append(f"{label + ', elements':<40}" + "".join(f"{text:>12}" for text in shown))
    in_browser = {size: browser.rows(sizes[size]["browser"]) for size in sizes if "browser" in sizes[size]}
    for label in next(iter(in_browser.values()), {}):
        lines.append(f"{label:<40}" + "".join(f"{in_browser.get(size, {}).get(label, '-'):>12}" for size in sizes))
    lines.append("-" * len(header))
    for key, (label, _, _, limit, unit) in TARGETS.items():
        cells = [sizes[size]["targets"].get(key) for size in sizes]
        digits = 0 if unit == " MiB" else 2
        shown = [f"{c['value']:.{digits}f}{unit} {'ok' if c['met'] else 'NO'}" if c else "-" for c in cells]
        lines.append(f"{label:<40}" + "".join(f"{text:>12}" for text in shown) + f"   <= {limit:g}{unit}")
    if in_browser:
        for key, label, unit, target in browser.target_rows():
            cells = [sizes[size]["targets"].get(key) for size in sizes]
            shown = [f"{c['value']:,.0f}{unit} {'ok' if c['met'] else 'NO'}" if c else "-" for c in cells]
            lines.append(f"{label:<40}" + "".join(f"{text:>12}" for text in shown) + f"   {target}")
    return "\n".join(lines)


def page_weights(site: Path) -> dict[str, dict[str, object]]:
    """What a reader's browser gets for the home page and for the largest other page of the site (the last build's,
    with search): its bytes, its bytes gzipped (as a server sends it), and its number of elements. Issue 25's
    targets: under 300 KB transferred and 3,000 elements."""
    pages = sorted(site.rglob("*.html"), key=lambda path: path.stat().st_size, reverse=True)
    largest = next((path for path in pages if path != site / "index.html"), None)
    weights = {}
    for name, path in (("home", site / "index.html"), ("largest", largest)):
        if path is None or not path.is_file():
            continue
        data = path.read_bytes()
        counter = _ElementCounter()
        counter.feed(data.decode("utf-8"))
        weights[name] = {"path": path.relative_to(site).as_posix(), "bytes": len(data),
                         "gzip_bytes": len(gzip.compress(data, 6)), "elements": counter.count}
    return weights


class _ElementCounter(HTMLParser):
    """Counts the elements of a page as its DOM would hold them (each start tag)."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.count += 1


def _cell(value: float | None, unit: str, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}{unit}"


if __name__ == "__main__":
    main()
