"""Browser figures of a built site: Lighthouse's audit and the time a filter or a query takes to answer.

It measures the home page and the largest listing page, and judges them by issue 25's targets.

    python benchmarks/browser.py SITE_FOLDER [--runs 3] [--query WORD] [--json PATH]

The site is served on localhost, gzipped as any real host sends it. Lighthouse 12 is installed with npm on first use
into ~/.cache/headcat-bench/ (outside the repository) and runs Debian's Chromium with its default (mobile,
simulated throttling) settings; the answer times come from Playwright driving the same Chromium, not throttled.
run.py imports this module for `--browser`; Playwright is imported only when the answer times are measured.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import json
import os
import re
import shutil
import statistics
import subprocess
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
LIGHTHOUSE = "lighthouse@12"
"""The major version is pinned so that scores stay comparable between runs (13 needs Node 22.19; Debian has 20)."""
LIGHTHOUSE_HOME = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "headcat-bench" / "lighthouse-12"
AUDITS = {  # our name: Lighthouse's audit, whose numericValue is kept
    "fcp_ms": "first-contentful-paint", "lcp_ms": "largest-contentful-paint", "tbt_ms": "total-blocking-time",
    "cls": "cumulative-layout-shift", "speed_index_ms": "speed-index", "transfer_bytes": "total-byte-weight",
    "dom_elements": "dom-size"}
PAGES = {"home": "home page", "listing": "largest listing"}
INTERACTION_RUNS = 5
TITLES_FOR_QUERY = 50
"""The query word is the most frequent word of 5+ letters in this many of the home page's first paper titles."""
TARGETS = {  # (label, figure, at least or below, limit, unit)
    "score": ("Lighthouse performance", "score", ">=", 95, ""),
    "transfer": ("transferred", "transfer_kb", "<", 300, " KB"),
    "dom": ("DOM elements", "dom_elements", "<", 3000, ""),
    "filter": ("filter answer", "filter_ms", "<", 300, " ms"),
    "query": ("query answer", "query_ms", "<", 300, " ms"),
}
COMPRESSED_TYPES = ("text/", "application/javascript", "application/json", "application/xml", "image/svg+xml",
                    "application/atom+xml", "application/rss+xml")
"""What a host gzips."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path, help="a built site's folder")
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs per page (default 3)")
    parser.add_argument("--query", help="the word typed into the search box (default: from the home page's titles)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON to this file")
    arguments = parser.parse_args()
    measured = measure(arguments.site.resolve(), arguments.runs, arguments.query)
    print("\n" + report(measured))
    if arguments.json:
        arguments.json.write_text(json.dumps(measured, indent=2) + "\n", encoding="utf-8")
        print(f"\nwrote {arguments.json}")


def measure(site: Path, runs: int = 3, query: str | None = None) -> dict[str, Any]:
    """Lighthouse first, each page alone in its browser, then the answer times in one Playwright session."""
    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} is missing: apt-get install -y chromium")
    pages = chosen_pages(site)
    lighthouse = lighthouse_command()
    searchable = (site / "search" / "words.json").is_file()  # built with --no-search, a query answers with an error
    measured: dict[str, Any] = {"chromium": _chromium_version(), "lighthouse_runs": runs, "search_index": searchable,
                                "pages": {}}
    with served(site) as address:
        for name, path in pages.items():
            print(f"  Lighthouse {path} ({runs} runs) ...", flush=True)
            measured["pages"][name] = {"path": path, **lighthouse_figures(lighthouse, address + _url(path), runs)}
        measured["lighthouse"] = next((run["version"] for page in measured["pages"].values()
                                       for run in page["runs"] if "version" in run), None)
        print(f"  answer times ({INTERACTION_RUNS} runs each) ...", flush=True)
        measured["query"], times = answer_times(address, pages, query, searchable)
    for name, figures in times.items():
        measured["pages"][name] |= figures
    return measured


def chosen_pages(site: Path) -> dict[str, str]:
    """The home page, and the largest listing page by bytes: any other page but a paper's own (papers/ holds one
    page per paper, not a list), where the cards of many papers make a page heavy."""
    if not (site / "index.html").is_file():
        raise SystemExit(f"{site} has no index.html: build the site first")
    listings = [path for path in site.rglob("*.html")
                if path != site / "index.html" and path.relative_to(site).parts[0] != "papers"]
    pages = {"home": "index.html"}
    if listings:
        pages["listing"] = max(listings, key=lambda path: path.stat().st_size).relative_to(site).as_posix()
    return pages


def _url(path: str) -> str:
    """The address a reader follows: a folder's, for its index.html."""
    return path.removesuffix("index.html")


