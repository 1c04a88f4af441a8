"""Parkour's terrain in numpy: the CPPN, the ground and ceiling profiles, the water surface, the creepers.

TeachMyAgent's Parkour (Romac et al., ICML 2021) draws its ground and ceiling with a
CPPN (compositional pattern-producing network): a small network queried once per
terrain sample. Row k of its input is ``[x_k, v0, v1, v2]``, where ``x_k = k / (n - 1)``
is the normalised sample index and ``v`` is the task's 3-number ``input_vector``, the
same in every row; the two outputs of row k are the ground (column 0) and the ceiling
(column 1) at sample k. Nearby input vectors give similar terrains, which is what lets a
teacher explore the task space.

Architecture (no biases anywhere, float32 throughout)::

    h1 = tanh(in @ W1)        W1: 4 x 64
    h2 = softplus(h1 @ W2)    W2: 64 x 64
    h3 = tanh(h2 @ W3)        W3: 64 x 64
    h4 = softplus(h3 @ W4)    W4: 64 x 64
    out = h4 @ W5             W5: 64 x 2, linear

The weights were never trained: the original drew them once from TF1's
``truncated_normal(0, stddev=2)`` (values beyond +-2 sigma redrawn, so all lie in
[-4, 4]) and shipped them as a checkpoint. Those draws were unseeded and cannot be
regenerated, so **the weights shipped here are not the original ones**: they are the
same distribution drawn by ``scripts/make_cppn_weights.py`` from
``numpy.random.default_rng(2021)``. Terrains therefore differ in detail from
TeachMyAgent's for the same task (same kind of terrain, not the same terrain).

To reproduce TeachMyAgent's terrains exactly, load the original checkpoint's data file
(``PCGAgents/CPPN/weights/same_ground_ceiling_cppn/.data-00000-of-00001`` in
flowersteam/TeachMyAgent, MIT licence; 50,688 bytes, sha256
:data:`ORIGINAL_CHECKPOINT_SHA256`) with :func:`load_cppn_weights`; no TensorFlow is needed.

Example:
    >>> import numpy as np
    >>> cppn = default_cppn()
    >>> cppn([-0.15, 0.8, 0.1]).shape                  # one (ground, ceiling) pair per sample
    (200, 2)
    >>> x, ground, ceiling = terrain_profiles(cppn, [-0.15, 0.8, 0.1], scale=10.0)
    >>> len(x), float(ground[0]) == TERRAIN_HEIGHT     # 20 flat start-pad points, then 200 CPPN samples
    (220, True)
    >>> bool(np.all(ceiling[20:] >= ground[20:]))
    True
    >>> creeper_rects(x, ceiling, width=0.25, height=1.0, spacing=0.0, rng=np.random.default_rng(0)).shape
    (110, 4)
"""

from __future__ import annotations

import io
import math
import numbers
import os
import zipfile
from dataclasses import dataclass, field
from importlib import resources

import numpy as np
from numpy.typing import ArrayLike

from curriculum_gym.envs.physics import Physics

_PHYSICS = Physics()  # frozen: read once for the constants below

