"""A build cache that came from elsewhere never runs code, never changes the output and never stops a build.

The cache lives outside the catalog (cache/location.py) and holds data only (cache/store.py). Here caches are
planted (pickles and Jinja bytecode that write a marker file when loaded, committed to the catalog's old
.headcat-cache/ folder and written over the real cache), copied from another catalog, damaged, cut short or
replaced by a file; `headcat check`, `build` and `serve`, run as a user runs them, must not run any of it, and the
build must write what a build from nothing writes.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader

from headcat.cache.location import LEGACY_CACHE_DIR_NAME, catalog_cache_folder
from headcat.cache.manifest import manifest_name

REPOSITORY = Path(__file__).resolve().parents[1]


class _Planted:
    """Unpickled, it writes the marker file: what a cache entry committed by a pull request could do."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return exec, (f"open({str(self.marker)!r}, 'w').write('ran')",)


def plant(folder: Path, marker: Path, templates: Path) -> list[Path]:
    """Hostile files in `folder`: a pickle under every name a cache file has had, and, for every template, Jinja
    bytecode that writes the marker (made with Jinja's own cache, so Jinja would load it for that template)."""
    folder.mkdir(parents=True, exist_ok=True)
    payload = pickle.dumps(("key", _Planted(marker)))
    names = ["paper-files", "papers", "papers-recent", "fragments", "fragments-recent", "catalog-layout",
             "paper-files.pickle", "paper-models.pickle", "paper-models-recent.pickle", "fragments.pickle",
             "fragments-recent.pickle", "catalog-layout.pickle", "outputs.pickle"]
    planted = []
    for name in names:
        (folder / name).write_bytes(payload)
        planted.append(folder / name)
    bytecode = folder / "templates"
    bytecode.mkdir(exist_ok=True)
    environment = Environment(loader=FileSystemLoader(templates), bytecode_cache=FileSystemBytecodeCache(str(bytecode)))
    code = compile(f"open({str(marker)!r}, 'w').write('ran')", "planted", "exec")
    for template in sorted(templates.rglob("*")):
        if template.is_file():
            name = template.relative_to(templates).as_posix()
            source = template.read_text(encoding="utf-8")
            bucket = environment.bytecode_cache.get_bucket(  # type: ignore[union-attr]
                environment, name, str(template), source)
            bucket.code = code
            environment.bytecode_cache.set_bucket(bucket)  # type: ignore[union-attr]
    planted += list(bytecode.iterdir())
    return planted


def headcat(*arguments: str, cache_home: Path) -> subprocess.CompletedProcess[str]:
    """The headcat command, as a user runs it, with the build cache in `cache_home`."""
    return subprocess.run([sys.executable, "-m", "headcat", *arguments], capture_output=True, text=True,
                          env={**os.environ, "HEADCAT_CACHE_DIR": str(cache_home)}, check=False, timeout=120)


def tree(folder: Path) -> dict[str, str]:
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.fixture
def root(catalog_root: Path) -> Path:
    (catalog_root / "README.md").write_text("# Test\n\n<!-- headcat:start -->\n<!-- headcat:end -->\n",
                                            encoding="utf-8")
    return catalog_root


def clean_site(root: Path, tmp_path: Path) -> dict[str, str]:
    copy = tmp_path / "clean"
    shutil.copytree(root, copy, ignore=lambda folder, names: ["site", LEGACY_CACHE_DIR_NAME]
                    if folder == str(root) else [])
    result = headcat("build", str(copy), "--no-search", "--no-cache", cache_home=tmp_path / "clean-cache")
    assert result.returncode == 0, result.stderr
    return tree(copy / "site")


def test_the_planted_files_would_run_if_they_were_loaded(tmp_path: Path) -> None:
    """The planted cache is live: what the old build cache did with it (pickle.load, Jinja's bytecode cache) runs it.
    Without this, the tests below could pass with harmless files."""
    marker = tmp_path / "marker"
    planted = plant(tmp_path / "cache", marker, REPOSITORY / "templates")
    with planted[0].open("rb") as stream:
        pickle.load(stream)  # on purpose: this is the attack
    assert marker.read_text() == "ran"
    marker.unlink()
    environment = Environment(loader=FileSystemLoader(REPOSITORY / "templates"),
                              bytecode_cache=FileSystemBytecodeCache(str(tmp_path / "cache" / "templates")))
    with pytest.raises(KeyError):  # the planted code ran, then Jinja missed what a compiled template defines
        environment.get_template("site/card.html")
    assert marker.read_text() == "ran"


