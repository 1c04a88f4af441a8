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
import struct
import threading
import time
from multiprocessing import AuthenticationError
from multiprocessing.connection import Connection, answer_challenge, deliver_challenge
from typing import TYPE_CHECKING, Any

import numpy as np

from curriculum_gym.tasks import TaskSpace
from curriculum_gym.teachers.base import check_return, check_seed

if TYPE_CHECKING:
    from curriculum_gym.teachers.base import Teacher

DEFAULT_TIMEOUT = 30.0  # seconds a client waits for an answer before giving up
MAX_TIMEOUT = 7 * 86400.0  # the largest timeout accepted (a week)
HANDSHAKE_TIMEOUT = 5.0  # seconds a new connection has to authenticate
MESSAGE_TIMEOUT = 10.0  # seconds the rest of a message may take once its first bytes arrived
MAX_MESSAGE_BYTES = 1 << 16  # a request is a task and a return: far below this
MAX_CLIENTS = 256  # connections at once, authenticated or not; more are refused
_LOG_LENGTH = 100_000


def check_timeout(timeout: Any, name: str = "timeout") -> float:
    """A finite positive number of seconds, at most a week."""
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number of seconds; got {type(timeout).__name__} {timeout!r}")
    value = float(timeout)
    if not (0 < value <= MAX_TIMEOUT):
        raise ValueError(f"{name} must be in (0, {MAX_TIMEOUT:.0f}] seconds; got {timeout!r}")
    return value


def _set_socket_timeouts(sock: socket.socket, seconds: float) -> None:
    """Kernel-level send/receive timeouts: they stay with the descriptor inside a Connection."""
    whole = int(seconds)
    timeval = struct.pack("ll", whole, int((seconds - whole) * 1e6))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, timeval)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, timeval)


