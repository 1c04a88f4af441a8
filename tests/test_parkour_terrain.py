"""Parkour's numpy terrain: the CPPN, its weight files, the profiles, water, creepers and the test sets
(facts from TeachMyAgent's Parkour; no Box2D here)."""

import importlib.util
import json
import math
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from curriculum_gym.envs.terrain.cppn import (
    CPPN,
    LAYER_SHAPES,
    TERRAIN_HEIGHT,
    TERRAIN_STEP,
    creeper_rects,
    default_cppn,
    load_cppn_weights,
    terrain_profiles,
    water_surface_y,
)

ROOT = Path(__file__).resolve().parents[1]
RAW_OFFSETS = (0, 1024, 17408, 33792, 50176)  # byte offsets of W1..W5 in TeachMyAgent's checkpoint data file


def random_weights(seed=0):
    rng = np.random.default_rng(seed)
    return [rng.uniform(-4, 4, size=shape).astype(np.float32) for shape in LAYER_SHAPES]


def make_weights_script():
    spec = importlib.util.spec_from_file_location("make_cppn_weights", ROOT / "scripts" / "make_cppn_weights.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- the network ---------------------------------------------------------------------------------


def plain_forward(weights, vector, n):
    """The CPPN written out layer by layer, row by row, in float32."""
    activations = [np.tanh, lambda z: np.log1p(np.exp(z.astype(np.float64))).astype(np.float32), np.tanh]
    activations += [activations[1], lambda z: z]
    out = np.empty((n, 2), dtype=np.float32)
    for k in range(n):
        h = np.array([k / (n - 1), *vector], dtype=np.float32)
        for w, activation in zip(weights, activations):
            h = activation(h @ w)
        out[k] = h
    return out


@pytest.mark.parametrize("vector", [(0.0, 0.0, 0.0), (-0.15, 0.8, 0.1), (-0.477, 0.603, -0.961), (1.0, -1.0, 0.5)])
def test_cppn_forward_matches_a_plain_forward(vector):
    weights = random_weights(1)
    cppn = CPPN(*weights)
    out = cppn(vector, n_samples=50)
    assert out.shape == (50, 2) and out.dtype == np.float32
    expected = plain_forward(weights, vector, 50)
    # float32 sums in another order: compare at float32 precision of the output's magnitude
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5 * np.abs(expected).max())
    shipped = default_cppn()
    expected = plain_forward(shipped.weights, vector, 200)
    np.testing.assert_allclose(shipped(vector), expected, rtol=1e-4, atol=1e-5 * np.abs(expected).max())


def test_cppn_validates_its_weights_and_inputs():
    weights = random_weights()
    cppn = CPPN(*weights)
    assert all(w.dtype == np.float32 and not w.flags.writeable for w in cppn.weights)
    weights[0][0, 0] = 123.0
    assert cppn.w1[0, 0] != 123.0  # a copy
    assert CPPN(*(w.astype(np.float64) for w in weights)).w2.dtype == np.float32
    with pytest.raises(ValueError, match=r"W3 must have shape \(64, 64\)"):
        CPPN(weights[0], weights[1], weights[2][:, :10], weights[3], weights[4])
    bad = [w.copy() for w in weights]
    bad[4][3, 1] = np.nan
    with pytest.raises(ValueError, match="W5 must hold finite"):
        CPPN(*bad)
    with pytest.raises(TypeError, match="W1 must be a real-valued array"):
        CPPN(np.full((4, 64), "a"), *weights[1:])
    with pytest.raises(ValueError, match="input_vector must hold 3 numbers"):
        cppn([0.0, 1.0])
    with pytest.raises(ValueError, match="n_samples must be an int >= 2"):
        cppn([0.0, 1.0, 0.0], n_samples=1)
    with pytest.raises(TypeError, match="n_samples must be an int"):
        cppn([0.0, 1.0, 0.0], n_samples=20.0)


# --- weight files --------------------------------------------------------------------------------


