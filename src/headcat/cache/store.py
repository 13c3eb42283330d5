"""One file of the build cache: data only, checked before it is believed.

Every file starts with a header: what kind of store it is, the key of what it holds, and the length and digest of
its payload (JSON or plain text, never pickles or compiled code: nothing read from the cache can run). `read_store`
gives the payload only when the header names the kind and key asked for and the payload is whole and unchanged;
anything else (a missing, truncated or altered file, a folder where the file should be, bytes of any kind) reads as
no store at all, so at worst it costs a rebuild. `write_store` replaces a file in one step, so that a build killed
while writing leaves the previous one.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import xxhash

MAGIC = b"headcat-cache"
_HEADER_LINE_MAX = 200


def read_store(path: Path, kind: str, key: str) -> bytes | None:
    """The payload of the store at `path` when it is a whole `kind` store made for `key`, else None."""
    try:
        with open(path, "rb") as stream:
            header = [stream.readline(_HEADER_LINE_MAX) for _ in range(3)]
            if header[0] != MAGIC + b" " + kind.encode() + b"\n" or header[1] != key.encode() + b"\n":
                return None
            length_text, _, digest = header[2].rstrip(b"\n").partition(b" ")
            length = int(length_text)
            payload = stream.read(length + 1)
    except (OSError, ValueError):
        return None
    if len(payload) != length or xxhash.xxh3_128_hexdigest(payload).encode() != digest:
        return None
    return payload


def read_json_store(path: Path, kind: str, key: str) -> Any:
    """The JSON value of a `kind` store made for `key`, or None (see `read_store`)."""
    payload = read_store(path, kind, key)
    if payload is None:
        return None
    try:
        return json.loads(payload)
    except ValueError:
        return None


def write_store(path: Path, kind: str, key: str, payload: bytes) -> None:
    """Replace the store at `path` with this payload, in one step."""
    header = b"%s %s\n%s\n%d %s\n" % (MAGIC, kind.encode(), key.encode(), len(payload),
                                      xxhash.xxh3_128_hexdigest(payload).encode())
    replace_file(path, header + payload)


def write_json_store(path: Path, kind: str, key: str, value: Any) -> None:
    write_store(path, kind, key, json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def replace_file(path: Path, data: bytes) -> None:
    """Write `data` to a new file beside `path`, then put it in `path`'s place."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
