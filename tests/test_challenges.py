"""TeachMyAgent's challenges: the declaration table, the rugged mapping, gym.make(challenge=...), the toy forms."""

import copy
import dataclasses
import pickle
import subprocess
import sys
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

import curriculum_gym as cg
from curriculum_gym.challenges import CHALLENGES, Challenge, RuggedMapping, challenge_env_kwargs, get_challenge
from curriculum_gym.envs.terrain import StumpTracks, TrackLayout
from curriculum_gym.envs.terrain.stumps import MIN_HEIGHT
from curriculum_gym.toy import TOY_CHALLENGES, SimulatedStudent, run_teacher

ROOT = Path(__file__).resolve().parents[1]
#: challenge -> (a task it accepts, a task it refuses) on Stump Tracks
TASKS = {
    "default": ([3.0, 6.0], [-0.5, 1.0]),
    "mostly-unfeasible": ([8.5, 1.0], [9.5, 1.0]),
    "mostly-trivial": ([-2.5, 1.0], [3.5, 1.0]),
    "rugged-difficulty": ([2.0, 2.0], [3.5, 1.0]),
    "forgetting-student": ([1.0, 3.0], [4.0, 1.0]),
    "robustness-short": ([1.0, 3.0], [4.0, 1.0]),
    "robustness-quadru": ([1.0, 3.0], [4.0, 1.0]),
    "robustness-spider": ([1.0, 3.0], [4.0, 1.0]),
    "robustness-small-bipedal": ([1.0, 3.0], [4.0, 1.0]),
}
BOUNDS = {"mostly-unfeasible": [(0, 9), (0, 6)], "mostly-trivial": [(-3, 3), (0, 6)]}


def rollout(env, seed, task, n_steps=150, action_seed=0):
    rng = np.random.default_rng(action_seed)
    obs, _ = env.reset(seed=seed, options={"task": task})
    trace = [obs.tobytes()]
    for _ in range(n_steps):
        obs, r, terminated, truncated, _ = env.step(rng.uniform(-1, 1, env.action_space.shape).astype(np.float32))
        trace.append(obs.tobytes() + np.float64(r).tobytes())
        if terminated or truncated:
            trace.append(env.reset(options={"task": task})[0].tobytes())
    return trace


# ------------------------------------------------------------------ the table
def test_every_challenge_is_a_frozen_declaration_in_a_read_only_table():
    assert set(TASKS) == set(CHALLENGES)
    for name, challenge in CHALLENGES.items():
        assert isinstance(challenge, Challenge) and challenge.name == name and challenge.summary
        assert get_challenge(name) is challenge and get_challenge(challenge) is challenge
        with pytest.raises(dataclasses.FrozenInstanceError):
            challenge.name = "other"
    with pytest.raises(TypeError):
        CHALLENGES["new"] = CHALLENGES["default"]
    assert cg.CHALLENGES is CHALLENGES and cg.get_challenge is get_challenge and cg.RuggedMapping is RuggedMapping


def test_challenges_say_what_they_change():
    assert get_challenge("default") == Challenge("default", get_challenge("default").summary)
    assert get_challenge("mostly-unfeasible").bounds_dict == {"stump_height": (0.0, 9.0)}
    assert get_challenge("mostly-trivial").bounds_dict == {"stump_height": (-3.0, 3.0)}
    rugged = get_challenge("rugged-difficulty")
    assert rugged.rugged_seed is not None and rugged.rugged_intervals == 4
    forgetting = get_challenge("forgetting-student")
    assert forgetting.student_reset_steps(20_000_000) == 7_000_000
    assert forgetting.student_reset_steps(20_000) == 7_000
    assert get_challenge("default").student_reset_steps(1000) is None
    assert get_challenge("robustness-short").body == "short" and not get_challenge("robustness-short").has_toy_form
    with pytest.raises(ValueError, match="total_steps"):
        forgetting.student_reset_steps(0)
    with pytest.raises(TypeError, match="total_steps"):
        forgetting.student_reset_steps(2.5)


@pytest.mark.parametrize("bad", ["hard", "Mostly-Trivial", ""])
def test_unknown_challenge_names_list_the_allowed_ones(bad):
    for call in (
        lambda: get_challenge(bad),
        lambda: gym.make("StumpTracks-v0", challenge=bad),
        lambda: SimulatedStudent(challenge=bad),
    ):
        with pytest.raises(ValueError, match="allowed challenges") as info:
            call()
        for name in CHALLENGES:
            assert name in str(info.value)


