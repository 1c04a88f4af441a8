"""SuperSuit's parameter-sharing chain over multiwalker_tracks_v0, side by side with PettingZoo's multiwalker_v9.

black_death_v3 -> pettingzoo_env_to_vec_env_v1 -> concat_vec_envs_v1(vec, 2, num_cpus=2), with a Gymnasium
or a Stable-Baselines3 vector env at the end: 2 worker processes, each with one copy (pickled) of the env.
"""

import numpy as np
import pytest

ss = pytest.importorskip("supersuit")
pytest.importorskip("pettingzoo")
from pettingzoo.sisl import multiwalker_v9  # noqa: E402

from curriculum_gym.multiagent import multiwalker_tracks_v0  # noqa: E402

ENVS = {"multiwalker_tracks_v0": multiwalker_tracks_v0.parallel_env, "multiwalker_v9": multiwalker_v9.parallel_env}
N_WALKERS, STEPS = 3, 300


def run_chain(make_env, base_class: str, **env_kwargs) -> dict:
    """Random actions through the whole chain; returns what ended and what the infos held."""
    vec = ss.pettingzoo_env_to_vec_env_v1(ss.black_death_v3(make_env(n_walkers=N_WALKERS, **env_kwargs)))
    venv = ss.concat_vec_envs_v1(vec, 2, num_cpus=2, base_class=base_class)
    rng = np.random.default_rng(0)
    ends, task_infos = 0, 0
    try:
        if base_class == "gymnasium":
            obs, _ = venv.reset(seed=0)
        else:
            obs = venv.reset()  # SuperSuit's SB3 wrapper cannot seed (its process vec env has no seed())
        assert obs.shape == (2 * N_WALKERS, 31)
        for _ in range(STEPS):
            actions = rng.uniform(-1, 1, (venv.num_envs, *venv.action_space.shape)).astype(np.float32)
            if base_class == "gymnasium":
                obs, rewards, terminations, truncations, infos = venv.step(actions)
                done = terminations | truncations
            else:
                obs, rewards, done, infos = venv.step(actions)
            assert obs.shape == (2 * N_WALKERS, 31) and np.all(np.isfinite(obs)) and np.all(np.isfinite(rewards))
            assert len(infos) == 2 * N_WALKERS
            ends += int(done.sum())
            task_infos += sum("task" in info for info in infos)
    finally:
        venv.close()
    return {"ends": ends, "task_infos": task_infos}


@pytest.mark.parametrize("base_class", ["gymnasium", "stable_baselines3"])
@pytest.mark.parametrize("env_kwargs", [{}, {"max_cycles": 40, "terminate_on_fall": False}], ids=["falls", "short"])
def test_chain_runs_as_over_multiwalker_v9(base_class, env_kwargs):
    if base_class == "stable_baselines3":
        pytest.importorskip("stable_baselines3")
    results = {name: run_chain(make, base_class, **env_kwargs) for name, make in ENVS.items()}
    for name, result in results.items():
        assert result["ends"] >= 4 * N_WALKERS, (name, result)  # episodes ended in both workers and were reset
    assert results["multiwalker_tracks_v0"]["task_infos"] > 0  # our infos (the task) go through the chain
