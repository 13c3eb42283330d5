"""The paper model: what one file under `papers/` holds, checked field by field (load stage).

Validation needs a `PaperContext` (the taxonomy, to resolve head names and stages, and today's date, which no
paper date may pass). Values that are computed from a paper (its stages, slugs, rendered summary) live in the
catalog stage, not here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from datetime import date as Day  # noqa: N812  # inside Paper, `date` is the field
from typing import Annotated

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from headcat.model.fields import FileModel, IsoDate, PageName, Text, WebUrl
from headcat.model.summary_markup import find_markup_problem
from headcat.model.taxonomy import Taxonomy

SUMMARY_PART_MAX_CHARS = 400
"""About 60 words: a summary part is read on a paper card, not instead of the paper."""

PLACEHOLDER_MARKER = "TODO"
"""How `headcat new` marks a place the contributor must still write; a summary part starting with it is refused."""

ARXIV_ID = re.compile(
    r"((0[7-9]|1[0-4])(0[1-9]|1[0-2])\.\d{4}"  # April 2007 to 2014: YYMM.NNNN
    r"|(1[5-9]|[2-9]\d)(0[1-9]|1[0-2])\.\d{5}"  # since 2015: YYMM.NNNNN
    r"|[a-z-]+(\.[A-Z]{2})?/\d{7})"  # before April 2007: archive/YYMMNNN
)
DOI = re.compile(r"10\.\d{4,9}/\S+")
PAPER_ID = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


@dataclass(frozen=True)
class PaperContext:
    """What validating a paper depends on besides the file itself."""

    taxonomy: Taxonomy
    today: date


def _context(info: ValidationInfo) -> PaperContext:
    if not isinstance(info.context, PaperContext):
        raise TypeError("validate papers with Paper.model_validate(data, context=PaperContext(...))")
    return info.context


def _check_arxiv_id(value: object) -> object:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise PydanticCustomError(
            "arxiv_number", "{value} was read as a number; write the arXiv id in quotes: arxiv: \"{value}\"",
            {"value": str(value)},
        )
    if isinstance(value, str):
        text = value.strip()
        versioned = re.fullmatch(r"(.+)v\d+", text)
        if versioned and ARXIV_ID.fullmatch(versioned.group(1)):
            raise PydanticCustomError(
                "arxiv_id", "'{value}' has a version suffix; write the id without it: \"{bare}\"",
                {"value": text, "bare": versioned.group(1)},
            )
        if not ARXIV_ID.fullmatch(text):
            raise PydanticCustomError(
                "arxiv_id", "'{value}' is not an arXiv id like \"2404.15574\" or \"cs/0112017\"", {"value": text}
            )
        return text
    return value


def _check_doi(value: str) -> str:
    if not DOI.fullmatch(value):
        raise PydanticCustomError("doi", "'{value}' is not a DOI like \"10.18653/v1/P19-1580\"", {"value": value})
    return value


def _resolve_head_name(value: str, info: ValidationInfo) -> str:
    taxonomy = _context(info).taxonomy
    head = taxonomy.resolve_head_type(value)
    if head is None:
        from headcat.model.problems import did_you_mean

        topic = taxonomy.words.topic.one
        hint = did_you_mean(value, taxonomy.head_spellings) or f"; add it to taxonomy.yaml if it is a new {topic}"
        raise PydanticCustomError("unknown_head", "unknown {topic} '{value}'{hint}",
                                  {"topic": topic, "value": value, "hint": hint})
    return head.name


def _resolve_model_name(value: str, info: ValidationInfo) -> str:
    taxonomy = _context(info).taxonomy
    model = taxonomy.resolve_model(value)
    if model is None:
        raise _unknown_term("model", value, taxonomy.model_spellings, "models")
    return model.name


def _resolve_method_name(value: str, info: ValidationInfo) -> str:
    taxonomy = _context(info).taxonomy
    method = taxonomy.resolve_method(value)
    if method is None:
        raise _unknown_term("method", value, taxonomy.method_spellings, "methods")
    return method.name


def _unknown_term(kind: str, value: str, spellings: list[str], section: str) -> PydanticCustomError:
    from headcat.model.problems import did_you_mean

    hint = did_you_mean(value, spellings) or f"; add it to the {section} of taxonomy.yaml if it is a new {kind}"
    return PydanticCustomError(f"unknown_{kind}", "unknown {kind} '{value}'{hint}",
                               {"kind": kind, "value": value, "hint": hint})


def _resolve_stage_id(value: str, info: ValidationInfo) -> str:
    taxonomy = _context(info).taxonomy
    stage = taxonomy.resolve_stage(value)
    if stage is None:
        known = ", ".join(f"{stage.id} ({stage.name})" for stage in taxonomy.stages) or "none: there are none"
        raise PydanticCustomError("unknown_stage", "unknown {group} '{value}'; use one of {known}",
                                  {"group": taxonomy.words.group.one, "value": value, "known": known})
    return stage.id


def _check_summary_part(value: str) -> str:
    if value.startswith(PLACEHOLDER_MARKER):
        raise PydanticCustomError(
            "summary_placeholder", "still the {marker} placeholder; write this part in your own words "
            "(inline Markdown, at most {limit} characters)", {"marker": PLACEHOLDER_MARKER,
                                                               "limit": SUMMARY_PART_MAX_CHARS})
    problem = find_markup_problem(value)
    if problem:
        raise PydanticCustomError("summary_markup", problem)
    return value


def _check_not_future(value: date, info: ValidationInfo) -> date:
    today = _context(info).today
    if value > today:
        raise PydanticCustomError(
            "future_date", "{value} is in the future (today is {today})", {"value": value.isoformat(),
                                                                           "today": today.isoformat()})
    return value


PastDate = Annotated[IsoDate, AfterValidator(_check_not_future)]
_ARXIV_LINK = re.compile(r"^https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/(.+?)(?:v\d+)?(?:\.pdf)?/?$")
"""An arXiv page's address, with the id it names (what site.js's parseIdentifier reads too)."""
HeadName = Annotated[Text, AfterValidator(_resolve_head_name)]
ModelName = Annotated[Text, AfterValidator(_resolve_model_name)]
MethodName = Annotated[Text, AfterValidator(_resolve_method_name)]
StageName = Annotated[Text, AfterValidator(_resolve_stage_id)]
SummaryPart = Annotated[Text, Field(max_length=SUMMARY_PART_MAX_CHARS), AfterValidator(_check_summary_part)]
ArxivId = Annotated[str, StringConstraints(pattern=f"^{ARXIV_ID.pattern}$"), BeforeValidator(_check_arxiv_id)]
Doi = Annotated[Text, AfterValidator(_check_doi)]


class Summary(FileModel):
    """Three short parts, each inline Markdown: what is new, what was studied, what was found."""

    innovation: SummaryPart = Field(description="What is new: what the paper finds or proposes.")
    tasks: SummaryPart = Field(description="What was done: models, methods, tasks and data sets.")
    result: SummaryPart = Field(description="What was found, with its figures.")


class Links(FileModel):
    """Typed links, each an http(s) address; at least `paper` unless `arxiv` or `doi` is given."""

    paper: WebUrl | None = Field(None, description="The paper itself: its abstract page, PDF or publisher page.")
    code: WebUrl | None = Field(None, description="The source code repository.")
    project: WebUrl | None = Field(None, description="A project page.")
    data: WebUrl | None = Field(None, description="A data set released with the paper.")
    demo: WebUrl | None = Field(None, description="An interactive demo.")
    poster: WebUrl | None = Field(None, description="The conference poster.")
    video: WebUrl | None = Field(None, description="A recorded talk or video.")
    slides: WebUrl | None = Field(None, description="Presentation slides.")
    blog: WebUrl | None = Field(None, description="A blog post about the paper.")
    openreview: WebUrl | None = Field(None, description="The OpenReview page (reviews, earlier versions).")


class Paper(FileModel):
    """One paper file. Head names come out canonical; stage ids come out as ids."""

    title: Text = Field(description="The paper's title, as published.")
    date: PastDate = Field(description="First public version, YYYY-MM-DD.")
    added: PastDate = Field(description="When the paper entered the catalog, YYYY-MM-DD; the feeds use it.")
    authors: tuple[PageName, ...] | None = Field(
        None, min_length=1, description="Authors in order, 'First Last'; each has a page listing their papers.")
    authors_incomplete: Text | None = Field(
        None, description="Why the author list is knowingly incomplete, e.g. 'the paper lists 200 authors; the first "
                          "ten are given'. Citations then end the list with 'and others'.")
    venue: PageName | None = Field(None, description="Where it appeared, e.g. 'ICLR 2024' or 'arXiv 2024'.")
    arxiv: ArxivId | None = Field(None, description="arXiv id as a quoted string, e.g. \"2404.15574\".")
    doi: Doi | None = Field(None, description="DOI, e.g. 10.18653/v1/P19-1580.")
    heads: tuple[HeadName, ...] = Field(
        min_length=1, max_length=12, description="What the paper is about: entries of taxonomy.yaml's heads (names or "
                                                "aliases), at most 12."
    )
    stages: tuple[StageName, ...] | None = Field(
        None, description="Ids of taxonomy.yaml's stages, in place of those its heads are placed in "
                          "(rarely needed)."
    )
    models: tuple[ModelName, ...] | None = Field(
        None, min_length=1,
        description="Language models studied, from taxonomy.yaml (names or aliases), e.g. GPT-2 Small."
    )
    methods: tuple[MethodName, ...] | None = Field(
        None, min_length=1, description="Methods used, from taxonomy.yaml (names or aliases), e.g. Path Patching."
    )
    links: Links = Field(default_factory=Links, description="Typed links: paper, code, project, ...")
    summary: Summary

    @model_validator(mode="after")
    def _has_way_to_reach_paper(self) -> Paper:
        if not (self.links.paper or self.arxiv or self.doi):
            raise PydanticCustomError("unreachable", "no way to reach the paper: add links.paper, arxiv or doi")
        return self

    @field_validator("added")
    @classmethod
    def _added_after_it_appeared(cls, added: Day, info: ValidationInfo) -> Day:
        first = info.data.get("date")
        if isinstance(first, Day) and added < first:
            raise PydanticCustomError(
                "added_before_date", "{added} is before the paper's date {date}: a paper enters the catalog after "
                "it first appeared; correct whichever of the two is wrong",
                {"added": added.isoformat(), "date": first.isoformat()})
        return added

    @field_validator("links")
    @classmethod
    def _arxiv_link_agrees(cls, links: Links, info: ValidationInfo) -> Links:
        arxiv = info.data.get("arxiv")
        linked = _ARXIV_LINK.search(links.paper or "")
        if arxiv and linked and linked.group(1) != arxiv:
            raise PydanticCustomError(
                "arxiv_link_disagrees", "the paper link is arXiv {linked}, but arxiv says {arxiv}; make them the same "
                "paper", {"linked": linked.group(1), "arxiv": arxiv})
        return links

    @field_validator("heads", "models", "methods")
    @classmethod
    def _nothing_repeated(cls, names: tuple[str, ...] | None, info: ValidationInfo) -> tuple[str, ...] | None:
        code = {"heads": "head", "models": "model", "methods": "method"}[info.field_name or "heads"]
        kind = _context(info).taxonomy.words.topic.one if code == "head" else code
        for index, name in enumerate(names or ()):
            if name in (names or ())[:index]:
                raise PydanticCustomError(
                    "repeated_" + code, "'{name}' is listed twice (names and aliases count as the same "
                    "{kind}); keep one", {"name": name, "kind": kind, "item_index": index})
        return names
