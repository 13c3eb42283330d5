"""The build as a pipeline of typed stages; `build` reads as its table of contents.

load settings and papers (validated at the edge: load/) -> build the catalog (groupings, derived values: catalog/)
-> declare the outputs, each with what it reads, and render those whose inputs changed (render/) -> write them
beside the output and publish them at once (write/), then README.md's table. The build cache (cache/) keeps what a
later build can reuse, keyed by what each value was made from. Every stage raises ProblemsFound with all it found;
nothing is published unless every stage succeeded.
"""

from __future__ import annotations

import errno
import json
import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from itertools import chain
from pathlib import Path

from jinja2 import Environment

from headcat.cache.build_cache import BuildCache
from headcat.cache.manifest import OutputManifest
from headcat.cache.papers import PaperStore
from headcat.cache.toolchain import folder_digest
from headcat.catalog.catalog import Catalog, build_catalog, plan_catalog_layout
from headcat.catalog.layout import CatalogLayout, LayoutInput
from headcat.load.papers import check_papers, load_papers
from headcat.load.settings import Settings, load_settings
from headcat.model.problems import Problem, ProblemsFound
from headcat.model.schema import paper_json_schema
from headcat.model.taxonomy import Taxonomy
from headcat.process import collector
from headcat.process.parallel import background_work
from headcat.process.timings import timed
from headcat.render.context import RenderContext
from headcat.render.environment import make_environment, template_errors_as_problems, template_folders
from headcat.render.exports import export_outputs
from headcat.render.feeds import feed_outputs
from headcat.render.field_reference import render_field_reference
from headcat.render.forms import FORMS_FOLDER, issue_forms
from headcat.render.outputs import render_name
from headcat.render.readme import render_readme_table
from headcat.render.rendering import render_outputs
from headcat.render.search import EarlierIndex, SearchIndexing, index_files, search_inputs
from headcat.render.site import site_outputs
from headcat.write.documents import (
    CONTRIBUTING_NAME,
    EDITOR_SCHEMA,
    FIELD_REFERENCE,
    ISSUE_FORM,
    README_NAME,
    SCHEMA_PATH,
    ReadmeUpdate,
    has_markers,
    plan_file_update,
    plan_readme_update,
    stale_readme_problem,
    write_readme,
)
from headcat.write.folder import OutputFolder, check_output_folder, locked, read_owned, repair
from headcat.write.staging import Staging, WriteResult, staged_output


@dataclass(frozen=True)
class BuildResult:
    catalog: Catalog
    out_dir: Path
    file_count: int
    written_count: int
    """Files this build wrote; the others were already there as they should be."""
    rendered_count: int
    """Outputs this build rendered; the others were kept, made by an earlier build from the same inputs."""


@collector.paused()  # until the build ends: process/collector.py
@background_work()  # the paper store is written by a child process while the build goes on
def build(root: Path, out_dir: Path, today: date, with_search: bool = True, use_cache: bool = True,
          overrides: Mapping[str, str] | None = None) -> BuildResult:
    """Validate, render the outputs and publish them at once (write/folder.py: the published folder changes in one
    step, once every output is written); README.md's table last, and only when the site was published (a catalog
    without a README.md builds without one). With the cache, unchanged paper files are not read again and outputs
    whose inputs did not change are neither rendered nor written. The search index is made in a child process
    beside the rest. Refuses an output folder headcat does not own (OutputFolderRefused) before anything is read.
    `overrides` replace settings (the published address, the repository: load/settings.py SETTING_VARIABLES)."""
    folder = OutputFolder(out_dir)
    check_output_folder(out_dir, root)
    cache = BuildCache.open(root, enabled=use_cache)
    catalog = load_catalog(root, today, cache, overrides)
    with locked(folder):
        repair(folder)
        check_output_folder(out_dir, root)  # again: another build may have run while this one waited
        active, spare = _manifests(cache, folder)
        with render_context(root, cache, catalog.taxonomy) as context, \
                _search_index(catalog, cache, with_search, active) as search, \
                template_errors_as_problems(root / "templates"), _naming_a_full_disk(out_dir), \
                staged_output(folder, active, spare, keep_spare=cache.is_enabled) as staging:
            outputs = chain(site_outputs(catalog), feed_outputs(catalog), export_outputs(catalog))
            # With the cache every output is keyed, so that the next build can keep it; a first build keeps nothing.
            previous = active or (OutputManifest(out_dir) if cache.is_enabled else None)
            rendered = render_outputs(outputs, context, staging, previous,
                                      lambda: template_errors_as_problems(root / "templates"))
            with timed("render README.md's table"):
                documents = render_documents(catalog, root, context, readme_required=False)
            if search is not None:
                with timed("wait for the search index and write it"):
                    _add_search_index(staging, search)
            result = staging.publish()
            with timed("write the build cache"):
                _save_cache(cache, context, folder, result, catalog, search)
    for update in documents:
        if update.is_stale:
            write_readme(update)
    return BuildResult(catalog=catalog, out_dir=out_dir, file_count=len(result.site.records),
                       written_count=result.written, rendered_count=rendered)


