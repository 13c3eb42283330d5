"""Fingerprints (cache/fingerprint.py), from which every key of the build cache is derived.

The promise: equal values have equal fingerprints, different values different ones, and a value that cannot be
digested (so that something could be read without being in a key) is refused.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from headcat.cache.fingerprint import Fingerprints, UnkeyableValueError, fingerprint, model_fingerprint
from headcat.model.config import Config
from headcat.render.outputs import Output, UndeclaredInputError


@dataclass(frozen=True)
class Kept:
    """A dataclass instance that keeps its digest (as catalog papers and groups do)."""

    name: str
    items: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Record:
    """A record made for one key (as an output's inputs are)."""

    left: Any
    right: Any


def _typed(value: object) -> object:
    """`value` with the type of every part spelled out: 1, 1.0 and True are equal in Python, and different data."""
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_typed(item) for item in value))
    if isinstance(value, dict):
        return ("dict", frozenset((_typed(key), _typed(item)) for key, item in value.items()))
    if isinstance(value, (Kept, Record)):
        return (type(value).__name__, _typed(value.name if isinstance(value, Kept) else value.left),
                _typed(value.items if isinstance(value, Kept) else value.right))
    if isinstance(value, float):
        return ("float", value.hex())  # 0.0 and -0.0 are equal in Python, and different data
    return (type(value).__name__, value)


scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=8),
                    st.binary(max_size=8), st.dates())
values = st.recursive(scalars, lambda children: st.one_of(
    st.lists(children, max_size=9), st.lists(children, max_size=9).map(tuple),
    st.dictionaries(st.text(max_size=4), children, max_size=4),
    st.builds(Kept, st.text(max_size=4), st.lists(children, max_size=9).map(tuple)),
    st.builds(Record, children, children)), max_leaves=20)


@given(values, values)
def test_two_values_share_a_fingerprint_exactly_when_they_are_the_same_data(first: object, second: object) -> None:
    assert (fingerprint(first) == fingerprint(second)) == (_typed(first) == _typed(second))


@given(values)
def test_a_copy_has_the_fingerprint_of_the_original_in_any_order_of_asking(value: object) -> None:
    fingerprints = Fingerprints()
    copied = copy.deepcopy(value)
    assert fingerprints.of(value) == fingerprints.of(copied) == Fingerprints().of(copied)
    assert fingerprints.of((value, copied)) == Fingerprints().of((copied, value))


def test_a_mapping_does_not_depend_on_the_order_of_its_keys() -> None:
    assert fingerprint({"a": 1, "b": 2}) == fingerprint({"b": 2, "a": 1})


def test_a_model_has_the_fingerprint_the_load_stage_works_out_from_its_data() -> None:
    config = Config(title="A catalog")
    assert Fingerprints().digest(config).hex() == model_fingerprint(Config, config.model_dump_json())
    assert fingerprint(config) != fingerprint(Config(title="Another catalog"))


def module_function(value: object) -> object:
    return value


@pytest.mark.parametrize("value", [
    lambda: 1, (lambda: 1,), object(), [object()], {"key": {1, 2}}, open, [{1, 2}] * 10, [Record({1, 2}, 1)] * 10,
], ids=["lambda", "lambda in a tuple", "object", "object in a list", "set", "builtin", "sets in a long list",
        "a set in a table"])
def test_a_value_that_is_not_data_is_refused(value: object) -> None:
    with pytest.raises(UnkeyableValueError):
        fingerprint(value)


def test_a_closure_is_refused_and_a_module_function_is_known_by_its_name() -> None:
    seen = 1

    def closure() -> int:
        return seen

    with pytest.raises(UnkeyableValueError):
        fingerprint(closure)
    assert fingerprint(module_function) == fingerprint(module_function)
    assert fingerprint(module_function) != fingerprint(fingerprint)


def test_a_dataclass_that_is_not_frozen_is_refused() -> None:
    @dataclass
    class Open:
        value: int

    with pytest.raises(UnkeyableValueError):
        fingerprint(Open(1))


def test_an_output_refuses_a_render_function_that_could_read_more_than_its_inputs() -> None:
    seen = "data the key would not cover"

    def render(inputs: object, context: object) -> bytes:
        return seen.encode()

    with pytest.raises(UndeclaredInputError):
        Output("page.html", render, inputs=None)
    with pytest.raises(UndeclaredInputError):
        Output("page.html", lambda inputs, context: b"", inputs=None)


def test_a_date_is_not_its_text() -> None:
    assert fingerprint(date(2024, 1, 2)) != fingerprint("2024-01-02")