def test_a_challenge_of_the_wrong_type_is_a_type_error():
    with pytest.raises(TypeError, match="challenge"):
        get_challenge(3)
    with pytest.raises(TypeError, match="challenge"):
        gym.make("StumpTracks-v0", challenge=["default"])


# ---------------------------------------------------------------- gym.make
@pytest.mark.parametrize("name", list(CHALLENGES))
def test_each_challenge_is_selectable_from_gym_make_and_validates_its_tasks(name):
    env = gym.make("StumpTracks-v0", challenge=name)
    space = env.unwrapped.task_space
    expected = BOUNDS.get(name, [(0, 3), (0, 6)])
    np.testing.assert_array_equal(np.c_[space.low, space.high], expected)
    good, bad = TASKS[name]
    _, info = env.reset(seed=0, options={"task": good})
    np.testing.assert_array_equal(info["task"], good)
    env.step(env.action_space.sample())
    with pytest.raises(ValueError, match="outside its bounds"):
        env.reset(options={"task": bad})
    body = get_challenge(name).body
    assert env.unwrapped.body == cg.BODIES[body or "default"]
    assert ("terrain_task" in info) == (get_challenge(name).rugged_seed is not None)
    env.close()


@pytest.mark.parametrize("name", list(CHALLENGES))
def test_each_challenge_works_with_a_teacher_that_gets_its_bounds(name):
    env = gym.make("StumpTracks-v0", challenge=name, teacher="random", teacher_options={"seed": 0})
    teacher = env.get_wrapper_attr("teacher")
    assert teacher.task_space == env.unwrapped.task_space
    tasks = np.array([env.reset(seed=s if s == 0 else None)[1]["task"] for s in range(60)])
    assert env.unwrapped.task_space.contains(tasks.max(axis=0)) and env.unwrapped.task_space.contains(tasks.min(axis=0))
    if name == "mostly-unfeasible":
        assert tasks[:, 0].max() > 3.0
    if name == "mostly-trivial":
        assert tasks[:, 0].min() < 0.0
    env.close()


def test_challenge_with_a_learning_teacher_and_a_vector_env():
    env = gym.make(
        "StumpTracks-v0",
        challenge="rugged-difficulty",
        teacher="alp-gmm",
        teacher_options={"seed": 0},
        max_episode_steps=5,
    )
    env.reset(seed=0)
    for _ in range(12):
        _, _, terminated, truncated, info = env.step(env.action_space.sample())
        assert "terrain_task" in info
        if terminated or truncated:
            env.reset()
    assert env.get_wrapper_attr("teacher").metrics()["episodes"] >= 2
    envs = gym.make_vec("StumpTracks-v0", 2, vectorization_mode="sync", challenge="mostly-trivial", teacher="random")
    _, infos = envs.reset(seed=0)
    assert infos["task"].shape == (2, 2)
    assert (
        envs.get_attr("task_space")[0]
        == envs.get_attr("task_space")[1]
        == get_challenge("mostly-trivial").task_space(StumpTracks().default_task_space())
    )
    envs.close()


def test_challenge_conflicts_are_refused():
    with pytest.raises(ValueError, match="task_bounds"):
        gym.make("StumpTracks-v0", challenge="mostly-unfeasible", task_bounds={"stump_height": (0, 5)})
    with pytest.raises(ValueError, match="body"):
        gym.make("StumpTracks-v0", challenge="robustness-short", body="quadru")
    assert gym.make("StumpTracks-v0", challenge="robustness-short", body="short").unwrapped.body == cg.BODIES["short"]
    with pytest.raises(ValueError, match="task_transform"):
        gym.make("StumpTracks-v0", challenge="rugged-difficulty", task_transform=lambda t: t)
    with pytest.raises(ValueError, match=r"applies to track\(s\) \['stumps'\]"):
        gym.make("HexagonTracks-v0", challenge="mostly-trivial")


def test_rugged_challenge_maps_over_the_given_bounds_and_on_hexagon_tracks():
    kwargs = challenge_env_kwargs("rugged-difficulty", "stumps", {"task_bounds": {"stump_height": (0, 5)}})
    assert kwargs["task_transform"] == RuggedMapping([0, 0], [5, 6], 4, get_challenge("rugged-difficulty").rugged_seed)
    env = gym.make("HexagonTracks-v0", challenge="rugged-difficulty")
    _, info = env.reset(seed=0, options={"task": [1.0] * 12})
    np.testing.assert_array_equal(info["terrain_task"], env.unwrapped.task_transform([1.0] * 12))
    assert env.unwrapped.task_transform.dim == 12


