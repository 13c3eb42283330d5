"""Fingerprints: a digest of everything a value holds, from which every key of the build cache is derived.

An output declares its inputs as a plain value (text, numbers, dates, tuples, mappings, frozen dataclasses and
pydantic models of them, and module-level functions, which are code); its key is the fingerprint of that value, so
whatever the output reads is in its key by construction, and a value of any other kind (a closure, an open file, a
template) is refused rather than left out.
Equal values have equal fingerprints; values of different types never share one. Fingerprints of frozen dataclass
instances and models are remembered for the life of a `Fingerprints` object (one build), so a paper shown on many
pages is digested once.
"""

from __future__ import annotations

import dataclasses
import hashlib
import marshal
from collections.abc import Callable, Mapping
from datetime import date
from types import FunctionType
from typing import Any, cast

from pydantic import BaseModel

DIGEST_SIZE = 16
_DIGEST_ATTRIBUTE = "__headcat_fingerprint__"
_MARSHAL_FROM = 6
"""Sequences longer than this are first tried whole with marshal; shorter ones are quicker item by item."""
_MARSHAL_VERSION = 2
"""Marshal's format 2 writes every value out (no back-references, no 'interned' marks), so equal values of the types
it takes (text, numbers, None, tuples, lists) always give the same bytes, and different ones different bytes; the
Python version is in every key (toolchain.py), so the format cannot change under a key."""


class UnkeyableValueError(TypeError):
    """A value that cannot be part of a key: a function, a template, an object whose content is not plain data."""


