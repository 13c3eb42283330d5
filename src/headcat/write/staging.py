"""Output files and the write stage: the only code that touches the output folder.

Renderers produce `OutputFile` values (bytes rendered already), `PendingFile` values (how to render the bytes, for
the write stage to do on every core) or a `ReusedFile` for a file the previous build rendered from the same
inputs. `staged_outputs` writes files into a fresh folder beside the output (each pending file is rendered and
written by the process that renders it, so no large site passes through one process), and the output changes only
when `update_output` is called, after the last one was written: a first build (or one without the previous
build's manifest) swaps the fresh folder in; later builds move in only the files whose bytes changed, one rename
each, and remove files no longer produced. A build that fails before that point, in any stage, leaves the previous
output as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import xxhash

from headcat.cache.build_cache import FragmentCache, Fragments, OutputManifest, OutputRecord, Slot, fingerprint
from headcat.process.parallel import run_in_parallel
from headcat.process.timings import timed


@dataclass(frozen=True)
class OutputFile:
    """One file of the output, its bytes at hand (an asset, the search index): a relative POSIX path (e.g.
    'pagefind/pagefind.js') and its bytes, whose digest stands for its key unless it is given one (what it was
    made from, for a later build to know it can keep the file)."""

    path: str
    content: bytes
    key: str | None = None

    def __post_init__(self) -> None:
        _check_path(self.path)


Content = bytes | Iterable[str]
"""A file's bytes, or its text in pieces, written as they come (so a page of 20 MB never sits in memory whole)."""


@dataclass(frozen=True)
class PendingFile:
    """A file the write stage renders, in whichever process has time: `render()` gives its content."""

    path: str
    render: Callable[[], Content]
    key: str | None = None
    weight: int = 1
    """About how much work rendering it is: the number of papers it shows."""

    def __post_init__(self) -> None:
        _check_path(self.path)


@dataclass(frozen=True)
class ReusedFile:
    """A file the previous build rendered from the same inputs (`key`): kept as it is, not rendered or written."""

    path: str
    key: str

    def __post_init__(self) -> None:
        _check_path(self.path)


PIECES_PER_BLOCK = 1000
"""How many of a template's pieces (a tag, a value, a paper's card) are joined into one block to write."""
FRESH_MAX = 1000
"""How many fragments the process that writes the cache renders before it passes them on (see Reuse.cache_pid)."""


@dataclass
class Reuse:
    """What a renderer needs to skip work the previous build did: its output manifest, the fragments it rendered
    (paper cards, README rows, export entries), and the key of everything all outputs depend on (templates,
    settings, taxonomy). An output's own key adds the data it shows."""

    previous: OutputManifest
    inputs_key: str
    cache: FragmentCache = field(default_factory=FragmentCache)
    """Fragments of earlier builds, updated with this build's (kept for the next); the cache is only valid for
    this `inputs_key`."""
    fresh: Fragments = field(default_factory=dict)
    """Fragments this process rendered since `take_fresh` was last called (a worker sends them back; the process
    that writes the cache adds them to `cache`)."""
    cache_pid: int = field(default_factory=os.getpid)
    """The process that writes the cache: there, fresh fragments go to the cache every FRESH_MAX, so a page of
    10,000 new cards does not hold them all until it is written."""

    def key(self, path: str, page_data: object) -> str:
        """The key of the file at `path` made from `page_data` (and what every output depends on)."""
        return fingerprint(self.inputs_key, path, page_data)

    def output(self, path: str, page_data: object, render: Callable[[], Content],
               weight: int = 1) -> PendingFile | ReusedFile:
        """The previous build's file when it was rendered from the same inputs, else the file to render."""
        key = self.key(path, page_data)
        return ReusedFile(path, key) if self.previous.is_current(path, key) else PendingFile(path, render, key, weight)

    def fragment(self, slot: Slot, data: object, render: Callable[[], str]) -> str:
        """A piece of a page (a paper's card) in `slot`, made from `data` (a small value, such as a data key): the
        previous build's when it was made from equal data, else `render()`."""
        text = self.cached_fragment(slot, data)
        if text is None:
            text = render()
            self.fresh[slot] = (data, text)  # kept apart: a worker sends back only what it rendered, and keeps nothing
            if len(self.fresh) >= FRESH_MAX and os.getpid() == self.cache_pid:
                self.add_fragments(self.take_fresh())
        return text

    def cached_fragment(self, slot: Slot, data: object) -> str | None:
        """The previous build's fragment in `slot` when it was made from equal `data`, else None."""
        return self.cache.get(slot, data)

    def take_fresh(self) -> Fragments:
        fresh, self.fresh = self.fresh, {}
        return fresh

    def add_fragments(self, fragments: Fragments) -> None:
        """Fragments rendered for this build (by a helper, or by this process): into the cache for the next."""
        self.cache.add(fragments)