def test_rugged_env_builds_the_terrain_of_the_mapped_task_and_reports_both():
    rugged = gym.make("StumpTracks-v0", challenge="rugged-difficulty")
    plain = gym.make("StumpTracks-v0")
    task = [2.0, 2.0]
    mapping = rugged.unwrapped.task_transform
    _, info = rugged.reset(seed=4, options={"task": task})
    np.testing.assert_array_equal(info["task"], task)
    np.testing.assert_array_equal(info["terrain_task"], mapping(task))
    np.testing.assert_array_equal(rugged.unwrapped.terrain_task, mapping(task))
    assert not np.allclose(info["terrain_task"], task)
    _, plain_info = plain.reset(seed=4, options={"task": info["terrain_task"]})
    assert "terrain_task" not in plain_info and plain.unwrapped.terrain_task is plain.unwrapped.task
    assert all(np.array_equal(a, b) for a, b in zip(rugged.unwrapped.obstacles, plain.unwrapped.obstacles))
    assert len(rugged.unwrapped.obstacles) == len(plain.unwrapped.obstacles)
    assert rollout(rugged, 4, task) == rollout(plain, 4, list(mapping(task)))


@pytest.mark.parametrize("name", ["default", "forgetting-student"])
def test_challenges_without_env_changes_give_the_plain_trajectories(name):
    assert rollout(gym.make("StumpTracks-v0", challenge=name), 2, [1.0, 2.0]) == rollout(
        gym.make("StumpTracks-v0"), 2, [1.0, 2.0]
    )


def test_task_transform_argument_is_checked():
    with pytest.raises(TypeError, match="task_transform"):
        cg.WalkerTracksEnv(task_transform=3)
    env = cg.WalkerTracksEnv(task_transform=lambda t: t + 10)
    with pytest.raises(ValueError, match="task_transform mapped"):
        env.reset(seed=0, options={"task": [1.0, 1.0]})
    assert env.task is None  # refused before the episode changed


# ---------------------------------------------------------- mostly trivial
@pytest.mark.parametrize("mean_height", [-3.0, -1.0, -0.4])
def test_negative_stump_heights_give_minimum_stumps(mean_height):
    layout = TrackLayout(terrain_step=14 / 30, start_x=20 * 14 / 30, end_x=200 * 14 / 30, ground_y=10 / 3)
    polys = StumpTracks().obstacles(np.array([mean_height, 1.0]), np.random.default_rng(0), layout)
    heights = np.array([p[:, 1].max() - p[:, 1].min() for p in polys])
    assert len(polys) > 50
    np.testing.assert_allclose(heights, MIN_HEIGHT * layout.terrain_step)
    env = gym.make("StumpTracks-v0", challenge="mostly-trivial").unwrapped
    env.reset(seed=1, options={"task": [mean_height, 2.0]})
    step = env.physics.terrain_step
    heights = np.array([p[:, 1].max() - p[:, 1].min() for p in env.obstacles])
    np.testing.assert_allclose(heights, MIN_HEIGHT * step, rtol=1e-5)  # Box2D keeps float32 vertices
    plain = gym.make("StumpTracks-v0").unwrapped
    plain.reset(seed=1, options={"task": [1.0, 2.0]})
    assert max(p[:, 1].max() - p[:, 1].min() for p in plain.obstacles) > 5 * MIN_HEIGHT * step


def test_task_space_accepts_negative_lower_bounds():
    space = cg.TaskSpace(["stump_height", "obstacle_spacing"], [-3, 0], [3, 6])
    assert space.contains([-2.0, 1.0]) and not space.contains([-3.5, 1.0])
    np.testing.assert_allclose(space.normalize([-3.0, 0.0]), [0.0, 0.0])
    teacher = cg.make_teacher("alp-gmm", space, seed=0)
    assert space.contains(teacher.sample())


