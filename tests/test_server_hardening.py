"""The teacher server under hostile and faulty clients: bounded time, connections and messages."""

from __future__ import annotations

import json
import os
import pickle
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Client
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

import curriculum_gym as cg
from curriculum_gym.sharing import server as server_module

SPACE = gym.make("StumpTracks-v0").unwrapped.task_space


def remote_copy(handle, timeout=None):
    remote = pickle.loads(pickle.dumps(handle))
    if timeout is not None:
        remote.timeout = timeout
    return remote


def test_a_flood_of_idle_sockets_neither_kills_nor_blocks_the_server(monkeypatch):
    monkeypatch.setattr(server_module, "HANDSHAKE_TIMEOUT", 0.5)
    teacher = cg.make_teacher("random", SPACE, seed=0)
    handle = server_module.TeacherServer(teacher, max_clients=32).handle
    threads_before = threading.active_count()
    attackers = [socket.create_connection(handle.address) for _ in range(100)]
    time.sleep(0.2)
    assert threading.active_count() - threads_before <= 32 + 1  # one thread per admitted connection at most
    time.sleep(1.0)  # past the handshake timeout: the idle ones are dropped
    start = time.time()
    remote = remote_copy(handle, timeout=5)
    remote.update(remote.sample(), 1.0)
    assert time.time() - start < 2 and teacher.n_updates_ == 1
    for sock in attackers:
        sock.close()
    assert handle.server.refused >= 68
    remote.close()
    handle.close()


def test_closed_clients_are_forgotten():
    teacher = cg.make_teacher("random", SPACE, seed=0)
    with cg.serve(teacher) as handle:
        for _ in range(20):
            remote = remote_copy(handle)
            remote.sample()
            remote.close()
        deadline = time.time() + 5
        while handle.server.clients and time.time() < deadline:
            time.sleep(0.01)
        assert handle.server.clients == {}
        assert len(handle.server.client_counts()) == 20


SERVE_FOREVER = """
import pickle, sys, time
import curriculum_gym as cg
teacher = cg.make_teacher("random", cg.TaskSpace(["a", "b"], [0, 0], [1, 1]), seed=0)
handle = cg.serve(teacher)
with open(sys.argv[1], "wb") as f:
    f.write(pickle.dumps(handle))
time.sleep(120)
"""


def wait_stopped(pid: int, timeout: float = 10.0) -> None:
    """Until every thread of ``pid`` is stopped (Linux's /proc; elsewhere a short sleep)."""
    tasks = Path(f"/proc/{pid}/task")
    if not tasks.exists():
        time.sleep(0.5)
        return
    deadline = time.time() + timeout
    while time.time() < deadline:
        states = []
        for task in tasks.iterdir():
            try:
                states.append((task / "stat").read_text().rsplit(")", 1)[1].split()[0])
            except OSError:  # a thread that just ended
                continue
        if states and all(state in "Tt" for state in states):
            return
        time.sleep(0.01)
    raise AssertionError(f"process {pid} did not stop within {timeout} s")


def test_a_paused_server_gives_new_clients_a_timeout(tmp_path):
    address_file = tmp_path / "handle.pkl"
    proc = subprocess.Popen([sys.executable, "-c", SERVE_FOREVER, str(address_file)])
    try:
        deadline = time.time() + 60
        while not address_file.exists() or address_file.stat().st_size == 0:
            assert time.time() < deadline
            time.sleep(0.1)
        time.sleep(0.2)
        handle = pickle.loads(address_file.read_bytes())
        handle.timeout = 1.0
        handle.sample()  # served while running
        os.kill(proc.pid, signal.SIGSTOP)
        wait_stopped(proc.pid)  # (on a busy machine a server thread could otherwise still answer once)
        start = time.time()
        with pytest.raises(TimeoutError):
            handle.sample()  # the connected client
        fresh = pickle.loads(address_file.read_bytes())
        fresh.timeout = 1.0
        with pytest.raises(TimeoutError):
            fresh.sample()  # a new client: connect + handshake are bounded too
        assert time.time() - start < 6
        os.kill(proc.pid, signal.SIGCONT)
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize("timeout", [float("inf"), 10**10, float("nan"), 0, -1])
def test_unrepresentable_timeouts_are_refused(timeout):
    teacher = cg.make_teacher("random", SPACE, seed=0)
    with pytest.raises(ValueError, match="timeout"):
        cg.serve(teacher, timeout=timeout)
    with pytest.raises(TypeError, match="timeout"):
        cg.serve(teacher, timeout="30")


