"""``from curriculum_gym.multiagent import multiwalker_tracks_v0``, PettingZoo style.

Example:
    >>> from curriculum_gym.multiagent import multiwalker_tracks_v0
    >>> env = multiwalker_tracks_v0.parallel_env(n_walkers=3)
    >>> observations, infos = env.reset(seed=0, options={"task": [1.0, 3.0]})
    >>> sorted(observations), observations["walker_0"].shape
    (['walker_0', 'walker_1', 'walker_2'], (31,))
    >>> env = multiwalker_tracks_v0.parallel_env(n_walkers=2, task=[1.0, 3.0])  # every reset: this task
    >>> env.reset(seed=0)[1]["walker_1"]["task"].tolist()
    [1.0, 3.0]

Every keyword argument goes to :class:`MultiWalkerTracksEnv` (``n_walkers``, ``track``,
``body``, ``task_bounds``, ``task``, ``max_cycles``, ...).
"""

from __future__ import annotations

from typing import Any

from pettingzoo.utils import parallel_to_aec, wrappers

from curriculum_gym.multiagent.multiwalker_tracks import MultiWalkerTracksEnv

raw_env = MultiWalkerTracksEnv


def parallel_env(**kwargs: Any) -> MultiWalkerTracksEnv:
    """The parallel API env (the native one)."""
    return MultiWalkerTracksEnv(**kwargs)


def env(**kwargs: Any):
    """The AEC API env, with PettingZoo's standard wrappers."""
    aec = parallel_to_aec(MultiWalkerTracksEnv(**kwargs))
    aec = wrappers.ClipOutOfBoundsWrapper(aec)
    return wrappers.OrderEnforcingWrapper(aec)