def _manifests(cache: BuildCache, folder: OutputFolder) -> tuple[OutputManifest | None, OutputManifest | None]:
    """The manifests of the published folder and of the spare beside it, when the cache holds them (and the
    published folder is headcat's)."""
    if not cache.is_enabled or read_owned(folder.site) is None:
        return None, None
    return cache.manifest(folder.site, folder.site), cache.manifest(folder.site, folder.spare)


def check(root: Path, today: date, use_cache: bool = True) -> int:
    """Validate everything a build validates and return the number of papers; writes nothing, not even the cache
    (a file unchanged since the last build's cache is not read again). The files derived from the vocabulary (the
    editor schema, CONTRIBUTING.md's field reference) must be current: a stale one is a problem that names the
    command that regenerates it."""
    settings = load_settings(root)
    cache = BuildCache.open(root, enabled=use_cache)
    count = check_papers(root, settings.taxonomy, today, _paper_store(cache, settings))
    templates = root / "templates"
    with template_errors_as_problems(templates):
        stale = [stale_readme_problem(update)
                 for update in vocabulary_documents(root, settings.taxonomy,
                                                  make_environment(templates, settings.taxonomy))
                 if update.is_stale]
    if stale:
        raise ProblemsFound(stale)
    return count


def load_catalog(root: Path, today: date, cache: BuildCache | None = None,
                 overrides: Mapping[str, str] | None = None) -> Catalog:
    """The catalog stage's result: settings and papers validated, grouped and derived. With the cache, files
    unchanged since the last build are not read again, and the layout is reused when its inputs are the same."""
    cache = cache or BuildCache.open(root, enabled=False)
    with collector.paused():  # loading and grouping make millions of objects and no reference cycles: collector.py
        with timed("load papers"):
            settings = load_settings(root, overrides)
            papers = load_papers(root, settings.taxonomy, today, _paper_store(cache, settings))
        with timed("build the catalog"):
            for paper_id, paper in papers.by_id.items():
                cache.fingerprints.seed(paper, papers.fingerprints[paper_id])

            def plan(inputs: Sequence[LayoutInput]) -> CatalogLayout:
                return cache.remembered("catalog-layout", inputs, lambda: plan_catalog_layout(inputs),
                                        CatalogLayout.to_data, CatalogLayout.from_data)

            return build_catalog(settings.config, settings.taxonomy, papers.by_id, plan)


def plan_documents(root: Path, today: date) -> tuple[Catalog, tuple[ReadmeUpdate, ...]]:
    """The catalog, and its generated parts of README.md and CONTRIBUTING.md (`headcat readme`; nothing written);
    rows of papers that did not change since the last build are taken from the build cache."""
    cache = BuildCache.open(root)
    catalog = load_catalog(root, today, cache)
    with render_context(root, cache, catalog.taxonomy) as context:
        return catalog, render_documents(catalog, root, context)


def render_documents(catalog: Catalog, root: Path, context: RenderContext,
                     readme_required: bool = True) -> tuple[ReadmeUpdate, ...]:
    """The generated parts of the catalog's files, freshly rendered (nothing written yet): README.md's paper table,
    and the files derived from the vocabulary (`vocabulary_documents`)."""
    updates = []
    with template_errors_as_problems(root / "templates"):
        if readme_required or os.path.lexists(root / README_NAME):  # a link to nothing is a problem, not no README
            updates.append(plan_readme_update(root / README_NAME, render_readme_table(catalog, context)))
        updates += vocabulary_documents(root, catalog.taxonomy, context.environment)
    return tuple(updates)


