"""Background GMM fits in a separate process, so that no sample/update call waits for one.

The worker is ``python -m curriculum_gym.teachers.fit_worker``; it talks over its
stdin/stdout pipes in JSON lines followed by raw float64 bytes (no pickle). A
separate process, not a thread: a fitting thread would hold Python's GIL and
delay the training loop's calls by up to the interpreter's switch interval.

In the parent, a small reader thread (blocked in ``read``, so it holds no GIL while
it waits) moves the worker's answers into a queue: polling that queue works the
same on every platform (``select`` does not work on pipes on Windows). The thread
also tells when the process has ended (killed, crashed): :attr:`FitWorker.ended`.
A worker that is garbage-collected, or still running at interpreter exit, is
stopped and reaped (no zombie process).
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
import weakref
from pathlib import Path
from typing import IO, Any

import numpy as np

from curriculum_gym.teachers.gmm import Mixture, fit_best_mixture

#: seconds a stopping worker gets to exit by itself before it is killed
CLOSE_TIMEOUT = 10.0
#: seconds to wait for a killed worker to be reaped
KILL_TIMEOUT = 5.0
#: how often a blocking :meth:`FitWorker.collect` wakes up (to stay interruptible)
POLL_INTERVAL = 0.2


class FitWorkerDiedError(RuntimeError):
    """The fitting process has ended (killed, crashed): it takes no more fits."""


def _write_message(stream: IO[bytes], header: dict[str, Any], payload: bytes) -> None:
    stream.write(json.dumps({**header, "nbytes": len(payload)}).encode() + b"\n" + payload)
    stream.flush()


def _read_message(stream: IO[bytes]) -> tuple[dict[str, Any], bytes] | None:
    """The next message, or None at the end of the stream (a truncated message counts as the end)."""
    line = stream.readline()
    if not line.endswith(b"\n"):
        return None
    header = json.loads(line)
    nbytes = int(header["nbytes"])
    payload = stream.read(nbytes) if nbytes else b""
    if len(payload) != nbytes:
        return None
    return header, payload


def _pump(stream: IO[bytes], inbox: queue.SimpleQueue) -> None:
    """Reader thread: every message of ``stream`` into ``inbox``, then None once the stream ends.

    A module function, so that the thread holds no reference to its :class:`FitWorker`
    (which can then be garbage-collected, and its process reaped).
    """
    try:
        while (message := _read_message(stream)) is not None:
            inbox.put(message)
    except (OSError, ValueError, KeyError):  # a closed pipe, or garbage: the worker is of no more use
        pass
    finally:
        inbox.put(None)
        try:
            stream.close()
        except OSError:
            pass


def _stop(proc: subprocess.Popen, owner_pid: int) -> None:
    """Kill ``proc`` if it still runs and reap it. The finalizer of a FitWorker: refers to no FitWorker."""
    if os.getpid() != owner_pid:  # a copy of the parent made by os.fork: the process is the parent's
        return
    try:
        proc.stdin.close()
    except OSError:
        pass
    if proc.poll() is None:
        proc.kill()
    try:
        proc.wait(timeout=KILL_TIMEOUT)
    except subprocess.TimeoutExpired:  # pragma: no cover (a process that survives SIGKILL)
        pass


class FitWorker:
    """Parent side of one fitting process: submit windows, collect fitted mixtures in order.

    ``submit`` raises :class:`FitWorkerDiedError` once the process has ended; fits that were in
    flight then are lost (``pending`` still counts them, and ``ended`` is True once every
    answer the process gave has been collected). Starting raises ``OSError`` when no
    process can be started.
    """

    def __init__(self) -> None:
        package_root = str(Path(__file__).resolve().parents[2])
        env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p)
        self._proc = subprocess.Popen(
            [sys.executable, "-W", "ignore", "-m", "curriculum_gym.teachers.fit_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        self._inbox: queue.SimpleQueue = queue.SimpleQueue()
        self._reader = threading.Thread(
            target=_pump, args=(self._proc.stdout, self._inbox), name=f"fit-worker-{self._proc.pid}-reader", daemon=True
        )
        self._reader.start()
        self._owner_pid = os.getpid()
        self._finalizer = weakref.finalize(self, _stop, self._proc, self._owner_pid)
        self._pending = 0
        self._ended = False  # the reader has seen the end of the process's output

    @property
    def pid(self) -> int:
        return self._proc.pid

    @property
    def pending(self) -> int:
        """Fits submitted and not collected yet (lost ones included, once the process has ended)."""
        return self._pending

    @property
    def ended(self) -> bool:
        """True once the process's output has ended and every answer in it was collected."""
        return self._ended

    @property
    def returncode(self) -> int | None:
        """The process's exit status (negative: killed by that signal), None while it runs."""
        return self._proc.poll()

    def alive(self) -> bool:
        """True while the process runs and takes fits."""
        return not self._ended and self._finalizer.alive and self._proc.poll() is None

    def _ended_message(self) -> str:
        return f"the background GMM fitting process (pid {self.pid}) has ended (exit code {self.returncode})"

    def submit(self, data: np.ndarray, ks: list[int], seed: int, criterion: str, backend: str) -> None:
        """Send one fit; raises :class:`FitWorkerDiedError` when the process has ended."""
        if not self.alive():
            raise FitWorkerDiedError(self._ended_message())
        data = np.ascontiguousarray(data, dtype=np.float64)
        header = {"shape": list(data.shape), "ks": list(ks), "seed": seed, "criterion": criterion, "backend": backend}
        try:
            _write_message(self._proc.stdin, header, data.tobytes())
        except (OSError, ValueError) as exc:  # a broken pipe, or one already closed
            raise FitWorkerDiedError(self._ended_message()) from exc
        self._pending += 1

    def collect(self, wait: bool = False) -> list[tuple[Mixture | None, float]]:
        """(mixture, seconds) of the fits that are ready, oldest first.

        With ``wait=True``: of every pending fit, unless the process ends first (then
        ``ended`` is True and the fits still pending are lost).
        """
        out = []
        while self._pending and not self._ended:
            try:
                message = self._inbox.get(timeout=POLL_INTERVAL) if wait else self._inbox.get_nowait()
            except queue.Empty:
                if wait:
                    continue
                break
            if message is None:
                self._ended = True
                break
            header, payload = message
            self._pending -= 1
            out.append((_decode_mixture(header, payload), float(header["seconds"])))
        return out

    def close(self) -> None:
        """Let the process finish the fit it is on and exit (killed after ``CLOSE_TIMEOUT`` s); reap it."""
        if self._finalizer.alive and os.getpid() == self._owner_pid:
            try:
                self._proc.stdin.close()  # end of input: the worker exits
                self._proc.wait(timeout=CLOSE_TIMEOUT)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self.kill()

    def kill(self) -> None:
        """Kill the process if it still runs and reap it (fits in flight are lost)."""
        self._finalizer()
        self._reader.join(timeout=KILL_TIMEOUT)
        self._pending = 0


def _encode_mixture(mixture: Mixture | None) -> tuple[dict[str, Any], bytes]:
    if mixture is None:
        return {"k": 0, "dim": 0}, b""
    payload = mixture.weights.tobytes() + mixture.means.tobytes() + mixture.covariances.tobytes()
    return {"k": mixture.n_components, "dim": mixture.means.shape[1]}, payload


def _decode_mixture(header: dict[str, Any], payload: bytes) -> Mixture | None:
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
