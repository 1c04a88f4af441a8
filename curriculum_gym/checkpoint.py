"""Teacher checkpoints without pickle: one zip archive holding JSON and ``.npy`` arrays.

The archive is a valid ``.npz`` (``np.load(path)`` lists its arrays) plus a
``teacher.json`` member with everything that is not an array. Files are
written to a temporary name in the same folder and renamed into place, so a
crash mid-write never leaves a half-written checkpoint under the real name.

Reading a file is safe whatever its bytes: nothing is unpickled or evaluated
(array headers are matched against the one form numpy writes, never parsed
with ``ast``), sizes and counts are checked against the limits below from the
zip directory and the array headers before anything is decompressed or
allocated, only the members ``teacher.json`` refers to are accepted, and every
problem, of whatever kind, becomes a ``ValueError`` naming the file. What the
state *means* is then checked by the teacher (``Teacher.load_state_dict``).
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import struct
import tempfile
import zipfile
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

FORMAT = "curriculum-gym-teacher"
VERSION = 1
_JSON_MEMBER = "teacher.json"
_ARRAY_KEY = "__ndarray__"

#: Limits on a checkpoint, checked when saving and before reading. A 2-D ALP-GMM teacher
#: keeping its whole history needs about 40 bytes per episode (8 M episodes in 256 MiB);
#: with ``max_history`` its checkpoint stays well under 1 MiB and 30 members.
MAX_TOTAL_BYTES = 256 * 2**20  # all members together, decompressed
MAX_JSON_BYTES = 32 * 2**20  # teacher.json, decompressed
MAX_MEMBERS = 100_000
MAX_DEPTH = 64  # nesting of lists and objects in teacher.json
_DIRECTORY_BYTES_PER_MEMBER = 128  # zip directory entries of our members take ~60 bytes
_MAX_NPY_HEADER = 10_000  # numpy's own limit on an .npy header
_CHUNK = 2**20

_ARRAY_NAME = re.compile(r"a[0-9]{1,9}")
_NPY_DTYPE = re.compile(r"[<>|=]?(?:b1|[iu][1248]|f[248])")  # booleans, integers, floats: nothing else
_NPY_HEADER = re.compile(
    r"\{\s*'descr'\s*:\s*'(?P<descr>[^']{0,8})'\s*,"
    r"\s*'fortran_order'\s*:\s*(?P<fortran>True|False)\s*,"
    r"\s*'shape'\s*:\s*\((?P<shape>[0-9,\s]{0,800})\)\s*,?\s*\}\s*"
)
_NPY_SHAPE = re.compile(r"\s*|\s*[0-9]{1,19}\s*,\s*|\s*[0-9]{1,19}(?:\s*,\s*[0-9]{1,19}){1,31}\s*,?\s*")


class _FormatError(ValueError):
    """A checkpoint that breaks a rule of the format (the message says which)."""


def _split_arrays(obj: Any, arrays: dict[str, np.ndarray]) -> Any:
    """Replace every ndarray in a nested dict/list by a reference, collecting the arrays."""
    if isinstance(obj, np.ndarray):
        if not _NPY_DTYPE.fullmatch(obj.dtype.str):
            raise ValueError(f"teacher state may only hold boolean, integer and float arrays; got dtype {obj.dtype}")
        key = f"a{len(arrays)}"
        arrays[key] = obj
        return {_ARRAY_KEY: key}
    if isinstance(obj, dict):
        for k in obj:
            if not isinstance(k, str):
                raise ValueError(f"teacher state keys must be strings; got {k!r}")
        return {k: _split_arrays(v, arrays) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_split_arrays(v, arrays) for v in obj]
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating,)):
        return float(obj)
    if isinstance(obj, (np.bool_,)):
        return bool(obj)
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    raise ValueError(f"teacher state holds a {type(obj).__name__}, which a checkpoint cannot store")


def save_state(state: dict[str, Any], path: str | os.PathLike) -> None:
    """Write ``state`` (nested dicts/lists of JSON values and ndarrays) to ``path`` atomically.

    ``ValueError`` (and nothing written) for a state that :func:`load_state` would refuse
    to read back: one over the limits ``MAX_TOTAL_BYTES``, ``MAX_JSON_BYTES``, ``MAX_MEMBERS``.
    """
    arrays: dict[str, np.ndarray] = {}
    doc = {"format": FORMAT, "version": VERSION, "state": _split_arrays(state, arrays)}
    text = json.dumps(doc, allow_nan=True).encode("utf-8")
    total = len(text) + sum(arr.nbytes + 128 for arr in arrays.values())
    limits = [
        (len(text), MAX_JSON_BYTES, "bytes of JSON"),
        (total, MAX_TOTAL_BYTES, "bytes"),
        (len(arrays) + 1, MAX_MEMBERS, "members"),
    ]
    for value, limit, what in limits:
        if value > limit:
            raise ValueError(
                f"this teacher state needs {value} {what}, more than a checkpoint may hold ({limit}; "
                "curriculum_gym.checkpoint limits); bound what the teacher keeps (e.g. ALP-GMM's max_history)"
            )
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                zf.writestr(_JSON_MEMBER, text)
                for key, arr in arrays.items():
                    buf = io.BytesIO()
                    np.lib.format.write_array(buf, np.ascontiguousarray(arr), allow_pickle=False)
                    zf.writestr(f"{key}.npy", buf.getvalue())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load_state(path: str | os.PathLike) -> dict[str, Any]:
    """Read a checkpoint written by :func:`save_state`.

    ``FileNotFoundError`` if there is no file; ``ValueError`` naming the file and the problem
    for anything that is not such a checkpoint within the limits (whatever the file holds).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no teacher checkpoint at {path}")
    with open(path, "rb") as fh:  # an OSError here (permissions...) is not a property of the file's bytes
        try:
            state = _read(fh)
        except Exception as exc:  # noqa: BLE001 (any failure to read untrusted bytes is a bad file)
            raise ValueError(f"{path} is not a valid curriculum-gym teacher checkpoint: {_describe(exc)}") from None
    return state


