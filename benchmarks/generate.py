"""Synthetic catalogs for the benchmark: N papers as a headcat catalog and the same papers as a Hugo site.

    python benchmarks/generate.py N OUTDIR [--hugo-dir DIR] [--seed S]

writes OUTDIR/papers/<paper-id>.yaml (our paper format), copies the repository's taxonomy.yaml and templates/,
writes a pyproject.toml with [tool.headcat] and a README.md with the paper-table markers, and writes the Hugo site
to OUTDIR-hugo (or --hugo-dir): content/papers/<paper-id>.md plus the small theme in benchmarks/hugo/. The random
generator is seeded, so the same N and seed give byte-identical files, and the first N papers of a larger catalog
are the papers of size N.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import yaml

REPOSITORY = Path(__file__).resolve().parent.parent
HUGO_THEME = Path(__file__).resolve().parent / "hugo"
LAST_DAY = date(2025, 12, 31)
"""No date goes past it, so the catalog is the same whatever day it is made (and never in the future after it)."""

YEAR_WEIGHTS = {2016: 1, 2017: 1, 2018: 2, 2019: 3, 2020: 3, 2021: 4, 2022: 5, 2023: 8, 2024: 12, 2025: 12}
VENUES = ["ICLR", "ICML", "NeurIPS", "ACL", "EMNLP", "NAACL", "Findings of ACL", "Findings of EMNLP", "COLM",
          "AAAI", "TMLR", "BlackboxNLP", "AISTATS", "Transformer Circuits Thread"]
FIRST_NAMES = ("Ada Wei Yao Maria Jonas Priya Kenji Lena Omar Sofia Chen Lucas Amara Yuki Diego Hannah Ravi Mei "
               "Elena Tomas Fatima Noah Ines Arjun Lin Marta Felix Aisha Hugo Sara Jin Paolo Nadia Ivan Zoe").split()
LAST_NAMES = ("Wu Wang Xiao Peng Fu Smith Garcia Mueller Rossi Tanaka Kim Singh Okafor Novak Silva Dubois Cohen "
              "Ivanova Larsen Haddad Nakamura Park Costa Khan Berg Moreau Schmidt Lopez Zhang Li Chan Saxe Hill "
              "Reddy Olsson Petrov Sato Kowalski Ahmed Nguyen").split()
TITLE_WORDS = {
    "adjective": ("Mechanistic Sparse Latent Causal Emergent Robust Efficient Interpretable Hidden Shared Universal "
                  "Long-Context Multilingual Factual Compositional Dormant Redundant Structured Scalable Minimal"
                  ).split(),
    "noun": ("Attention Heads Circuits Retrieval Reasoning Memory Induction Copying Suppression Features Tokens "
             "Transformers Language Models Representations Interventions Ablations Pathways Mechanisms Signals "
             "Arithmetic Factuality Alignment Safety Heuristics Superposition Routing Generalization Dynamics"
             ).split(),
    "verb": "Explains Reveals Drives Shapes Predicts Controls Tracks Enables Improves Locates Steers".split(),
    "link": "in of for through across with beyond under".split(),
}
SENTENCE_WORDS = {
    "subject": ["We", "This work", "The study", "The paper", "The analysis"],
    "verb": ("identify trace ablate measure localize patch probe characterize compare quantify isolate decompose "
             "reproduce steer prune").split(),
    "adjective": ("specific sparse late early middle-layer causal robust consistent small critical redundant "
                  "dominant distinct shared").split(),
    "noun": ("heads,circuits,attention patterns,residual streams,logits,activations,layers,tokens,features,"
             "prompts,tasks,benchmarks,models,behaviours,mechanisms,pathways,subspaces").split(","),
    "phrase": ["across every layer", "on synthetic data", "with activation patching", "in long contexts",
               "on the IOI task", "under distribution shift", "during pre-training", "at inference time",
               "on factual recall", "with path patching", "on arithmetic prompts", "in multilingual settings"],
}
CODE_SNIPPETS = ["L5H1", "L9H9", "attn.hook_pattern", "resid_post", "W_OV", "W_QK", "top_k=8", "head_mask",
                 "logit_diff", "layer_12.head_3"]
README = "# Synthetic catalog\n\nMade by benchmarks/generate.py.\n\n<!-- headcat:start -->\n<!-- headcat:end -->\n"
"""A README with the markers of headcat's paper table, as a real catalog has: the build writes the table."""
SUMMARY_PART_MAX_CHARS = 380
"""Below headcat's 400-character limit, leaving room for the benchmark's one-paper edit."""


