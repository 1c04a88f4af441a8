"""The analytic lidar gives the readings Box2D's ray casts give."""

import math

import gymnasium as gym
import numpy as np
import pytest
from Box2D import b2 as box2d

import curriculum_gym  # noqa: F401


class _Closest(box2d.rayCastCallback):
    def __init__(self):
        super().__init__()
        self.fraction = 1.0

    def ReportFixture(self, fixture, point, normal, fraction):  # noqa: N802
        if (fixture.filterData.categoryBits & 1) == 0:
            return -1
        self.fraction = fraction
        return fraction


def box2d_lidar(env, px, py):
    p = env.physics
    out = []
    for i in range(p.n_lidar):
        cb = _Closest()
        end = (px + math.sin(1.5 * i / p.n_lidar) * p.lidar_range, py - math.cos(1.5 * i / p.n_lidar) * p.lidar_range)
        env.world.RayCast(cb, (px, py), end)
        out.append(cb.fraction)
    return np.array(out)


@pytest.mark.parametrize(
    "env_id,task",
    [
        ("StumpTracks-v0", [2.0, 0.0]),
        ("StumpTracks-v0", [0.5, 1.0]),
        ("StumpTracks-v0", [3.0, 6.0]),
        ("HexagonTracks-v0", [2.0] * 12),
        ("HexagonTracks-v0", [0.0, 4.0, 1.0, 3.0, 4.0, 0.0, 2.0, 2.0, 0.5, 4.0, 3.0, 1.0]),
    ],
)
def test_lidar_matches_box2d_ray_casts_at_many_points(env_id, task):
    env = gym.make(env_id).unwrapped
    env.reset(seed=3, options={"task": task})
    rng = np.random.default_rng(0)
    ground = env.layout.ground_y
    points = np.column_stack([rng.uniform(-2, env.layout.end_x + 2, 3000), rng.uniform(ground - 0.5, ground + 6, 3000)])
    worst = 0.0
    hits = 0
    for px, py in points:
        ours = env._lidar.read(float(px), float(py))
        ref = box2d_lidar(env, float(px), float(py))
        hits += int((ref < 1).sum())
        worst = max(worst, float(np.abs(ours - ref).max()))
    assert hits > 1000  # the sample does exercise hits, not only empty sky
    assert worst < 1e-4


def test_lidar_during_episode_matches_box2d():
    env = gym.make("StumpTracks-v0").unwrapped
    env.reset(seed=1, options={"task": [1.0, 0.5]})
    rng = np.random.default_rng(1)
    for _ in range(300):
        obs, _, terminated, _, _ = env.step(rng.uniform(-1, 1, 4).astype(np.float32))
        px, py = env.hull.position
        np.testing.assert_allclose(obs[-10:], box2d_lidar(env, px, py), atol=1e-4)
        if terminated:
            env.reset(options={"task": [1.0, 0.5]})