#: metres between two terrain points (14 px), from :class:`~curriculum_gym.envs.physics.Physics`
TERRAIN_STEP = _PHYSICS.terrain_step
#: y of the flat start pad and of the first CPPN sample (400 / 30 / 4 m), from ``Physics.terrain_height``
TERRAIN_HEIGHT = _PHYSICS.terrain_height
#: flat terrain points before the CPPN samples, from ``Physics.terrain_startpad``
STARTPAD = _PHYSICS.terrain_startpad
#: CPPN samples per track (Parkour's TERRAIN_LENGTH; not ``Physics.terrain_length``, which counts Stump Tracks' steps)
CPPN_SAMPLES = 200
#: length of the task's ``input_vector`` that conditions the CPPN
CPPN_INPUT_DIM = 3
#: the weight matrices W1..W5: their names (in files) and shapes
LAYER_NAMES = ("W1", "W2", "W3", "W4", "W5")
LAYER_SHAPES = ((CPPN_INPUT_DIM + 1, 64), (64, 64), (64, 64), (64, 64), (64, 2))
#: divides the CPPN output; also divides the ceiling offsets and the water's floor (Parkour's default)
DEFAULT_CPPN_SCALE = 10.0
#: the start-pad ceiling is this many CPPN units (divided by the scale) above the ground
DEFAULT_CEILING_OFFSET = 200.0
#: the water polygon's bottom, in CPPN units: GL = GROUND_LIMIT / scale (-100 m at scale 10)
GROUND_LIMIT = -1000.0
#: water_level is floored here so the water polygon never has zero area
MIN_WATER_LEVEL = 0.01
#: creepers are at least this wide (m); ``creepers_width`` below it gives this width
CREEPER_MIN_WIDTH = 0.2
#: creepers are at least this long (m)
CREEPER_MIN_LENGTH = 0.2
#: standard deviation (m) of each creeper's length around ``creepers_height``
CREEPER_LENGTH_STD = 0.1
#: ``creepers_spacing`` is floored here (m)
CREEPER_MIN_SPACING = 0.01
#: size of TeachMyAgent's raw checkpoint data file: the five matrices as little-endian float32, in order
RAW_CHECKPOINT_BYTES = 4 * sum(r * c for r, c in LAYER_SHAPES)  # 50,688
#: sha256 of TeachMyAgent's ``same_ground_ceiling_cppn/.data-00000-of-00001`` (to check a download)
ORIGINAL_CHECKPOINT_SHA256 = "4e5f72e6035bc572c3e2ddb509e3d30361bd9dbb849074abc5505bc2fd146bf7"
#: weight files larger than this are refused before reading (the real ones are ~50 kB)
MAX_WEIGHTS_FILE_BYTES = 10 * 1024 * 1024
#: the weights shipped with the package (written by ``scripts/make_cppn_weights.py``)
DEFAULT_WEIGHTS_FILE = "parkour_cppn_weights.npz"


def _softplus(z: np.ndarray) -> np.ndarray:
    """ln(1 + e^z) without overflow, keeping z's dtype."""
    return np.logaddexp(np.zeros((), dtype=z.dtype), z)


def _weight_matrix(name: str, value: object, shape: tuple[int, int]) -> np.ndarray:
    array = np.asarray(value)
    if array.dtype.kind not in "fiu":
        raise TypeError(f"{name} must be a real-valued array (float or int), got dtype {array.dtype}")
    if array.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {array.shape}")
    with np.errstate(over="ignore"):
        array = array.astype(np.float32)  # a copy: the caller's array stays theirs
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must hold finite float32 values (no nan, no inf, |w| < 3.4e38)")
    array.setflags(write=False)
    return array


def _check_int(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value}")
    return int(value)


