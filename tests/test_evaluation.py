import gymnasium as gym
import numpy as np
import pytest

import curriculum_gym as cg
from curriculum_gym.evaluation import TEST_SETS, generate_test_set


@pytest.mark.parametrize("env_id,kind", sorted(TEST_SETS))
def test_shipped_test_sets_regenerate_identically(env_id, kind):
    shipped = cg.load_test_set(env_id, kind)
    np.testing.assert_array_equal(shipped, generate_test_set(env_id, kind))
    space = gym.make(env_id).unwrapped.task_space
    assert shipped.shape[1] == space.dim and all(space.contains(t) for t in shipped)


def test_test_set_shapes_and_errors():
    assert cg.load_test_set("StumpTracks-v0").shape == (50, 2)
    assert cg.load_test_set("StumpTracks-v0", "grid").shape == (100, 2)
    assert cg.load_test_set("curriculum_gym:HexagonTracks-v0").shape == (50, 12)
    grid = cg.load_test_set("StumpTracks-v0", kind="grid")
    assert grid.min(0).tolist() == [0, 0] and grid.max(0).tolist() == [3, 6]
    with pytest.raises(ValueError, match="no test set 'grid' for 'HexagonTracks-v0'"):
        cg.load_test_set("HexagonTracks-v0", "grid")


def test_the_old_test_set_name_warns_and_gives_the_same_tasks():
    with pytest.warns(DeprecationWarning, match="load_test_set"):
        old = cg.test_set("HexagonTracks-v0", body="quadru")
    np.testing.assert_array_equal(old, cg.load_test_set("HexagonTracks-v0"))
    with pytest.warns(DeprecationWarning), pytest.raises(ValueError, match="unknown body"):
        cg.test_set("StumpTracks-v0", body="tall")


def test_a_policy_that_does_nothing_masters_nothing():
    result = cg.evaluate(lambda obs: np.zeros((len(obs), 4)), "StumpTracks-v0", max_episode_steps=300)
    assert result.mastered == 0.0
    assert result.returns.shape == (50, 1) and np.all(result.returns < 230)


def test_evaluate_matches_manual_episodes_and_threshold():
    tasks = np.array([[0.2, 5.0], [2.5, 0.5], [1.0, 3.0]])
    policy = lambda obs: np.tile([0.5, -0.2, -0.5, 0.3], (len(obs), 1))  # noqa: E731
    result = cg.evaluate(
        policy, "StumpTracks-v0", test_set=tasks, episodes_per_task=2, num_envs=4, max_episode_steps=200, seed=5
    )
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
    lenient = cg.evaluate(
        policy, "StumpTracks-v0", test_set=tasks, episodes_per_task=2, max_episode_steps=200, seed=5, threshold=cut
    )
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
    with pytest.raises(TypeError, match="threshold must be a real number"):
        cg.evaluate(lambda o: np.zeros((len(o), 4)), "StumpTracks-v0", test_set=[[1.0, 1.0]], threshold="230")
    with pytest.raises(TypeError, match="env_kwargs must be a dict"):
        cg.evaluate(lambda o: np.zeros((len(o), 4)), "StumpTracks-v0", env_kwargs=[("body", "short")])
    with pytest.raises(ValueError, match="body='short' and env_kwargs\\['body'\\]='quadru' disagree"):
        cg.evaluate(lambda o: np.zeros((len(o), 4)), "StumpTracks-v0", body="short", env_kwargs={"body": "quadru"})
    with pytest.raises(ValueError, match="must not fix the task"):
        cg.evaluate(lambda o: np.zeros((len(o), 4)), "StumpTracks-v0", env_kwargs={"task": [1.0, 1.0]})


def test_later_arguments_by_position_still_work_with_a_warning():
    policy = lambda obs: np.tile([0.5, -0.2, -0.5, 0.3], (len(obs), 1))  # noqa: E731
    tasks = [[0.5, 3.0], [2.0, 1.0]]
    by_keyword = cg.evaluate(
        policy, "StumpTracks-v0", test_set=tasks, episodes_per_task=1, num_envs=2, max_episode_steps=30, seed=4
    )
    with pytest.warns(DeprecationWarning, match="test_set, episodes_per_task, num_envs to evaluate.. by position"):
        by_position = cg.evaluate(policy, "StumpTracks-v0", tasks, 1, 2, max_episode_steps=30, seed=4)
    np.testing.assert_array_equal(by_position.returns, by_keyword.returns)
    with pytest.raises(TypeError, match="multiple values for argument 'test_set'"):
        cg.evaluate(policy, "StumpTracks-v0", tasks, test_set=tasks)
    with pytest.raises(TypeError, match="takes 2 positional arguments"):
        cg.evaluate(policy, "StumpTracks-v0", *range(9))