# ---- Serving -----------------------------------------------------------------------------------------------------


@contextmanager
def served(folder: Path) -> Iterator[str]:
    """`folder` served on 127.0.0.1 (a free port) from a thread while the block runs: its address."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(GzipHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class GzipHandler(SimpleHTTPRequestHandler):
    """Python's file server, gzipping text when the client accepts it (as a host does, so that the bytes Lighthouse
    counts are the bytes a reader downloads), over keep-alive connections."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        path = self._file()
        accepts = "gzip" in self.headers.get("Accept-Encoding", "")
        if path is None or not accepts or not self.guess_type(path).startswith(COMPRESSED_TYPES):
            super().do_GET()
            return
        body = _gzipped(path, os.stat(path).st_mtime_ns)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Accept-Encoding")
        self.end_headers()
        self.wfile.write(body)

    def _file(self) -> str | None:
        """The file a GET names, or None where the plain server answers (a folder's redirect, 404)."""
        path = self.translate_path(self.path)
        if os.path.isdir(path):
            if not self.path.split("?", 1)[0].endswith("/"):
                return None
            path = os.path.join(path, "index.html")
        return path if os.path.isfile(path) else None

    def handle(self) -> None:
        try:
            super().handle()
        except ConnectionError:  # the browser closed the page before it had every file: nobody to answer
            pass

    def log_message(self, format: str, *args: object) -> None:
        pass


@functools.lru_cache(maxsize=64)
def _gzipped(path: str, mtime_ns: int) -> bytes:
    """Level 6, as page_weights in run.py and most servers' defaults; compressed once per file and version."""
    with open(path, "rb") as file:
        return gzip.compress(file.read(), 6)


# ---- Lighthouse ----------------------------------------------------------------------------------------------------


def lighthouse_command() -> list[str]:
    """Lighthouse's command, installed with npm into LIGHTHOUSE_HOME on first use."""
    script = LIGHTHOUSE_HOME / "node_modules" / "lighthouse" / "cli" / "index.js"
    if not script.is_file():
        npm, node = shutil.which("npm"), shutil.which("node")
        if not npm or not node:
            raise SystemExit("Lighthouse needs Node and npm: apt-get install -y nodejs npm")
        print(f"  installing {LIGHTHOUSE} into {LIGHTHOUSE_HOME} ...", flush=True)
        LIGHTHOUSE_HOME.mkdir(parents=True, exist_ok=True)
        subprocess.run([npm, "install", "--prefix", str(LIGHTHOUSE_HOME), "--no-audit", "--no-fund",
                        "--loglevel=error", LIGHTHOUSE], check=True)
    return [shutil.which("node") or "node", str(script)]


def lighthouse_figures(command: list[str], url: str, runs: int) -> dict[str, Any]:
    """The median of each figure over the runs, and the lowest score: this machine's speed drifts between runs."""
    reports = [run_lighthouse(command, url) for _ in range(runs)]
    done = [report for report in reports if "error" not in report]
    figures: dict[str, Any] = {"score": None, "score_min": None, "runs": reports}
    if done:
        figures["score"] = statistics.median(report["score"] for report in done)
        figures["score_min"] = min(report["score"] for report in done)
        for key in AUDITS:
            figures[key] = statistics.median(report[key] for report in done)
        figures["transfer_kb"] = figures["transfer_bytes"] / 1024
    return figures