def _authenticated(handle):
    return Client(handle.address, family="AF_INET", authkey=handle.authkey)


def test_bad_messages_get_an_error_answer_and_the_server_keeps_serving():
    teacher = cg.make_teacher("alp-gmm", SPACE, seed=0, return_range=(-150, 350))
    with cg.serve(teacher) as handle:
        conn = _authenticated(handle)
        for raw in (
            b"not json",
            b"[1, 2]",
            b"[" * 50_000 + b"]" * 50_000,
            b'{"op": "update", "task": [1e400, 1], "return": 1}',
            b'{"op": "update", "task": [1, 1], "return": 1e400}',
            b'{"op": "sample", "seed": -3}',
            b'{"op": "nothing"}',
        ):
            conn.send_bytes(raw[: server_module.MAX_MESSAGE_BYTES])
            answer = json.loads(conn.recv_bytes())
            assert answer["ok"] is False and answer["error"]
        assert teacher.n_updates_ == 0
        conn.send_bytes(json.dumps({"op": "update", "task": [1.0, 1.0], "return": 3.0}).encode())
        assert json.loads(conn.recv_bytes())["ok"] is True
        conn.close()


def test_a_huge_length_prefix_or_half_a_message_drops_only_that_client(monkeypatch):
    monkeypatch.setattr(server_module, "MESSAGE_TIMEOUT", 0.5)
    teacher = cg.make_teacher("random", SPACE, seed=0)
    with cg.serve(teacher) as handle:
        huge = _authenticated(handle)
        os.write(huge.fileno(), struct.pack("!i", 2**31 - 1))  # claims 2 GB
        half = _authenticated(handle)
        os.write(half.fileno(), struct.pack("!i", 100) + b"{")  # then stalls
        time.sleep(1.5)
        with pytest.raises((EOFError, OSError)):
            huge.recv_bytes()
        with pytest.raises((EOFError, OSError)):
            half.recv_bytes()
        remote = remote_copy(handle)
        remote.update(remote.sample(), 1.0)
        assert teacher.n_updates_ == 1
        deadline = time.time() + 5
        while len(handle.server.clients) > 1 and time.time() < deadline:
            time.sleep(0.01)
        assert len(handle.server.clients) == 1  # the two broken ones are gone


def test_a_dict_task_through_a_handle_is_atomic():
    teacher = cg.make_teacher("alp-gmm", SPACE, seed=0, return_range=(-150, 350))
    with cg.serve(teacher) as handle:
        remote = remote_copy(handle)
        remote.update({"stump_height": 1.0, "obstacle_spacing": 3.0}, 10.0)
        assert teacher.n_updates_ == 1
        with pytest.raises(ValueError, match="stump_height"):
            remote.update({"stump_height": 9.0, "obstacle_spacing": 3.0}, 10.0)
        handle.update({"stump_height": 1.0, "obstacle_spacing": 2.0}, 10.0)
        assert teacher.n_updates_ == 2


def test_one_teacher_served_twice_keeps_one_history():
    teacher = cg.make_teacher("alp-gmm", SPACE, seed=0, return_range=(-150, 350), fit_rate=20)
    first, second = cg.serve(teacher), cg.serve(teacher)
    remotes = [remote_copy(first), remote_copy(second)]

    def work(remote):
        for _ in range(60):
            remote.update(remote.sample(), 10.0)

    threads = [threading.Thread(target=work, args=(r,)) for r in remotes * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert teacher.n_updates_ == 240 and len(teacher.alps_) == 240
    assert len(teacher.history_) == 240
    first.close()
    second.close()
    np.testing.assert_array_equal(teacher.state_dict()["state"]["window"].shape, (20, 3))