def test_the_threshold_comes_from_the_env():
    from curriculum_gym.envs.walker import WalkerTracksEnv

    def lenient_stumps(**kwargs):
        env = WalkerTracksEnv(track="stumps", **kwargs)
        env.mastery_threshold = -1e9  # every episode is mastered
        return env

    gym.register(id="LenientStumpTracks-v0", entry_point=lenient_stumps, max_episode_steps=2000)
    try:
        result = cg.evaluate(
            lambda o: np.zeros((len(o), 4)), "LenientStumpTracks-v0", test_set=[[1.0, 1.0]], max_episode_steps=5
        )
    finally:
        del gym.registry["LenientStumpTracks-v0"]
    assert result.threshold == -1e9 and result.mastered == 1.0
    assert gym.spec("StumpTracks-v0").reward_threshold == 230.0
    assert gym.spec("HexagonTracks-v0").reward_threshold == 230.0


def test_env_kwargs_and_task_in_obs_reach_the_evaluation_envs():
    seen = []

    def contextual(obs):  # a policy trained with task_in_obs=True: 24 numbers, then the normalised task
        seen.append(np.array(obs))
        return np.zeros((len(obs), 8))

    tasks = np.array([[0.0] * 12, [2.0] * 12])
    result = cg.evaluate(
        contextual,
        "HexagonTracks-v0",
        test_set=tasks,
        env_kwargs={"body": "quadru"},
        task_in_obs=True,
        max_episode_steps=3,
        num_envs=2,
    )
    assert result.lengths.tolist() == [[3], [3]]
    assert seen[0].shape == (2, 34 + 12)
    np.testing.assert_array_equal(seen[0][:, 34:], tasks / 4.0)
    # asked for both ways (env_kwargs as used for training): the task is appended once
    seen.clear()
    cg.evaluate(
        contextual,
        "HexagonTracks-v0",
        test_set=tasks[:1],
        body="quadru",
        env_kwargs={"task_in_obs": True},
        task_in_obs=True,
        max_episode_steps=1,
    )
    assert seen[0].shape == (1, 34 + 12)


# ------------------------------------------------------------ policy kinds
QUICK = {"test_set": [[0.5, 3.0], [2.0, 1.0], [1.0, 5.0]], "max_episode_steps": 30, "num_envs": 2, "seed": 3}
ACTION = np.array([0.5, -0.2, -0.5, 0.3])


def test_single_observation_policies_are_detected_and_match_batch_ones():
    reference = cg.evaluate(lambda obs: np.tile(ACTION, (len(obs), 1)), "StumpTracks-v0", **QUICK)
    single = cg.evaluate(lambda o: ACTION.copy(), "StumpTracks-v0", **QUICK)  # (24,) -> (4,)
    np.testing.assert_array_equal(single.returns, reference.returns)
    weights = np.zeros((4, 24))
    weights[:, 0] = 1.0  # a linear policy on one observation: weights @ (k, 24) fails, on (24,) it works
    calls = []
    linear = cg.evaluate(lambda o: calls.append(np.shape(o)) or np.tanh(weights @ o), "StumpTracks-v0", **QUICK)
    assert calls[0] == (2, 24) and set(calls[1:]) == {(24,)}  # probed once with the batch, then one at a time
    explicit = cg.evaluate(lambda o: np.tanh(weights @ o), "StumpTracks-v0", batched=False, **QUICK)
    np.testing.assert_array_equal(linear.returns, explicit.returns)
    # a policy working both ways is used on batches; outputs may be lists, tuples of (actions, None), tensors
    torch = pytest.importorskip("torch")
    for policy in (
        lambda o: np.tile(ACTION, (len(o), 1)).tolist(),
        lambda o: (np.tile(ACTION, (len(o), 1)), None),
        lambda o: torch.tensor(np.tile(ACTION, (len(o), 1)), requires_grad=True) * 1.0,
    ):
        np.testing.assert_array_equal(cg.evaluate(policy, "StumpTracks-v0", **QUICK).returns, reference.returns)


def test_batched_true_never_probes_one_observation():
    shapes = []
    cg.evaluate(lambda o: shapes.append(o.shape) or np.zeros((len(o), 4)), "StumpTracks-v0", batched=True, **QUICK)
    assert all(len(s) == 2 for s in shapes)


def test_stable_baselines3_model_and_its_predict_method():
    sb3 = pytest.importorskip("stable_baselines3")
    env = gym.make("StumpTracks-v0", max_episode_steps=50)
    model = sb3.PPO("MlpPolicy", env, n_steps=128, batch_size=64, n_epochs=1, seed=0, device="cpu")
    model.learn(256)
    by_model = cg.evaluate(model, "StumpTracks-v0", **QUICK)
    by_predict = cg.evaluate(model.predict, "StumpTracks-v0", **QUICK)
    by_policy = cg.evaluate(model.policy, "StumpTracks-v0", **QUICK)  # an nn.Module whose __call__ is not predict
    np.testing.assert_array_equal(by_model.returns, by_predict.returns)
    np.testing.assert_array_equal(by_model.returns, by_policy.returns)
    # deterministic actions: the same as a manual loop with predict(obs, deterministic=True)
    task, k = QUICK["test_set"][1], 1
    env = gym.make("StumpTracks-v0", max_episode_steps=30)
    obs, _ = env.reset(seed=QUICK["seed"] + k, options={"task": task})
    total, done = 0.0, False
    while not done:
        action, _ = model.predict(obs, deterministic=True)
        obs, r, term, trunc, _ = env.step(action)
        total, done = total + r, term or trunc
    assert by_model.returns[1, 0] == pytest.approx(total, abs=1e-3)  # batch vs one: float32 rounding only


