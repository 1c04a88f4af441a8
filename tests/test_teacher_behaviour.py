"""What teachers do with returns: ADR's box grows and shrinks, the Oracle's window moves, and
learning-progress teachers need a return range (given, set once, or refused clearly)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import curriculum_gym as cg
from curriculum_gym.protocols import TeacherLike
from curriculum_gym.teachers import ALPGMM, Oracle, Teacher

LINE = cg.TaskSpace(["a"], [0], [10])
STUMPS = cg.TaskSpace(["stump_height", "obstacle_spacing"], [0, 0], [3, 6])
LP_TEACHERS = ["alp-gmm", "covar-gmm", "riac"]


def make_adr(**options):
    return cg.make_teacher(
        "adr",
        LINE,
        seed=0,
        **{
            "initial_task": [5.0],
            "step_size": 1.0,
            "expand_threshold": 400,
            "shrink_threshold": 0,
            "queue_length": 5,
            **options,
        },
    )


def feed(teacher, episode_return, n):
    for _ in range(n):
        teacher.update(teacher.sample(), episode_return)


# --------------------------------------------------------------------- ADR
def test_adr_box_grows_while_returns_reach_the_expand_threshold():
    adr = make_adr()  # expand_threshold 400, beyond the walkers' return range: raw returns of 500 still reach it
    assert adr.low_.tolist() == adr.high_.tolist() == [5.0]
    lows, highs = [5.0], [5.0]
    for _ in range(40):
        feed(adr, 500.0, 10)
        lows.append(float(adr.low_[0]))
        highs.append(float(adr.high_[0]))
    assert all(b <= a for a, b in zip(lows, lows[1:])) and all(b >= a for a, b in zip(highs, highs[1:]))
    assert (lows[-1], highs[-1]) == (0.0, 10.0)  # the whole line, edges moved by step_size 1 at a time
    assert set(np.diff(lows)) <= {0.0, -1.0} and set(np.diff(highs)) <= {0.0, 1.0}
    assert adr.metrics()["box_volume_fraction"] == 1.0


def test_adr_box_shrinks_when_returns_fall_to_the_shrink_threshold():
    wide = cg.TaskSpace(["a"], [0], [100])  # wide enough that no edge reaches a bound (a capped edge is not sampled)
    adr = cg.make_teacher(
        "adr",
        wide,
        seed=0,
        initial_task=[50.0],
        step_size=1.0,
        expand_threshold=400,
        shrink_threshold=0,
        queue_length=5,
    )
    feed(adr, 500.0, 200)
    grown_low, grown_high = float(adr.low_[0]), float(adr.high_[0])
    assert 0.0 < grown_low <= 45.0 and 55.0 <= grown_high < 100.0
    feed(adr, -100.0, 100)  # at or below shrink_threshold 0
    assert grown_low < adr.low_[0] <= adr.high_[0] < grown_high
    feed(adr, -100.0, 1000)
    assert adr.high_[0] - adr.low_[0] <= 1.0  # back to (about) a point, inside the grown box
    assert grown_low <= adr.low_[0] and adr.high_[0] <= grown_high


def test_adr_box_stays_between_the_thresholds():
    adr = make_adr()
    feed(adr, 500.0, 60)
    low, high = adr.low_.copy(), adr.high_.copy()
    feed(adr, 200.0, 200)  # between shrink (0) and expand (400): no edge moves
    np.testing.assert_array_equal(adr.low_, low)
    np.testing.assert_array_equal(adr.high_, high)


# ------------------------------------------------------------------ Oracle
def test_oracle_window_moves_by_step_while_returns_beat_the_threshold():
    oracle = cg.make_teacher(
        "oracle", LINE, seed=0, start=[0.0], step=[1.0], window_ratio=0.1, update_every=5, threshold=100.0
    )
    assert (oracle.window_low_.tolist(), oracle.window_high_.tolist()) == ([0.0], [1.0])
    feed(oracle, 50.0, 20)  # below the threshold: stays
    assert oracle.window_low_.tolist() == [0.0] and oracle.n_moves_ == 0
    feed(oracle, 200.0, 15)  # three blocks of 5 above it: three steps of +1
    assert oracle.n_moves_ == 3
    np.testing.assert_allclose([oracle.window_low_[0], oracle.window_high_[0]], [3.0, 4.0])
    feed(oracle, 200.0, 100)  # the window stops at the upper bound
    np.testing.assert_allclose([oracle.window_low_[0], oracle.window_high_[0]], [9.0, 10.0])
    assert all(9.0 <= oracle.sample()[0] <= 10.0 for _ in range(20))


def test_oracle_window_moves_towards_harder_stumps():
    oracle = cg.make_teacher("oracle", STUMPS, seed=0, update_every=5)  # the paper's start [0, 6] and step [0.1, -0.2]
    np.testing.assert_allclose(oracle.window_low_, [0.0, 5.0])
    np.testing.assert_allclose(oracle.window_high_, [0.5, 6.0])
    feed(oracle, 300.0, 5)  # above the default threshold 230
    np.testing.assert_allclose(oracle.window_low_, [0.1, 4.8])  # higher stumps, closer together
    np.testing.assert_allclose(oracle.window_high_, [0.6, 5.8])


# ------------------------------------------------------------ return range
@pytest.mark.parametrize("name", LP_TEACHERS)
def test_learning_progress_teachers_refuse_returns_until_they_know_their_range(name):
    teacher = cg.make_teacher(name, STUMPS, seed=0)
    assert teacher.return_range is None and teacher.needs_return_range
    task = teacher.sample()
    with pytest.raises(ValueError, match=r"return_range=\(low, high\).*TeacherWrapper"):
        teacher.update(task, 100.0)
    with pytest.raises(ValueError, match="does not know their range"):
        teacher.normalize_return(100.0)
    assert teacher.n_updates_ == 0
    teacher.set_return_range((-150, 350))
    teacher.update(task, 100.0)
    assert teacher.n_updates_ == 1 and teacher.normalize_return(100.0) == pytest.approx(0.5)


@pytest.mark.parametrize(
    "name,options",
    [
        ("random", {}),
        ("adr", {"initial_task": [0.0, 6.0], "step_size": 0.1, "expand_threshold": 230, "shrink_threshold": 0}),
        ("oracle", {}),
    ],
)
def test_threshold_and_random_teachers_need_no_return_range(name, options):
    teacher = cg.make_teacher(name, STUMPS, seed=0, **options)
    assert teacher.return_range is None and not teacher.needs_return_range
    feed(teacher, 300.0, 20)
    assert teacher.n_updates_ == 20


def test_a_known_return_range_cannot_change():
    teacher = cg.make_teacher("riac", STUMPS, seed=0, return_range=(0, 1))
    teacher.set_return_range([0.0, 1.0])  # the same: nothing happens
    assert teacher.return_range == (0.0, 1.0)
    with pytest.raises(ValueError, match=r"already has return_range=\(0.0, 1.0\)"):
        teacher.set_return_range((-150, 350))
    assert teacher.return_range == (0.0, 1.0)


@pytest.mark.parametrize(
    "bad,error",
    [
        (None, TypeError),
        ("ab", TypeError),
        (5, TypeError),
        ((1, 1), ValueError),
        ((0, float("nan")), ValueError),
        ((0, 1, 2), ValueError),
        (("0", 1), TypeError),
    ],
)
def test_bad_return_ranges_are_refused(bad, error):
    teacher = cg.make_teacher("alp-gmm", STUMPS, seed=0)
    with pytest.raises(error, match="return_range"):
        teacher.set_return_range(bad)
    assert teacher.return_range is None
    if bad is not None:
        with pytest.raises(error, match="return_range"):
            cg.make_teacher("alp-gmm", STUMPS, seed=0, return_range=bad)


def test_walker_return_range_is_no_default():
    with pytest.deprecated_call(match="use the env's return_range"):
        assert cg.teachers.WALKER_RETURN_RANGE == (-150.0, 350.0)  # still importable, deprecated
    assert cg.make_teacher("alp-gmm", STUMPS).return_range is None
    assert ALPGMM(STUMPS).return_range is None


def test_handles_forward_set_return_range_to_the_served_teacher():
    teacher = cg.make_teacher("alp-gmm", STUMPS, seed=0)
    with cg.serve(teacher) as handle:
        remote = pickle.loads(pickle.dumps(handle))  # as in a worker process: requests over the connection
        assert remote.return_range is None and handle.return_range is None
        remote.set_return_range((-150, 350))
        assert teacher.return_range == (-150.0, 350.0) and remote.return_range == (-150.0, 350.0)
        handle.set_return_range((-150, 350))  # the same range again: fine
        with pytest.raises(ValueError, match="already has return_range"):
            remote.set_return_range((0, 1))
        with pytest.raises(ValueError, match="return_range must have low < high"):
            remote.set_return_range((1, 0))  # checked before it travels
        remote.update(remote.sample(), 100.0)
        assert teacher.n_updates_ == 1


# ------------------------------------------------------- contracts, rebuilds
def test_teachers_and_handles_are_teacher_like():
    teacher = cg.make_teacher("random", STUMPS, seed=0)
    with cg.serve(teacher) as handle:
        assert isinstance(teacher, TeacherLike) and isinstance(handle, TeacherLike)
    assert not isinstance(object(), TeacherLike) and not isinstance("alp-gmm", TeacherLike)


@pytest.mark.parametrize("name", sorted(cg.TEACHERS))
def test_from_state_dict_rebuilds_every_teacher(name):
    options = {
        "adr": {"initial_task": [0.0, 6.0], "step_size": 0.1, "expand_threshold": 230, "shrink_threshold": 0},
        "alp-gmm": {"fit_rate": 20},
        "covar-gmm": {"fit_rate": 20},
    }.get(name, {})
    teacher = cg.make_teacher(name, STUMPS, seed=3, return_range=(-150, 350), **options)
    rng = np.random.default_rng(0)
    feed_returns = rng.uniform(-150, 350, 60)
    for r in feed_returns:
        teacher.update(teacher.sample(), float(r))
    copy = Teacher.from_state_dict(teacher.state_dict())
    assert type(copy) is type(teacher) and copy.get_options() == teacher.get_options()
    assert copy.return_range == teacher.return_range and copy.n_updates_ == 60
    for r in feed_returns[:20]:  # both continue identically
        task = teacher.sample()
        np.testing.assert_array_equal(copy.sample(), task)
        teacher.update(task, float(r))
        copy.update(task, float(r))


def test_from_state_dict_refuses_bad_states():
    state = cg.make_teacher("oracle", STUMPS, seed=0).state_dict()
    assert isinstance(Oracle.from_state_dict(state), Oracle)
    with pytest.raises(ValueError, match="not a ALPGMM"):
        ALPGMM.from_state_dict(state)
    with pytest.raises(ValueError, match="unknown teacher 'nope'"):
        Teacher.from_state_dict({**state, "teacher": "nope"})
    with pytest.raises(ValueError, match="threshold"):  # a wrong type in a state is a bad value
        Teacher.from_state_dict({**state, "options": {**state["options"], "threshold": "high"}})
    with pytest.raises(ValueError, match="unknown option"):
        Teacher.from_state_dict({**state, "options": {**state["options"], "fit_rate": 3}})
    with pytest.raises(ValueError, match="lacks"):
        Teacher.from_state_dict({k: v for k, v in state.items() if k != "rng"})