# ---------------------------------------------------------- rugged mapping
def test_rugged_mapping_is_a_bijection_with_a_fixed_seed():
    m = RuggedMapping([0.0, 0.0], [3.0, 6.0], n_intervals=4, seed=21)
    rng = np.random.default_rng(0)
    tasks = np.vstack(
        [
            rng.uniform([0, 0], [3, 6], size=(2000, 2)),
            [[0, 0], [3, 6], [0.75, 1.5], [1.5, 3.0], [2.25, 4.5], [3.0, 0.0]],
        ]
    )
    mapped = m(tasks)
    assert ((mapped >= 0) & (mapped <= [3, 6])).all()
    np.testing.assert_allclose(m.inverse(mapped), tasks, atol=1e-12)
    np.testing.assert_allclose(m(m.inverse(tasks)), tasks, atol=1e-12)
    np.testing.assert_array_equal(np.array([m.forward(t) for t in tasks]), mapped)  # one task at a time, the same
    # each interval goes to the interval its permutation says, with the same offset
    for d, width in enumerate([0.75, 1.5]):
        for i in range(4):
            x = np.array([0.0, 0.0])
            x[d] = (i + 0.3) * width
            assert m(x)[d] == pytest.approx((m.permutations[d, i] + 0.3) * width)
    # permutations: the same seed gives the same ones, they are permutations and never the identity
    assert m == RuggedMapping([0, 0], [3, 6], 4, seed=21)
    np.testing.assert_array_equal(m.permutations, RuggedMapping([0, 0], [1, 1], 4, seed=21).permutations)
    for perm in m.permutations:
        assert sorted(perm.tolist()) == [0, 1, 2, 3]
        assert perm.tolist() not in ([0, 1, 2, 3], [3, 2, 1, 0])
    assert not np.allclose(mapped, tasks)
    assert any(
        not np.array_equal(m.permutations, RuggedMapping([0, 0], [3, 6], 4, seed=s).permutations) for s in range(3)
    )
    # upper bound fixed, degenerate dimension untouched
    np.testing.assert_array_equal(m([3.0, 6.0]), [3.0, 6.0])
    np.testing.assert_array_equal(RuggedMapping([1.0, 0.0], [1.0, 1.0], seed=0)([1.0, 0.6])[0], 1.0)


def test_rugged_mapping_never_draws_a_monotonic_permutation():
    for seed in range(50):
        perms = RuggedMapping(np.zeros(3), np.ones(3), 4, seed=seed).permutations.tolist()
        assert all(p not in ([0, 1, 2, 3], [3, 2, 1, 0]) for p in perms)
        assert RuggedMapping([0], [1], 2, seed=seed).permutations.tolist() == [[1, 0]]
    assert RuggedMapping([0], [1], 1, seed=0)([0.4]).tolist() == [0.4]