@pytest.mark.parametrize("command", ["check", "build", "serve"])
def test_a_planted_cache_never_runs(root: Path, tmp_path: Path, command: str) -> None:
    cache_home = tmp_path / "cache-home"
    assert headcat("build", str(root), "--no-search", cache_home=cache_home).returncode == 0  # a real cache first
    marker = tmp_path / "marker"
    planted = plant(root / LEGACY_CACHE_DIR_NAME, marker, root / "templates")  # committed in a branch
    real_cache = catalog_cache_folder_in(cache_home, root)
    for path in real_cache.rglob("*"):  # and written over the real cache, keeping its files' names
        if path.is_file():
            path.write_bytes(pickle.dumps(("key", _Planted(marker))))
    planted += plant(real_cache, marker, root / "templates")
    (root / "papers" / "memory-heads-conflicts.yaml").write_text(
        (root / "papers" / "memory-heads-conflicts.yaml").read_text(encoding="utf-8").replace(
            "Pruning a few heads", "Pruning some heads"), encoding="utf-8")

    if command == "serve":
        serve_once(root, cache_home)
    else:
        result = headcat(command, str(root), *(["--no-search"] if command == "build" else []), cache_home=cache_home)
        assert result.returncode == 0, result.stderr

    assert not marker.exists()
    assert all(path.exists() for path in planted if root in path.parents)  # nothing deleted in the catalog
    if command != "check":
        assert tree(root / "site") == clean_site(root, tmp_path)


def catalog_cache_folder_in(cache_home: Path, root: Path) -> Path:
    previous = os.environ.get("HEADCAT_CACHE_DIR")
    os.environ["HEADCAT_CACHE_DIR"] = str(cache_home)
    try:
        return catalog_cache_folder(root)
    finally:
        if previous is None:
            del os.environ["HEADCAT_CACHE_DIR"]
        else:
            os.environ["HEADCAT_CACHE_DIR"] = previous


def serve_once(root: Path, cache_home: Path) -> None:
    """`headcat serve` until it serves the site, and one page fetched from it."""
    process = subprocess.Popen([sys.executable, "-m", "headcat", "serve", str(root), "--port", "0", "--no-search"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "HEADCAT_CACHE_DIR": str(cache_home)})
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 60
        line = ""
        while time.monotonic() < deadline and "serving" not in line:
            line = process.stdout.readline()
        address = line.split(" at ", 1)[1].split(" ", 1)[0]
        with urllib.request.urlopen(address + "index.html", timeout=10) as response:  # localhost
            assert response.status == 200
    finally:
        process.terminate()
        process.wait(timeout=10)