class _Predictor:
    def __init__(self, out):
        self.out = out

    def predict(self, obs, deterministic=False):
        assert deterministic is True
        return self.out(obs)


@pytest.mark.parametrize(
    "policy,error,match",
    [
        (
            lambda o: np.zeros((len(o), 3)),
            ValueError,
            r"batch of observations \(2, 24\) it returned shape \(2, 3\).*"
            r"expected a callable \(2, 24\) -> \(2, 4\) or \(24,\) -> \(4,\)",
        ),
        (lambda o: np.zeros(3), ValueError, r"on one observation \(24,\) it returned shape \(3,\)"),
        (lambda o: "left", TypeError, r"returned str 'left', not an array of numbers"),
        (lambda o: 0.5, ValueError, r"returned shape \(\)"),
        (lambda o: [np.zeros(4), np.zeros(3)], TypeError, r"returned list .*not an array of numbers"),
        (lambda o: {"action": np.zeros(4)}, TypeError, r"dict"),
        (
            lambda o: 1 / 0,
            TypeError,
            r"raised ZeroDivisionError: division by zero; on one observation \(24,\) it raised",
        ),
        (lambda o: np.full(4, np.nan), ValueError, r"non-finite actions"),
        (3, TypeError, r"policy must be a callable .* or an object with predict\(obs, deterministic=True\).*; got int"),
        ("policy.zip", TypeError, r"got str"),
        (_Predictor(lambda o: (np.zeros((len(o), 4)), (np.zeros(8),))), ValueError, r"recurrent"),
        (_Predictor(lambda o: (np.zeros((len(o), 5)), None)), ValueError, r"shape \(2, 5\)"),
    ],
)
def test_wrong_policies_get_clear_errors(policy, error, match):
    with pytest.raises(error, match=match):
        cg.evaluate(policy, "StumpTracks-v0", **QUICK)


def test_wrong_policies_with_an_explicit_batched_flag():
    with pytest.raises(ValueError, match=r"actions of shape \(2, 3\) for observations \(2, 24\); expected \(2, 4\)"):
        cg.evaluate(lambda o: np.zeros((len(o), 3)), "StumpTracks-v0", batched=True, **QUICK)
    with pytest.raises(ValueError, match=r"actions of shape \(3,\) for observations \(24,\); expected \(4,\)"):
        cg.evaluate(lambda o: np.zeros(3), "StumpTracks-v0", batched=False, **QUICK)
    with pytest.raises(TypeError, match=r"array of numbers of shape \(4,\) for observations \(24,\).*got str 'x'"):
        cg.evaluate(lambda o: "x", "StumpTracks-v0", batched=False, **QUICK)
    with pytest.raises(TypeError, match="batched must be True, False or None"):
        cg.evaluate(lambda o: np.zeros(4), "StumpTracks-v0", batched="yes", **QUICK)
    # the quadruped's actions have 8 numbers: the message says so
    with pytest.raises(ValueError, match=r"expected \(2, 8\).*HexagonTracks-v0 with body 'quadru'"):
        cg.evaluate(
            lambda o: np.zeros((len(o), 4)),
            "HexagonTracks-v0",
            body="quadru",
            batched=True,
            test_set=[[1.0] * 12, [2.0] * 12],
            max_episode_steps=5,
            num_envs=2,
        )


def test_evaluate_checks_its_numbers_and_refuses_a_teacher_in_env_kwargs():
    def policy(obs):
        return np.zeros((len(obs), 4))

    tasks = [[0.5, 3.0]]
    result = cg.evaluate(policy, "StumpTracks-v0", test_set=tasks, num_envs=np.int64(1), max_episode_steps=np.int64(3))
    assert result.lengths.tolist() == [[3]]
    with pytest.raises(ValueError, match="threshold must be finite"):
        cg.evaluate(policy, "StumpTracks-v0", test_set=tasks, threshold=float("nan"))
    with pytest.raises(ValueError, match="max_episode_steps must be an integer >= 1"):
        cg.evaluate(policy, "StumpTracks-v0", test_set=tasks, max_episode_steps=-1)
    with pytest.raises(TypeError, match="seed must be an integer"):
        cg.evaluate(policy, "StumpTracks-v0", test_set=tasks, seed="a")
    with pytest.raises(ValueError, match="must not hold a teacher"):
        cg.evaluate(policy, "StumpTracks-v0", test_set=tasks, env_kwargs={"teacher": "alp-gmm"})
    seen = []
    cg.evaluate(
        lambda o: seen.append(o.shape) or np.zeros(4),
        "StumpTracks-v0",
        test_set=tasks,
        batched=False,
        max_episode_steps=2,
        env_kwargs={"task_in_obs": True},
    )
    assert seen[0] == (26,)  # the task once, asked for through env_kwargs
