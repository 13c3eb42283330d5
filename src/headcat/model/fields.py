"""Field types shared by the file models (paper, taxonomy, config): text, web addresses, dates, and the base model.

Each type checks one rule and says in its message how to fix the value. Part of the load stage's validation;
nothing here reads files.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any, Self
from urllib.parse import urlsplit

from anyascii import anyascii
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints
from pydantic_core import PydanticCustomError


class FileModel(BaseModel):
    """A model of what a person wrote in a file: unknown keys are errors, values never change after loading.

    Models that were given the same fields share one record of which fields were given (pydantic's
    `model_fields_set`, a set per model otherwise): a paper is three models, and their three sets were a third of
    its memory, which a forked helper then copies (process/parallel.py)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def model_post_init(self, context: Any, /) -> None:
        _share_fields_set(self)

    def __setstate__(self, state: dict[Any, Any]) -> None:  # a model unpickled (papers parsed by a helper)
        super().__setstate__(state)
        _share_fields_set(self)

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """pydantic's copy; a copy with `update` gets a record of its fields of its own, which it then changes."""
        copied = super().model_copy(deep=deep)
        if not update:
            return copied
        object.__setattr__(copied, "__pydantic_fields_set__", set(copied.__pydantic_fields_set__))
        return BaseModel.model_copy(copied, update=update)


_shared_fields_sets: dict[frozenset[str], frozenset[str]] = {}
"""Each set of field names met, once (a model has a few dozen fields at most, and few sets of them are met)."""


def _share_fields_set(model: BaseModel) -> None:
    fields = frozenset(model.__pydantic_fields_set__)
    object.__setattr__(model, "__pydantic_fields_set__", _shared_fields_sets.setdefault(fields, fields))


XML_INCOMPATIBLE = "\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff"
"""The characters no XML document may hold (XML 1.0, 'Char'; lone surrogates are refused as text is decoded):
text that a page, a feed and the sitemap all carry must not hold one."""
TEXT_PATTERN = f"^[^{XML_INCOMPATIBLE}]*$"
_XML_INCOMPATIBLE = re.compile(f"[{XML_INCOMPATIBLE}]")

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000, pattern=TEXT_PATTERN)]
"""A non-empty line or paragraph of plain text, with no character that a feed cannot carry (load/errors.py says
which one, from TEXT_PATTERN)."""


def xml_incompatible_character(text: str) -> str | None:
    """The first character of `text` that no XML document may hold, named as U+XXXX, or None."""
    found = _XML_INCOMPATIBLE.search(text)
    return f"U+{ord(found.group()):04X}" if found else None


def slugify(text: str) -> str:
    """A name as one part of a page's address: its letters and digits in lowercase ASCII words joined by hyphens
    ('S-Inhibition Head' is 's-inhibition-head'); other scripts are written in Latin letters first ('Café' is
    'cafe'; anyascii). '' when nothing is left: such a name cannot name a page (NO_PAGE_NAME)."""
    if not text.isascii():
        text = anyascii(text)
    return "-".join(_SLUG_WORD.findall(text.casefold()))


_SLUG_WORD = re.compile(r"[a-z0-9]+")
_ASCII_LETTER_OR_DIGIT = re.compile(r"[A-Za-z0-9]")


NO_PAGE_NAME = "'{name}' has no letter or digit to name its page by; write a name with letters or digits"
"""Why a name (a venue, an author, a head type, a sub-category) whose slug is empty cannot name a page of its own."""


def _check_page_name(value: str) -> str:
    if not (_ASCII_LETTER_OR_DIGIT.search(value) if value.isascii() else slugify(value)):  # every name of a
        # large catalog's authors passes here: the ASCII ones without making their slug
        raise PydanticCustomError("page_name", NO_PAGE_NAME, {"name": value})
    return value


PageName = Annotated[Text, AfterValidator(_check_page_name)]
"""Text that names a page of the site (a venue, an author): it must give a slug (`slugify`)."""

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _parse_iso_date(value: object) -> object:
    if isinstance(value, date):
        return value
    if type(value) is str and len(value) == 10 and value[4] == "-" and value[7] == "-" and value.isascii():
        try:  # most dates: written as they should be (3.11's fromisoformat reads only YYYY-MM-DD at this length)
            return date.fromisoformat(value)
        except ValueError:
            pass  # the checks below say what is wrong
    if not isinstance(value, str) or not _DATE.fullmatch(value.strip()):
        raise PydanticCustomError("iso_date", "expected a date written YYYY-MM-DD, got {value}", {"value": repr(value)})
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise PydanticCustomError("iso_date", "{value} is not a real calendar date", {"value": repr(value)}) from None


IsoDate = Annotated[date, BeforeValidator(_parse_iso_date)]
"""A calendar date written YYYY-MM-DD (the loader keeps dates as text so that impossible ones are reported here)."""


_SPACE_OR_CONTROL = re.compile(f"[\\s{XML_INCOMPATIBLE}]")


_PLAIN_WEB_URL = re.compile(r"https?://[A-Za-z0-9.-]*[A-Za-z0-9](:[0-9]+)?([/?#][^\s" + XML_INCOMPATIBLE + "]*)?",
                            re.IGNORECASE)
"""Most addresses: an http(s) scheme, a host name, no space or control character. They pass without urlsplit,
which takes as long as the rest of a paper's validation; anything else is checked by it below."""


def _check_web_url(value: object) -> object:
    if not isinstance(value, str):
        return value  # the str type reports it
    if _PLAIN_WEB_URL.fullmatch(value):
        return value
    text = value.strip()
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https"):
        raise PydanticCustomError(
            "web_url", "{value} is not a web address; links must start with https:// or http://", {"value": repr(text)}
        )
    if not parts.hostname or _SPACE_OR_CONTROL.search(text):
        raise PydanticCustomError(
            "web_url", "{value} is not a valid web address (no host, or spaces or control characters in it)",
            {"value": repr(text)}
        )
    return text


WebUrl = Annotated[str, BeforeValidator(_check_web_url), Field(json_schema_extra={"format": "uri", "pattern": "^https?://"})]
"""An absolute http(s) address, kept exactly as written."""