def _describe(exc: Exception) -> str:
    if isinstance(exc, _FormatError):
        return str(exc)
    if isinstance(exc, RecursionError):
        return "teacher.json is nested too deeply"
    if isinstance(exc, MemoryError):
        return "not enough memory to read it"
    text = str(exc)
    text = text if len(text) <= 300 else text[:300] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _read(fh: BinaryIO) -> dict[str, Any]:
    _check_directory_size(fh)
    with zipfile.ZipFile(fh) as zf:
        members = _check_members(zf)
        doc = _read_json(zf, members.pop(_JSON_MEMBER))
        refs: dict[str, None] = {}  # the referenced keys, in order
        _collect_references(doc["state"], refs, depth=1)
        unreferenced = sorted(set(members) - {f"{key}.npy" for key in refs})
        if unreferenced:
            raise _FormatError(
                f"member {unreferenced[0]!r} is not referred to by {_JSON_MEMBER} ({len(unreferenced)} such members)"
            )
        arrays = {}
        for key in refs:
            name = f"{key}.npy"
            if name not in members:
                raise _FormatError(f"{_JSON_MEMBER} refers to a missing array {key!r}")
            arrays[key] = _read_array(zf, members[name])
    state = _join_arrays(doc["state"], arrays)
    if not isinstance(state, dict):
        raise _FormatError("the state is not a mapping")
    return state