class Fingerprints:
    """Fingerprints of values. A frozen dataclass instance keeps its own digest once worked out (in its __dict__,
    beside its fields; equality and the fields are untouched), so it is digested once however many outputs show
    it; one with slots (the inputs of one output or fragment, made for one key) is encoded in place instead. A
    pydantic model's digest is remembered by this object (one build's), as is a digest given by `seed`."""

    def __init__(self) -> None:
        self._by_id: dict[int, tuple[object, bytes]] = {}
        """Models and seeded values by id(): the value (kept alive, so that its id is not reused) and its digest."""
        self._encoders: dict[type, Callable[[Any, list[bytes]], None]] = {
            str: _encode_text, int: _encode_int, bool: _encode_bool, float: _encode_float, type(None): _encode_none,
            bytes: _encode_bytes, date: _encode_date, tuple: self._encode_sequence, list: self._encode_sequence,
            dict: self._encode_mapping, frozenset: self._encode_set, FunctionType: _encode_function,
        }

    def of(self, value: object) -> str:
        """The fingerprint of `value` as 32 hexadecimal digits."""
        return self.digest(value).hex()

    def key(self, *parts: object) -> str:
        """The fingerprint of the tuple of `parts` (`of(parts)`, without making the tuple)."""
        pieces: list[bytes] = [b"(%d:" % len(parts)]
        for part in parts:
            self._encode(part, pieces)
        pieces.append(b")")
        return _hash(pieces).hex()

    def digest(self, value: object) -> bytes:
        """The fingerprint of `value` as bytes: for a dataclass instance or a model, its own digest."""
        encoder = self._encoders.get(type(value))
        if encoder is None:
            return self._object_digest(value)
        pieces: list[bytes] = []
        encoder(value, pieces)
        return _hash(pieces)

    def seed(self, value: object, fingerprint: str) -> None:
        """Say what `value`'s fingerprint is, worked out elsewhere from the same data (a paper's, from its validated
        data as the load stage stored it), so that it is not worked out again."""
        self._by_id[id(value)] = (value, bytes.fromhex(fingerprint))

    def _encode(self, value: object, pieces: list[bytes]) -> None:
        kind = type(value)
        if kind is str:  # most values: checked before any lookup
            encoded = value.encode("utf-8", "surrogatepass")  # type: ignore[attr-defined]
            pieces.append(b"s%d:" % len(encoded))
            pieces.append(encoded)
            return
        attributes = getattr(value, "__dict__", None)
        if attributes is not None:  # a dataclass instance that worked out its digest before: the usual object
            digest = attributes.get(_DIGEST_ATTRIBUTE)
            if digest is not None:
                pieces.append(b"@")
                pieces.append(digest)
                return
        encoder = self._encoders.get(kind)
        if encoder is not None:
            encoder(value, pieces)
            return
        fields = _fields_of(kind)
        if fields is not None and attributes is None:  # a record made for one key (slots=True): its fields in
            pieces.append(b"{")  # place, nothing kept
            pieces.append(_type_name(kind))
            for field in fields:
                self._encode(getattr(value, field), pieces)
            pieces.append(b"}")
            return
        pieces.append(b"@")
        pieces.append(self._object_digest(value))

    def _object_digest(self, value: object) -> bytes:
        """The digest of a value that is not a built-in: a frozen dataclass instance (kept in it), a pydantic model
        or a seeded value (kept here), a str or tuple subclass (Markup, a named tuple) or another mapping."""
        kind = type(value)
        fields = _fields_of(kind)
        if fields is not None and id(value) not in self._by_id:
            attributes = getattr(value, "__dict__", None)
            digest = attributes.get(_DIGEST_ATTRIBUTE) if attributes is not None else None
            if digest is None:
                pieces = [_type_name(kind)]
                encode = self._encode
                for field in fields:
                    encode(getattr(value, field), pieces)
                digest = _hash(pieces)
                if attributes is not None:
                    attributes[_DIGEST_ATTRIBUTE] = digest
            return digest
        remembered = self._by_id.get(id(value))
        if remembered is None:
            remembered = self._by_id[id(value)] = (value, self._digest_other(value))
        return remembered[1]

    def _digest_other(self, value: object) -> bytes:
        kind = type(value)
        if isinstance(value, BaseModel):
            return _model_digest(kind, value.model_dump_json())
        pieces = [_type_name(kind)]
        if isinstance(value, str):
            _encode_text(str(value), pieces)
        elif isinstance(value, tuple):
            self._encode_sequence(value, pieces)
        elif isinstance(value, Mapping):
            self._encode_mapping(value, pieces)
        else:
            raise UnkeyableValueError(f"cannot derive a key from a {kind.__qualname__}: an output's inputs are data "
                                      "(text, numbers, dates, tuples, mappings, frozen dataclasses, models)")
        return _hash(pieces)

    def _encode_sequence(self, value: tuple[object, ...] | list[object], pieces: list[bytes]) -> None:
        if value:
            first = value[0]
            if hasattr(first, "__dict__") and _fields_of(type(first)) is not None:
                if self._encode_objects(value, pieces):  # the papers a page lists, a paper's related papers
                    return
            elif len(value) > _MARSHAL_FROM and _encode_plain(value, pieces):
                return
        pieces.append((b"[%d:" if isinstance(value, list) else b"(%d:") % len(value))  # a list is not a tuple
        encode = self._encode
        for item in value:
            encode(item, pieces)
        pieces.append(b")")

    def _encode_objects(self, value: tuple[object, ...] | list[object], pieces: list[bytes]) -> bool:
        """Encode a sequence of dataclass instances of one type that keep their digests (the papers a page lists)
        as their digests, without a call per item; False (nothing encoded) when the items' types differ."""
        kind = type(value[0])
        if not all(type(item) is kind for item in value):
            return False
        digests = []
        for item in value:
            digest = item.__dict__.get(_DIGEST_ATTRIBUTE)
            digests.append(digest if digest is not None else self._object_digest(item))
        pieces.append((b"L%d:" if isinstance(value, list) else b"D%d:") % len(digests))
        pieces.append(b"".join(digests))
        return True

    def _encode_mapping(self, value: Mapping[object, object], pieces: list[bytes]) -> None:
        """Keys in the order of their own fingerprints: a mapping's order does not make it another value."""
        items = sorted((self.digest(key), item) for key, item in value.items())
        pieces.append(b"{%d:" % len(items))
        for key, item in items:
            pieces.append(key)
            self._encode(item, pieces)
        pieces.append(b"}")

    def _encode_set(self, value: frozenset[object], pieces: list[bytes]) -> None:
        digests = sorted(self.digest(item) for item in value)
        pieces.append(b"<%d:" % len(digests))
        pieces.extend(digests)
        pieces.append(b">")


def model_fingerprint(model: type[BaseModel], data: str) -> str:
    """The fingerprint of a model whose `model_dump_json()` is `data`, as `Fingerprints.of` would give it (the load
    stage works it out from the data it keeps, without dumping the model again)."""
    return _model_digest(model, data).hex()


def _model_digest(model: type, data: str) -> bytes:
    return _hash([_type_name(model), data.encode("utf-8", "surrogatepass")])


