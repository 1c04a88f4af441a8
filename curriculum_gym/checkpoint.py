"""Teacher checkpoints without pickle: one zip archive holding JSON and ``.npy`` arrays.

The archive is a valid ``.npz`` (``np.load(path)`` lists its arrays) plus a
``teacher.json`` member with everything that is not an array. Arrays are read
with ``allow_pickle=False``, so loading a file cannot run code. Files are
written to a temporary name in the same folder and renamed into place, so a
crash mid-write never leaves a half-written checkpoint under the real name.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

FORMAT = "curriculum-gym-teacher"
VERSION = 1
_JSON_MEMBER = "teacher.json"
_ARRAY_KEY = "__ndarray__"


def _split_arrays(obj: Any, arrays: dict[str, np.ndarray]) -> Any:
    """Replace every ndarray in a nested dict/list by a reference, collecting the arrays."""
    if isinstance(obj, np.ndarray):
        if obj.dtype == object:
            raise ValueError("teacher state may not hold object arrays")
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


def _join_arrays(obj: Any, arrays: dict[str, np.ndarray]) -> Any:
    if isinstance(obj, dict):
        if set(obj) == {_ARRAY_KEY}:
            key = obj[_ARRAY_KEY]
            if key not in arrays:
                raise ValueError(f"checkpoint refers to a missing array {key!r}")
            return arrays[key]
        return {k: _join_arrays(v, arrays) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_join_arrays(v, arrays) for v in obj]
    return obj


def save_state(state: dict[str, Any], path: str | os.PathLike) -> None:
    """Write ``state`` (nested dicts/lists of JSON values and ndarrays) to ``path`` atomically."""
    arrays: dict[str, np.ndarray] = {}
    doc = {"format": FORMAT, "version": VERSION, "state": _split_arrays(state, arrays)}
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                zf.writestr(_JSON_MEMBER, json.dumps(doc, allow_nan=True))
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
    """Read a checkpoint written by :func:`save_state`; ``ValueError`` if it is not one."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no teacher checkpoint at {path}")
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if _JSON_MEMBER not in names:
                raise ValueError(f"{_JSON_MEMBER} is missing")
            doc = json.loads(zf.read(_JSON_MEMBER).decode("utf-8"))
            if not isinstance(doc, dict) or doc.get("format") != FORMAT:
                raise ValueError(f"format is not {FORMAT!r}")
            if doc.get("version") != VERSION:
                raise ValueError(f"version {doc.get('version')!r} is not supported (expected {VERSION})")
            arrays = {}
            for name in names:
                if name.endswith(".npy"):
                    with zf.open(name) as member:
                        arrays[name[:-4]] = np.lib.format.read_array(io.BytesIO(member.read()), allow_pickle=False)
            state = _join_arrays(doc["state"], arrays)
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, json.JSONDecodeError, UnicodeDecodeError, KeyError, EOFError, OSError, ValueError) as exc:
        raise ValueError(f"{path} is not a valid curriculum-gym teacher checkpoint: {exc}") from None
    if not isinstance(state, dict):
        raise ValueError(f"{path} is not a valid curriculum-gym teacher checkpoint: state is not a mapping")
    return state