class TeacherServer:
    """Serves one teacher to many processes; requests are applied one at a time under the teacher's lock.

    Use through :func:`serve`. ``records`` keeps the last 100 000 (client, kind, task)
    events; ``clients`` counts samples and updates per connected client and
    ``past_clients`` the same for the last 1024 that left. Two servers of one teacher
    share its lock, so they never interleave its updates.

    Bounded against hostile or broken clients: a connection has ``HANDSHAKE_TIMEOUT``
    seconds to authenticate (nothing it sends is read before), at most
    ``max_clients`` connections are open at once (more are closed at once), a message
    is at most ``MAX_MESSAGE_BYTES`` and must arrive within ``MESSAGE_TIMEOUT`` once
    started, a request that cannot be parsed or served gets an error answer, and the
    accept loop outlives every error (e.g. running out of file descriptors).
    """

    def __init__(
        self,
        teacher: Any,
        host: str = "127.0.0.1",
        port: int = 0,
        timeout: float = DEFAULT_TIMEOUT,
        max_clients: int = MAX_CLIENTS,
    ) -> None:
        from curriculum_gym.teachers.base import Teacher, check_int

        if not isinstance(teacher, Teacher):
            raise TypeError(f"serve() needs a curriculum_gym Teacher; got {type(teacher).__name__}")
        timeout = check_timeout(timeout)
        self.max_clients = check_int("max_clients", max_clients, 1, 65536)
        self.teacher = teacher
        self.lock = teacher._lock
        self.authkey = secrets.token_bytes(32)
        self.records: collections.deque = collections.deque(maxlen=_LOG_LENGTH)
        self.clients: dict[int, dict[str, int]] = {}
        self.past_clients: collections.deque = collections.deque(maxlen=1024)
        self.refused = 0
        self._books = threading.Lock()  # clients, connections, counters: never held while the teacher works
        self._socket = socket.create_server((host, port), backlog=128)
        self.address: tuple[str, int] = self._socket.getsockname()[:2]
        self._closed = threading.Event()
        self._next_client = 0
        self._open: set[socket.socket] = set()
        self._thread = threading.Thread(target=self._accept_loop, name="teacher-server", daemon=True)
        self._thread.start()
        self.handle = TeacherHandle(self.address, self.authkey, teacher.task_space, timeout, _server=self)
        atexit.register(self.close)

    # ------------------------------------------------------------- serving
    def _accept_loop(self) -> None:
        while not self._closed.is_set():
            try:
                sock, _ = self._socket.accept()
            except OSError:
                if self._closed.is_set():
                    return
                time.sleep(0.05)  # e.g. out of file descriptors: wait for some to close, never give up
                continue
            with self._books:
                full = len(self._open) >= self.max_clients
                if not full:
                    self._open.add(sock)
                else:
                    self.refused += 1
            if full:
                sock.close()
                continue
            try:
                threading.Thread(target=self._serve_connection, args=(sock,), daemon=True).start()
            except RuntimeError:  # cannot start a thread: refuse this one, keep serving the others
                self._forget(sock)
                sock.close()

    def _serve_connection(self, sock: socket.socket) -> None:
        client = None
        try:
            _set_socket_timeouts(sock, HANDSHAKE_TIMEOUT)
            conn = Connection(os.dup(sock.fileno()))
        except OSError:
            self._forget(sock)
            sock.close()
            return
        try:
            try:
                deliver_challenge(conn, self.authkey)  # nothing is read from a client before this passes
                answer_challenge(conn, self.authkey)
            except Exception:  # wrong key, garbage, a timeout, or a client that went away
                with self._books:
                    self.refused += 1
                return
            _set_socket_timeouts(sock, MESSAGE_TIMEOUT)
            with self._books:
                client = self._next_client
                self._next_client += 1
                self.clients[client] = {"samples": 0, "updates": 0}
            while not self._closed.is_set():
                if not conn.poll(None):  # an idle client may wait as long as it likes between requests
                    return
                try:
                    raw = conn.recv_bytes(MAX_MESSAGE_BYTES)
                except (EOFError, OSError):  # gone, too long, or stalled mid-message: drop it
                    return
                conn.send_bytes(json.dumps(self._answer(client, raw)).encode("utf-8"))
        except (OSError, EOFError, ValueError):
            return
        finally:
            conn.close()
            self._forget(sock)
            sock.close()
            if client is not None:
                with self._books:
                    self.past_clients.append((client, self.clients.pop(client)))

    def client_counts(self) -> dict[int, dict[str, int]]:
        """Samples and updates per client: those connected now and the last 1024 that left."""
        with self._books:
            return {**{c: dict(v) for c, v in self.past_clients}, **{c: dict(v) for c, v in self.clients.items()}}

    def _forget(self, sock: socket.socket) -> None:
        with self._books:
            self._open.discard(sock)

    def _answer(self, client: int, raw: bytes) -> dict[str, Any]:
        try:
            request = json.loads(raw.decode("utf-8"))
            if not isinstance(request, dict):
                raise TypeError(f"a request is a JSON object; got {type(request).__name__}")
            op = request.get("op")
            if op == "sample":
                return {"ok": True, "task": self.sample(client, seed=request.get("seed")).tolist()}
            if op == "update":
                self.update(request["task"], request["return"], client)
                return {"ok": True}
            if op == "metrics":
                return {"ok": True, "metrics": self.metrics()}
            if op == "return_range":
                return {"ok": True, "return_range": self.return_range}
            if op == "set_return_range":
                self.set_return_range(request["return_range"])
                return {"ok": True}
            if op == "hello":
                return {"ok": True, "client": client, "teacher": self.teacher.name}
            raise ValueError(
                f"unknown request {op!r}; allowed: 'sample', 'update', 'metrics', 'return_range', "
                "'set_return_range', 'hello'"
            )
        except Exception as exc:  # a bad request never kills the connection or the server
            return {"ok": False, "error": f"{type(exc).__name__}: {str(exc)[:500]}"}

    # ------------------------------------------- the teacher, under the lock
    def sample(self, client: int = -1, seed: int | None = None) -> np.ndarray:
        with self.lock:
            task = self.teacher.sample(seed=seed)
            self.records.append((client, "sample", task.tolist()))
        self._count(client, "samples")
        return task

    def update(self, task: Any, episode_return: float, client: int = -1) -> None:
        task = self.teacher.task_space.validate(task)
        with self.lock:
            self.teacher.update(task, episode_return)  # validates first: a bad update changes nothing
            self.records.append((client, "update", task.tolist()))
        self._count(client, "updates")

    def _count(self, client: int, kind: str) -> None:
        with self._books:
            if client in self.clients:
                self.clients[client][kind] += 1

    def metrics(self) -> dict[str, float]:
        return self.teacher.metrics()

    @property
    def return_range(self) -> list[float] | None:
        with self.lock:
            return_range = self.teacher.return_range
        return None if return_range is None else list(return_range)

    def set_return_range(self, return_range: Any) -> None:
        self.teacher.set_return_range(return_range)  # takes the teacher's lock

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
        for sock in [self._socket, *self._open_sockets()]:
            try:  # shutdown wakes an accept() or recv() under way; close alone would not
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._socket.close()
        atexit.unregister(self.close)

    def _open_sockets(self) -> list[socket.socket]:
        with self._books:
            return list(self._open)


