"""One teacher for every worker: a teacher server and the picklable handle that reaches it.

``cg.serve(teacher)`` starts a server thread in the calling process and returns a
:class:`TeacherHandle`. Pass the handle wherever a teacher goes
(``TeacherWrapper(env, handle)``, ``gym.make(ID, teacher=handle)``,
``gym.make_vec(..., vectorization_mode="async", teacher=handle)``): it pickles
into worker processes and every ``sample``/``update`` reaches the one teacher.
A :class:`~curriculum_gym.Teacher` pickled on its own does the same implicitly
(it travels as a handle from a server of its own, started on first need).

Security: the server listens on loopback by default; each connection must pass
an HMAC challenge with the server's random key (carried inside the handle)
before anything it sends is read, and messages are JSON, never pickle.
"""

from __future__ import annotations

import atexit
import collections
import json
import os
import secrets
import socket
import threading
from multiprocessing.connection import Client, Connection, Listener, answer_challenge, deliver_challenge
from typing import TYPE_CHECKING, Any

import numpy as np

from curriculum_gym.tasks import TaskSpace
from curriculum_gym.teachers.base import check_seed

if TYPE_CHECKING:
    from curriculum_gym.teachers.base import Teacher

DEFAULT_TIMEOUT = 30.0  # seconds a client waits for an answer before giving up
_LOG_LENGTH = 100_000


class TeacherServer:
    """Serves one teacher to many processes; requests are applied one at a time under a lock.

    Use through :func:`serve`. ``records`` keeps the last 100 000 (client, kind, task)
    events; ``clients`` counts samples and updates per connected client. The lock is
    the teacher's own, so two servers of one teacher never interleave its updates.
    """

    def __init__(self, teacher: Any, host: str = "127.0.0.1", port: int = 0, timeout: float = DEFAULT_TIMEOUT) -> None:
        from curriculum_gym.teachers.base import Teacher

        if not isinstance(teacher, Teacher):
            raise TypeError(f"serve() needs a curriculum_gym Teacher; got {type(teacher).__name__}")
        self.teacher = teacher
        self.lock = teacher._lock
        self.authkey = secrets.token_bytes(32)
        self.records: collections.deque = collections.deque(maxlen=_LOG_LENGTH)
        self.clients: dict[int, dict[str, int]] = {}
        self.refused = 0
        self._listener = Listener((host, port), family="AF_INET")
        self.address: tuple[str, int] = self._listener.address
        self._closed = threading.Event()
        self._next_client = 0
        self._connections: list[Connection] = []
        self._thread = threading.Thread(target=self._accept_loop, name="teacher-server", daemon=True)
        self._thread.start()
        self.handle = TeacherHandle(self.address, self.authkey, teacher.task_space, timeout, _server=self)
        atexit.register(self.close)

    # ------------------------------------------------------------- serving
    def _accept_loop(self) -> None:
        while not self._closed.is_set():
            try:
                conn = self._listener.accept()
            except OSError:
                return  # listener closed
            threading.Thread(target=self._serve_connection, args=(conn,), daemon=True).start()

    def _serve_connection(self, conn: Connection) -> None:
        try:
            deliver_challenge(conn, self.authkey)  # nothing is read from a client before this passes
            answer_challenge(conn, self.authkey)
        except Exception:  # wrong key, garbage, or a client that went away
            with self.lock:
                self.refused += 1
            conn.close()
            return
        with self.lock:
            client = self._next_client
            self._next_client += 1
            self.clients[client] = {"samples": 0, "updates": 0}
            self._connections.append(conn)
        try:
            while not self._closed.is_set():
                try:
                    request = json.loads(conn.recv_bytes().decode("utf-8"))
                except (EOFError, OSError, TypeError):  # TypeError: the connection was closed under us
                    return  # the client is gone; it loses at most its unfinished episode
                conn.send_bytes(json.dumps(self._answer(client, request)).encode("utf-8"))
        except (OSError, ValueError):
            return
        finally:
            conn.close()

    def _answer(self, client: int, request: Any) -> dict[str, Any]:
        try:
            op = request["op"]
            if op == "sample":
                return {"ok": True, "task": self.sample(client, seed=request.get("seed")).tolist()}
            if op == "update":
                self.update(request["task"], request["return"], client)
                return {"ok": True}
            if op == "metrics":
                return {"ok": True, "metrics": self.metrics()}
            if op == "hello":
                return {"ok": True, "client": client, "teacher": self.teacher.name}
            raise ValueError(f"unknown request {op!r}")
        except (ValueError, KeyError, TypeError) as exc:
            return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}

    # ------------------------------------------- the teacher, under the lock
    def sample(self, client: int = -1, seed: int | None = None) -> np.ndarray:
        with self.lock:
            task = self.teacher.sample(seed=seed)
            self.records.append((client, "sample", task.tolist()))
            if client in self.clients:
                self.clients[client]["samples"] += 1
            return task

    def update(self, task: Any, episode_return: float, client: int = -1) -> None:
        with self.lock:
            self.teacher.update(task, episode_return)  # validates first: a bad update changes nothing
            self.records.append((client, "update", np.asarray(task, dtype=float).tolist()))
            if client in self.clients:
                self.clients[client]["updates"] += 1

    def metrics(self) -> dict[str, float]:
        return self.teacher.metrics()

    def save(self, path: str | os.PathLike) -> None:
        self.teacher.save(path)

    # ------------------------------------------------------------ lifecycle
    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    def close(self) -> None:
        """Stop serving; clients then get a clear error. Idempotent."""
        if self._closed.is_set():
            return
        self._closed.set()
        sock = getattr(getattr(self._listener, "_listener", None), "_socket", None)
        if sock is not None:  # wake the accept() under way: a socket closed under it would keep listening
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._listener.close()
        with self.lock:
            for conn in self._connections:
                try:
                    conn.close()
                except OSError:
                    pass
        atexit.unregister(self.close)