def damage(cache: Path, how: str) -> None:
    """Damage every file of the cache folder, or the folder itself, the way disks, copies and people do."""
    files = [path for path in cache.rglob("*") if path.is_file()]
    assert files
    if how == "folder replaced by a file":
        shutil.rmtree(cache)
        cache.write_text("not a folder\n", encoding="utf-8")
        return
    for path in files:
        data = path.read_bytes()
        if how == "truncated":
            path.write_bytes(data[: len(data) // 2])
        elif how == "bytes flipped":
            middle = len(data) // 2
            path.write_bytes(data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1:])
        elif how == "emptied":
            path.write_bytes(b"")
        elif how == "files replaced by folders":
            path.unlink()
            path.mkdir()


@pytest.mark.parametrize("how", ["truncated", "bytes flipped", "emptied", "files replaced by folders",
                                 "folder replaced by a file"])
def test_a_damaged_cache_costs_a_rebuild_and_nothing_else(root: Path, tmp_path: Path, how: str) -> None:
    cache_home = tmp_path / "cache-home"
    assert headcat("build", str(root), "--no-search", cache_home=cache_home).returncode == 0
    damage(catalog_cache_folder_in(cache_home, root), how)
    (root / "papers" / "memory-heads-conflicts.yaml").write_text(
        (root / "papers" / "memory-heads-conflicts.yaml").read_text(encoding="utf-8").replace(
            "Pruning a few heads", "Pruning some heads"), encoding="utf-8")

    result = headcat("build", str(root), "--no-search", cache_home=cache_home)

    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert tree(root / "site") == clean_site(root, tmp_path)
    assert headcat("check", str(root), cache_home=cache_home).returncode == 0


def test_a_cache_copied_from_another_catalog_changes_nothing(root: Path, tmp_path: Path) -> None:
    """Another catalog's cache, copied in whole where this one's goes: its papers, layout, fragments and output
    manifest were made from other files, and none of it is taken for this catalog's."""
    cache_home = tmp_path / "cache-home"
    other = tmp_path / "other"
    shutil.copytree(root, other)
    for path in (other / "papers").glob("*.yaml"):  # the same papers, other words
        path.write_text(path.read_text(encoding="utf-8").replace("  innovation: ", "  innovation: Other. "),
                        encoding="utf-8")
    assert headcat("build", str(other), "--no-search", cache_home=cache_home).returncode == 0
    assert headcat("build", str(root), "--no-search", cache_home=cache_home).returncode == 0
    shutil.copytree(other / "site", root / "site", dirs_exist_ok=True)  # and its site over this one's
    mine = catalog_cache_folder_in(cache_home, root)
    shutil.rmtree(mine)
    shutil.copytree(catalog_cache_folder_in(cache_home, other), mine)
    for name in ("site", ".site.headcat-spare"):  # the other's manifests, as if made for this site's folders
        theirs, ours = manifest_name(other / "site", other / name), manifest_name(root / "site", root / name)
        assert theirs is not None and ours is not None
        (mine / theirs).rename(mine / ours)

    assert headcat("build", str(root), "--no-search", cache_home=cache_home).returncode == 0

    assert tree(root / "site") == clean_site(root, tmp_path)


def test_an_unusable_cache_folder_is_a_warning_and_the_build_goes_on(root: Path, tmp_path: Path) -> None:
    cache_home = tmp_path / "cache-home"
    cache_home.write_text("a file where the cache folder should be\n", encoding="utf-8")

    result = headcat("build", str(root), "--no-search", cache_home=cache_home)

    assert result.returncode == 0, result.stderr
    assert "headcat: warning: building without the cache" in result.stderr
    assert tree(root / "site") == clean_site(root, tmp_path)


def test_after_an_edit_to_headcats_own_code_the_build_equals_one_without_the_cache(root: Path, tmp_path: Path) -> None:
    """headcat run from a copy of its source (as an editable install runs it), edited between two builds with the
    same version number: the second build notices, as it keys its cache on the code, not the version."""
    source = tmp_path / "src"
    shutil.copytree(REPOSITORY / "src" / "headcat", source / "headcat",
                    ignore=shutil.ignore_patterns("__pycache__"))
    environment = {**os.environ, "HEADCAT_CACHE_DIR": str(tmp_path / "cache-home"), "PYTHONPATH": str(source)}

    def run(*arguments: str) -> None:
        result = subprocess.run([sys.executable, "-m", "headcat", *arguments], capture_output=True, text=True,
                                env=environment, check=False, timeout=120)
        assert result.returncode == 0, result.stderr

    run("build", str(root), "--no-search")
    before = tree(root / "site")
    exports = source / "headcat" / "render" / "exports.py"
    text = exports.read_text(encoding="utf-8")
    assert '"preprint": "article"' in text
    exports.write_text(text.replace('"preprint": "article"', '"preprint": "report"'), encoding="utf-8")

    run("build", str(root), "--no-search")

    after = tree(root / "site")
    assert after != before  # the edit shows in papers.csl.json
    assert {path for path in after if after[path] != before.get(path)} == {"papers.csl.json"}
    clean = tmp_path / "clean"
    shutil.copytree(root, clean, ignore=lambda folder, names: ["site"] if folder == str(root) else [])
    run("build", str(clean), "--no-search", "--no-cache")
    assert after == tree(clean / "site")