def test_raw_checkpoint_file_loads_into_the_right_matrices(tmp_path):
    weights = random_weights(2)
    data = b"".join(w.astype("<f4").tobytes(order="C") for w in weights)
    assert len(data) == 50_688
    for offset, w in zip(RAW_OFFSETS, weights):  # the documented layout
        assert np.frombuffer(data, "<f4", count=1, offset=offset)[0] == w.flat[0]
    path = tmp_path / ".data-00000-of-00001"
    path.write_bytes(data)
    cppn = load_cppn_weights(path)
    for loaded, w in zip(cppn.weights, weights):
        np.testing.assert_array_equal(loaded, w)
    # spot positions: W1 row-major start, W2[1, 0], W5[63, 1] (the last value of the file)
    raw = np.frombuffer(data, "<f4")
    assert cppn.w1.ravel()[:3].tolist() == raw[:3].tolist()
    assert cppn.w2[1, 0] == raw[1024 // 4 + 64]
    assert cppn.w5[63, 1] == raw[-1]
    renamed = tmp_path / "weights.bin"  # told by content, not by name
    renamed.write_bytes(data)
    np.testing.assert_array_equal(load_cppn_weights(str(renamed)).w4, weights[3])


def test_bad_weight_files_are_refused(tmp_path):
    weights = random_weights(3)
    short = tmp_path / "short.data-00000-of-00001"
    short.write_bytes(b"".join(w.tobytes() for w in weights)[:-4])
    with pytest.raises(ValueError, match="exactly 50688 bytes"):
        load_cppn_weights(short)
    missing = tmp_path / "missing.npz"
    np.savez(missing, **{f"W{i + 1}": w for i, w in enumerate(weights[:4])})
    with pytest.raises(ValueError, match=r"missing \['W5'\]"):
        load_cppn_weights(missing)
    transposed = tmp_path / "transposed.npz"
    np.savez(transposed, **{f"W{i + 1}": w.T for i, w in enumerate(weights)})
    with pytest.raises(ValueError, match=r"W1 must have shape \(4, 64\)"):
        load_cppn_weights(transposed)
    objects = tmp_path / "objects.npz"
    arrays = {f"W{i + 1}": w for i, w in enumerate(weights)}
    arrays["W5"] = np.empty(LAYER_SHAPES[4], dtype=object)
    np.savez(objects, **arrays)
    with pytest.raises(ValueError, match="numeric"):
        load_cppn_weights(objects)
    huge = tmp_path / "huge.npz"
    with open(huge, "wb") as file:
        file.truncate(11 * 1024 * 1024)  # sparse: refused by size before reading
    with pytest.raises(ValueError, match="at most"):
        load_cppn_weights(huge)
    with pytest.raises(TypeError, match="path must be"):
        load_cppn_weights(3)
    good = tmp_path / "good.npz"
    np.savez(good, **{f"W{i + 1}": w for i, w in enumerate(weights)}, note=np.arange(3))
    np.testing.assert_array_equal(load_cppn_weights(good).w3, weights[2])


def test_shipped_weights_are_the_scripts_and_the_script_is_deterministic():
    script = make_weights_script()
    first, second = script.make_weights(), script.make_weights()
    assert list(first) == ["W1", "W2", "W3", "W4", "W5"]
    for name, shape in zip(first, LAYER_SHAPES):
        assert first[name].shape == shape and first[name].dtype == np.float32
        assert first[name].tobytes() == second[name].tobytes()
        assert np.abs(first[name]).max() <= 4.0
    assert script.npz_bytes(first) == script.npz_bytes(second)
    for shipped, drawn in zip(default_cppn().weights, first.values()):
        np.testing.assert_array_equal(shipped, drawn)
    assert script.make_weights(seed=1)["W1"].tobytes() != first["W1"].tobytes()
    all_values = np.concatenate([w.ravel() for w in first.values()])
    assert abs(all_values.std() - 1.76) < 0.05  # N(0, 2) truncated at +-2 sigma has std 0.88 * 2


# --- terrain profiles ----------------------------------------------------------------------------


def test_terrain_profiles_follow_the_recipe():
    cppn = default_cppn()
    vector = (-0.15, 0.8, 0.1)
    x, ground, ceiling = terrain_profiles(cppn, vector)
    assert len(x) == len(ground) == len(ceiling) == 220
    assert all(a.dtype == np.float64 for a in (x, ground, ceiling))
    np.testing.assert_allclose(x, np.arange(220) * TERRAIN_STEP)
    assert x[-1] == pytest.approx(102.2)
    assert TERRAIN_HEIGHT == pytest.approx(400 / 30 / 4)
    assert np.all(ground[:20] == TERRAIN_HEIGHT) and np.all(ceiling[:20] == TERRAIN_HEIGHT + 20.0)
    assert ground[20] == TERRAIN_HEIGHT  # the first sample meets the start pad
    assert np.all(ceiling >= ground)
    out = cppn(vector).astype(np.float64) / 10.0
    np.testing.assert_allclose(ground[20:], out[:, 0] - out[0, 0] + TERRAIN_HEIGHT)

    cc = float((ceiling - ground)[20:].min()) + 1.0  # in metres: above the narrowest gap, so the clip bites
    _, ground_c, ceiling_c = terrain_profiles(cppn, vector, ceiling_clip_offset=cc * 10.0)
    np.testing.assert_array_equal(ground_c, ground)
    assert np.all(ceiling_c[20:] >= ground_c[20:] + cc - 1e-9)
    assert np.any(ceiling_c[20:] == ground_c[20:] + cc * 10.0 / 10.0)
    np.testing.assert_array_equal(ceiling_c[20:], np.maximum(ceiling[20:], ground[20:] + cc * 10.0 / 10.0))

    x_s, ground_s, ceiling_s = terrain_profiles(cppn, vector, startpad=5, n_samples=50)
    assert len(x_s) == len(ground_s) == len(ceiling_s) == 55
    assert ground_s[5] == TERRAIN_HEIGHT and np.all(ground_s[:5] == TERRAIN_HEIGHT)


def test_scale_divides_the_profiles():
    cppn = default_cppn()
    vector = (-0.477, 0.603, -0.961)
    no_clip = {"ceiling_clip_offset": -1e9}
    _, g10, c10 = terrain_profiles(cppn, vector, scale=10.0, **no_clip)
    _, g20, c20 = terrain_profiles(cppn, vector, scale=20.0, **no_clip)
    np.testing.assert_allclose(g20 - TERRAIN_HEIGHT, (g10 - TERRAIN_HEIGHT) / 2, atol=1e-9)
    np.testing.assert_allclose(c20 - TERRAIN_HEIGHT, (c10 - TERRAIN_HEIGHT) / 2, atol=1e-9)
    assert c20[0] == TERRAIN_HEIGHT + 10.0  # ceiling_offset 200 / scale 20


def test_terrain_profiles_validate():
    cppn = default_cppn()
    with pytest.raises(TypeError, match="startpad must be an int"):
        terrain_profiles(cppn, (0, 0, 0), startpad=20.0)
    with pytest.raises(ValueError, match="startpad must be an int >= 1"):
        terrain_profiles(cppn, (0, 0, 0), startpad=0)
    with pytest.raises(ValueError, match="scale must be > 0"):
        terrain_profiles(cppn, (0, 0, 0), scale=0.0)
    with pytest.raises(ValueError, match="ceiling_offset must be finite"):
        terrain_profiles(cppn, (0, 0, 0), ceiling_offset=math.inf)
    with pytest.raises(TypeError, match="cppn must be a CPPN"):
        terrain_profiles(random_weights(), (0, 0, 0))


# --- creepers and water --------------------------------------------------------------------------


def test_creepers_every_two_segments_at_spacing_zero():
    x, _, ceiling = terrain_profiles(default_cppn(), (-0.15, 0.8, 0.1))
    rects = creeper_rects(x, ceiling, width=0.0, height=0.0, spacing=0.0, rng=np.random.default_rng(0))
    assert rects.shape == (110, 4)
    np.testing.assert_array_equal(rects[:, 0], x[0:219:2])
    assert rects[0, 0] == 0.0
    np.testing.assert_allclose(rects[:, 1] - rects[:, 0], 0.2)  # width floored
    assert np.all(rects[:, 3] - rects[:, 2] >= 0.2 - 1e-12)  # length floored
    index = np.arange(0, 219, 2)
    np.testing.assert_array_equal(rects[:, 3], np.maximum(ceiling[index], ceiling[index + 1]))


def test_creeper_lengths_spacing_and_tops():
    x = np.arange(220) * TERRAIN_STEP
    ceiling = np.sin(np.arange(220)) * 3 + 20
    rects = creeper_rects(x, ceiling, width=1.0, height=2.0, spacing=1.0, rng=np.random.default_rng(7))
    index = np.round(rects[:, 0] / TERRAIN_STEP).astype(int)
    assert np.all(np.diff(index) == 4)  # 1 + ceil(1.0 / TS)
    np.testing.assert_allclose(rects[:, 1] - rects[:, 0], 1.0)
    reach = np.minimum(index + 2, 219)  # floor(1.0 / TS) = 2
    np.testing.assert_array_equal(rects[:, 3], np.maximum(ceiling[index], ceiling[reach]))
    draws = np.random.default_rng(7)
    one_by_one = np.array([max(0.2, draws.normal(2.0, 0.1)) for _ in range(len(rects))])
    np.testing.assert_allclose(rects[:, 3] - rects[:, 2], one_by_one, rtol=1e-12)
    again = creeper_rects(x, ceiling, width=1.0, height=2.0, spacing=1.0, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(rects, again)
    other = creeper_rects(x, ceiling, width=1.0, height=2.0, spacing=1.0, rng=np.random.default_rng(8))
    assert not np.array_equal(rects, other)
    short = creeper_rects(x[:3], ceiling[:3], width=10.0, height=1.0, spacing=0.0, rng=np.random.default_rng(0))
    assert short.shape == (1, 4) and short[0, 3] == max(ceiling[0], ceiling[2])  # reach capped at the last point


def test_creeper_rects_validate():
    x = np.arange(10) * TERRAIN_STEP
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        creeper_rects(x, x, width=0.2, height=1.0, spacing=0.0, rng=np.random.RandomState(0))
    with pytest.raises(ValueError, match="same length as x"):
        creeper_rects(x, x[:-1], width=0.2, height=1.0, spacing=0.0, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="height must be finite"):
        creeper_rects(x, x, width=0.2, height=math.nan, spacing=0.0, rng=np.random.default_rng(0))


def test_water_surface():
    ceiling = np.array([3.0, 23.3, 17.0])
    assert water_surface_y(ceiling, 1.0, 10.0) == pytest.approx(23.3)
    floor_level = -100.0 + 0.01 * (23.3 + 100.0)
    assert water_surface_y(ceiling, 0.0, 10.0) == pytest.approx(floor_level)
    assert water_surface_y(ceiling, -0.5, 10.0) == water_surface_y(ceiling, 0.0, 10.0)
    assert water_surface_y(ceiling, 0.5, 20.0) == pytest.approx(-50.0 + 0.5 * 73.3)
    with pytest.raises(ValueError, match="scale must be > 0"):
        water_surface_y(ceiling, 0.5, -1.0)


# --- the benchmark's test sets -------------------------------------------------------------------


def load_set(kind):
    text = resources.files("curriculum_gym").joinpath("test_sets", f"parkour_{kind}.json").read_text()
    doc = json.loads(text)
    assert doc["env_id"] == "Parkour-v0" and doc["kind"] == kind and len(doc["names"]) == 8
    tasks = np.array(doc["tasks"], dtype=np.float64)
    assert tasks.shape == (100, 8)
    return tasks


def within(values, low, high, tol=5e-4):
    return values.min() >= low - tol and values.max() <= high + tol


def test_walking_test_set():
    t = load_set("walking")
    assert np.all(t[:, 7] == 20.0) and np.all(t[:, 4:7] == 0.0)
    assert t[28, 3] == 0.75 and t[88, 3] == 0.65 and np.count_nonzero(t[:, 3]) == 2
    for d, (low, high) in enumerate([(-0.966, 0.892), (0.485, 1.0), (-1.0, 1.0)]):
        assert within(t[:, d], low, high)
    assert t[0, :3].tolist() == [-0.477, 0.603, -0.961]


def test_swimming_test_set():
    t = load_set("swimming")
    assert np.all(t[:, 3] == 1.0) and np.all(t[:, 4:7] == 0.0)
    assert np.all(t[:58, 7] == 20.0) and np.all(t[58:, 7] == 10.0)
    for d, (low, high) in enumerate([(-0.61, 0.974), (-0.93, 1.0), (-1.0, 1.0)]):
        assert within(t[:, d], low, high)


def test_climbing_test_set():
    t = load_set("climbing")
    assert np.all(t[:, 7] == 10.0)
    assert np.all(t[:60, 3] <= 0.2) and within(t[:60, 4], 0.001, 0.49)
    assert within(t[60:, 3], 0.04, 0.81, tol=5e-3) and np.all(t[60:, 4] == 0.25)
    assert within(t[:, 5], 0.01, 3.99, tol=5e-3) and within(t[:, 6], 0.04, 4.94, tol=5e-3)
    for d, (low, high) in enumerate([(-0.448, 0.131), (0.412, 0.992), (-0.195, 0.388)]):
        assert within(t[:, d], low, high)
    assert t[0].tolist()[:3] == [-0.17685591, 0.98040471, 0.12261809]
