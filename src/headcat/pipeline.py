"""The build as a pipeline of typed stages; each function here reads as a table of contents.

load config, taxonomy, papers (validated at the edge) -> build the catalog (groupings, derived values)
-> render outputs (each renderer returns files in memory) -> write outputs (the only stage that writes).
Every stage raises ProblemsFound with all it found; nothing is written unless every stage succeeded.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path

from jinja2 import Environment

from headcat.process import collector
from headcat.catalog.catalog import Catalog, CatalogLayout, build_catalog, layout_key, plan_layout
from headcat.model.config import Config
from headcat.cache.build_cache import (CACHE_DIR_NAME, OutputManifest, environment_key, file_fingerprint,
                                 read_catalog_layout, read_fragments, read_output_manifest, read_paper_cache,
                                 write_catalog_layout, write_fragments, write_output_manifest)
from headcat.load.papers import LoadedPapers, check_papers, load_config, load_papers, load_taxonomy
from headcat.write.staging import Output, Reuse, staged_outputs
from headcat.process.parallel import background_work, giving_way
from headcat.model.problems import Problem, ProblemsFound
from headcat.render.field_reference import CONTRIBUTING_NAME, FIELD_REFERENCE, render_field_reference
from headcat.write.documents import README_NAME, ReadmeUpdate, has_markers, plan_readme_update, write_readme
from headcat.render.exports import render_exports
from headcat.render.feeds import render_feeds
from headcat.render.readme import render_readme_table
from headcat.render.site import render_site
from headcat.render.search import SearchIndexing, start_search_index
from headcat.model.taxonomy import Taxonomy
from headcat.process.timings import timed
from headcat.render.environment import make_environment, template_errors_as_problems


@dataclass(frozen=True)
class LoadedInput:
    """Everything the catalog is made from, validated."""

    config: Config
    taxonomy: Taxonomy
    papers: LoadedPapers


@dataclass(frozen=True)
class BuildResult:
    catalog: Catalog
    out_dir: Path
    file_count: int
    written_count: int
    """Files this build wrote; the others were already there as they should be."""


def load_input(root: Path, today: date, use_cache: bool = False) -> LoadedInput:
    """Config, taxonomy and papers; config and taxonomy problems are reported together before papers are read."""
    config, taxonomy = _load_settings(root)
    cache = read_paper_cache(root, _paper_cache_key(root)) if use_cache else None
    return LoadedInput(config, taxonomy, load_papers(root, taxonomy, today, cache))


def load_catalog(root: Path, today: date, use_cache: bool = False) -> Catalog:
    """The catalog stage's result: validated input, grouped and derived. With the cache, the layout the previous
    build worked out is used again when the papers and taxonomy it came from are the same (see catalog.py)."""
    with collector.paused():  # loading and grouping make millions of objects and no reference cycles: collector.py
        with timed("load papers"):
            loaded = load_input(root, today, use_cache)
        with timed("build the catalog"):
            layout = _catalog_layout(root, loaded) if use_cache else None
            return build_catalog(loaded.config, loaded.taxonomy, loaded.papers.by_id, loaded.papers.source_digests,
                                 layout)


def _catalog_layout(root: Path, loaded: LoadedInput) -> CatalogLayout:
    """The previous build's layout when it was worked out from the same papers and taxonomy; else a new one, kept
    in the cache for the next build."""
    key = layout_key(loaded.taxonomy, loaded.papers.by_id)
    layout = read_catalog_layout(root, key)
    if not isinstance(layout, CatalogLayout):
        layout = plan_layout(loaded.taxonomy, loaded.papers.by_id)
        write_catalog_layout(root, key, layout)
    return layout


def check(root: Path, today: date, use_cache: bool = True) -> int:
    """Validate everything a build validates and return the number of papers; writes nothing, not even the cache
    (a file unchanged since the last build's cache is not read again)."""
    _, taxonomy = _load_settings(root)
    cache = read_paper_cache(root, _paper_cache_key(root)) if use_cache else None
    return check_papers(root, taxonomy, today, cache)


@collector.paused()  # until the build ends: collector.py
@background_work()  # the paper cache is written by a child process while the build goes on
def build(root: Path, out_dir: Path, today: date, with_search: bool = True, use_cache: bool = True) -> BuildResult:
    """Validate, render the outputs and write them (the output folder changes only once every output rendered);
    README.md's table last, and only when the site was written (a catalog without a README.md builds without one).
    With the cache, unchanged paper files are not parsed again and pages whose inputs did not change are neither
    rendered nor written. The search index is made by Pagefind beside the rest (no page shows any of it); with the
    cache, an index made from the same records is kept."""
    catalog = load_catalog(root, today, use_cache)
    with _previous_build(root, out_dir, catalog, use_cache) as reuse, \
            _search_index(catalog, with_search, reuse.previous if reuse else None) as search:
        outputs = render_outputs(catalog, root, reuse)  # rendered as the write stage takes them
        templates_errors = partial(template_errors_as_problems, root / "templates")
        previous = reuse.previous if reuse else OutputManifest(out_dir)
        with templates_errors(), staged_outputs(out_dir, outputs, previous, reuse, templates_errors) as staged:
            # README.md's table after the site's files (their rendering holds the most memory), before any is published
            with timed("render README.md's table"):
                documents = plan_documents(catalog, root, readme_required=False, reuse=reuse)
            if search is not None:
                with timed("wait for the search index and write it"):
                    staged.add(search.files())
            result = staged.update_output()
        with timed("write the build cache"):
            if reuse is not None:
                write_output_manifest(root, result.manifest)
                reuse.add_fragments(reuse.take_fresh())
                write_fragments(root, reuse.inputs_key, reuse.cache, {entry.id for entry in catalog.papers})
    for update in documents:
        if update.is_stale:
            write_readme(update)
    return BuildResult(catalog=catalog, out_dir=out_dir, file_count=len(result.manifest.records),
                       written_count=result.written)


def render_outputs(catalog: Catalog, root: Path, reuse: Reuse | None = None) -> Iterator[Output]:
    """Every output file but the search index, one at a time (or, with `reuse`, kept from the previous build where
    its inputs are the same)."""
    environment = _template_environment(root, use_cache=reuse is not None)
    yield from render_site(catalog, environment, reuse)
    yield from render_feeds(catalog, environment, reuse)
    yield from render_exports(catalog, environment, reuse)


def plan_documents(catalog: Catalog, root: Path, readme_required: bool = True,
                   reuse: Reuse | None = None) -> tuple[ReadmeUpdate, ...]:
    """The generated parts of the repository's Markdown files, freshly rendered (nothing written yet):
    README.md's paper table, and CONTRIBUTING.md's field reference when that file asks for one."""
    with template_errors_as_problems(root / "templates"):
        return _render_documents(catalog, root, readme_required, reuse)


def _render_documents(catalog: Catalog, root: Path, readme_required: bool,
                      reuse: Reuse | None) -> tuple[ReadmeUpdate, ...]:
    environment = _template_environment(root, use_cache=reuse is not None)
    updates = []
    if readme_required or (root / README_NAME).exists():
        updates.append(plan_readme_update(root / README_NAME, render_readme_table(catalog, environment, reuse)))
    if has_markers(root / CONTRIBUTING_NAME, FIELD_REFERENCE):
        updates.append(plan_readme_update(root / CONTRIBUTING_NAME, render_field_reference(environment),
                                          FIELD_REFERENCE))
    return tuple(updates)


def _load_settings(root: Path) -> tuple[Config, Taxonomy]:
    problems: list[Problem] = []
    config = taxonomy = None
    try:
        config = load_config(root)
    except ProblemsFound as found:
        problems += found.problems
    try:
        taxonomy = load_taxonomy(root)
    except ProblemsFound as found:
        problems += found.problems
    if problems or config is None or taxonomy is None:
        raise ProblemsFound(problems)
    return config, taxonomy


def _paper_cache_key(root: Path) -> str:
    """Validated papers stay valid while the taxonomy (which resolves head names) and headcat stay the same."""
    return environment_key("papers", file_fingerprint(root / "taxonomy.yaml"))


@contextmanager
def _search_index(catalog: Catalog, with_search: bool,
                  previous: OutputManifest | None) -> Iterator[SearchIndexing | None]:
    """Pagefind indexing the catalog while the block runs (unless the `previous` build's index was made from the same
    records; None without search); stopped if the block fails."""
    if not with_search:
        yield None
        return
    with timed("start the search index"):
        search = start_search_index(catalog, previous)
    try:
        with giving_way():  # Pagefind is what the build waits for at the end: it keeps a core, helpers take the rest
            yield search
    finally:
        search.close()


@contextmanager
def _previous_build(root: Path, out_dir: Path, catalog: Catalog, use_cache: bool) -> Iterator[Reuse | None]:
    """What the previous build left to reuse (nothing without the cache); at the end its fragment store is closed,
    and a store of fragments half written by a build that fails is dropped."""
    if not use_cache:
        yield None
        return
    with timed("read the build cache"):
        inputs_key = render_inputs_key(root, catalog)
        reuse = Reuse(read_output_manifest(root, out_dir), inputs_key, read_fragments(root, inputs_key))
    try:
        yield reuse
    finally:
        reuse.cache.close()


def render_inputs_key(root: Path, catalog: Catalog) -> str:
    """What every page depends on besides its own papers: templates, settings and taxonomy."""
    return environment_key("render", file_fingerprint(root / "templates"), catalog.config.model_dump_json(),
                           catalog.taxonomy.model_dump_json())


def _template_environment(root: Path, use_cache: bool = False) -> Environment:
    """The catalog's templates; with the cache, compiled ones are kept in ROOT/.headcat-cache/templates/."""
    templates_dir = root / "templates"
    if not templates_dir.is_dir():
        raise ProblemsFound([Problem(str(templates_dir), 0, 0, "not found; a catalog needs its templates/ folder")])
    return make_environment(templates_dir, root / CACHE_DIR_NAME / "templates" if use_cache else None)
