"""Bodies as data: every body on every track, sizes, recorded trajectories, options."""

import pickle

import body_trajectories
import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import curriculum_gym as cg
from curriculum_gym.envs.bodies import BODIES, BodySpec, Joint, Part, get_body
from curriculum_gym.multiagent import multiwalker_tracks_v0

IDS = ["StumpTracks-v0", "HexagonTracks-v0"]
#: observation and action sizes on Stump Tracks, and total mass (kg), as TeachMyAgent's bodies measure
#: (Romac et al., ICML 2021); default, short and quadru are the walkers of Portelas et al. (CoRL 2019)
FACTS = {
    "default": (24, 4, 6.510),
    "short": (24, 4, 5.966),
    "quadru": (34, 8, 16.436),
    "classic_bipedal": (24, 4, 6.510),
    "small_bipedal": (24, 4, 5.966),
    "big_quadru": (34, 8, 16.436),
    "spider": (42, 12, 3.716),
    "millipede": (54, 16, 9.529),
    "wheel": (34, 8, 2.542),
    "chimpanzee": (50, 14, 8.116),
    "fish": (26, 4, 1.540),
    "amphibian": (24, 4, 1.628),
    "climber": (42, 12, 7.990),
    "climber_chest": (32, 8, 7.094),
}


def test_catalogue_is_the_facts_table():
    assert set(BODIES) == set(FACTS)


def test_existing_bodies_reproduce_their_recorded_trajectories_bit_for_bit():
    reference = np.load(body_trajectories.PATH)
    now = body_trajectories.record()
    assert set(now) == set(reference.files)
    for key in reference.files:
        assert now[key].shape == reference[key].shape, key
        assert now[key].tobytes() == reference[key].tobytes(), key


@pytest.mark.parametrize("env_id", IDS)
@pytest.mark.parametrize("body", sorted(FACTS))
def test_check_env_and_sizes(env_id, body):
    env = gym.make(env_id, body=body)
    check_env(env.unwrapped, skip_render_check=True)
    obs_dim, act_dim, _ = FACTS[body]
    assert env.observation_space.shape == (obs_dim,)
    assert env.action_space.shape == (act_dim,)
    obs, _ = env.reset(seed=0)
    assert obs.shape == (obs_dim,)


@pytest.mark.parametrize("body", sorted(FACTS))
def test_total_mass_matches_teachmyagent(body):
    env = gym.make("StumpTracks-v0", body=body).unwrapped
    env.reset(seed=0)
    walker = env.walker
    mass = walker.hull.mass + sum(part.mass for part in walker.parts) + sum(hand.mass for hand in walker.sensors)
    assert mass == pytest.approx(FACTS[body][2], abs=1e-3)


@pytest.mark.parametrize("body", sorted(FACTS))
def test_same_seed_and_task_give_identical_trajectories(body):
    def trace(env):
        rng = np.random.default_rng(3)
        obs, _ = env.reset(seed=5, options={"task": [1.0, 2.0]})
        out = [obs.tobytes()]
        for _ in range(120):
            obs, reward, terminated, _, _ = env.step(rng.uniform(-1, 1, env.action_space.shape).astype(np.float32))
            out.append(obs.tobytes() + np.float64(reward).tobytes())
            if terminated:
                break
        return out

    env = gym.make("StumpTracks-v0", body=body)
    assert trace(env) == trace(env) == trace(gym.make("StumpTracks-v0", body=body))


@pytest.mark.parametrize("body", sorted(FACTS))
def test_zero_action_does_not_explode(body):
    """Limp motors (zero torque) let a body sag or fold; it must not sink through the ground or fly off."""
    env = gym.make("StumpTracks-v0", body=body).unwrapped
    env.reset(seed=0, options={"task": [0.0, 6.0]})
    ground, spawn_y = env.layout.ground_y, env.hull.position[1]
    for _ in range(100):
        obs, reward, terminated, _, _ = env.step(np.zeros(env.action_space.shape, np.float32))
        assert np.isfinite(obs).all() and np.isfinite(reward)
        x, y = env.hull.position
        assert ground < y < spawn_y + 0.5, (body, y)
        assert abs(x - env.layout.start_x / 2) < 2.0
        assert np.all(np.abs(obs[:4]) < 5)
        if terminated:
            break