def test_rugged_mapping_refuses_bad_arguments_and_tasks():
    m = RuggedMapping([0, 0], [3, 6], seed=21)
    for bad in ([3.5, 1.0], [np.nan, 1.0], [1.0, -0.1]):
        with pytest.raises(ValueError, match="inside"):
            m(bad)
        with pytest.raises(ValueError, match="inside"):
            m.inverse([bad, [1.0, 1.0]])
    with pytest.raises(ValueError, match="shape"):
        m([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="inverted"):
        RuggedMapping([1], [0])
    with pytest.raises(ValueError, match="same length"):
        RuggedMapping([0, 0], [1])
    with pytest.raises(ValueError, match="finite"):
        RuggedMapping([0], [np.inf])
    with pytest.raises(ValueError, match="n_intervals"):
        RuggedMapping([0], [1], n_intervals=0)
    with pytest.raises(TypeError, match="n_intervals"):
        RuggedMapping([0], [1], n_intervals=2.0)
    with pytest.raises(TypeError, match="seed"):
        RuggedMapping([0], [1], seed=None)
    with pytest.raises(ValueError, match="seed"):
        RuggedMapping([0], [1], seed=-1)


# ------------------------------------------------------------------ pickling
@pytest.mark.parametrize("name", ["rugged-difficulty", "mostly-trivial", "robustness-short"])
def test_env_with_a_challenge_pickles_and_copies(name):
    env = gym.make("StumpTracks-v0", challenge=name)
    task = TASKS[name][0]
    env.reset(seed=0)
    env.step(env.action_space.sample())
    for copied in (pickle.loads(pickle.dumps(env)), copy.deepcopy(env)):
        assert copied.unwrapped.task_space == env.unwrapped.task_space
        assert copied.unwrapped.task_transform == env.unwrapped.task_transform
        assert copied.spec.kwargs["challenge"] == name
        assert rollout(copied, 3, task, 60) == rollout(env, 3, task, 60)
    mapping = RuggedMapping([0, 0], [3, 6], seed=5)
    assert pickle.loads(pickle.dumps(mapping)) == mapping
    wrapped = gym.make("StumpTracks-v0", challenge=name, teacher="random", teacher_options={"seed": 0})
    assert pickle.loads(pickle.dumps(wrapped)).unwrapped.task_space == wrapped.unwrapped.task_space


# --------------------------------------------------------------------- toy
def test_toy_challenges_are_the_ones_without_a_body():
    assert TOY_CHALLENGES == (
        "default",
        "mostly-unfeasible",
        "mostly-trivial",
        "rugged-difficulty",
        "forgetting-student",
    )
    with pytest.raises(ValueError, match="no toy form"):
        SimulatedStudent(challenge="robustness-short")


@pytest.mark.parametrize("name", TOY_CHALLENGES)
def test_toy_challenges_run(name):
    student = SimulatedStudent(2, 10, 1, challenge=name, budget=600)
    teacher = cg.make_teacher("alp-gmm", student.task_space, seed=0, return_range=(0, 1), fit_rate=100)
    scores = run_teacher(teacher, student, 600, checkpoints=(300,))
    assert set(scores) == {300, 600} and all(0 <= s <= 100 for s in scores.values())
    assert student.episodes_ == 600 and student.competence_.shape == (10, 10)
    assert student.resets_ == (2 if name == "forgetting-student" else 0)


def test_toy_mostly_unfeasible_and_mostly_trivial():
    unfeasible = SimulatedStudent(challenge="mostly-unfeasible")
    np.testing.assert_array_equal(np.c_[unfeasible.task_space.low, unfeasible.task_space.high], [(0, 3), (0, 1)])
    assert unfeasible.cell([2.0, 0.05]) is None and unfeasible.episode(np.array([2.0, 0.05])) == 0.0
    assert unfeasible.competence_.sum() == 0 and unfeasible.cell([0.55, 0.05]) == (5, 0)
    trivial = SimulatedStudent(challenge="mostly-trivial")
    np.testing.assert_array_equal(np.c_[trivial.task_space.low, trivial.task_space.high], [(-1, 1), (0, 1)])
    assert trivial.cell([-0.7, 0.35]) == trivial.cell([0.0, 0.35]) == (0, 3)
    assert trivial.episode(np.array([-0.9, 0.05])) == 0.01  # the origin cell
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        trivial.cell([-1.5, 0.5])


def test_toy_rugged_uses_the_envs_permutations():
    student = SimulatedStudent(challenge="rugged-difficulty")
    plain = SimulatedStudent()
    env_mapping = gym.make("StumpTracks-v0", challenge="rugged-difficulty").unwrapped.task_transform
    np.testing.assert_array_equal(student.rugged_.permutations, env_mapping.permutations)
    rng = np.random.default_rng(0)
    for task in rng.uniform(0, 1, size=(200, 2)):
        assert student.cell(task) == plain.cell(student.rugged_(task))
    assert any(student.cell(t) != plain.cell(t) for t in rng.uniform(0, 1, size=(50, 2)))


def test_toy_forgetting_resets_the_student_not_the_teacher():
    student = SimulatedStudent(challenge="forgetting-student", budget=100)
    assert student.reset_every == 35
    teacher = cg.make_teacher("random", student.task_space, seed=0, return_range=(0, 1))
    for episode in range(1, 36):
        assert student.episode(np.array([0.05, 0.05])) == pytest.approx(episode / 100)  # the return before a reset
        teacher.update(teacher.sample(), 0.5)
    assert student.competence_.sum() == 0 and student.resets_ == 1
    assert student.episode(np.array([0.05, 0.05])) == 0.01  # learning again from scratch
    assert teacher.metrics()["episodes"] == 35
    assert SimulatedStudent(challenge="forgetting-student").reset_every == 7000


@pytest.mark.slow
def test_teacher_quality_benchmark_runs_every_challenge():
    out = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "teacher_quality.py"),
            "--all-challenges",
            "--seeds",
            "2",
            "--episodes",
            "300",
            "--workers",
            "1",
            "--teachers",
            "random",
            "adr",
            "oracle",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout
    for name in TOY_CHALLENGES:
        assert name in out
    assert "teachers x challenges" in out and "oracle" in out