class TeacherHandle:
    """A picklable reference to a served teacher: ``sample()``, ``update()``, ``metrics()``,
    ``return_range`` and ``set_return_range()`` (what ``TeacherWrapper`` calls when the
    teacher's range is not known yet).

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

    def __init__(
        self,
        address: tuple[str, int],
        authkey: bytes,
        task_space: TaskSpace,
        timeout: float,
        _server: TeacherServer | None = None,
    ) -> None:
        self.address = tuple(address)
        self.authkey = authkey
        self.task_space = task_space
        self.timeout = check_timeout(timeout)
        self._server = _server
        self.pid = os.getpid()  # the process this handle object lives in
        self._conn: Connection | None = None
        self._lock = threading.Lock()

    # pickling: address, key and task space travel; the connection and server stay here
    def __getstate__(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "authkey": self.authkey,
            "task_space": self.task_space.state_dict(),
            "timeout": self.timeout,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(
            state["address"], state["authkey"], TaskSpace.from_state_dict(state["task_space"]), state["timeout"]
        )

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
                raise RuntimeError(
                    f"lost the connection to the teacher server at {self.address}: {type(exc).__name__}: {exc}"
                ) from None
            if answer is None:  # a late answer would desynchronise this connection: drop it
                self._conn.close()
                self._conn = None
                raise TimeoutError(
                    f"the teacher server at {self.address} did not answer within {self.timeout} s; "
                    f"the {message.get('op')!r} request may still have been applied"
                )
        if not answer.get("ok"):
            raise ValueError(f"the teacher server refused the request: {answer.get('error')}")
        return answer

    def _connect(self) -> None:
        self.pid = os.getpid()
        self._server = None  # a server object only counts in the process that made it
        self._conn = None
        try:
            sock = socket.create_connection(self.address, timeout=self.timeout)
        except TimeoutError:
            raise TimeoutError(
                f"the teacher server at {self.address} did not accept a connection within {self.timeout} s"
            ) from None
        except OSError as exc:
            raise RuntimeError(
                f"cannot reach the teacher server at {self.address} ({type(exc).__name__}: {exc}). Is the process "
                "that owns the teacher still running? A teacher shared automatically or with cg.serve() is "
                "served on this machine only (loopback); for workers on other machines use "
                "cg.serve(teacher, backend='ray')"
            ) from None
        try:
            sock.settimeout(None)
            _set_socket_timeouts(sock, min(self.timeout, HANDSHAKE_TIMEOUT))
            conn = Connection(sock.detach())
        except OSError as exc:
            sock.close()
            raise RuntimeError(f"cannot set up the connection to the teacher server at {self.address}: {exc}") from None
        try:
            answer_challenge(conn, self.authkey)
            deliver_challenge(conn, self.authkey)
        except BlockingIOError:
            conn.close()
            raise TimeoutError(
                f"the teacher server at {self.address} did not complete the handshake "
                f"within {min(self.timeout, HANDSHAKE_TIMEOUT)} s"
            ) from None
        except (OSError, EOFError, AuthenticationError) as exc:
            conn.close()
            raise RuntimeError(
                f"the teacher server at {self.address} refused this handle ({type(exc).__name__}: {exc})"
            ) from None
        self._conn = conn

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
        self._request({"op": "update", "task": task_list, "return": check_return(episode_return)})

    def metrics(self) -> dict[str, float]:
        server = self._local()
        return server.metrics() if server is not None else self._request({"op": "metrics"})["metrics"]

    @property
    def return_range(self) -> tuple[float, float] | None:
        """The served teacher's ``return_range``: ``(low, high)``, or None while it is not known."""
        server = self._local()
        value = server.return_range if server is not None else self._request({"op": "return_range"})["return_range"]
        return None if value is None else (float(value[0]), float(value[1]))

    def set_return_range(self, return_range: tuple[float, float]) -> None:
        """``Teacher.set_return_range`` on the served teacher: sets an unknown range; changing a known one
        is a ``ValueError``."""
        from curriculum_gym.teachers.base import check_return_range

        if return_range is None:
            raise TypeError("return_range must be a (low, high) pair of numbers; got None")
        checked = check_return_range(return_range)  # checked before it travels
        server = self._local()
        if server is not None:
            server.set_return_range(checked)
        else:
            self._request({"op": "set_return_range", "return_range": list(checked)})

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


def serve(
    teacher: Any,
    backend: str = "local",
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    timeout: float = DEFAULT_TIMEOUT,
    max_clients: int = MAX_CLIENTS,
) -> Any:
    """Share ``teacher`` with other processes; returns a picklable handle.

    ``backend="local"`` (default): a server thread in this process, reached over an
    authenticated connection on ``host:port`` (loopback, a free port by default).
    ``backend="ray"``: the teacher runs as a Ray actor (``pip install curriculum-gym[ray]``),
    for workers on other machines.

    A teacher passed directly to worker processes is shared the same way without
    this call; ``serve`` gives explicit control (host, port, timeout, closing).
    """
    if backend == "local":
        return TeacherServer(teacher, host=host, port=port, timeout=timeout, max_clients=max_clients).handle
    if backend == "ray":
        from curriculum_gym.sharing.ray_backend import serve_ray

        return serve_ray(teacher, check_timeout(timeout))
    raise ValueError(f"unknown backend {backend!r}; allowed: 'local', 'ray'")