@pytest.mark.parametrize("body", ["default", "quadru", "big_quadru", "millipede", "wheel"])
def test_sturdy_bodies_stand_100_steps_under_zero_action(body):
    env = gym.make("StumpTracks-v0", body=body).unwrapped
    env.reset(seed=0, options={"task": [0.0, 6.0]})
    for _ in range(100):
        _, _, terminated, _, _ = env.step(np.zeros(env.action_space.shape, np.float32))
        assert not terminated
    assert env.hull.position[1] > env.layout.ground_y + 0.3


@pytest.mark.parametrize("body", ["spider", "millipede", "chimpanzee", "big_quadru"])
def test_new_bodies_on_hexagon_tracks(body):
    env = gym.make("HexagonTracks-v0", body=body)
    obs, _ = env.reset(seed=1)
    assert obs.shape == (FACTS[body][0],)


def test_body_options_change_the_body():
    env = gym.make("StumpTracks-v0", body="millipede", body_options={"n_segments": 6})
    assert env.action_space.shape == (24,) and env.observation_space.shape == (4 + 6 * 10 + 10,)
    assert env.unwrapped.body.reference == "segment_5"
    spider = gym.make("StumpTracks-v0", body="spider", body_options={"n_leg_pairs": 3})
    assert spider.action_space.shape == (18,)
    strong = gym.make("StumpTracks-v0", body="default", body_options={"motors_torque": 120})
    assert strong.unwrapped.body.motors_torque == 120.0
    assert strong.unwrapped.body.torque_cost == BODIES["default"].torque_cost  # the cost does not scale with torque
    copy = pickle.loads(pickle.dumps(env))
    assert copy.unwrapped.body == env.unwrapped.body


def test_a_very_wide_body_gets_a_longer_start_pad_of_whole_steps():
    env = gym.make("StumpTracks-v0", body="millipede", body_options={"n_segments": 32}).unwrapped
    assert isinstance(env.startpad_steps, int) and env.startpad_steps > 20
    env.reset(seed=0, options={"task": [3.0, 0.0]})
    lowest_obstacle_x = min(poly[:, 0].min() for poly in env.obstacles)
    left = min(env.hull.position[0], *(part.position[0] for part in env.walker.parts))
    right = max(env.hull.position[0], *(part.position[0] for part in env.walker.parts))
    assert 0 < left and right < lowest_obstacle_x  # the whole body spawns on the flat pad
    obs, *_ = env.step(np.zeros(env.action_space.shape, np.float32))
    assert np.isfinite(obs).all()
    default = gym.make("StumpTracks-v0").unwrapped
    assert (
        default.startpad_steps == 20 and env.finish_x - env.layout.start_x == default.finish_x - default.layout.start_x
    )


@pytest.mark.parametrize(
    ("body", "options", "error", "message"),
    [
        ("dog", None, ValueError, "allowed bodies: \\['amphibian', 'big_quadru'"),
        ("spider", {"legs": 3}, ValueError, "allowed: \\['motors_torque', 'n_leg_pairs'\\]"),
        ("spider", {"n_leg_pairs": 0}, ValueError, "n_leg_pairs must be an integer in \\[1, 8\\]"),
        ("millipede", {"n_segments": 4.0}, TypeError, "n_segments must be an integer"),
        ("millipede", {"n_segments": True}, TypeError, "n_segments must be an integer"),
        ("default", {"motors_torque": -1}, ValueError, "motors_torque must be a number in \\(0, "),
        ("default", {"motors_torque": float("nan")}, ValueError, "motors_torque"),
        ("default", {"motors_torque": "80"}, TypeError, "motors_torque must be a number"),
        ("default", [("motors_torque", 80)], TypeError, "body_options must be a dict"),
        (3, None, TypeError, "body must be a body name or a BodySpec"),
    ],
)
def test_bad_bodies_and_options_are_refused_clearly(body, options, error, message):
    with pytest.raises(error, match=message):
        gym.make("StumpTracks-v0", body=body, body_options=options)


def test_a_handmade_body_spec():
    """A BodySpec needs no catalogue entry: a box on one motorised leg."""
    spec = BodySpec(
        "pogo",
        parts=(Part("box", size=(30, 20), density=5.0), Part("leg", size=(6, 40), position=(0, -30))),
        joints=(Joint("box", "leg", (-0.5, 0.5), anchor=(0, -10), speed=4.0, senses_contact=True),),
        reference="box",
        critical=("box",),
        motors_torque=80.0,
        torque_cost=0.028,
        spawn_height=50,
        width=30,
    )
    env = gym.make("StumpTracks-v0", body=spec)
    assert env.observation_space.shape == (4 + 3 + 10,) and env.action_space.shape == (1,)
    env.reset(seed=0)
    env.step(np.ones(1, np.float32))
    with pytest.raises(ValueError, match="unknown parts \\['arm'\\]"):
        BodySpec(
            "bad",
            parts=spec.parts,
            joints=(Joint("box", "arm", (0, 1), anchor=(0, 0)),),
            reference="box",
            critical=(),
            motors_torque=1.0,
            torque_cost=0.0,
            spawn_height=1,
            width=1,
        )
    with pytest.raises(ValueError, match="body_options apply to a body given by name"):
        get_body(spec, {"motors_torque": 1})