def _check_real(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def _check_profile(name: str, value: object, min_len: int = 1) -> np.ndarray:
    array = np.asarray(value)
    if array.dtype.kind not in "fiu":
        raise TypeError(f"{name} must be a real-valued array, got dtype {array.dtype}")
    if array.ndim != 1 or len(array) < min_len:
        raise ValueError(f"{name} must be 1-D with at least {min_len} values, got shape {array.shape}")
    array = array.astype(np.float64)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite (no nan, no inf)")
    return array


@dataclass(frozen=True, eq=False)
class CPPN:
    """Parkour's terrain network: five bias-free weight matrices, read-only float32 copies.

    Arguments:
        w1: (4, 64), the input layer; row 0 weighs the sample position x_k, rows 1-3 the input vector.
        w2, w3, w4: (64, 64) hidden layers.
        w5: (64, 2) linear output layer: column 0 the ground, column 1 the ceiling.

    Any real dtype is accepted and cast to float32; the values must be finite.
    ``TypeError`` for a non-numeric array, ``ValueError`` naming the matrix for a wrong
    shape or a non-finite value.

    Example:
        >>> import numpy as np
        >>> rng = np.random.default_rng(0)
        >>> cppn = CPPN(*(rng.normal(size=s) for s in LAYER_SHAPES))
        >>> out = cppn([0.0, 0.5, -0.5], n_samples=5)
        >>> out.shape, out.dtype
        ((5, 2), dtype('float32'))
    """

    w1: np.ndarray = field(repr=False)
    w2: np.ndarray = field(repr=False)
    w3: np.ndarray = field(repr=False)
    w4: np.ndarray = field(repr=False)
    w5: np.ndarray = field(repr=False)

    def __post_init__(self) -> None:
        for attr, name, shape in zip(("w1", "w2", "w3", "w4", "w5"), LAYER_NAMES, LAYER_SHAPES):
            object.__setattr__(self, attr, _weight_matrix(name, getattr(self, attr), shape))

    @property
    def weights(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(W1, W2, W3, W4, W5), read-only."""
        return (self.w1, self.w2, self.w3, self.w4, self.w5)

    def __call__(self, input_vector: ArrayLike, n_samples: int = CPPN_SAMPLES) -> np.ndarray:
        """Raw outputs, shape (n_samples, 2) float32: [ground, ceiling] at each x_k = k / (n_samples - 1).

        ``input_vector``: 3 finite numbers (the task's CPPN input). ``n_samples``: an int >= 2.
        """
        vector = _check_profile("input_vector", input_vector)
        if vector.shape != (CPPN_INPUT_DIM,):
            raise ValueError(f"input_vector must hold {CPPN_INPUT_DIM} numbers, got shape {vector.shape}")
        n = _check_int("n_samples", n_samples, 2)
        batch = np.empty((n, CPPN_INPUT_DIM + 1), dtype=np.float64)
        batch[:, 0] = np.arange(n) / (n - 1)
        batch[:, 1:] = vector
        h = np.tanh(batch.astype(np.float32) @ self.w1)
        h = _softplus(h @ self.w2)
        h = np.tanh(h @ self.w3)
        h = _softplus(h @ self.w4)
        return h @ self.w5


def _cppn_from_bytes(data: bytes, source: str) -> CPPN:
    """A CPPN from an .npz archive (arrays W1..W5) or TeachMyAgent's raw checkpoint data file."""
    buffer = io.BytesIO(data)
    if zipfile.is_zipfile(buffer):
        with zipfile.ZipFile(buffer) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > MAX_WEIGHTS_FILE_BYTES:
            raise ValueError(f"{source}: the .npz unpacks to {unpacked} bytes; at most {MAX_WEIGHTS_FILE_BYTES}")
        buffer.seek(0)
        with np.load(buffer, allow_pickle=False) as npz:
            missing = [name for name in LAYER_NAMES if name not in npz.files]
            if missing:
                raise ValueError(
                    f"{source}: the .npz must hold arrays named {list(LAYER_NAMES)}; missing {missing}, "
                    f"found {sorted(npz.files)}"
                )
            try:
                arrays = [npz[name] for name in LAYER_NAMES]
            except ValueError as error:  # object arrays, which would need pickle
                raise ValueError(f"{source}: the .npz arrays must be numeric (no pickled objects): {error}") from None
        try:
            return CPPN(*arrays)
        except (TypeError, ValueError) as error:
            raise ValueError(f"{source}: {error}") from None
    if len(data) != RAW_CHECKPOINT_BYTES:
        raise ValueError(
            f"{source}: expected an .npz archive with arrays {list(LAYER_NAMES)}, or TeachMyAgent's raw "
            f"checkpoint data file of exactly {RAW_CHECKPOINT_BYTES} bytes ({RAW_CHECKPOINT_BYTES // 4} "
            f"little-endian float32); got {len(data)} bytes that are not a zip archive"
        )
    flat = np.frombuffer(data, dtype="<f4")
    arrays, start = [], 0
    for rows, cols in LAYER_SHAPES:
        arrays.append(flat[start : start + rows * cols].reshape(rows, cols))
        start += rows * cols
    try:
        return CPPN(*arrays)
    except ValueError as error:
        raise ValueError(f"{source}: {error}") from None


def load_cppn_weights(path: str | os.PathLike[str]) -> CPPN:
    """Read CPPN weights from ``path``: an ``.npz`` with arrays ``W1``..``W5``, or TeachMyAgent's raw checkpoint.

    The raw checkpoint is the ``.data-00000-of-00001`` file of
    ``PCGAgents/CPPN/weights/same_ground_ceiling_cppn/``: 50,688 bytes, the C-order
    concatenation of W1 | W2 | W3 | W4 | W5 as little-endian float32 (byte offsets 0,
    1024, 17408, 33792, 50176). Loading it reproduces TeachMyAgent's terrains. The format
    is told by content (a zip archive, else exactly 50,688 bytes), not by the file name.
    Nothing is unpickled. ``ValueError`` saying what was expected for a file of another
    size, an archive without those arrays, wrong shapes or non-finite values, and for
    files over 10 MB (refused before reading).
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
    size = os.stat(path).st_size
    if size > MAX_WEIGHTS_FILE_BYTES:
        raise ValueError(f"{os.fspath(path)}: {size} bytes; CPPN weight files must be at most {MAX_WEIGHTS_FILE_BYTES}")
    with open(path, "rb") as file:
        data = file.read(MAX_WEIGHTS_FILE_BYTES + 1)
    if len(data) > MAX_WEIGHTS_FILE_BYTES:  # grew since stat
        raise ValueError(f"{os.fspath(path)}: CPPN weight files must be at most {MAX_WEIGHTS_FILE_BYTES} bytes")
    return _cppn_from_bytes(data, os.fspath(path))


def default_cppn() -> CPPN:
    """The CPPN shipped with the package (drawn by ``scripts/make_cppn_weights.py``; not TeachMyAgent's weights).

    Reads the file on every call: keep the returned object rather than calling this per episode.
    """
    data = resources.files("curriculum_gym.envs.terrain").joinpath("data").joinpath(DEFAULT_WEIGHTS_FILE).read_bytes()
    return _cppn_from_bytes(data, f"curriculum_gym/envs/terrain/data/{DEFAULT_WEIGHTS_FILE}")


def terrain_profiles(
    cppn: CPPN,
    input_vector: ArrayLike,
    *,
    scale: float = DEFAULT_CPPN_SCALE,
    ceiling_offset: float = DEFAULT_CEILING_OFFSET,
    ceiling_clip_offset: float = 0.0,
    startpad: int = STARTPAD,
    n_samples: int = CPPN_SAMPLES,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The terrain points ``(x, ground, ceiling)``, each float64 of length ``startpad + n_samples``.

    TeachMyAgent's recipe, with s = ``scale`` (``terrain_cppn_scale``), co = ``ceiling_offset / s``
    and cc = ``ceiling_clip_offset / s``:

    1. g_k = out[k, 0] / s and c_k = out[k, 1] / s for the CPPN's outputs (float32, then float64 here);
    2. the first sample meets the start pad: ground_k = g_k - g_0 + TH, ceiling_k = c_k - c_0 + TH + co
       (TH = :data:`TERRAIN_HEIGHT`);
    3. the ceiling is clipped to ceiling_k >= ground_k + cc (with cc = 0 it may touch the ground);
    4. ``startpad`` flat points (ground TH, ceiling TH + co, not clipped) come first, then the samples;
       x_i = i * TS (TS = :data:`TERRAIN_STEP`).

    The original accumulates x by repeated addition of TS while x < (200 + startpad) * TS, which gives
    the same 220 points for the default start pad (its last x differs by rounding only); other start
    pads could gain a point there. ``startpad`` must be an int >= 1 (the original crashes on the
    non-integer start pad of a very wide body). ``scale`` must be > 0.
    """
    if not isinstance(cppn, CPPN):
        raise TypeError(f"cppn must be a CPPN, got {type(cppn).__name__}")
    s = _check_real("scale", scale)
    if s <= 0:
        raise ValueError(f"scale must be > 0, got {s}")
    co = _check_real("ceiling_offset", ceiling_offset) / s
    cc = _check_real("ceiling_clip_offset", ceiling_clip_offset) / s
    pad = _check_int("startpad", startpad, 1)
    out = cppn(input_vector, n_samples).astype(np.float64)
    g, c = out[:, 0] / s, out[:, 1] / s
    ground = g - g[0] + TERRAIN_HEIGHT
    ceiling = np.maximum(c - c[0] + TERRAIN_HEIGHT + co, ground + cc)
    x = np.arange(pad + len(out)) * TERRAIN_STEP
    ground = np.concatenate([np.full(pad, TERRAIN_HEIGHT), ground])
    ceiling = np.concatenate([np.full(pad, TERRAIN_HEIGHT + co), ceiling])
    return x, ground, ceiling


def water_surface_y(ceiling: ArrayLike, water_level: float, scale: float) -> float:
    """Height of the water surface: GL + max(0.01, water_level) * (max(ceiling) - GL), GL = -1000 / scale.

    Water fills from GL, far below the terrain (-100 m at scale 10), so low levels stay under
    the ground; level 1 reaches the highest ceiling point (the start pad's included). Levels
    above 1 are not clipped, as in the original.

    Example:
        >>> water_surface_y([3.0, 5.0], 1.0, 10.0), water_surface_y([3.0, 5.0], 0.0, 10.0)
        (5.0, -98.95)
    """
    top = float(_check_profile("ceiling", ceiling).max())
    level = _check_real("water_level", water_level)
    s = _check_real("scale", scale)
    if s <= 0:
        raise ValueError(f"scale must be > 0, got {s}")
    floor = GROUND_LIMIT / s
    return floor + max(MIN_WATER_LEVEL, level) * (top - floor)


def creeper_rects(
    x: ArrayLike,
    ceiling: ArrayLike,
    *,
    width: float,
    height: float,
    spacing: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Static creepers as rectangles, shape (k, 4): rows ``[x0, x1, y0, y1]`` (left, right, bottom, top).

    Along the segments i = 0 .. len(x) - 2 (start pad included), a counter starts at
    s = max(0.01, ``spacing``): when it is >= s a creeper hangs at x_i and the counter
    resets to 0, otherwise it grows by x_i - x_{i-1}. So the first creeper is at x_0
    and ``spacing`` 0 gives one every 2 segments. Each creeper is w = max(0.2, ``width``)
    wide and max(0.2, N(``height``, 0.1)) long (one ``rng.normal`` draw per creeper, in
    order of x) and hangs from the higher of the ceiling at i and at
    i + max(1, floor(w / TS)) (capped at the last point). Width and height 0 still give
    creepers (0.2 m); a creeper may reach below the ground where the ceiling is clipped.
    """
    xs = _check_profile("x", x, min_len=2)
    ceil = _check_profile("ceiling", ceiling, min_len=2)
    if len(ceil) != len(xs):
        raise ValueError(f"ceiling must have the same length as x ({len(xs)}), got {len(ceil)}")
    w = max(CREEPER_MIN_WIDTH, _check_real("width", width))
    mean_length = _check_real("height", height)
    gap = max(CREEPER_MIN_SPACING, _check_real("spacing", spacing))
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    at, counter = [], gap
    for i in range(len(xs) - 1):
        if counter >= gap:
            at.append(i)
            counter = 0.0
        else:
            counter += xs[i] - xs[i - 1]
    index = np.array(at)
    lengths = np.maximum(CREEPER_MIN_LENGTH, rng.normal(mean_length, CREEPER_LENGTH_STD, size=len(index)))
    reach = max(1, math.floor(w / TERRAIN_STEP))
    top = np.maximum(ceil[index], ceil[np.minimum(index + reach, len(xs) - 1)])
    return np.stack([xs[index], xs[index] + w, top - lengths, top], axis=1)


__all__ = [
    "CPPN",
    "TERRAIN_HEIGHT",
    "TERRAIN_STEP",
    "creeper_rects",
    "default_cppn",
    "load_cppn_weights",
    "terrain_profiles",
    "water_surface_y",
]