def vocabulary_documents(root: Path, taxonomy: Taxonomy, environment: Environment) -> list[ReadmeUpdate]:
    """What follows from taxonomy.yaml and the paper model: CONTRIBUTING.md's field reference when that file asks
    for one, the editor schema when the catalog has schema/paper.schema.json, and each issue form it has under
    .github/ISSUE_TEMPLATE/ (render/forms.py)."""
    updates = []
    if has_markers(root / CONTRIBUTING_NAME, FIELD_REFERENCE):
        updates.append(plan_readme_update(root / CONTRIBUTING_NAME, render_field_reference(environment),
                                          FIELD_REFERENCE))
    if os.path.lexists(root / SCHEMA_PATH):
        schema = json.dumps(paper_json_schema(taxonomy), indent=2, ensure_ascii=False) + "\n"
        updates.append(plan_file_update(root / SCHEMA_PATH, schema, EDITOR_SCHEMA))
    for name, text in issue_forms(taxonomy).items():
        if os.path.lexists(root / FORMS_FOLDER / name):
            updates.append(plan_file_update(root / FORMS_FOLDER / name, text, ISSUE_FORM))
    return updates


@contextmanager
def render_context(root: Path, cache: BuildCache, taxonomy: Taxonomy) -> Iterator[RenderContext]:
    """The catalog's templates with its words, and the fragments of earlier builds; the fragment store is closed at
    the end (and a store half written by a build that failed is dropped). Every page may show the words (the
    navigation names the taxonomy's levels, and has no map of a flat taxonomy), so they are part of the key of every
    output, as the templates are."""
    templates = root / "templates"
    if os.path.lexists(templates) and not templates.is_dir():
        raise ProblemsFound([Problem(str(templates), 0, 0, "is not a folder; templates/ holds the templates that "
                                                           "override the theme's (or leave it out)")])
    with timed("read the build cache"):
        fragments = cache.fragments() if cache.is_enabled else None
        digests = [folder_digest(folder) for folder in template_folders(templates)]
        key = cache.key("templates", *digests, cache.fingerprints.of(taxonomy.words), bool(taxonomy.stages))
        context = RenderContext(make_environment(templates, taxonomy), key, cache.fingerprints, fragments)
    try:
        yield context
    finally:
        if fragments is not None:
            fragments.close()


@contextmanager
def _naming_a_full_disk(path: Path) -> Iterator[None]:
    """A write refused for want of space names no file (the file was open): it names `path`, what was being
    written, so that the command can say where space is wanting."""
    try:
        yield
    except OSError as error:
        if error.filename is None and error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            error.filename = str(path)
        raise


def _paper_store(cache: BuildCache, settings: Settings) -> PaperStore | None:
    return cache.papers(cache.fingerprints.of(settings.taxonomy)) if cache.is_enabled else None


@contextmanager
def _search_index(catalog: Catalog, cache: BuildCache, with_search: bool,
                  previous: OutputManifest | None) -> Iterator[SearchIndexing | None]:
    """The search index made while the block runs (unless the `previous` build's index was made from the same
    inputs by the same headcat: no template is read; None without search); stopped if the block fails."""
    if not with_search:
        yield None
        return
    with timed("start the search index"):
        inputs = search_inputs(catalog)
        papers = tuple(cache.fingerprints.of(entry) for entry in inputs.entries)
        stored = cache.recall(SEARCH_INDEX_STORE, inputs.language, inputs.part_labels)
        earlier = EarlierIndex.from_data(stored)
        search = SearchIndexing(inputs, cache.key(render_name(index_files), inputs), papers, previous, earlier)
    try:
        yield search
    finally:
        search.close()


SEARCH_INDEX_STORE = "search-index"
"""The build cache's record of the index a build published (render/search.py EarlierIndex), kept for the language
and part labels it was made for."""


def _add_search_index(staging: Staging, search: SearchIndexing) -> None:
    for file in search.files():
        if isinstance(file, str):
            staging.keep(file)
        else:
            staging.write(file.path, file.content, file.key)


def _save_cache(cache: BuildCache, context: RenderContext, folder: OutputFolder, result: WriteResult,
                catalog: Catalog, search: SearchIndexing | None) -> None:
    """Keep the manifests, the fragments and what the search index was made from for the next build; a cache that
    cannot be written costs the next build time, never this one its output."""
    if not cache.is_enabled:
        return
    try:
        cache.save_manifests(folder.site, [result.site] + ([result.spare] if result.spare is not None else []))
        if search is not None and (record := search.record()) is not None:
            cache.keep(SEARCH_INDEX_STORE, record, search.inputs.language, search.inputs.part_labels)
        context.keep(context.take_fresh())
        if context.fragments is not None:
            context.fragments.save(entry.id for entry in catalog.papers)
    except OSError as error:
        logging.getLogger("headcat").warning("could not write the build cache: %s", error)