@pytest.mark.parametrize(
    "body", ["default", "classic_bipedal", "small_bipedal", "big_quadru", "spider", "millipede", "amphibian"]
)
def test_multiwalker_carries_with_legged_bodies(body):
    env = multiwalker_tracks_v0.parallel_env(n_walkers=2, body=body)
    obs, _ = env.reset(seed=0)
    assert {o.shape for o in obs.values()} == {(BODIES[body].obs_dim + 7,)}
    acts = {a: np.zeros(env.action_space(a).shape, np.float32) for a in env.agents}
    obs, rewards, *_ = env.step(acts)
    assert all(np.isfinite(o).all() for o in obs.values())


@pytest.mark.parametrize("body", ["wheel", "chimpanzee", "fish", "climber", "climber_chest"])
def test_multiwalker_refuses_bodies_that_cannot_carry(body):
    with pytest.raises(ValueError, match="cannot carry the package; allowed bodies"):
        multiwalker_tracks_v0.parallel_env(body=body)


def test_every_body_renders():
    env = gym.make("StumpTracks-v0", body="chimpanzee", render_mode="rgb_array")
    env.reset(seed=0)
    frame = env.render()
    assert frame.shape == (400, 600, 3) and frame.std() > 0
    assert cg.BODIES is BODIES or dict(cg.BODIES) == dict(BODIES)


def test_bodies_example_draws_every_body(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    out = tmp_path / "bodies.png"
    example = Path(__file__).resolve().parents[1] / "examples" / "bodies.py"
    done = subprocess.run(
        [sys.executable, str(example), "--out", str(out)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert out.stat().st_size > 10_000
    assert all(name in done.stdout for name in BODIES)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Joint("a", "b", (0, 1), anchor=(0, 0), speed=0.0), "speed must be a finite number > 0"),
        (lambda: Joint("a", "a", (0, 1), anchor=(0, 0)), "must join two different parts"),
        (lambda: Joint("a", "b", (1, 0), anchor=(0, 0)), "low <= high"),
        (lambda: Joint("a", "b", (0, float("nan")), anchor=(0, 0)), "finite"),
        (lambda: Joint("a", "b", (0, 1), anchor=(0, 0), senses_contact=True), "need a motor"),
        (lambda: Part("p", size=(0, 1)), "size must be positive"),
        (lambda: Part("p", vertices=[(0, 0), (1, 0)]), "3 to 8 vertices"),
        (lambda: Part("p", size=(1, 1), density=-1), "density must be a finite number > 0"),
        (
            lambda: BodySpec(
                "x",
                BODIES["default"].parts,
                BODIES["default"].joints,
                "hull",
                ("hull",),
                80,
                0.1,
                spawn_height=10,
                width=float("nan"),
            ),
            "width must be a finite number > 0",
        ),
    ],
)
def test_a_malformed_body_spec_is_refused_when_made(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_body_spec_fields_must_be_tuples_not_strings():
    spec = BODIES["default"]
    with pytest.raises(TypeError, match="critical must be a tuple"):
        BodySpec("x", spec.parts, spec.joints, "hull", "hull", 80, 0.1, spawn_height=10, width=10)
    listed = BodySpec("x", list(spec.parts), list(spec.joints), "hull", ["hull"], 80, 0.1, spawn_height=10, width=10)
    assert isinstance(listed.parts, tuple) and hash(listed)


def test_multiwalker_refuses_a_body_wider_than_the_walkers_spacing():
    with pytest.raises(ValueError, match="n_segments <= 7"):
        multiwalker_tracks_v0.parallel_env(body="millipede", body_options={"n_segments": 8})
    env = multiwalker_tracks_v0.parallel_env(n_walkers=2, body="millipede", body_options={"n_segments": 7})
    env.reset(seed=0)
    for _ in range(60):  # the package rests on the front segments and stays up under limp motors
        env.step({a: np.zeros(env.action_space(a).shape, np.float32) for a in env.agents})
    assert env.agents and not env.unwrapped._contacts.package_dropped
