"""ParkourLidar gives the readings (fractions and surface codes) that Box2D's ray casts give."""

import math

import numpy as np
import pytest
from Box2D import b2 as box2d

from curriculum_gym.envs.parkour_lidar import CREEPER_CODE, LIDAR_FANS, TERRAIN_CODE, WATER_CODE, ParkourLidar

TS = 14 / 30  # terrain step
TH = 10 / 3  # start-pad height
STARTPAD = 20
FRACTION_TOL = 1e-6


def f32(a):
    """Box2D stores coordinates as float32: give it and ParkourLidar the same numbers."""
    return np.asarray(a, dtype=np.float32).astype(np.float64)


# --- worlds ---------------------------------------------------------------------------------------------------------


def random_world(rng, n=220):
    """A Parkour-like track: flat start pad, smooth random ground, a ceiling above it (clipped to the
    ground in places, so the tunnel closes), creepers hanging from the ceiling as Parkour hangs them
    (the first at x = 0, tops on the ceiling, some reaching through the ground), a random water level."""
    x = f32(np.arange(n) * TS)
    ground = np.convolve(np.cumsum(rng.normal(0, 0.35, n)), np.ones(5) / 5, mode="same")
    ground = ground - ground[STARTPAD] + TH
    gap = 1.5 + np.abs(np.convolve(np.cumsum(rng.normal(0, 0.6, n)), np.ones(3) / 3, mode="same"))
    gap[rng.random(n) < 0.05] = 0.0  # the ceiling touches the ground
    ceiling = ground + gap
    ground[:STARTPAD], ceiling[:STARTPAD] = TH, TH + 4
    ground, ceiling = f32(ground), f32(ceiling)
    creepers = []
    i = 0
    while i < n - 1:
        w = rng.uniform(0.2, 0.6)
        top = max(ceiling[i], ceiling[min(i + max(1, int(w // TS)), n - 1)])
        creepers.append([x[i], x[i] + w, top - rng.uniform(0.2, 3.0), top])
        i += int(rng.integers(2, 6))
    water_y = float(f32(rng.uniform(ground.min() - 1, ceiling.max())))
    return dict(x=x, ground=ground, ceiling=ceiling, water_y=water_y, water_x0=float(x[0]), water_x1=float(x[-1]),
                water_bottom=-100.0, creepers=f32(creepers))  # fmt: skip


def flat_world(water_y=-50.0, creepers=()):
    """Ground at y = 3 and ceiling at y = 11 (not 0: see test_ray_vectors_follow_the_fans)."""
    x = f32(np.arange(40) * TS)
    return dict(x=x, ground=np.full(40, 3.0), ceiling=np.full(40, 11.0), water_y=water_y, water_x0=0.0,
                water_x1=float(x[-1]), water_bottom=-100.0, creepers=np.array(creepers, dtype=float).reshape(-1, 4))  # fmt: skip


def box2d_world(w):
    """The same fixtures in a real Box2D world; each fixture's userData is its surface code."""
    world = box2d.world(gravity=(0, -10))
    x = w["x"].tolist()
    for ys in (w["ground"].tolist(), w["ceiling"].tolist()):
        for i in range(len(x) - 1):
            edge = box2d.edgeShape(vertices=[(x[i], ys[i]), (x[i + 1], ys[i + 1])])
            world.CreateStaticBody(fixtures=box2d.fixtureDef(shape=edge, friction=2.5, userData=TERRAIN_CODE))

    def rect(x0, x1, y0, y1, code):
        shape = box2d.polygonShape(vertices=[(x0, y0), (x1, y0), (x1, y1), (x0, y1)])
        world.CreateStaticBody(fixtures=box2d.fixtureDef(shape=shape, isSensor=True, density=1.0, userData=code))

    rect(w["water_x0"], w["water_x1"], w["water_bottom"], w["water_y"], WATER_CODE)
    for x0, x1, y0, y1 in w["creepers"].tolist():
        rect(x0, x1, y0, y1, CREEPER_CODE)
    return world


def lidar(w, lidar_type):
    return ParkourLidar(w["x"], w["ground"], w["ceiling"], water_y=w["water_y"], water_x0=w["water_x0"],
                        water_x1=w["water_x1"], water_bottom=w["water_bottom"], creepers=w["creepers"],
                        lidar_type=lidar_type)  # fmt: skip


# --- Box2D's answer -------------------------------------------------------------------------------------------------


class _Closest(box2d.rayCastCallback):
    """The env's callback: every fixture is seen (sensors included), the closest hit wins."""

    def __init__(self):
        super().__init__()
        self.fraction, self.code = 1.0, TERRAIN_CODE

    def ReportFixture(self, fixture, point, normal, fraction):  # noqa: N802
        self.fraction, self.code = fraction, fixture.userData
        return fraction  # clip the ray here: later reports are closer (or as close)


class _Every(box2d.rayCastCallback):
    """Every fixture the ray meets (returning 1 keeps Box2D from clipping the ray)."""

    def __init__(self):
        super().__init__()
        self.hits = []

    def ReportFixture(self, fixture, point, normal, fraction):  # noqa: N802
        self.hits.append((fraction, fixture.userData))
        return 1.0


def ray_ends(lidar_type, px, py, n=10, length=160 / 30):
    """Where the original sends each ray (its own sin/cos; Box2D rounds the end to float32)."""
    alpha, beta = LIDAR_FANS[lidar_type]
    return [
        (px + math.sin(alpha * i / n + beta) * length, py - math.cos(alpha * i / n + beta) * length) for i in range(n)
    ]


def box2d_read(world, lidar_type, px, py):
    fractions, codes = [], []
    for end in ray_ends(lidar_type, px, py):
        cb = _Closest()
        world.RayCast(cb, (px, py), end)
        fractions.append(cb.fraction)
        codes.append(cb.code)
    return np.array(fractions), np.array(codes)


def tied_codes(world, end, px, py, fraction):
    """Codes of every fixture within FRACTION_TOL of the closest hit. Where two fixtures are that close
    (coincident surfaces: the first creeper's left side on the water's left side at x = 0, a creeper's
    top on a flat ceiling), Box2D keeps whichever its tree reports last, so either code is right."""
    cb = _Every()
    world.RayCast(cb, (px, py), end)
    return {code for f, code in cb.hits if f <= fraction + FRACTION_TOL}


def compare(world, lid, px, py):
    """Compare one origin's readings ray by ray; returns (plain, tie, float32, failures) counts.

    ``plain``: fraction within FRACTION_TOL and the same code. ``tie``: the same fraction, another
    code of a tie (see tied_codes). ``float32``: Box2D rounds the origin and the ray's end to float32
    (7.6e-6 m apart near x = 100) and computes in float32, so a grazing ray, or one brushing a
    vertex, can read differently by more than FRACTION_TOL; such a ray is accepted when Box2D's
    reading is one ours gives from an origin moved by a few float32 steps (in 8 directions).
    """
    ours_f, ours_c = lid.read(px, py)
    ref_f, ref_c = box2d_read(world, lid.lidar_type, px, py)
    counts = np.zeros(4, dtype=int)
    moved = None
    for r in range(len(ref_f)):
        same_fraction = abs(ours_f[r] - ref_f[r]) <= FRACTION_TOL
        if same_fraction and ours_c[r] == ref_c[r]:
            counts[0] += 1
            continue
        ties = tied_codes(world, ray_ends(lid.lidar_type, px, py)[r], px, py, ref_f[r])
        if same_fraction and ours_c[r] in ties:
            counts[1] += 1
            continue
        if moved is None:
            eps = 4 * 2.0**-24 * max(abs(px), abs(py), float(np.abs(lid.ray_vectors).max()))
            moved = [lid.read(px + eps * math.cos(a), py + eps * math.sin(a)) for a in np.arange(8) * math.pi / 4]
        mf = np.array([m[0][r] for m in moved])
        mc = {m[1][r] for m in moved} | {ours_c[r]}
        if mf.min() - FRACTION_TOL <= ref_f[r] <= mf.max() + FRACTION_TOL and (ref_c[r] in mc or ours_c[r] in ties):
            counts[2] += 1
        else:
            counts[3] += 1
    return counts


# --- against Box2D --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_matches_box2d_ray_casts_on_random_tracks(seed):
    rng = np.random.default_rng(seed)
    w = random_world(rng)
    world = box2d_world(w)
    lids = [lidar(w, t) for t in LIDAR_FANS]
    x, g, c = w["x"], w["ground"], w["ceiling"]
    counts = np.zeros(4, dtype=int)
    codes_seen = set()
    for k in range(300):
        px = float(rng.uniform(x[0] - 1, x[-1] + 1))
        i = int(np.clip(np.searchsorted(x, px), 0, len(x) - 1))
        if k % 4 == 0:  # near the water surface, above and below it
            py = w["water_y"] + rng.uniform(-3, 3)
        elif k % 4 == 1:  # near a creeper (inside some)
            x0, x1, y0, y1 = w["creepers"][rng.integers(len(w["creepers"]))]
            px, py = x0 + rng.uniform(-1, 1.5), rng.uniform(y0 - 1, y1)
        else:  # in the tunnel (and a little outside it)
            py = rng.uniform(g[i] - 0.5, c[i] + 0.5)
        px, py = float(f32(px)), float(f32(py))
        for lid in lids:
            counts += compare(world, lid, px, py)
            codes_seen |= set(lid.read(px, py)[1].tolist())
    plain, tie, rounding, failures = counts.tolist()
    total = counts.sum()
    assert failures == 0, counts
    assert rounding <= 0.01 * total and plain + tie == total - rounding, counts  # float32 effects stay rare
    assert codes_seen == {WATER_CODE, TERRAIN_CODE, CREEPER_CODE}


def test_matches_box2d_along_a_walk():
    """Origins a step apart (as an episode reads them), for each fan, over a whole random track."""
    rng = np.random.default_rng(7)
    w = random_world(rng)
    world = box2d_world(w)
    x, g, c = w["x"], w["ground"], w["ceiling"]
    for lidar_type, height in (("down", 0.3), ("up", 0.8), ("full", 0.5)):
        lid = lidar(w, lidar_type)
        counts = np.zeros(4, dtype=int)
        for px in np.arange(0.2, x[-1], 0.37):
            i = int(np.searchsorted(x, px))
            py = g[i] + height * max(c[i] - g[i], 0.0) + 0.05
            counts += compare(world, lid, float(f32(px)), float(f32(py)))
        assert counts[3] == 0 and counts[2] <= 0.01 * counts.sum(), (lidar_type, counts)


# Origins exactly on fixtures (float32-exact numbers, so Box2D sees the same geometry). The terrain sits
# at y >= 3, as Parkour's does: see test_ray_vectors_follow_the_fans.
EXACT_CASES = {
    "on the flat start pad": (2.0, 3.0),
    "on a ground vertex": ("vertex", 0),
    "on a ceiling vertex": ("vertex", 1),
    "on a creeper's left side": (3.5, 8.0),
    "on a creeper's bottom": (3.75, 7.0),
    "on a creeper's corner": (4.0, 7.0),
    "above a creeper, in line with its side": (3.5, 10.0),
    "on the water surface": (8.0, 5.5),
    "just above the water surface": (8.0, 5.5 + 2**-10),
    "just below the water surface": (8.0, 5.5 - 2**-10),
    "left of the track, beside the water": (-1.0, 4.0),
    "under the water's floor": (8.0, -3.0),
}


@pytest.mark.parametrize("lidar_type", list(LIDAR_FANS))
@pytest.mark.parametrize("case", list(EXACT_CASES))
def test_matches_box2d_from_origins_on_fixtures(case, lidar_type):
    """Box2D reads 0 for a ray starting on an edge (in any direction but along it), and does not see a
    polygon from its boundary or from inside; an edge parallel to the ray is never hit."""
    x = np.arange(40) * 0.5
    ground = 3.0 + np.where(np.arange(40) < 10, 0.0, (np.arange(40) - 10) * 0.25)  # flat, then a slope
    ceiling = ground + 8.0
    ceiling[12] -= 0.5  # a ceiling vertex between two slopes
    w = dict(x=x, ground=ground, ceiling=ceiling, water_y=5.5, water_x0=0.0, water_x1=19.5, water_bottom=-2.0,
             creepers=np.array([[3.5, 4.0, 7.0, 11.0], [1.0, 1.25, 9.0, 11.0]]))  # fmt: skip
    px, py = EXACT_CASES[case]
    if px == "vertex":
        px, py = float(x[14]), float((ground, ceiling)[py][14])
    ours_f, ours_c = lidar(w, lidar_type).read(px, py)
    ref_f, ref_c = box2d_read(box2d_world(w), lidar_type, px, py)
    np.testing.assert_allclose(ours_f, ref_f, atol=FRACTION_TOL, rtol=0)
    np.testing.assert_array_equal(ours_c, ref_c)


def test_an_origin_on_an_edge_reads_zero():
    w = flat_world()
    for lidar_type in LIDAR_FANS:
        lid = lidar(w, lidar_type)
        fractions, codes = lid.read(3.0, 3.0)
        along = lid.ray_vectors[:, 1] == 0  # the 'full' fan's horizontal ray runs along the ground: not hit
        assert np.all(fractions[~along] == 0.0) and not np.any(np.signbit(fractions))
        assert np.all(fractions[along] == 1.0) and np.all(codes == 0.0)


# --- water, creepers, codes -----------------------------------------------------------------------------------------


def test_the_water_surface_is_seen_from_above_with_code_minus_one():
    fractions, codes = lidar(flat_world(water_y=5.0), "down").read(5.0, 6.0)
    np.testing.assert_allclose(fractions[0], 1.0 / (160 / 30))  # 1 m above the surface, straight down
    assert np.all(fractions < 1) and np.all(codes == WATER_CODE)


def test_from_under_water_the_surface_is_not_seen():
    lid = lidar(flat_world(water_y=9.0), "full")
    fractions, codes = lid.read(5.0, 7.0)  # 2 m under the surface, rays down and up
    assert np.all(codes == TERRAIN_CODE)
    fractions_dry, _ = lidar(flat_world(water_y=-50.0), "full").read(5.0, 7.0)
    np.testing.assert_array_equal(fractions, fractions_dry)  # the water changes nothing
    assert np.all(lid.read(5.0, 10.0)[1][:4] == WATER_CODE)  # from 1 m above, the same rays see it


def test_a_creeper_is_seen_with_code_plus_one_but_not_from_inside():
    w = flat_world(creepers=[[6.0, 6.4, 6.0, 11.0]])
    fractions, codes = lidar(w, "up").read(5.0, 5.0)
    assert CREEPER_CODE in codes
    inside_f, inside_c = lidar(w, "up").read(6.2, 8.0)  # inside the creeper: the rays see the ceiling through it
    assert np.all(inside_c == TERRAIN_CODE)
    np.testing.assert_allclose(inside_f[5], 3.0 / (160 / 30) / -math.cos(2.3 * 5 / 10 + 1.5))


def test_codes_are_recomputed_every_read():
    """The original kept a ray's last code when it hit nothing; here a miss reads 0."""
    lid = lidar(flat_world(water_y=5.0), "down")
    assert np.all(lid.read(5.0, 5.5)[1] == WATER_CODE)
    fractions, codes = lid.read(5.0, 40.0)  # far above everything
    assert np.all(fractions == 1.0) and np.all(codes == 0.0)


def test_readings_are_fresh_float64_arrays():
    lid = lidar(flat_world(), "full")
    a, b = lid.read(5.0, 5.0), lid.read(5.0, 5.0)
    for arr in (*a, *b):
        assert arr.dtype == np.float64 and arr.shape == (10,)
    a[0][:] = -1
    assert np.all(b[0] >= 0) and np.all(lid.read(5.0, 5.0)[0] >= 0)


def test_a_non_finite_origin_raises():
    lid = lidar(flat_world(), "down")
    for origin in ((math.nan, 5.0), (5.0, math.inf)):
        with pytest.raises(ValueError, match="finite"):
            lid.read(*origin)


def test_ray_vectors_follow_the_fans():
    for lidar_type, (alpha, beta) in LIDAR_FANS.items():
        lid = lidar(flat_world(), lidar_type)
        phi = alpha * np.arange(10) / 10 + beta
        expected = 160 / 30 * np.stack([np.sin(phi), -np.cos(phi)], axis=1)
        np.testing.assert_allclose(lid.ray_vectors, expected, atol=1e-12)
    # The 'full' fan's ray 5 ends at py - cos(pi / 2) * R = py - 3.3e-16, which float32 rounds to py
    # (for |py| > 1e-8): Box2D casts it exactly horizontally, and so does ParkourLidar.
    assert lidar(flat_world(), "full").ray_vectors[5, 1] == 0.0


# --- validation -----------------------------------------------------------------------------------------------------


def test_unknown_lidar_type_raises_and_names_the_allowed_ones():
    with pytest.raises(ValueError, match="'down', 'up', 'full'") as info:
        lidar(flat_world(), "sideways")
    assert "sideways" in str(info.value)
    with pytest.raises(TypeError, match="lidar_type"):
        lidar(flat_world(), None)


@pytest.mark.parametrize(
    "change,message",
    [
        (dict(x=np.zeros(40)), "strictly increasing"),
        (dict(ground=np.zeros(39)), "same length"),
        (dict(ceiling=np.full((40, 1), 11.0)), "1-D"),
        (dict(ground=np.full(40, np.nan)), "finite"),
        (dict(water_y=-200.0), "water_bottom"),
        (dict(water_x1=-1.0), "water_x0"),
        (dict(creepers=np.zeros((2, 3))), r"\(k, 4\)"),
        (dict(creepers=np.array([[1.0, 1.0, 0.0, 1.0]])), "x0 < x1"),
        (dict(water_y=float("inf")), "finite"),
    ],
)
def test_bad_geometry_raises_value_error(change, message):
    w = {**flat_world(), **change}
    with pytest.raises(ValueError, match=message):
        lidar(w, "down")


def test_bad_sensor_arguments():
    w = flat_world()
    args = (w["x"], w["ground"], w["ceiling"])
    kw = dict(water_y=-50.0, water_x0=0.0, water_x1=10.0, water_bottom=-100.0, creepers=[], lidar_type="up")
    with pytest.raises(ValueError, match="n_rays"):
        ParkourLidar(*args, **kw, n_rays=0)
    with pytest.raises(TypeError, match="n_rays"):
        ParkourLidar(*args, **kw, n_rays=2.5)
    with pytest.raises(ValueError, match="max_range"):
        ParkourLidar(*args, **kw, max_range=-1.0)
    with pytest.raises(TypeError, match="water_y"):
        ParkourLidar(*args, **{**kw, "water_y": "high"})
