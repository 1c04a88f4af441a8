"""ALP-GMM's background fits outlive their fitting process: killed idle or mid-fit, never started, or
garbage-collected with its teacher (no zombie); the parent needs no ``select`` (absent for pipes on Windows)."""

from __future__ import annotations

import gc
import os
import select
import signal
import time
import warnings

import numpy as np
import pytest

import curriculum_gym as cg
from curriculum_gym.teachers import alp_gmm
from curriculum_gym.teachers.fit_worker import FitWorker, FitWorkerDiedError
from curriculum_gym.teachers.gmm import fit_best_mixture

SPACE = cg.TaskSpace(["x", "y"], [0, 0], [1, 1])
FIT_RATE = 20
KILL = getattr(signal, "SIGKILL", signal.SIGTERM)  # SIGTERM: TerminateProcess on Windows


def make_teacher() -> alp_gmm.ALPGMM:
    return cg.make_teacher(
        "alp-gmm", SPACE, seed=0, return_range=(0, 1), fit_rate=FIT_RATE, potential_ks=[2, 3], background_fit=True
    )


def run(teacher: alp_gmm.ALPGMM, episodes: int, rng: np.random.Generator) -> None:
    for _ in range(episodes):
        task = teacher.sample()
        teacher.update(task, float(task[0] > 0.5) * rng.uniform(0.5, 1.0))


def kill(worker: FitWorker) -> None:
    """Kill the fitting process from outside, as the OOM killer or a user would, and wait until it is gone."""
    os.kill(worker.pid, KILL)
    deadline = time.monotonic() + 10
    while worker.returncode is None:
        assert time.monotonic() < deadline, "the killed fitting process did not end"
        time.sleep(0.01)


def test_killed_while_idle_every_update_works_and_a_new_process_refits():
    rng = np.random.default_rng(0)
    teacher = make_teacher()
    run(teacher, FIT_RATE, rng)
    teacher.wait_for_fit()
    old = teacher._worker
    kill(old)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run(teacher, 5 * FIT_RATE, rng)  # none of these updates raises
        teacher.wait_for_fit()
    assert len(teacher.history_) == teacher.n_updates_ == 6 * FIT_RATE
    assert len(teacher.alps_) == teacher.n_updates_
    assert [w.category for w in caught] == [RuntimeWarning]
    assert f"pid {old.pid}" in str(caught[0].message) and f"exit code {old.returncode}" in str(caught[0].message)
    assert teacher._worker is not None and teacher._worker.pid != old.pid
    assert teacher.fits_[-1][0] == 6 * FIT_RATE and teacher.mixture_ is teacher.fits_[-1][1]
    teacher.close()


def test_killed_mid_fit_the_lost_fit_is_redone_and_wait_for_fit_waits_for_it():
    rng = np.random.default_rng(1)
    teacher = make_teacher()
    run(teacher, FIT_RATE, rng)  # the first fit goes to a process still starting up (numpy import: >> 1 ms)
    assert teacher._pending_episodes == [FIT_RATE]
    args = teacher._in_flight_args
    old = teacher._worker
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        kill(old)
        teacher.wait_for_fit()  # waits for the new process to redo it
        assert [episode for episode, _ in teacher.fits_] == [FIT_RATE]
        expected = fit_best_mixture(*args)
        np.testing.assert_allclose(teacher.mixture_.means, expected.means, rtol=1e-9, atol=1e-12)
        run(teacher, 3 * FIT_RATE, rng)
        teacher.wait_for_fit()
    assert len(caught) == 1 and caught[0].category is RuntimeWarning
    assert f"episode {FIT_RATE}" in str(caught[0].message)
    assert teacher.fits_[-1][0] == 4 * FIT_RATE
    assert len(teacher.history_) == teacher.n_updates_ == 4 * FIT_RATE
    teacher.close()


def test_after_repeated_deaths_fits_move_into_the_teachers_process():
    rng = np.random.default_rng(2)
    teacher = make_teacher()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(alp_gmm.MAX_WORKER_DEATHS):
            run(teacher, FIT_RATE, rng)
            teacher.wait_for_fit()
            kill(teacher._worker)
        run(teacher, FIT_RATE, rng)  # finds the last death, fits here, at once
    assert len(caught) == alp_gmm.MAX_WORKER_DEATHS
    assert "in its own process" in str(caught[-1].message)
    assert teacher._fit_here and teacher._worker is None and teacher._pending_episodes == []
    assert teacher.fits_[-1][0] == (alp_gmm.MAX_WORKER_DEATHS + 1) * FIT_RATE
    assert len(teacher.history_) == teacher.n_updates_


def test_a_process_that_cannot_start_means_fits_here(monkeypatch):
    def refuse() -> FitWorker:
        raise OSError("Resource temporarily unavailable")

    monkeypatch.setattr(alp_gmm, "FitWorker", refuse)
    rng = np.random.default_rng(3)
    teacher = make_teacher()
    with pytest.warns(RuntimeWarning, match="could not start"):
        run(teacher, FIT_RATE, rng)
    assert [episode for episode, _ in teacher.fits_] == [FIT_RATE]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # said once
        run(teacher, FIT_RATE, rng)
    assert [episode for episode, _ in teacher.fits_] == [FIT_RATE, 2 * FIT_RATE]


@pytest.mark.skipif(not hasattr(os, "WNOHANG"), reason="POSIX process table")
def test_a_garbage_collected_teacher_leaves_no_zombie_process():
    rng = np.random.default_rng(4)
    teacher = make_teacher()
    run(teacher, FIT_RATE, rng)
    teacher.wait_for_fit()
    pid = teacher._worker.pid
    del teacher
    gc.collect()
    with pytest.raises(ChildProcessError):  # reaped: no longer our child, not even a zombie
        os.waitpid(pid, os.WNOHANG)


@pytest.mark.skipif(not hasattr(os, "WNOHANG"), reason="POSIX process table")
def test_close_stops_and_reaps_the_process():
    worker = FitWorker()
    pid = worker.pid
    worker.close()
    assert worker.returncode == 0
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def test_the_fit_worker_works_without_select(monkeypatch):
    monkeypatch.delattr(select, "select")  # select() does not work on pipes on Windows
    data = np.random.default_rng(5).random((40, 3))
    worker = FitWorker()
    worker.submit(data, [2, 3], 7, "aic", "numpy")
    results, deadline = [], time.monotonic() + 60
    while not results:  # non-blocking polls, as sample() and update() make
        assert time.monotonic() < deadline
        results = worker.collect()
        time.sleep(0.005)
    ((mixture, seconds),) = results
    expected = fit_best_mixture(data, [2, 3], 7, "aic", "numpy")
    np.testing.assert_allclose(mixture.means, expected.means, rtol=1e-9, atol=1e-12)
    assert seconds > 0 and worker.pending == 0
    worker.close()


def test_a_dead_worker_refuses_fits_and_wait_returns_with_the_fit_lost():
    worker = FitWorker()
    worker.submit(np.random.default_rng(6).random((40, 3)), [2], 0, "aic", "numpy")
    kill(worker)
    assert worker.collect(wait=True) == [] and worker.ended and worker.pending == 1
    with pytest.raises(FitWorkerDiedError, match=str(worker.pid)):
        worker.submit(np.zeros((40, 3)), [2], 0, "aic", "numpy")
    worker.kill()
