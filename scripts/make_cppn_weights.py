"""Write the Parkour CPPN weights shipped with the package (``curriculum_gym/envs/terrain/data/parkour_cppn_weights.npz``).

Run:  python scripts/make_cppn_weights.py [--out PATH] [--check]

TeachMyAgent drew its CPPN weights once, unseeded, from TF1's
``truncated_normal(mean=0, stddev=2)`` and shipped them; they cannot be regenerated. This
script draws the same distribution reproducibly: W1 (4x64), W2..W4 (64x64), W5 (64x2), in
that order, from ``numpy.random.default_rng(SEED)``, each value from N(0, 2) and redrawn
while it lies beyond +-2 standard deviations (so every weight is in [-4, 4]), stored as
float32 under the names W1..W5. Running it again writes the same arrays (and the same file
bytes). ``--check`` compares the shipped file with a fresh draw instead of writing.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

# --- what defines the weights: change any of these and the shipped terrains change ---
SEED = 2021  # the year of TeachMyAgent (Romac et al., ICML 2021)
STDDEV = 2.0  # TF's truncated_normal(stddev=2) in the original
TRUNCATION = 2.0  # values beyond TRUNCATION * STDDEV are redrawn, as TF's truncated_normal does
LAYERS = (("W1", (4, 64)), ("W2", (64, 64)), ("W3", (64, 64)), ("W4", (64, 64)), ("W5", (64, 2)))
ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "curriculum_gym" / "envs" / "terrain" / "data" / "parkour_cppn_weights.npz"


def truncated_normal(rng: np.random.Generator, shape: tuple[int, ...], stddev: float = STDDEV) -> np.ndarray:
    """N(0, stddev) draws of ``shape``, each value beyond +-TRUNCATION * stddev redrawn until it is within (float64)."""
    values = rng.normal(0.0, stddev, size=shape)
    outside = np.abs(values) > TRUNCATION * stddev
    while outside.any():
        values[outside] = rng.normal(0.0, stddev, size=int(outside.sum()))
        outside = np.abs(values) > TRUNCATION * stddev
    return values


def make_weights(seed: int = SEED) -> dict[str, np.ndarray]:
    """The weight matrices ``{"W1": (4, 64), ..., "W5": (64, 2)}``, float32, drawn in that order from one generator."""
    rng = np.random.default_rng(seed)
    return {name: truncated_normal(rng, shape).astype(np.float32) for name, shape in LAYERS}


def npz_bytes(weights: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **weights)
    return buffer.getvalue()


def write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; this is package data
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the .npz")
    parser.add_argument("--check", action="store_true", help="compare --out with a fresh draw; write nothing")
    args = parser.parse_args(argv)
    weights = make_weights()
    if args.check:
        with np.load(args.out, allow_pickle=False) as shipped:
            same = sorted(shipped.files) == sorted(weights) and all(
                shipped[name].dtype == weights[name].dtype and np.array_equal(shipped[name], weights[name])
                for name in weights
            )
        print(f"{args.out}: {'matches' if same else 'DIFFERS FROM'} make_weights(seed={SEED})")
        return 0 if same else 1
    write_atomically(args.out, npz_bytes(weights))
    print(f"wrote {args.out} (seed {SEED})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