def _check_directory_size(fh: BinaryIO) -> None:
    """Refuse a zip directory too large for ``MAX_MEMBERS`` before ``zipfile`` reads it into memory."""
    fh.seek(0, os.SEEK_END)
    size = fh.tell()
    tail_start = max(0, size - (22 + 0xFFFF))
    fh.seek(tail_start)
    tail = fh.read()
    # the end-of-directory record, found as zipfile finds it: last 22 bytes, else the last occurrence
    if len(tail) >= 22 and tail[-22:-18] == b"PK\x05\x06" and tail[-2:] == b"\0\0":
        pos = len(tail) - 22
    else:
        pos = tail.rfind(b"PK\x05\x06")
        if pos < 0 or pos + 22 > len(tail):
            raise _FormatError("it is not a zip archive (no end-of-directory record)")
    _, _, _, _, n_members, directory_bytes, _, _ = struct.unpack("<4s4H2LH", tail[pos : pos + 22])
    end = tail_start + pos
    if end >= 76:  # a zip64 record and its locator just before it
        fh.seek(end - 76)
        record = fh.read(76)
        if record[56:60] == b"PK\x06\x07" and record[:4] == b"PK\x06\x06":
            fields = struct.unpack("<4sQ2H2L4Q", record[:56])
            n_members, directory_bytes = fields[7], fields[8]
    if n_members > MAX_MEMBERS or directory_bytes > MAX_MEMBERS * _DIRECTORY_BYTES_PER_MEMBER:
        raise _FormatError(
            f"its zip directory lists {n_members} members in {directory_bytes} bytes; a checkpoint "
            f"may hold at most {MAX_MEMBERS} members"
        )


