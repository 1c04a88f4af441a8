"""Background GMM fits in a separate process, so that no sample/update call waits for one.

The worker is ``python -m curriculum_gym.teachers.fit_worker``; it talks over its
stdin/stdout pipes in JSON lines followed by raw float64 bytes (no pickle). A
separate process, not a thread: a fitting thread would hold Python's GIL and
delay the training loop's calls by up to the interpreter's switch interval.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from curriculum_gym.teachers.gmm import Mixture, fit_best_mixture


def _write_message(stream, header: dict, payload: bytes) -> None:
    stream.write(json.dumps({**header, "nbytes": len(payload)}).encode() + b"\n" + payload)
    stream.flush()


def _read_message(stream) -> tuple[dict, bytes] | None:
    line = stream.readline()
    if not line:
        return None
    header = json.loads(line)
    payload = stream.read(header["nbytes"]) if header["nbytes"] else b""
    return header, payload


class FitWorker:
    """Parent side: submit windows, collect fitted mixtures in order."""

    def __init__(self) -> None:
        package_root = str(Path(__file__).resolve().parents[2])
        env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p)
        self._proc = subprocess.Popen(
            [sys.executable, "-W", "ignore", "-m", "curriculum_gym.teachers.fit_worker"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
        )
        self._pending = 0

    @property
    def pending(self) -> int:
        return self._pending

    def submit(self, data: np.ndarray, ks: list[int], seed: int, criterion: str, backend: str) -> None:
        data = np.ascontiguousarray(data, dtype=np.float64)
        header = {"shape": list(data.shape), "ks": list(ks), "seed": seed, "criterion": criterion, "backend": backend}
        try:
            _write_message(self._proc.stdin, header, data.tobytes())
        except (BrokenPipeError, OSError) as exc:
            raise RuntimeError("the background GMM fitting process has died") from exc
        self._pending += 1

    def collect(self, wait: bool = False) -> list[tuple[Mixture | None, float]]:
        """Results that are ready (all pending ones with ``wait=True``), oldest first."""
        out = []
        stdout = self._proc.stdout
        while self._pending and (wait or select.select([stdout], [], [], 0)[0]):
            message = _read_message(stdout)
            if message is None:
                self._pending = 0
                raise RuntimeError("the background GMM fitting process has died")
            header, payload = message
            self._pending -= 1
            out.append((_decode_mixture(header, payload), header["seconds"]))
        return out

    def close(self) -> None:
        if self._proc.poll() is None:
            try:
                self._proc.stdin.close()
                self._proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self._proc.kill()
                self._proc.wait()
        self._pending = 0

    def __del__(self) -> None:
        try:
            if self._proc.poll() is None:
                self._proc.kill()
        except Exception:  # noqa: S110 (interpreter shutdown)
            pass


def _encode_mixture(mixture: Mixture | None) -> tuple[dict, bytes]:
    if mixture is None:
        return {"k": 0, "dim": 0}, b""
    payload = mixture.weights.tobytes() + mixture.means.tobytes() + mixture.covariances.tobytes()
    return {"k": mixture.n_components, "dim": mixture.means.shape[1]}, payload


def _decode_mixture(header: dict, payload: bytes) -> Mixture | None:
    k, d = header["k"], header["dim"]
    if k == 0:
        return None
    flat = np.frombuffer(payload, dtype=np.float64)
    weights, means, covs = np.split(flat, [k, k + k * d])
    return Mixture(weights.copy(), means.reshape(k, d).copy(), covs.reshape(k, d, d).copy())


def main() -> None:
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        message = _read_message(stdin)
        if message is None:
            return
        req, payload = message
        data = np.frombuffer(payload, dtype=np.float64).reshape(req["shape"])
        start = time.perf_counter()
        mixture = fit_best_mixture(data, req["ks"], req["seed"], req["criterion"], req["backend"])
        header, out = _encode_mixture(mixture)
        _write_message(stdout, {**header, "seconds": time.perf_counter() - start}, out)


if __name__ == "__main__":
    main()