@dataclass(frozen=True)
class SyntheticPaper:
    id: str
    title: str
    date: date
    added: date
    authors: list[str]
    venue: str
    arxiv: str
    heads: list[str]
    models: list[str]
    methods: list[str]
    links: dict[str, str]
    summary: dict[str, str]


def make_papers(count: int, head_names: list[str], seed: int = 7, models: list[str] | None = None,
                methods: list[str] | None = None) -> list[SyntheticPaper]:
    """`count` papers, unique in title (normalized), paper id and arXiv id; a quarter name one to three `models`,
    three in five one to three `methods` (names from the taxonomy's vocabularies)."""
    models, methods = models or [], methods or []
    rng = random.Random(f"headcat-bench-{seed}")
    head_weights = [1 / (rank + 1) ** 0.8 for rank in range(len(head_names))]  # a few head types are common
    seen_titles: set[str] = set()
    seen_ids: set[str] = set()
    seen_arxiv: set[str] = set()
    papers = []
    for _ in range(count):
        heads = _pick_heads(rng, head_names, head_weights)
        title = _make_title(rng, heads[0])
        while _title_key(title) in seen_titles:
            title = _make_title(rng, heads[0])
        seen_titles.add(_title_key(title))
        paper_id = _make_paper_id(title, seen_ids)
        published = _make_date(rng)
        arxiv = _make_arxiv_id(rng, published, seen_arxiv)
        links = {"paper": f"https://arxiv.org/abs/{arxiv}"}
        if rng.random() < 0.3:
            links["code"] = f"https://github.com/{rng.choice(LAST_NAMES).lower()}-lab/{paper_id[:30].strip('-')}"
        papers.append(SyntheticPaper(
            id=paper_id,
            title=title,
            date=published,
            added=min(LAST_DAY, published + timedelta(days=rng.randint(0, 540))),
            authors=[f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}" for _ in range(rng.randint(1, 8))],
            venue=_make_venue(rng, published),
            arxiv=arxiv,
            heads=heads,
            models=rng.sample(models, min(len(models), rng.randint(1, 3))) if rng.random() < 0.25 else [],
            methods=rng.sample(methods, min(len(methods), rng.randint(1, 3))) if rng.random() < 0.6 else [],
            links=links,
            summary={part: _make_summary_part(rng) for part in ("innovation", "tasks", "result")},
        ))
    return papers


def _pick_heads(rng: random.Random, head_names: list[str], weights: list[float]) -> list[str]:
    wanted = rng.choices((1, 2, 3), weights=(75, 18, 7))[0]
    heads: list[str] = []
    while len(heads) < wanted:
        name = rng.choices(head_names, weights=weights)[0]
        if name not in heads:
            heads.append(name)
    return heads