@dataclass(frozen=True)
class FragmentRequest:
    """A piece of a page or document to render: where it is kept between builds, what it shows, how to render it."""

    slot: Slot
    data: object
    """What the fragment shows, as a small value compared by equality (a paper's data key, say)."""
    render: Callable[[], str]


def render_fragments(requests: Sequence[FragmentRequest], reuse: Reuse | None) -> list[str]:
    """Each fragment's text, in order: the previous build's where its data is the same, the others rendered on
    every core (and kept in `reuse` for the next build)."""
    texts = [reuse.cached_fragment(request.slot, request.data) if reuse else None for request in requests]
    missing = [index for index, text in enumerate(texts) if text is None]
    rendered = run_in_parallel(lambda index: requests[index].render(), missing)
    for index, text in zip(missing, rendered):
        texts[index] = text
    if reuse is not None:
        reuse.add_fragments({requests[index].slot: (requests[index].data, texts[index]) for index in missing})
    return texts  # type: ignore[return-value]  # every None was replaced


def to_render(path: str, render: Callable[[], Content], reuse: Reuse | None, page_data: object,
              weight: int = 1) -> PendingFile | ReusedFile:
    """The file at `path` for the write stage to render, or, with `reuse`, the previous build's file when it was
    rendered from the same `page_data` (and the same templates and settings)."""
    return reuse.output(path, page_data, render, weight) if reuse else PendingFile(path, render, weight=weight)


Output = OutputFile | PendingFile | ReusedFile
"""What a renderer returns for each file: new bytes, how to render them, or the previous build's file as it is."""
ErrorContext = Callable[[], AbstractContextManager[object]]


class DuplicateOutputError(ValueError):
    """Two renderers produced the same output path: a bug, never silently resolved by overwriting."""


@dataclass(frozen=True)
class WriteResult:
    manifest: OutputManifest
    written: int
    """Files written by this build; the others were already there with the same content."""


@contextmanager
def staged_outputs(out_dir: Path, outputs: Iterable[Output], previous: OutputManifest, reuse: Reuse | None = None,
                   errors: ErrorContext = nullcontext) -> Iterator[StagedOutputs]:
    """Write these outputs as they are rendered (a large site never sits in memory whole) into a folder beside
    `out_dir`; the block may do more work, and `out_dir` changes only when it calls `update_output`. Pending files
    are rendered on every core, each inside `errors()` (which can turn an exception into a located problem while
    its traceback is at hand); fragments they render go into `reuse`. The staging folder is removed at the end."""
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.new-", dir=out_dir.parent))
    try:
        records, rendered = _stage(staging, outputs, previous, reuse, errors)
        yield StagedOutputs(out_dir, staging, records, rendered, previous)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


@dataclass(frozen=True)
class StagedOutputs:
    """Every output written below `staging`, ready to become `out_dir`."""

    out_dir: Path
    staging: Path
    records: dict[str, OutputRecord]
    rendered: list[str]
    """The paths written below `staging` (the others are the previous build's files, kept)."""
    previous: OutputManifest

    def add(self, files: Iterable[OutputFile | ReusedFile]) -> None:
        """Write more files below `staging` (or keep the previous build's): outputs that were not ready when the
        others were rendered."""
        for file in files:
            _claim(self.records, file.path)  # type: ignore[arg-type]  # a record is never None here
            if isinstance(file, ReusedFile):
                self.records[file.path] = self.previous.records[file.path]
                continue
            self.records[file.path] = _write(self.staging, file.path, file.content, file.key)
            self.rendered.append(file.path)

    def update_output(self) -> WriteResult:
        """Make `out_dir` hold exactly the staged outputs: a first build swaps the staged folder in; later builds
        move in only the files whose bytes changed and remove the files no longer produced."""
        with timed("update the output folder"):
            if self.previous.records and self.out_dir.is_dir():
                written = _update_in_place(self.out_dir, self.staging, self.records, self.rendered, self.previous)
            else:
                _swap_in(self.staging, self.out_dir)
                written = len(self.rendered)
        return WriteResult(OutputManifest(self.out_dir, self.records), written=written)


