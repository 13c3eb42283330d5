"""Field types shared by the file models (paper, taxonomy, config): text, web addresses, dates, and the base model.

Each type checks one rule and says in its message how to fix the value. Part of the load stage's validation;
nothing here reads files.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints
from pydantic_core import PydanticCustomError


class FileModel(BaseModel):
    """A model of what a person wrote in a file: unknown keys are errors, values never change after loading."""

    model_config = ConfigDict(extra="forbid", frozen=True)


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
"""A non-empty line or paragraph of plain text."""

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


_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f]")


_PLAIN_WEB_URL = re.compile(r"https?://[A-Za-z0-9.-]*[A-Za-z0-9](:[0-9]+)?([/?#][^\s\x00-\x1f]*)?", re.IGNORECASE)
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
            "web_url", "{value} is not a valid web address (no host, or spaces in it)", {"value": repr(text)}
        )
    return text


WebUrl = Annotated[str, BeforeValidator(_check_web_url), Field(json_schema_extra={"format": "uri", "pattern": "^https?://"})]
"""An absolute http(s) address, kept exactly as written."""