def _make_title(rng: random.Random, head: str) -> str:
    """6-14 words, sometimes led by a head type, sometimes with a subtitle after a colon."""
    words = rng.randint(6, 14)
    parts = head.split() if rng.random() < 0.4 else [rng.choice(TITLE_WORDS["adjective"])]
    parts += [rng.choice(TITLE_WORDS["noun"]), rng.choice(TITLE_WORDS["verb"])]
    while len(parts) < words:
        kind = rng.choices(("adjective", "noun", "link"), weights=(3, 5, 2))[0]
        if kind == "link" and parts[-1] not in TITLE_WORDS["link"]:
            parts += [rng.choice(TITLE_WORDS["link"]), rng.choice(TITLE_WORDS["noun"])]
        elif kind != "link":
            parts.append(rng.choice(TITLE_WORDS[kind]))
    parts = parts[:words]
    if parts[-1] in TITLE_WORDS["link"]:
        parts[-1] = rng.choice(TITLE_WORDS["noun"])
    if rng.random() < 0.25:
        parts[words // 2 - 1] += ":"
    return " ".join(parts)


def _title_key(title: str) -> str:
    """How headcat compares titles to find two files for one paper."""
    return re.sub(r"[\W_]+", "", title.casefold())


def _make_paper_id(title: str, seen_ids: set[str]) -> str:
    words = [word for word in re.findall(r"[a-z0-9]+", title.casefold()) if word not in TITLE_WORDS["link"]]
    base = "-".join(words[:6])
    paper_id, number = base, 2
    while paper_id in seen_ids:
        paper_id, number = f"{base}-{number}", number + 1
    seen_ids.add(paper_id)
    return paper_id


def _make_date(rng: random.Random) -> date:
    year = rng.choices(list(YEAR_WEIGHTS), weights=list(YEAR_WEIGHTS.values()))[0]
    first = date(year, 1, 1)
    return first + timedelta(days=rng.randrange((min(date(year, 12, 31), LAST_DAY) - first).days + 1))


def _make_arxiv_id(rng: random.Random, published: date, seen: set[str]) -> str:
    while True:
        arxiv = f"{published.year % 100:02d}{published.month:02d}.{rng.randint(1, 29999):05d}"
        if arxiv not in seen:
            seen.add(arxiv)
            return arxiv


def _make_venue(rng: random.Random, published: date) -> str:
    if rng.random() < 0.55:
        return f"arXiv {published.year}"
    return f"{rng.choice(VENUES)} {published.year + rng.choice((0, 0, 1))}"


def _make_summary_part(rng: random.Random) -> str:
    """About 30-50 words of whole sentences, with occasional *emphasis* and `code`, under the length limit."""
    text, wanted = "", rng.randint(30, 50)
    while len(text.split()) < wanted:
        subject = rng.choice(SENTENCE_WORDS["subject"])
        verb = rng.choice(SENTENCE_WORDS["verb"])
        noun = rng.choice(SENTENCE_WORDS["noun"])
        words = [subject, verb if subject == "We" else _third_person(verb), rng.choice(SENTENCE_WORDS["adjective"]),
                 f"*{noun}*" if rng.random() < 0.12 else noun, rng.choice(SENTENCE_WORDS["phrase"])]
        if rng.random() < 0.1:
            words.append(f"such as `{rng.choice(CODE_SNIPPETS)}`")
        if rng.random() < 0.3:
            words.append(f"by {rng.randint(2, 95)}%")
        sentence = " ".join(words) + "."
        if len(text) + 1 + len(sentence) > SUMMARY_PART_MAX_CHARS or len(f"{text} {sentence}".split()) > 52:
            break
        text = f"{text} {sentence}" if text else sentence
    return text


def _third_person(verb: str) -> str:
    if verb.endswith(("ch", "sh", "s", "x")):
        return verb + "es"
    return verb[:-1] + "ies" if verb.endswith("y") and verb[-2] not in "aeiou" else verb + "s"


def format_paper_yaml(paper: SyntheticPaper) -> str:
    """A paper file written the way a contributor writes one (flow lists, folded summary parts)."""
    lines = [
        "# yaml-language-server: $schema=../schema/paper.schema.json",
        f"title: {_yaml_text(paper.title)}",
        f"date: {paper.date.isoformat()}",
        f"added: {paper.added.isoformat()}",
        f"authors: [{', '.join(paper.authors)}]",
        f"venue: {paper.venue}",
        f'arxiv: "{paper.arxiv}"',
        f"heads: [{', '.join(paper.heads)}]",
    ]
    if paper.models:
        lines.append(f"models: [{', '.join(json.dumps(name) for name in paper.models)}]")
    if paper.methods:
        lines.append(f"methods: [{', '.join(json.dumps(name) for name in paper.methods)}]")
    lines.append("links:")
    lines += [f"  {kind}: {url}" for kind, url in paper.links.items()]
    lines.append("summary:")
    for part, text in paper.summary.items():
        lines.append(f"  {part}: >-")
        lines += [f"    {line}" for line in _wrap(text, 96)]
    return "\n".join(lines) + "\n"


def format_hugo_page(paper: SyntheticPaper) -> str:
    """The same paper as Hugo content: front matter (JSON-quoted YAML) and the summary as the body."""
    front = {"title": paper.title, "date": paper.date.isoformat(), "added": paper.added.isoformat(),
             "authors": paper.authors, "venue": paper.venue, "arxiv": paper.arxiv, "heads": paper.heads,
             "years": [str(paper.date.year)], "models": paper.models, "methods": paper.methods, "links": paper.links}
    lines = ["---", *(f"{key}: {json.dumps(value)}" for key, value in front.items()), "---", ""]
    lines += [f"**{part.capitalize()}.** {text}\n" for part, text in paper.summary.items()]
    return "\n".join(lines)


def _yaml_text(text: str) -> str:
    return json.dumps(text) if ": " in text or text[0] in "!&*[]{}|>'\"%@`#,?-" else text


def _wrap(text: str, width: int) -> list[str]:
    lines, current = [], ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    return [*lines, current]


def read_head_names(path: Path) -> list[str]:
    """The head type names of a taxonomy.yaml, in file order."""
    return [head["name"] for head in yaml.safe_load(path.read_text(encoding="utf-8"))["heads"]]


def read_vocabularies(path: Path) -> tuple[list[str], list[str]]:
    """The model and method names of a taxonomy.yaml, in file order."""
    taxonomy = yaml.safe_load(path.read_text(encoding="utf-8"))
    return ([model["name"] for family in taxonomy.get("models", ()) for model in family["models"]],
            [method["name"] for family in taxonomy.get("methods", ()) for kind in family["types"]
             for method in kind["methods"]])


def copy_catalog_files(out_dir: Path, repository: Path = REPOSITORY) -> None:
    """What a catalog needs besides its papers: the repository's taxonomy and templates as they are now, a config
    and a README with an empty paper table."""
    out_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(repository / "taxonomy.yaml", out_dir / "taxonomy.yaml")
    shutil.rmtree(out_dir / "templates", ignore_errors=True)
    shutil.copytree(repository / "templates", out_dir / "templates")
    (out_dir / "pyproject.toml").write_text(
        '[tool.headcat]\ntitle = "Synthetic Attention Heads"\n'
        'description = "A synthetic catalog for benchmarking headcat."\n'
        'base_url = "https://example.org/catalog/"\n', encoding="utf-8")
    (out_dir / "README.md").write_text(README, encoding="utf-8")


def write_catalogs(count: int, out_dir: Path, hugo_dir: Path, seed: int = 7) -> None:
    papers = make_papers(count, read_head_names(REPOSITORY / "taxonomy.yaml"), seed,
                         *read_vocabularies(REPOSITORY / "taxonomy.yaml"))
    for folder in (out_dir / "papers", hugo_dir / "content" / "papers"):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    copy_catalog_files(out_dir)
    shutil.copytree(HUGO_THEME, hugo_dir, dirs_exist_ok=True)
    for paper in papers:
        (out_dir / "papers" / f"{paper.id}.yaml").write_text(format_paper_yaml(paper), encoding="utf-8")
        (hugo_dir / "content" / "papers" / f"{paper.id}.md").write_text(format_hugo_page(paper), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int, metavar="N", help="how many papers")
    parser.add_argument("out_dir", type=Path, metavar="OUTDIR", help="the headcat catalog folder to write")
    parser.add_argument("--hugo-dir", type=Path, help="the Hugo site folder to write (default: OUTDIR-hugo)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default: 7)")
    arguments = parser.parse_args()
    hugo_dir = arguments.hugo_dir or arguments.out_dir.with_name(arguments.out_dir.name + "-hugo")
    write_catalogs(arguments.count, arguments.out_dir, hugo_dir, arguments.seed)
    print(f"wrote {arguments.count} papers to {arguments.out_dir}/papers and {hugo_dir}/content/papers")


if __name__ == "__main__":
    main()
