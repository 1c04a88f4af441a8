"""Recorded trajectories of the walker bodies (``tests/data/body_trajectories.npz``).

The reference file was written by ``python tests/body_trajectories.py`` with the code as it
stood *before* bodies became declarative data (curriculum-gym 0.2.0 development, commit
eb56c02): ``test_bodies.py`` checks that today's envs still produce those observations and
rewards bit for bit. Re-running this script overwrites the reference: only do that on purpose.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

PATH = Path(__file__).parent / "data" / "body_trajectories.npz"
CASES = [  # (track, body, task, seed)
    ("stumps", "default", [1.0, 2.0], 0),
    ("stumps", "short", [0.5, 1.0], 1),
    ("stumps", "quadru", [1.5, 3.0], 2),
    ("hexagons", "default", [1.0] * 12, 3),
    ("hexagons", "short", [2.0] * 12, 4),
    ("hexagons", "quadru", [0.5] * 12, 5),
]
MULTI_CASES = [("stumps", "default", [0.5, 2.0], 6), ("hexagons", "short", [1.0] * 12, 7)]
STEPS = 250


def actions(rng: np.random.Generator, dim: int, t: int, amplitude: float) -> np.ndarray:
    """A gait-like signal plus noise: the walker moves, touches the ground, and sometimes falls."""
    phase = 0.1 * t + np.arange(dim)
    return np.clip(amplitude * (np.sin(phase) + 0.5 * rng.standard_normal(dim)), -1.2, 1.2).astype(np.float32)


def single_agent(
    track: str, body: str, task: list[float], seed: int, amplitude: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    from curriculum_gym.envs.walker import WalkerTracksEnv

    env = WalkerTracksEnv(track=track, body=body)
    obs, _ = env.reset(seed=seed, options={"task": task})
    rng = np.random.default_rng(seed)
    observations, rewards = [obs], []
    for t in range(STEPS):
        obs, reward, terminated, _, _ = env.step(actions(rng, env.action_space.shape[0], t, amplitude))
        observations.append(obs)
        rewards.append(reward)
        if terminated:
            break
    return np.array(observations), np.array(rewards)


def multi_agent(track: str, body: str, task: list[float], seed: int) -> tuple[np.ndarray, np.ndarray]:
    from curriculum_gym.multiagent import multiwalker_tracks_v0

    env = multiwalker_tracks_v0.parallel_env(n_walkers=2, track=track, body=body)
    obs, _ = env.reset(seed=seed, options={"task": task})
    rng = np.random.default_rng(seed)
    observations, rewards = [np.concatenate([obs[a] for a in env.possible_agents])], []
    for t in range(STEPS):
        acts = {a: actions(rng, env.action_space(a).shape[0], t, 1.0) for a in env.agents}
        obs, reward, terms, truncs, _ = env.step(acts)
        observations.append(np.concatenate([obs[a] for a in env.possible_agents]))
        rewards.append([reward[a] for a in env.possible_agents])
        if any(terms.values()) or any(truncs.values()):
            break
    return np.array(observations), np.array(rewards)


def record() -> dict[str, np.ndarray]:
    arrays = {}
    for track, body, task, seed in CASES:
        arrays[f"{track}-{body}-obs"], arrays[f"{track}-{body}-rew"] = single_agent(track, body, task, seed)
        arrays[f"{track}-{body}-gentle-obs"], arrays[f"{track}-{body}-gentle-rew"] = single_agent(
            track, body, task, seed, amplitude=0.3
        )
    for track, body, task, seed in MULTI_CASES:
        arrays[f"multi-{track}-{body}-obs"], arrays[f"multi-{track}-{body}-rew"] = multi_agent(track, body, task, seed)
    return arrays


if __name__ == "__main__":
    np.savez_compressed(PATH, **record())
    print(f"wrote {PATH}")