def run_lighthouse(command: list[str], url: str) -> dict[str, Any]:
    """One run, mobile defaults, performance only: the score (0-100) and the audits' values, or what went wrong."""
    flags = ["--output=json", "--quiet", "--only-categories=performance", "--chrome-flags=--headless=new --no-sandbox"]
    try:
        done = subprocess.run([*command, url, *flags], capture_output=True, text=True, timeout=900,
                              env={**os.environ, "CHROME_PATH": str(CHROMIUM)})
    except subprocess.TimeoutExpired:
        return {"error": "Lighthouse took more than 900 s"}
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        return {"error": f"Lighthouse failed ({done.returncode}): {done.stderr.strip()[-500:]}"}
    score = report["categories"]["performance"]["score"]
    if report.get("runtimeError") or score is None:
        return {"error": (report.get("runtimeError") or {}).get("message", "no score")}
    figures = {"score": round(score * 100), "version": report["lighthouseVersion"]}
    return figures | {key: report["audits"][audit]["numericValue"] for key, audit in AUDITS.items()}


# ---- Answer times ------------------------------------------------------------------------------------------------

WATCH = """() => {
  // Resolves with the milliseconds from the first input or change event to #results' aria-busy going from "true"
  // to "false" (the page's script marks a query's results as shown so).
  const results = document.getElementById("results");
  let start = null;
  const mark = () => { if (start === null) start = performance.now(); };
  document.addEventListener("input", mark, true);
  document.addEventListener("change", mark, true);
  window.benchAnswer = new Promise((resolve) => {
    new MutationObserver((records) => {
      const answered = records.some((record) => record.oldValue === "true");
      if (answered && start !== null && results.getAttribute("aria-busy") === "false") {
        resolve(performance.now() - start);
      }
    }).observe(results, { attributes: true, attributeFilter: ["aria-busy"], attributeOldValue: true });
  });
}"""
ANSWERED = "() => Promise.race([window.benchAnswer, new Promise((resolve) => setTimeout(() => resolve(null), 30000))])"
FIRST_BOX = "form#filters [data-facet] input[type=checkbox]"


def answer_times(address: str, pages: dict[str, str], query: str | None,
                 searchable: bool) -> tuple[str | None, dict[str, dict]]:
    """The query word, and for each page the median milliseconds a filter (ticking the first facet's first box)
    and a query (the word typed into #search) take to answer, each on a fresh page load; None (n/a) where the page
    has no such form, and for queries where the site has no search index."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            query = (query or query_word(browser.new_page(), address)) if searchable else None
            times: dict[str, dict] = {}
            for name, path in pages.items():
                url = address + _url(path)
                times[name] = _timed("filter", browser, url, _tick_first_box)
                times[name] |= _timed("query", browser, url, lambda page: page.fill("#search", query or ""), query)
        finally:
            browser.close()
    return query, times


def query_word(page: Any, address: str) -> str | None:
    """The most frequent word of 5+ letters in the home page's first paper titles: a word that finds papers."""
    page.goto(address)
    titles = page.eval_on_selector_all("h3.paper-title", f"nodes => nodes.slice(0, {TITLES_FOR_QUERY})"
                                                          ".map((node) => node.textContent)")
    page.close()
    words = Counter(word.lower() for title in titles for word in re.findall(r"[^\W\d_]{5,}", title))
    return words.most_common(1)[0][0] if words else None


def _timed(name: str, browser: Any, url: str, action: Callable[[Any], None], wanted: object = True) -> dict:
    """NAME_ms, the median of the runs that were answered (None if none was), and NAME_runs_ms, every run."""
    runs = [_answer_time(browser, url, action) for _ in range(INTERACTION_RUNS)] if wanted else []
    answered = [time for time in runs if time is not None]
    return {f"{name}_ms": round(statistics.median(answered), 1) if answered else None,
            f"{name}_runs_ms": [None if time is None else round(time, 1) for time in runs]}


def _answer_time(browser: Any, url: str, action: Callable[[Any], None]) -> float | None:
    """Milliseconds from the action to the answer shown, timed in the page; None if the page lacks the form."""
    from playwright.sync_api import Error

    page = browser.new_page()
    try:
        page.goto(url)
        if not page.query_selector(FIRST_BOX) or not page.query_selector("#search") \
                or not page.query_selector("#results"):
            return None
        page.wait_for_function("window.headcatReady === true", timeout=120_000)
        page.evaluate(WATCH)
        action(page)
        return page.evaluate(ANSWERED)
    except Error as error:
        print(f"  {url}: {error.message.splitlines()[0]}", flush=True)
        return None
    finally:
        page.close()