def _stage(staging: Path, outputs: Iterable[Output], previous: OutputManifest, reuse: Reuse | None,
           errors: ErrorContext) -> tuple[dict[str, OutputRecord], list[str]]:
    """Write every output below `staging`, the pending ones last and on every core; returns every output's record
    (in the order of `outputs`) and the paths written."""
    records: dict[str, OutputRecord | None] = {}
    rendered: list[str] = []
    pending: list[PendingFile] = []
    with timed("plan the outputs (render what is not pending)"):
        for output in outputs:
            _claim(records, output.path)
            if isinstance(output, ReusedFile):
                records[output.path] = previous.records[output.path]
            elif isinstance(output, PendingFile):
                records[output.path] = None  # holds the file's place in the order until it is written
                pending.append(output)
            else:
                records[output.path] = _write(staging, output.path, output.content, output.key)
                rendered.append(output.path)

    def render_and_write(file: PendingFile) -> tuple[OutputRecord, Fragments]:
        with errors():  # a file in pieces is rendered as it is written
            record = _write(staging, file.path, file.render(), file.key)
        return record, reuse.take_fresh() if reuse else {}

    def keep_record(result: tuple[OutputRecord, Fragments]) -> OutputRecord:
        record, fragments = result
        if reuse is not None:
            reuse.add_fragments(fragments)  # into the cache as they arrive, not held until every file is written
        return record

    with timed(f"render and write {len(pending)} files"):
        written = run_in_parallel(render_and_write, pending, [file.weight for file in pending], collect=keep_record)
    for file, record in zip(pending, written):
        records[file.path] = record
        rendered.append(file.path)
    return {path: record for path, record in records.items() if record is not None}, rendered


def _write(staging: Path, path: str, content: Content, key: str | None) -> OutputRecord:
    """Write one file below `staging`; its record has `key`, or when there is none the digest of its bytes. The
    digest only tells whether a file's bytes changed since the previous build, so it is xxHash's XXH3 (128 bits):
    every byte of the site passes through it (211 MB at 10,000 papers), ten to twenty times quicker than hashlib's
    hashes."""
    target = f"{staging}/{path}"  # strings, not Path objects: this runs for every file of the site
    _make_folder(target.rpartition("/")[0])
    digest, size = xxhash.xxh3_128(), 0
    with open(target, "wb") as stream:
        for data in _as_bytes(content):
            stream.write(data)
            digest.update(data)
            size += len(data)
    return OutputRecord(key or "content:" + digest.hexdigest(), size, digest.hexdigest())


def _make_folder(folder: str) -> None:
    """`folder` and any missing parents; most pages are alone in a folder of their own (papers/x/index.html), so
    one mkdir usually does it (a third quicker per file than Path.mkdir(parents=True, exist_ok=True))."""
    try:
        os.mkdir(folder)
    except FileExistsError:
        pass
    except FileNotFoundError:
        os.makedirs(folder, exist_ok=True)


def _as_bytes(content: Content) -> Iterator[bytes]:
    """The content as bytes, in blocks of PIECES_PER_BLOCK pieces when it comes in pieces (a paper's page is one
    block; a page listing 10,000 papers, each card one piece, a few tens)."""
    if isinstance(content, bytes):
        yield content
        return
    pieces = iter(content)
    while block := list(islice(pieces, PIECES_PER_BLOCK)):
        yield "".join(block).encode("utf-8")


def _update_in_place(out_dir: Path, staging: Path, records: dict[str, OutputRecord], rendered: list[str],
                     previous: OutputManifest) -> int:
    """Move in the staged files whose bytes differ from the file already there (each by one rename), then remove
    the previous build's files that no output claims any more."""
    written = 0
    for path in rendered:
        before = previous.records.get(path)
        target = out_dir / path
        if before is not None and before.digest == records[path].digest and previous.is_intact(path, before):
            continue  # the same bytes as the file there, which is as the previous build wrote it
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging / path, target)
        written += 1
    _remove(out_dir, set(previous.records) - set(records))
    return written


def _claim(records: dict[str, OutputRecord | None], path: str) -> None:
    if path in records:
        raise DuplicateOutputError(f"two outputs would be written to {path}")


def _remove(out_dir: Path, paths: set[str]) -> None:
    """Delete the previous build's files that no output claims any more (papers removed or renamed, a search index
    no longer built), then the folders they leave empty, deepest first, each tried once. Files headcat did not
    write are not touched."""
    folders: set[Path] = set()
    for path in paths:
        target = out_dir / path
        target.unlink(missing_ok=True)
        folders.update(target.parents[:path.count("/")])  # up to, not including, out_dir
    for folder in sorted(folders, key=lambda folder: len(folder.parts), reverse=True):
        try:
            folder.rmdir()
        except OSError:
            pass  # not empty: it holds files still produced, or files headcat did not write


def _check_path(path: str) -> None:
    parts = path.split("/")
    if not path or path.startswith("/") or ".." in parts or "\\" in path:
        raise ValueError(f"output path must be relative and inside the output folder: {path!r}")


def _swap_in(staging: Path, out_dir: Path) -> None:
    """Two renames: the old output moves aside, the new one takes its place, then the old one is deleted."""
    os.chmod(staging, 0o755)  # mkdtemp makes the folder private; a published site is readable
    if not out_dir.exists():
        staging.rename(out_dir)
        staging.mkdir()  # the caller removes the staging folder, which is now the output
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
    retired.rmdir()
    out_dir.rename(retired)
    try:
        staging.rename(out_dir)
    except BaseException:
        retired.rename(out_dir)
        raise
    staging.mkdir()
    shutil.rmtree(retired, ignore_errors=True)