def _encode_plain(value: tuple[object, ...] | list[object], pieces: list[bytes]) -> bool:
    """Encode a long sequence of plain data in C, in one piece, if it is one: texts and numbers (paper ids), or
    frozen dataclass instances of one type whose fields are such values and tuples of them (the layout's inputs),
    as a table of their fields. False (nothing encoded) when it holds anything else. Only the first row of a table
    is checked for sets (which marshal takes, in an order that varies between processes): a set in a later row
    would cost a cache miss, never a wrong key."""
    first = value[0]
    kind = type(first)
    fields = _fields_of(kind)
    try:
        if fields is None:
            if not all(type(item) in _SCALARS for item in value):
                return False
            data = marshal.dumps(cast(Any, value), _MARSHAL_VERSION)
            tag = b"m"
        elif not hasattr(first, "__dict__") and all(type(item) is kind for item in value) and \
                all(_is_plain(getattr(first, field)) for field in fields):
            data = marshal.dumps([tuple([getattr(item, field) for field in fields]) for item in value],
                                 _MARSHAL_VERSION)
            tag = b"t" + _type_name(kind)
        else:
            return False  # objects that keep their own digests: see Fingerprints._encode_objects
    except ValueError:  # an object marshal does not take: item by item
        return False
    pieces.append(tag + b"%d:" % len(data))
    pieces.append(data)
    return True


_SCALARS = frozenset({str, int, float, bool, type(None), bytes})


def _is_plain(value: object) -> bool:
    """Texts, numbers and tuples of them, all the way down."""
    return type(value) in _SCALARS or (type(value) is tuple and all(_is_plain(item) for item in value))


_type_names: dict[type, bytes] = {}


def _type_name(kind: type) -> bytes:
    name = _type_names.get(kind)
    if name is None:
        name = _type_names[kind] = f"{kind.__module__}.{kind.__qualname__}\0".encode()
    return name


_fields_by_type: dict[type, tuple[str, ...] | None] = {}
"""For each type met: the fields of a frozen dataclass, None for any other type."""


def _fields_of(kind: type) -> tuple[str, ...] | None:
    """The field names of a frozen dataclass, or None for a type that is not a dataclass."""
    try:
        return _fields_by_type[kind]
    except KeyError:
        pass
    fields = None
    if dataclasses.is_dataclass(kind):
        if not kind.__dataclass_params__.frozen:  # type: ignore[attr-defined]
            raise UnkeyableValueError(f"a {kind.__qualname__} is a dataclass that is not frozen: its content could "
                                      "change after it was digested")
        fields = tuple(field.name for field in dataclasses.fields(kind))
    _fields_by_type[kind] = fields
    return fields


def _hash(pieces: list[bytes]) -> bytes:
    return hashlib.blake2b(b"".join(pieces), digest_size=DIGEST_SIZE).digest()


def _encode_text(value: str, pieces: list[bytes]) -> None:
    encoded = value.encode("utf-8", "surrogatepass")
    pieces.append(b"s%d:" % len(encoded))
    pieces.append(encoded)


def _encode_int(value: int, pieces: list[bytes]) -> None:
    pieces.append(b"i%d;" % value)


def _encode_bool(value: bool, pieces: list[bytes]) -> None:
    pieces.append(b"T" if value else b"F")


def _encode_float(value: float, pieces: list[bytes]) -> None:
    pieces.append(b"f" + float.hex(value).encode() + b";")


def _encode_none(value: None, pieces: list[bytes]) -> None:
    pieces.append(b"N")


def _encode_bytes(value: bytes, pieces: list[bytes]) -> None:
    pieces.append(b"b%d:" % len(value))
    pieces.append(value)


def is_module_function(value: object) -> bool:
    """Whether `value` is a function defined at a module's top level: its code is in every key already (the
    toolchain's digest of headcat's code), and it carries no data of its own, as a closure, a lambda or a bound
    method can."""
    return (isinstance(value, FunctionType) and value.__closure__ is None and "<locals>" not in value.__qualname__
            and "<lambda>" not in value.__qualname__)


def _encode_function(value: FunctionType, pieces: list[bytes]) -> None:
    """A module-level function, by its name; any other function is refused."""
    if not is_module_function(value):
        raise UnkeyableValueError(f"{value!r} is not a module-level function: pass what it reads as data")
    pieces.append(b"F" + f"{value.__module__}.{value.__qualname__};".encode())


def _encode_date(value: date, pieces: list[bytes]) -> None:
    pieces.append(b"d" + value.isoformat().encode() + b";")


def fingerprint(value: object) -> str:
    """The fingerprint of one value, remembering nothing (for values used once)."""
    return Fingerprints().of(value)