class TeacherHandle:
    """A picklable reference to a served teacher: ``sample()``, ``update()``, ``metrics()``.

    In the process that called :func:`serve`, ``handle.teacher`` is the live teacher
    (for logging, plots, checkpoints: prefer ``handle.save(path)``, which takes the
    server's lock) and calls go straight to it; in any other process they travel
    over an authenticated loopback connection, one per process.

    Example:
        >>> import curriculum_gym as cg
        >>> teacher = cg.make_teacher("random", cg.TaskSpace(["x"], [0], [1]), seed=0)
        >>> with cg.serve(teacher) as handle:
        ...     task = handle.sample()
        ...     handle.update(task, 10.0)
        ...     handle.metrics()["episodes"]
        1
    """

    def __init__(self, address: tuple[str, int], authkey: bytes, task_space: TaskSpace, timeout: float,
                 _server: TeacherServer | None = None) -> None:
        self.address = tuple(address)
        self.authkey = authkey
        self.task_space = task_space
        self.timeout = float(timeout)
        self._server = _server
        self.pid = os.getpid()  # the process this handle object lives in
        self._conn: Connection | None = None
        self._lock = threading.Lock()

    # pickling: address, key and task space travel; the connection and server stay here
    def __getstate__(self) -> dict[str, Any]:
        return {"address": self.address, "authkey": self.authkey, "task_space": self.task_space.state_dict(),
                "timeout": self.timeout}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["address"], state["authkey"], TaskSpace.from_state_dict(state["task_space"]), state["timeout"])

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return _handle_from_state, (self.__getstate__(),)

    def remote_copy(self) -> TeacherHandle:
        """A handle that reaches the server over a connection of its own, as in another process."""
        return _handle_from_state(self.__getstate__())

    def _local(self) -> TeacherServer | None:
        server = self._server
        if server is not None and self.pid == os.getpid():
            if server.closed:
                raise RuntimeError(f"the teacher server at {self.address} has been closed")
            return server
        return None

    def _request(self, message: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            if self._conn is None or self.pid != os.getpid():
                self._connect()
            try:
                self._conn.send_bytes(json.dumps(message).encode("utf-8"))
                answered = self._conn.poll(self.timeout)
                answer = json.loads(self._conn.recv_bytes().decode("utf-8")) if answered else None
            except (EOFError, OSError) as exc:
                self._conn = None
                raise RuntimeError(f"lost the connection to the teacher server at {self.address}: "
                                   f"{type(exc).__name__}: {exc}") from None
            if answer is None:  # a late answer would desynchronise this connection: drop it
                self._conn.close()
                self._conn = None
                raise TimeoutError(f"the teacher server at {self.address} did not answer within {self.timeout} s")
        if not answer.get("ok"):
            raise ValueError(f"the teacher server refused the request: {answer.get('error')}")
        return answer

    def _connect(self) -> None:
        self.pid = os.getpid()
        self._server = None  # a server object only counts in the process that made it
        try:
            self._conn = Client(self.address, family="AF_INET", authkey=self.authkey)
        except (OSError, EOFError) as exc:
            self._conn = None
            raise RuntimeError(
                f"cannot reach the teacher server at {self.address} ({type(exc).__name__}: {exc}). Is the process "
                "that owns the teacher still running? A teacher shared automatically or with cg.serve() is "
                "served on this machine only (loopback); for workers on other machines use "
                "cg.serve(teacher, backend='ray')"
            ) from None

    # ----------------------------------------------------------- teacher API
    def sample(self, *, seed: int | None = None) -> np.ndarray:
        """The next task; ``seed`` first re-seeds the teacher's generator (see ``Teacher.sample``)."""
        server = self._local()
        if server is not None:
            return server.sample(seed=seed)
        if seed is not None:
            seed = check_seed(seed)
        return np.asarray(self._request({"op": "sample", "seed": seed})["task"], dtype=np.float64)

    def update(self, task: Any, episode_return: float) -> None:
        server = self._local()
        if server is not None:
            server.update(task, episode_return)
            return
        task_list = self.task_space.validate(task).tolist()  # dicts and arrays, checked before they travel
        try:
            r = float(episode_return)
        except (TypeError, ValueError):
            raise ValueError(f"episode_return must be a number; got {episode_return!r}") from None
        self._request({"op": "update", "task": task_list, "return": r})

    def metrics(self) -> dict[str, float]:
        server = self._local()
        return server.metrics() if server is not None else self._request({"op": "metrics"})["metrics"]

    @property
    def teacher(self) -> Teacher:
        server = self._local()
        if server is None:
            raise RuntimeError("handle.teacher is only available in the process that called cg.serve()")
        return server.teacher

    @property
    def server(self) -> TeacherServer:
        server = self._local()
        if server is None:
            raise RuntimeError("handle.server is only available in the process that called cg.serve()")
        return server

    def save(self, path: str | os.PathLike) -> None:
        self.server.save(path)

    def close(self) -> None:
        """Close this process's connection; in the serving process, stop the server."""
        if self._server is not None and self.pid == os.getpid():
            self._server.close()
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> TeacherHandle:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"TeacherHandle(address={self.address}, task_space={self.task_space})"


def _handle_from_state(state: dict[str, Any]) -> TeacherHandle:
    handle = TeacherHandle.__new__(TeacherHandle)
    handle.__setstate__(state)
    return handle


def serve(teacher: Any, backend: str = "local", *, host: str = "127.0.0.1", port: int = 0,
          timeout: float = DEFAULT_TIMEOUT) -> Any:
    """Share ``teacher`` with other processes; returns a picklable handle.

    ``backend="local"`` (default): a server thread in this process, reached over an
    authenticated connection on ``host:port`` (loopback, a free port by default).
    ``backend="ray"``: the teacher runs as a Ray actor (``pip install curriculum-gym[ray]``),
    for workers on other machines.

    A teacher passed directly to worker processes is shared the same way without
    this call; ``serve`` gives explicit control (host, port, timeout, closing).
    """
    if backend == "local":
        if not (isinstance(timeout, (int, float)) and timeout > 0):
            raise ValueError(f"timeout must be a positive number of seconds; got {timeout!r}")
        return TeacherServer(teacher, host=host, port=port, timeout=timeout).handle
    if backend == "ray":
        from curriculum_gym.sharing.ray_backend import serve_ray

        return serve_ray(teacher)
    raise ValueError(f"unknown backend {backend!r}; allowed: 'local', 'ray'")
