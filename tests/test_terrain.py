"""Terrain statistics against the paper's facts (Portelas et al., CoRL 2019)."""

import numpy as np
import pytest

from curriculum_gym.envs import HexagonTracks, Physics, StumpTracks, TrackLayout


def layout():
    p = Physics()
    return TrackLayout(
        p.terrain_step, p.terrain_startpad * p.terrain_step, p.terrain_length * p.terrain_step, p.terrain_height
    )


@pytest.mark.parametrize("spacing,expected", [(0.0, 177), (1.0, 58), (3.0, 25), (6.0, 13)])
def test_stumps_per_track(spacing, expected):
    polys = StumpTracks().obstacles(np.array([1.0, spacing]), np.random.default_rng(0), layout())
    assert abs(len(polys) - expected) <= 0.15 * expected


@pytest.mark.parametrize("mu", [0.5, 1.0, 2.0, 3.0])
def test_mean_stump_height(mu):
    lay = layout()
    polys = StumpTracks().obstacles(np.array([mu, 0.0]), np.random.default_rng(1), lay)
    heights = np.array([p[:, 1].max() - lay.ground_y for p in polys])
    widths = np.array([p[:, 0].max() - p[:, 0].min() for p in polys])
    np.testing.assert_allclose(widths, lay.terrain_step)
    assert abs(heights.mean() - mu * lay.terrain_step) < 0.05 * lay.terrain_step
    assert heights.min() >= 0.05 * lay.terrain_step - 1e-12


def test_low_stumps_are_clipped_at_minimum_height():
    lay = layout()
    polys = StumpTracks().obstacles(np.array([0.0, 2.0]), np.random.default_rng(1), lay)
    heights = np.array([p[:, 1].max() - lay.ground_y for p in polys])
    assert heights.min() == pytest.approx(0.05 * lay.terrain_step)


def test_stumps_start_after_the_start_pad_and_stay_on_track():
    lay = layout()
    for spacing in (0.0, 2.5, 6.0):
        polys = StumpTracks().obstacles(np.array([1.0, spacing]), np.random.default_rng(0), lay)
        xs = np.array([p[0, 0] for p in polys])
        assert xs[0] == pytest.approx(lay.start_x)
        assert xs.max() < lay.end_x
        assert np.all(np.diff(xs) >= lay.terrain_step + 0.01 - 1e-9)


def test_hexagon_vertices_within_bounds():
    lay = layout()
    gen = HexagonTracks()
    space = gen.default_task_space()
    assert space.dim == 12
    rng = np.random.default_rng(0)
    step = lay.terrain_step
    for task in space.sample(rng, n=20):
        polys = gen.obstacles(task, rng, lay)
        assert 8 <= len(polys) <= 11
        for k, poly in enumerate(polys):
            anchor = lay.start_x + 9.0 * k
            assert poly.shape == (6, 2)
            local = (poly - [anchor, lay.ground_y]) / step
            base = np.array([(-0.5, 0.0), (-0.5, 0.25), (-0.25, 0.5), (0.25, 0.5), (0.5, 0.25), (0.5, 0.0)])
            offsets = local - base
            assert np.all(offsets >= -0.6) and np.all(offsets <= 4.6)  # [0, 4] +- 6 sigma
            np.testing.assert_allclose(offsets[[0, 5], 1], 0.0, atol=1e-12)  # feet stay on the ground
        mean_offset = (
            np.mean([(p - [lay.start_x + 9.0 * k, lay.ground_y]) / step for k, p in enumerate(polys)], axis=0) - base
        )
        np.testing.assert_allclose(mean_offset[1:5].ravel(), task.reshape(6, 2)[1:5].ravel(), atol=0.15)