def _check_members(zf: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """The members by name, after checking their names, flags and declared sizes."""
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise _FormatError(f"it holds {len(infos)} members; a checkpoint may hold at most {MAX_MEMBERS}")
    members: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in infos:
        name = info.filename
        if name in members:
            raise _FormatError(f"member {name!r} appears twice")
        if name != _JSON_MEMBER and not (name.endswith(".npy") and _ARRAY_NAME.fullmatch(name[:-4])):
            raise _FormatError(f"unexpected member {name[:80]!r} (a checkpoint holds {_JSON_MEMBER} and aN.npy arrays)")
        if info.flag_bits & 0x1:
            raise _FormatError(f"member {name!r} is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _FormatError(
                f"member {name!r} uses compression method {info.compress_type} "
                "(only stored and deflated members are read)"
            )
        members[name] = info
        total += info.file_size
    if _JSON_MEMBER not in members:
        raise _FormatError(f"{_JSON_MEMBER} is missing")
    if members[_JSON_MEMBER].file_size > MAX_JSON_BYTES:
        raise _FormatError(
            f"{_JSON_MEMBER} decompresses to {members[_JSON_MEMBER].file_size} bytes; "
            f"the limit is {MAX_JSON_BYTES} bytes"
        )
    if total > MAX_TOTAL_BYTES:
        raise _FormatError(
            f"its members decompress to {total} bytes; the limit is {MAX_TOTAL_BYTES} bytes "
            f"({MAX_TOTAL_BYTES / 2**20:g} MiB)"
        )
    return members


def _read_exactly(member: BinaryIO, n: int, what: str, into: memoryview | None = None) -> bytes | None:
    """Read ``n`` bytes (into ``into`` when given) in bounded chunks; refuse a short member."""
    out = bytearray() if into is None else None
    done = 0
    while done < n:
        chunk = member.read(min(_CHUNK, n - done))
        if not chunk:
            raise _FormatError(f"{what} ends after {done} of {n} bytes")
        if into is None:
            out += chunk
        else:
            into[done : done + len(chunk)] = chunk
        done += len(chunk)
    return None if out is None else bytes(out)


def _read_json(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> dict[str, Any]:
    with zf.open(info) as member:
        raw = _read_exactly(member, info.file_size, _JSON_MEMBER)
        if member.read(1):  # also makes zipfile check the CRC
            raise _FormatError(f"{_JSON_MEMBER} is longer than its directory entry says")
    doc = json.loads(raw.decode("utf-8"))
    if not isinstance(doc, dict) or set(doc) != {"format", "version", "state"}:
        raise _FormatError(f"{_JSON_MEMBER} must be an object with exactly the keys format, version and state")
    if doc["format"] != FORMAT:
        raise _FormatError(f"format is not {FORMAT!r}")
    if type(doc["version"]) is not int or doc["version"] != VERSION:
        raise _FormatError(f"version {doc['version']!r} is not supported (expected {VERSION})")
    return doc


def _collect_references(obj: Any, refs: dict[str, None], depth: int) -> None:
    """Check the nesting depth and the array references of the JSON state; list the referenced keys."""
    if depth > MAX_DEPTH:
        raise _FormatError(f"{_JSON_MEMBER} is nested more than {MAX_DEPTH} levels deep")
    if isinstance(obj, dict):
        if _ARRAY_KEY in obj:
            key = obj[_ARRAY_KEY]
            if len(obj) != 1 or not isinstance(key, str) or not _ARRAY_NAME.fullmatch(key):
                raise _FormatError(f"malformed array reference {str(obj)[:80]}")
            if key in refs:  # each array belongs to one place in the state
                raise _FormatError(f"array {key!r} is referred to twice")
            refs[key] = None
            return
        for value in obj.values():
            _collect_references(value, refs, depth + 1)
    elif isinstance(obj, list):
        for value in obj:
            _collect_references(value, refs, depth + 1)


def _join_arrays(obj: Any, arrays: dict[str, np.ndarray]) -> Any:
    if isinstance(obj, dict):
        if _ARRAY_KEY in obj:
            return arrays[obj[_ARRAY_KEY]]
        return {k: _join_arrays(v, arrays) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_join_arrays(v, arrays) for v in obj]
    return obj


def _parse_npy_header(text: str, what: str) -> tuple[np.dtype, bool, tuple[int, ...]]:
    match = _NPY_HEADER.fullmatch(text)
    if match is None:
        raise _FormatError(f"{what} has a malformed .npy header {text[:120]!r}")
    descr, shape_text = match["descr"], match["shape"]
    if not _NPY_DTYPE.fullmatch(descr):
        raise _FormatError(f"{what} has dtype {descr!r}; checkpoints hold only boolean, integer and float arrays")
    if not _NPY_SHAPE.fullmatch(shape_text):
        raise _FormatError(f"{what} has a malformed shape ({shape_text[:80]})")
    shape = tuple(int(v) for v in re.findall(r"[0-9]+", shape_text))
    return np.dtype(descr), match["fortran"] == "True", shape


def _read_array(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> np.ndarray:
    """One ``.npy`` member, its header checked against the member's size before anything is allocated."""
    what = f"member {info.filename!r}"
    with zf.open(info) as member:
        magic = _read_exactly(member, 8, what)
        if magic[:6] != b"\x93NUMPY" or magic[6] not in (1, 2, 3) or magic[7] != 0:
            raise _FormatError(f"{what} is not an .npy array")
        len_bytes = 2 if magic[6] == 1 else 4
        header_len = int.from_bytes(_read_exactly(member, len_bytes, what), "little")
        if header_len > _MAX_NPY_HEADER:
            raise _FormatError(f"{what} has a {header_len}-byte header; the limit is {_MAX_NPY_HEADER}")
        header = _read_exactly(member, header_len, what).decode("latin1" if magic[6] < 3 else "utf-8")
        dtype, fortran, shape = _parse_npy_header(header, what)
        nbytes = math.prod(shape) * dtype.itemsize
        data_start = 8 + len_bytes + header_len
        if data_start + nbytes != info.file_size:
            raise _FormatError(
                f"{what} claims shape {shape[:8]} of {dtype} ({nbytes} bytes of data) "
                f"but holds {info.file_size - data_start} bytes"
            )
        data = bytearray(nbytes)
        _read_exactly(member, nbytes, what, into=memoryview(data))
        if member.read(1):  # also makes zipfile check the CRC
            raise _FormatError(f"{what} is longer than its directory entry says")
    return np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran else "C")