def _tick_first_box(page: Any) -> None:
    """Opens the facet's <details> first (closed, its boxes cannot be clicked), then ticks the box as a reader."""
    page.eval_on_selector(FIRST_BOX, "box => { const facet = box.closest('details'); if (facet) facet.open = true; }")
    page.check(FIRST_BOX)


def _chromium_version() -> str:
    return subprocess.run([str(CHROMIUM), "--version"], capture_output=True, text=True).stdout.strip()


# ---- Report ------------------------------------------------------------------------------------------------------


def rows(measured: dict[str, Any]) -> dict[str, str]:
    """Each page's figures as text, by label (run.py's table prints them in the column of the size measured)."""
    shown = {}
    for name, label in PAGES.items():
        figures = measured["pages"].get(name)
        if figures is None:
            continue
        lighthouse = figures.get("score") is not None
        shown[f"{label}: Lighthouse (min)"] = f"{figures['score']:g} ({figures['score_min']})" if lighthouse else "n/a"
        for key, text, scale, unit in (("fcp_ms", "FCP", 1000, " s"), ("lcp_ms", "LCP", 1000, " s"),
                                       ("tbt_ms", "TBT", 1, " ms"), ("cls", "CLS", 1, ""),
                                       ("speed_index_ms", "Speed Index", 1000, " s")):
            digits = 3 if key == "cls" else 0 if scale == 1 else 2
            shown[f"{label}: {text}"] = f"{figures[key] / scale:.{digits}f}{unit}" if lighthouse else "n/a"
        shown[f"{label}: transferred"] = f"{figures['transfer_kb']:,.0f} KB" if lighthouse else "n/a"
        shown[f"{label}: DOM elements"] = f"{figures['dom_elements']:,.0f}" if lighthouse else "n/a"
        for key, text in (("filter_ms", "filter answer"), ("query_ms", "query answer")):
            shown[f"{label}: {text}"] = "n/a" if figures.get(key) is None else f"{figures[key]:,.0f} ms"
    return shown


def judge(measured: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each page's figures against the targets, keyed `browser_PAGE_TARGET`; figures that are n/a are left out."""
    judged = {}
    for name, figures in measured["pages"].items():
        for key, (_, figure, comparison, limit, _) in TARGETS.items():
            value = figures.get(figure)
            if value is not None:
                met = value >= limit if comparison == ">=" else value < limit
                judged[f"browser_{name}_{key}"] = {"value": round(value, 1), comparison: limit, "met": met}
    return judged


def target_rows() -> Iterator[tuple[str, str, str, str]]:
    """(key in judge's result, label, unit, the target as text), for the table's targets section."""
    for name, page in PAGES.items():
        for key, (label, _, comparison, limit, unit) in TARGETS.items():
            yield f"browser_{name}_{key}", f"{page}: {label}", unit, f"{comparison} {limit:,}{unit}"


def report(measured: dict[str, Any]) -> str:
    pages = ", ".join(f"{PAGES[name]} {figures['path']}" for name, figures in measured["pages"].items())
    runs = measured["lighthouse_runs"]
    lines = [f"{measured['chromium']}, Lighthouse {measured['lighthouse']} (mobile, median of {runs} "
             f"run{'s' if runs != 1 else ''}); answer times: median of {INTERACTION_RUNS}, "
             + (f"query {measured['query']!r}" if measured["search_index"] else "no search index: queries n/a"),
             f"pages: {pages}"]
    lines += [f"Lighthouse failed on the {PAGES[name]}: {run['error']}" for name, figures in measured["pages"].items()
              for run in figures["runs"] if "error" in run]
    lines.append("")
    lines += [f"{label:<40}{text:>14}" for label, text in rows(measured).items()]
    lines.append("-" * 54)
    judged = judge(measured)
    for key, label, unit, target in target_rows():
        if key in judged:
            verdict = f"{judged[key]['value']:,.0f}{unit} {'ok' if judged[key]['met'] else 'NO'}"
            lines.append(f"{label:<40}{verdict:>14}   {target}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
