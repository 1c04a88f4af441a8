import gymnasium as gym
import numpy as np
import pytest

import curriculum_gym as cg
from curriculum_gym.evaluation import TEST_SETS, generate_test_set


@pytest.mark.parametrize("env_id,kind", sorted(TEST_SETS))
def test_shipped_test_sets_regenerate_identically(env_id, kind):
    shipped = cg.test_set(env_id, kind)
    np.testing.assert_array_equal(shipped, generate_test_set(env_id, kind))
    space = gym.make(env_id).unwrapped.task_space
    assert shipped.shape[1] == space.dim and all(space.contains(t) for t in shipped)


def test_test_set_shapes_and_errors():
    assert cg.test_set("StumpTracks-v0").shape == (50, 2)
    assert cg.test_set("StumpTracks-v0", "grid").shape == (100, 2)
    assert cg.test_set("HexagonTracks-v0", body="quadru").shape == (50, 12)
    grid = cg.test_set("StumpTracks-v0", "grid")
    assert grid.min(0).tolist() == [0, 0] and grid.max(0).tolist() == [3, 6]
    with pytest.raises(ValueError, match="no test set 'grid' for 'HexagonTracks-v0'"):
        cg.test_set("HexagonTracks-v0", "grid")
    with pytest.raises(ValueError, match="unknown body"):
        cg.test_set("StumpTracks-v0", body="tall")


def test_a_policy_that_does_nothing_masters_nothing():
    result = cg.evaluate(lambda obs: np.zeros((len(obs), 4)), "StumpTracks-v0", max_episode_steps=300)
    assert result.mastered == 0.0
    assert result.returns.shape == (50, 1) and np.all(result.returns < 230)


def test_evaluate_matches_manual_episodes_and_threshold():
    tasks = np.array([[0.2, 5.0], [2.5, 0.5], [1.0, 3.0]])
    policy = lambda obs: np.tile([0.5, -0.2, -0.5, 0.3], (len(obs), 1))  # noqa: E731
    result = cg.evaluate(policy, "StumpTracks-v0", test_set=tasks, episodes_per_task=2, num_envs=4,
                         max_episode_steps=200, seed=5)
    for i, task in enumerate(tasks):
        for k in range(2):
            env = gym.make("StumpTracks-v0", max_episode_steps=200)
            env.reset(seed=5 + 2 * i + k, options={"task": task})
            total, done = 0.0, False
            while not done:
                _, r, term, trunc, _ = env.step(np.array([0.5, -0.2, -0.5, 0.3], dtype=np.float32))
                total, done = total + r, term or trunc
            assert result.returns[i, k] == pytest.approx(total)
    # a threshold between the returns splits the tasks accordingly
    cut = float(np.median(result.mean_returns))
    lenient = cg.evaluate(policy, "StumpTracks-v0", test_set=tasks, episodes_per_task=2, max_episode_steps=200,
                          seed=5, threshold=cut)
    assert lenient.mastered == pytest.approx(np.mean(result.mean_returns >= cut))
    assert lenient.to_dict()["mastered"] == lenient.mastered


def test_unbatched_policy_and_bad_arguments():
    r = cg.evaluate(lambda o: np.zeros(4), "StumpTracks-v0", test_set=[[1.0, 1.0]], batched=False, max_episode_steps=20)
    assert r.lengths[0, 0] == 20
    with pytest.raises(ValueError, match="outside its bounds"):
        cg.evaluate(lambda o: np.zeros((len(o), 4)), "StumpTracks-v0", test_set=[[5.0, 1.0]])
    with pytest.raises(ValueError, match="episodes_per_task"):
        cg.evaluate(lambda o: np.zeros((len(o), 4)), "StumpTracks-v0", episodes_per_task=0)
    with pytest.raises(ValueError, match="test_set"):
        cg.evaluate(lambda o: np.zeros((len(o), 4)), "StumpTracks-v0", test_set=[])
