"""Bodies as data: parts, joints, motors and hands, built into Box2D by one generic builder.

A :class:`BodySpec` lists rigid :class:`Part` s (a box or a polygon, in pixels;
the env divides by its ``SCALE`` at build time) and revolute :class:`Joint` s
between them. Motorised joints are the action, in their order; each adds its
angle and speed (and, for joints whose child part senses the ground, a contact
flag) to the observation; a climber's :class:`Hand` s add a grasp command each after
them. :class:`~curriculum_gym.envs.walker_body.Walker` is the one builder.

The catalogue (``BODIES``, options through :func:`get_body`):

- ``default``, ``short``, ``quadru``: the walkers of Portelas et al. (CoRL 2019):
  BipedalWalker's biped with 34 or 17 px legs, and a four-legged variant.
  ``default`` is TeachMyAgent's ``old_classic_bipedal``.
- ``classic_bipedal``, ``small_bipedal``, ``big_quadru``, ``spider``, ``millipede``,
  ``wheel``, ``chimpanzee``: TeachMyAgent's walker bodies (Romac et al., ICML 2021;
  ``chimpanzee`` is its ``profile_chimpanzee``), on Stump Tracks with its sizes.
- ``fish`` (a swimmer) and ``amphibian`` (TeachMyAgent's ``amphibious_bipedal``): bodies
  for Parkour's water, lighter than the walkers (densities relative to the water's 1.0:
  the fish 0.99 throughout, the amphibian's hull 1.25 and legs 0.25). On the tracks,
  which have no water, the fish just flops.
- ``climber`` and ``climber_chest``: TeachMyAgent's ``climbing_profile_chimpanzee`` and
  ``climbing_chest_profile_chimpanzee``, whose hands grasp Parkour's ceiling and creepers
  (:class:`Hand`; one grasp command per hand after the motors). On the tracks, which have
  no ceiling, the grasp commands only cost torque and the hands read 0.

A body's ``category`` (walker, swimmer, amphibian or climber) decides what Parkour gives
it by default: its lidar fan and how long it survives in or out of the water.

Adding a morphology is one more function returning a :class:`BodySpec` and one
line in ``_CATALOGUE``.

Decisions where TeachMyAgent's own code is odd, made on purpose:

- Every body accepts ``motors_torque`` (TeachMyAgent's ``old_classic_bipedal`` refuses
  it); the torque cost per unit of action does not change with it (TeachMyAgent's
  ``TORQUE_PENALTY * 80``). Count options must be integers (its launcher passed floats
  and crashed); all options are bounded and checked at ``gym.make``. Names:
  ``n_leg_pairs`` is TeachMyAgent's ``nb_pairs_of_legs``, ``n_segments`` its
  ``nb_of_bodies``; the wheel's ``body_scale`` is not offered.
- A body wider than 15 terrain steps gets a start pad of ``ceil(width / step + 5)``
  steps, a whole number, and the track grows by as much (TeachMyAgent's start pad,
  ``width / step + 5``, became fractional and crashed Parkour). ``width`` is the real
  extent (TeachMyAgent's ``AGENT_WIDTH`` understates the small biped's and the wheel's).
- Parts of one walker never collide with each other (TeachMyAgent's chimpanzees use
  another collision category); the millipede has no critical part (its intended head
  criticality had no effect there either).
- A foot's contact flag counts overlapping ground contacts (BipedalWalker's
  boolean is cleared by the first of two ending contacts); the three walkers of
  Portelas et al. keep their exact trajectories, tested bit for bit.
- Spawn heights: ``default``, ``short`` and ``quadru`` at twice their leg length,
  TeachMyAgent's bodies at their own centre height above the ground, as on its Stump
  Tracks; the fish 1 m higher still (its body lifts itself by 1 m), on both tracks and Parkour.
- The climbers' lower legs are critical in Parkour only (TeachMyAgent makes them critical on
  Stump Tracks too, where a standing climber's feet touch the ground on its first step and end
  every episode at once); on the tracks, as the walking chimpanzee, only head and chest are.
- The fish gets the random spawn push on its head like every other body (TeachMyAgent
  draws it but does not apply it to the fish).
"""

from __future__ import annotations

import inspect
import math
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

Point = tuple[float, float]


@dataclass(frozen=True)
class Part:
    """A rigid part: a ``size`` (width, height) box or a convex polygon of ``vertices``, in pixels.

    ``position`` is its centre in pixels from the body's spawn point, ``angle`` its
    initial rotation (radians). ``shade`` only picks its colour when drawn (0: near
    limb, 1: far limb, 2: trunk).
    """

    name: str
    size: Point | None = None
    vertices: tuple[Point, ...] | None = None
    position: Point = (0.0, 0.0)
    angle: float = 0.0
    density: float = 1.0
    friction: float = 0.2
    shade: int = 0

    def __post_init__(self) -> None:
        if (self.size is None) == (self.vertices is None):
            raise ValueError(f"part {self.name!r} needs exactly one of size=(width, height) or vertices=[...]")
        if self.size is not None:
            size = _numbers(f"part {self.name!r} size", self.size, 2)
            if min(size) <= 0:
                raise ValueError(f"part {self.name!r} size must be positive (width, height) in pixels; got {size}")
            object.__setattr__(self, "size", size)
        else:
            vertices = tuple(_numbers(f"part {self.name!r} vertex", v, 2) for v in self.vertices)
            if not 3 <= len(vertices) <= MAX_VERTICES:
                raise ValueError(f"part {self.name!r} needs 3 to {MAX_VERTICES} vertices; got {len(vertices)}")
            object.__setattr__(self, "vertices", vertices)
        object.__setattr__(self, "position", _numbers(f"part {self.name!r} position", self.position, 2))
        _positive(f"part {self.name!r} density", self.density)
        if not (math.isfinite(self.angle) and math.isfinite(self.friction) and self.friction >= 0):
            raise ValueError(f"part {self.name!r}: angle and friction (>= 0) must be finite")

    @property
    def top(self) -> float:
        """Highest point of the shape above its centre, pixels (unrotated)."""
        return self.size[1] / 2 if self.size is not None else max(y for _, y in self.vertices)


@dataclass(frozen=True)
class Joint:
    """A revolute joint from ``parent`` to ``child`` (part names).

    Placed either at ``anchor`` (pixels from the spawn point; TeachMyAgent's bodies) or
    by ``local_anchors`` (one point in each part's own frame, pixels; the walkers of
    Portelas et al., whose initial poses the solver snaps together on the first step).
    Every joint reads angle 0 at spawn; ``limits`` are relative to that pose.

    A joint with a ``speed`` is a motor: action ``a`` sets its speed to
    ``speed * sign(a)`` and its torque to ``motors_torque * min(|a|, 1)``, and it adds
    ``angle + angle_correction``, ``joint speed / speed`` and, when ``senses_contact``,
    whether the child part touches the ground to the observation.
    """

    parent: str
    child: str
    limits: Point
    anchor: Point | None = None
    local_anchors: tuple[Point, Point] | None = None
    speed: float | None = None
    senses_contact: bool = False
    angle_correction: float = 0.0

    def __post_init__(self) -> None:
        name = f"joint {self.parent}->{self.child}"
        if (self.anchor is None) == (self.local_anchors is None):
            raise ValueError(f"{name} needs exactly one of anchor or local_anchors")
        if self.parent == self.child:
            raise ValueError(f"{name} must join two different parts")
        low, high = _numbers(f"{name} limits", self.limits, 2)
        if low > high:
            raise ValueError(f"{name} limits must be (low, high) with low <= high; got {(low, high)}")
        object.__setattr__(self, "limits", (low, high))
        if self.anchor is not None:
            object.__setattr__(self, "anchor", _numbers(f"{name} anchor", self.anchor, 2))
        else:
            object.__setattr__(
                self, "local_anchors", tuple(_numbers(f"{name} local anchor", a, 2) for a in self.local_anchors)
            )
        if self.speed is not None:
            _positive(f"{name} speed", self.speed)
        elif self.senses_contact or self.angle_correction:
            raise ValueError(f"{name}: senses_contact and angle_correction need a motor (a speed)")

    @property
    def motorised(self) -> bool:
        return self.speed is not None


@dataclass(frozen=True)
class Hand:
    """A grasping hand sensor: a circle of ``radius`` pixels welded to ``part``, centred at ``position``
    (pixels from the spawn point). It never collides; in Parkour it grips the ceiling or a creeper it
    touches while its grasp command is > 0 (TeachMyAgent's climbers).

    Each hand adds one grasp command to the action, after the motors, and ``[touching, grasping]``
    to the observation, after the motor block.
    """

    part: str
    position: Point
    radius: float = 1.5

    def __post_init__(self) -> None:
        object.__setattr__(self, "position", _numbers(f"hand on {self.part!r} position", self.position, 2))
        _positive(f"hand on {self.part!r} radius", self.radius)


@dataclass(frozen=True)
class BodySpec:
    """A walker: its parts, joints, motors and the rules that depend on the body.

    ``reference`` names the part that carries the lidar and the reward (its x and
    angle) and whose state opens the observation; contact of a ``critical`` part
    with the terrain ends the episode with -100. ``torque_cost`` is the reward cost
    per motor per unit of ``min(|a|, 1)``; ``spawn_height`` (pixels) puts the body's
    spawn point (the origin of part positions and anchors) above the ground;
    ``width`` (pixels, the body's extent along the track) sizes the flat start pad. ``head_angle_shaping`` keeps the ``-5 |angle|`` reward term;
    ``carries_package`` says whether the multi-walker env accepts the body;
    ``parkour_critical`` lists the parts whose contact ends a Parkour episode (TeachMyAgent:
    none for its walkers, whose hulls may touch the ground there; the chimpanzee's head and chest);
    ``category`` (one of :data:`CATEGORIES`) decides Parkour's defaults for the body: its lidar fan
    and how many steps it survives under water (walkers, climbers) or out of it (swimmers);
    ``hands`` are the grasping sensors of a climber (:class:`Hand`).
    """

    name: str
    parts: tuple[Part, ...]
    joints: tuple[Joint, ...]
    reference: str
    critical: tuple[str, ...]
    motors_torque: float
    torque_cost: float
    spawn_height: float
    width: float
    head_angle_shaping: bool = True
    carries_package: bool = True
    parkour_critical: tuple[str, ...] = ()
    category: str = "walker"
    hands: tuple[Hand, ...] = ()

    def __post_init__(self) -> None:
        if self.category not in CATEGORIES:
            raise ValueError(f"body {self.name!r} category must be one of {list(CATEGORIES)}; got {self.category!r}")
        for field_name in ("parts", "joints", "critical", "parkour_critical", "hands"):
            value = getattr(self, field_name)
            if isinstance(value, str) or not isinstance(value, (tuple, list)):
                raise TypeError(f"body {self.name!r}: {field_name} must be a tuple; got {value!r}")
            object.__setattr__(self, field_name, tuple(value))
        if not all(isinstance(p, Part) for p in self.parts) or not all(isinstance(j, Joint) for j in self.joints):
            raise TypeError(f"body {self.name!r}: parts must be Parts and joints Joints")
        if not all(isinstance(h, Hand) for h in self.hands):
            raise TypeError(f"body {self.name!r}: hands must be Hands")
        for field_name in ("motors_torque", "spawn_height", "width"):
            _positive(f"body {self.name!r} {field_name}", getattr(self, field_name))
        if not (math.isfinite(self.torque_cost) and self.torque_cost >= 0):
            raise ValueError(f"body {self.name!r} torque_cost must be finite and >= 0; got {self.torque_cost!r}")
        names = [p.name for p in self.parts]
        if len(set(names)) != len(names):
            raise ValueError(f"body {self.name!r}: part names must be unique; got {names}")
        unknown = {
            self.reference,
            *self.critical,
            *self.parkour_critical,
            *(n for j in self.joints for n in (j.parent, j.child)),
            *(h.part for h in self.hands),
        } - set(names)
        if unknown:
            raise ValueError(f"body {self.name!r} refers to unknown parts {sorted(unknown)}; parts: {names}")

    @property
    def motors(self) -> tuple[Joint, ...]:
        """The motorised joints, in action order."""
        return tuple(j for j in self.joints if j.motorised)

    @property
    def action_dim(self) -> int:
        """One command per motor, then one grasp command per hand."""
        return len(self.motors) + len(self.hands)

    @property
    def obs_dim(self) -> int:
        """Reference-part block (4), per motor 2 values (+1 contact flag), per hand 2, 10 lidar readings."""
        return 4 + sum(3 if j.senses_contact else 2 for j in self.motors) + 2 * len(self.hands) + 10

    def part(self, name: str) -> Part:
        return next(p for p in self.parts if p.name == name)


MAX_VERTICES = 8  # Box2D's b2_maxPolygonVertices
#: the kinds of body; Parkour picks each one's lidar fan and survival limits (see ``parkour.CATEGORY_RULES``)
CATEGORIES = ("walker", "swimmer", "amphibian", "climber")


def _numbers(what: str, values: Any, n: int) -> tuple[float, ...]:
    try:
        out = tuple(float(v) for v in values)
    except (TypeError, ValueError):
        raise TypeError(f"{what} must be {n} numbers; got {values!r}") from None
    if len(out) != n or not all(math.isfinite(v) for v in out):
        raise ValueError(f"{what} must be {n} finite numbers; got {values!r}")
    return out


def _positive(what: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (math.isfinite(value) and value > 0):
        raise ValueError(f"{what} must be a finite number > 0; got {value!r}")


# ---------------------------------------------------------------- the catalogue
PI = math.pi
HIP_LIMITS, KNEE_LIMITS = (-0.8, 1.1), (-1.6, -0.1)  # BipedalWalker's hip and knee ranges
HIP_SPEED, KNEE_SPEED = 4.0, 6.0
TORQUE_PENALTY = 0.00035  # BipedalWalker's reward cost per unit of torque, at 80 torque units
_BIPED_HULL = ((-30, +9), (+6, +9), (+34, +1), (+34, -8), (-30, -8))
_QUADRU_HULL = ((-46, +13), (+6, +13), (+50, +5), (+50, -12), (-46, -12))
#: the swimmers' and amphibians' densities, relative to the water's (Parkour's WATER_DENSITY, 1.0)
FISH_DENSITY = 0.99  # slightly lighter than water: a submerged fish rises slowly
AMPHIBIAN_DENSITIES = (1.25, 0.25)  # hull, legs: it floats


def legged_walker(
    name: str,
    hull: tuple[Point, ...],
    leg_w: float,
    leg_h: float,
    leg_pairs_x: tuple[float, ...],
    motors_torque: float,
    torque_cost: float,
    leg_down: float = -8.0,
) -> BodySpec:
    """A hull and pairs of two-segment legs as in BipedalWalker (Portelas et al., CoRL 2019).

    Each pair of hips sits ``leg_pairs_x`` pixels along the hull, ``leg_down`` pixels
    below its origin; legs start tilted by +-0.05 rad; the hull spawns ``2 * leg_h``
    above the ground. (These are the walkers ``default``, ``short`` and ``quadru``.)
    """
    parts = [Part("hull", vertices=hull, density=5.0, friction=0.1)]
    joints = []
    for pair, pair_x in enumerate(leg_pairs_x):
        for side in (-1, +1):
            leg = 2 * pair + (side > 0)
            upper, lower = f"upper_leg_{leg}", f"lower_leg_{leg}"
            shade = 0 if side < 0 else 1
            parts += [
                Part(
                    upper, size=(leg_w, leg_h), position=(pair_x, -leg_h / 2 - leg_down), angle=side * 0.05, shade=shade
                ),
                Part(
                    lower,
                    size=(0.8 * leg_w, leg_h),
                    position=(pair_x, -leg_h * 3 / 2 - leg_down),
                    angle=side * 0.05,
                    shade=shade,
                ),
            ]
            joints += [
                Joint("hull", upper, HIP_LIMITS, local_anchors=((pair_x, leg_down), (0, leg_h / 2)), speed=HIP_SPEED),
                Joint(
                    upper,
                    lower,
                    KNEE_LIMITS,
                    local_anchors=((0, -leg_h / 2), (0, leg_h / 2)),
                    speed=KNEE_SPEED,
                    senses_contact=True,
                    angle_correction=1.0,
                ),
            ]
    width = max(x for x, _ in hull) - min(x for x, _ in hull)
    return BodySpec(
        name,
        tuple(parts),
        tuple(joints),
        "hull",
        ("hull",),
        motors_torque,
        torque_cost,
        spawn_height=2 * leg_h,
        width=width,
    )


def _two_segment_leg(
    parent: str,
    tag: str,
    hip: Point,
    direction: Point,
    sizes: tuple[Point, Point],
    leg_angle: float = 0.0,
    shade: int = 0,
    density: float = 1.0,
) -> tuple[list[Part], list[Joint]]:
    """A hip and a knee with BipedalWalker's limits, the leg pointing along ``direction`` from ``hip``."""
    (upper_w, upper_h), (lower_w, lower_h) = sizes
    dx, dy = direction
    knee = (hip[0] + dx * upper_h, hip[1] + dy * upper_h)
    parts = [
        Part(
            f"upper_{tag}",
            size=(upper_w, upper_h),
            angle=leg_angle,
            shade=shade,
            position=(hip[0] + dx * upper_h / 2, hip[1] + dy * upper_h / 2),
            density=density,
        ),
        Part(
            f"lower_{tag}",
            size=(lower_w, lower_h),
            angle=leg_angle,
            shade=shade,
            position=(knee[0] + dx * lower_h / 2, knee[1] + dy * lower_h / 2),
            density=density,
        ),
    ]
    joints = [
        Joint(parent, f"upper_{tag}", HIP_LIMITS, anchor=hip, speed=HIP_SPEED),
        Joint(
            f"upper_{tag}",
            f"lower_{tag}",
            KNEE_LIMITS,
            anchor=knee,
            speed=KNEE_SPEED,
            senses_contact=True,
            angle_correction=1.0,
        ),
    ]
    return parts, joints


def _bipedal(
    name: str,
    leg_h: float,
    motors_torque: float,
    hull_density: float = 5.0,
    leg_density: float = 1.0,
    critical: tuple[str, ...] = ("hull",),
    category: str = "walker",
) -> BodySpec:
    parts = [Part("hull", vertices=_BIPED_HULL, density=hull_density, friction=0.1)]
    joints: list[Joint] = []
    for leg in range(2):
        p, j = _two_segment_leg(
            "hull", f"leg_{leg}", (0, -3), (0, -1), ((8, leg_h), (6.4, leg_h)), shade=leg, density=leg_density
        )
        parts += p
        joints += j
    return BodySpec(
        name,
        tuple(parts),
        tuple(joints),
        "hull",
        critical,
        motors_torque,
        TORQUE_PENALTY * 80,
        spawn_height=3 + 2 * leg_h,
        width=64,
        category=category,
    )


def default(motors_torque: float = 80.0) -> BodySpec:
    """BipedalWalker's biped (24 observations, 4 actions)."""
    return legged_walker("default", _BIPED_HULL, 8, 34, (0.0,), motors_torque, TORQUE_PENALTY * 80)


def short(motors_torque: float = 80.0) -> BodySpec:
    """The biped with legs half as long (24 / 4)."""
    return legged_walker("short", _BIPED_HULL, 8, 17, (0.0,), motors_torque, TORQUE_PENALTY * 80)


def quadru(motors_torque: float = 300.0) -> BodySpec:
    """A longer hull on two pairs of legs (34 / 8)."""
    return legged_walker("quadru", _QUADRU_HULL, 10, 51, (-36.0, 25.5), motors_torque, TORQUE_PENALTY / 8 * 300)


def classic_bipedal(motors_torque: float = 80.0) -> BodySpec:
    """TeachMyAgent's classic biped: ``default`` with untilted legs whose joints meet (24 / 4)."""
    return _bipedal("classic_bipedal", 34, motors_torque)


def small_bipedal(motors_torque: float = 80.0) -> BodySpec:
    """TeachMyAgent's small biped: ``classic_bipedal`` with 17 px legs (24 / 4)."""
    return _bipedal("small_bipedal", 17, motors_torque)


def big_quadru(motors_torque: float = 300.0) -> BodySpec:
    """TeachMyAgent's quadruped: two columns of two 51 px legs under a 96 px hull (34 / 8)."""
    parts = [Part("hull", vertices=_QUADRU_HULL, density=5.0, friction=0.1)]
    joints: list[Joint] = []
    for column, x in enumerate((-33.6, 24.0)):  # rear, front
        for side in range(2):
            p, j = _two_segment_leg(
                "hull", f"leg_{2 * column + side}", (x, -3), (0, -1), ((10, 51), (8, 51)), shade=side
            )
            parts += p
            joints += j
    return BodySpec(
        "big_quadru",
        tuple(parts),
        tuple(joints),
        "hull",
        ("hull",),
        motors_torque,
        TORQUE_PENALTY / 2 * 80,
        spawn_height=105,
        width=96,
    )


def spider(n_leg_pairs: int = 2, motors_torque: float = 100.0) -> BodySpec:
    """A 20 px square on ``n_leg_pairs`` pairs of three-segment legs (42 / 12 with two pairs)."""
    parts = [Part("body", size=(20, 20), density=5.0, friction=0.1)]
    joints: list[Joint] = []
    for leg, side in enumerate([+1, -1] * n_leg_pairs):  # +1: from the left edge, -1: from the right edge
        joint = (-side * 10.0, -4.0)
        parent = "body"
        for segment, (width, angle, limit, speed) in enumerate(
            ((6.0, 0.25 * PI, 0.1 * PI, 4.0), (6.0, 0.7 * PI, 0.15 * PI, 4.0), (4.8, 0.9 * PI, 0.2 * PI, 6.0))
        ):
            theta = side * angle
            ux, uy = -math.sin(theta), math.cos(theta)
            name = f"leg_{leg}_{segment}"
            parts.append(
                Part(
                    name,
                    size=(width, 20),
                    angle=theta,
                    shade=leg % 2,
                    position=(joint[0] + 10 * ux, joint[1] + 10 * uy),
                )
            )
            joints.append(Joint(parent, name, (-limit, limit), anchor=joint, speed=speed, senses_contact=segment == 2))
            joint, parent = (joint[0] + 20 * ux, joint[1] + 20 * uy), name
    return BodySpec(
        "spider",
        tuple(parts),
        tuple(joints),
        "body",
        ("body",),
        motors_torque,
        TORQUE_PENALTY / n_leg_pairs * 80,
        spawn_height=24,
        width=100,
    )


def millipede(n_segments: int = 4, motors_torque: float = 200.0) -> BodySpec:
    """``n_segments`` 20 px squares in a row, linked by loose joints, each on two short legs (54 / 16 with 4).

    The rightmost segment leads (lidar, reward); no part's contact ends the episode.
    """
    parts: list[Part] = []
    joints: list[Joint] = []
    for k in range(n_segments):
        x = -n_segments * 10.0 + k * 20
        parts.append(Part(f"segment_{k}", size=(20, 20), position=(x, 0.0), density=5.0, friction=0.1, shade=2))
        if k > 0:
            joints.append(Joint(f"segment_{k - 1}", f"segment_{k}", (-0.05 * PI, 0.05 * PI), anchor=(x - 10, 0.0)))
        for side in range(2):
            p, j = _two_segment_leg(
                f"segment_{k}", f"leg_{k}_{side}", (x, -3), (0, -1), ((4, 10), (3.2, 10)), shade=side
            )
            parts += p
            joints += j
    return BodySpec(
        "millipede",
        tuple(parts),
        tuple(joints),
        f"segment_{n_segments - 1}",
        (),
        motors_torque,
        TORQUE_PENALTY / n_segments * 80,
        spawn_height=23,
        width=20 * n_segments,
    )


def wheel(motors_torque: float = 500.0) -> BodySpec:
    """A 20 px square with a two-segment leg on each side, pointing down, up, left and right (34 / 8)."""
    parts = [Part("body", size=(20, 20), density=5.0, friction=0.1)]
    joints: list[Joint] = []
    for leg, (direction, angle) in enumerate((((0, -1), 0.0), ((0, 1), 0.0), ((-1, 0), PI / 2), ((1, 0), PI / 2))):
        hip = (10.0 * direction[0], 10.0 * direction[1])
        p, j = _two_segment_leg(
            "body", f"leg_{leg}", hip, direction, ((4, 10), (3.2, 10)), leg_angle=angle, shade=leg % 2
        )
        parts += p
        joints += j
    return BodySpec(
        "wheel",
        tuple(parts),
        tuple(joints),
        "body",
        ("body",),
        motors_torque,
        TORQUE_PENALTY / 2 * 80,
        spawn_height=30,
        width=60,
        head_angle_shaping=False,
        carries_package=False,
    )


def _chimpanzee_trunk(legs: bool = True) -> tuple[list[Part], list[Joint]]:
    """The profile chimpanzees' chest, head (on a loose neck) and, with ``legs``, two coincident legs."""
    parts = [
        Part("chest", vertices=((-12, 25), (12, 25), (8, -20), (-8, -20)), density=5.0, friction=0.1, shade=2),
        Part("head", size=(10, 20), position=(0, 38.5), density=5.0, friction=0.1),
    ]
    joints = [Joint("chest", "head", (-0.1 * PI, 0.1 * PI), anchor=(0, 22.5))]
    for leg in range(2 if legs else 0):
        parts += [
            Part(f"upper_leg_{leg}", size=(8, 28), position=(0, -26), shade=leg),
            Part(f"lower_leg_{leg}", size=(6.4, 28), position=(0, -54), shade=leg),
        ]
        joints += [
            Joint("chest", f"upper_leg_{leg}", (-0.3 * PI, 0.6 * PI), anchor=(0, -12), speed=4.0),
            Joint(
                f"upper_leg_{leg}",
                f"lower_leg_{leg}",
                (-0.75 * PI, -0.1),
                anchor=(0, -40),
                speed=6.0,
                senses_contact=True,
                angle_correction=1.0,
            ),
        ]
    return parts, joints


def chimpanzee(motors_torque: float = 100.0) -> BodySpec:
    """TeachMyAgent's profile chimpanzee: head, chest, two legs, two arms with three-part hands (50 / 14).

    The head leads (lidar, reward, no angle term); head or chest on the ground ends the episode.
    """
    parts, joints = _chimpanzee_trunk()
    for arm in range(2):
        parts += [
            Part(f"upper_arm_{arm}", size=(8, 28), position=(0, 8), shade=arm),
            Part(f"lower_arm_{arm}", size=(6.4, 28), position=(0, -20), shade=arm),
        ]
        joints += [
            Joint("chest", f"upper_arm_{arm}", (-0.5 * PI, 0.8 * PI), anchor=(0, 22), speed=4.0),
            Joint(f"upper_arm_{arm}", f"lower_arm_{arm}", (0.0, 0.75 * PI), anchor=(0, -6), speed=4.0),
        ]
        parent = f"lower_arm_{arm}"
        for k, (y, limits) in enumerate(
            ((-34, (-0.4 * PI, 0.35 * PI)), (-42, (-0.5 * PI, 0.0)), (-50, (-0.8 * PI, 0.0)))
        ):
            name = f"hand_{arm}_{k}"
            parts.append(Part(name, size=(4, 8), position=(0, y - 4), shade=arm))
            joints.append(Joint(parent, name, limits, anchor=(0, y), speed=8.0, senses_contact=True))
            parent = name
    return BodySpec(
        "chimpanzee",
        tuple(parts),
        tuple(joints),
        "head",
        ("head", "chest"),
        motors_torque,
        0.00007 * 80,
        spawn_height=68,
        width=24,
        head_angle_shaping=False,
        carries_package=False,
        parkour_critical=("head", "chest"),
    )


def fish(motors_torque: float = 80.0) -> BodySpec:
    """TeachMyAgent's fish: a head, two body segments and a tail in a row, a fin under the head (26 / 4).

    A swimmer, 0.99 times as dense as water throughout: it floats gently when submerged and
    flops out of it. The head leads (lidar, reward, no angle term); no part is critical.
    """
    density = FISH_DENSITY
    fin_angle = -0.2 * PI
    fin_pivot = (0.0, -5.0)  # TeachMyAgent: 0.2 m - 11 px below the head's centre
    fin_centre = (fin_pivot[0] + 10 * math.sin(fin_angle), fin_pivot[1] - 10 * math.cos(fin_angle))
    parts = (
        Part(
            "head",
            vertices=((-20, 12), (6, 12), (15, 4), (15, -4), (6, -12), (-20, -12)),
            density=density,
            friction=0.1,
            shade=2,
        ),
        Part("body_0", vertices=((-8, 9), (8, 12), (8, -12), (-8, -9)), position=(-25.5, 0), density=density, shade=2),
        Part("body_1", vertices=((-8, 4), (8, 9), (8, -9), (-8, -4)), position=(-41.5, 0), density=density, shade=2),
        Part("tail", vertices=((-4, 2), (4, 4), (4, -4), (-4, -2)), position=(-53.5, 0), density=density, shade=2),
        Part("fin", size=(2, 20), position=fin_centre, angle=fin_angle, density=density),
    )
    swim = dict(speed=6.0, senses_contact=True)
    joints = (
        Joint("head", "body_0", (-0.1 * PI, 0.2 * PI), anchor=(-17.5, 0), **swim),
        Joint("body_0", "body_1", (-0.15 * PI, 0.15 * PI), anchor=(-33.5, 0), **swim),
        Joint("body_1", "tail", (-0.3 * PI, 0.3 * PI), anchor=(-49.5, 0), **swim),
        Joint("head", "fin", (-0.3 * PI, 0.2 * PI), anchor=fin_pivot, **swim),
    )
    return BodySpec(
        "fish",
        parts,
        joints,
        "head",
        (),
        motors_torque,
        TORQUE_PENALTY * 80,
        spawn_height=9 + 30,  # TeachMyAgent's centre height, 9 px, and its 1 m lift
        width=72.5,
        head_angle_shaping=False,
        carries_package=False,
        category="swimmer",
    )


def amphibian(motors_torque: float = 80.0) -> BodySpec:
    """TeachMyAgent's amphibious biped: ``classic_bipedal`` with a hull 1.25 and legs 0.25 times as dense
    as water, so it floats (24 / 4). No part is critical, on the tracks either."""
    return _bipedal(
        "amphibian",
        34,
        motors_torque,
        hull_density=AMPHIBIAN_DENSITIES[0],
        leg_density=AMPHIBIAN_DENSITIES[1],
        critical=(),
        category="amphibian",
    )


def _climber(name: str, legs: bool, motors_torque: float) -> BodySpec:
    parts, joints = _chimpanzee_trunk(legs)
    hands = []
    for arm in range(2):  # pointing up, each ending in a hand with a grasping sensor
        parts += [
            Part(f"upper_arm_{arm}", size=(8, 28), position=(0, 36), shade=arm),
            Part(f"lower_arm_{arm}", size=(6.4, 28), position=(0, 64), shade=arm),
            Part(f"hand_{arm}", size=(4, 8), position=(0, 82), shade=arm),
        ]
        joints += [
            Joint("chest", f"upper_arm_{arm}", (-1.5 * PI, 0.0), anchor=(0, 22), speed=4.0),
            Joint(f"upper_arm_{arm}", f"lower_arm_{arm}", (0.0, 0.75 * PI), anchor=(0, 50), speed=4.0),
            Joint(
                f"lower_arm_{arm}", f"hand_{arm}", (-0.5 * PI, 0.5 * PI), anchor=(0, 78), speed=8.0, senses_contact=True
            ),
        ]
        hands.append(Hand(f"hand_{arm}", (0, 86)))
    hanging_critical = ("head", "chest", "lower_leg_0", "lower_leg_1") if legs else ("head", "chest")
    return BodySpec(
        name,
        tuple(parts),
        tuple(joints),
        "head",
        ("head", "chest"),
        motors_torque,
        0.00007 * 80,
        spawn_height=68,
        width=24,
        head_angle_shaping=False,
        carries_package=False,
        parkour_critical=hanging_critical,
        category="climber",
        hands=tuple(hands),
    )


def climber(motors_torque: float = 100.0) -> BodySpec:
    """TeachMyAgent's climbing profile chimpanzee: the chimpanzee with arms pointing up, each ending in a
    hand that grasps (42 / 12: 10 motors, then 2 grasp commands).

    The head leads (lidar, reward, no angle term). In Parkour, where it starts hanging from the ceiling,
    its head, chest or a lower leg touching anything but the ceiling ends the episode; on the tracks,
    where it stands, its head or chest touching the ground does.
    """
    return _climber("climber", True, motors_torque)


def climber_chest(motors_torque: float = 100.0) -> BodySpec:
    """TeachMyAgent's climbing chest chimpanzee: ``climber`` without legs (32 / 8: 6 motors, 2 grasps)."""
    return _climber("climber_chest", False, motors_torque)


_CATALOGUE: Mapping[str, Callable[..., BodySpec]] = MappingProxyType(
    {
        "default": default,
        "short": short,
        "quadru": quadru,
        "classic_bipedal": classic_bipedal,
        "small_bipedal": small_bipedal,
        "big_quadru": big_quadru,
        "spider": spider,
        "millipede": millipede,
        "wheel": wheel,
        "chimpanzee": chimpanzee,
        "fish": fish,
        "amphibian": amphibian,
        "climber": climber,
        "climber_chest": climber_chest,
    }
)
#: every named body with its default options
BODIES: MappingProxyType[str, BodySpec] = MappingProxyType({name: make() for name, make in _CATALOGUE.items()})
#: bounds of the integer body options (a body of hundreds of parts is not a walker, and is slow to build)
COUNT_OPTIONS = {"n_leg_pairs": (1, 8), "n_segments": (1, 32)}
MAX_TORQUE = 1e5


def body_options(name: str) -> dict[str, Any]:
    """The options a named body accepts, with their defaults."""
    if name not in _CATALOGUE:
        raise ValueError(f"unknown body {name!r}; allowed bodies: {sorted(_CATALOGUE)}")
    return {k: p.default for k, p in inspect.signature(_CATALOGUE[name]).parameters.items()}


def get_body(body: str | BodySpec, options: Mapping[str, Any] | None = None) -> BodySpec:
    """A body by name, built with ``options`` (e.g. ``{"motors_torque": 120}``), or a :class:`BodySpec` as given.

    >>> get_body("millipede", {"n_segments": 6}).action_dim
    24
    """
    if isinstance(body, BodySpec):
        if options:
            raise ValueError("body_options apply to a body given by name, not to a BodySpec")
        return body
    if not isinstance(body, str):
        raise TypeError(f"body must be a body name or a BodySpec; got {type(body).__name__}")
    allowed = body_options(body)
    if options is None:
        return BODIES[body]
    if not isinstance(options, Mapping):
        raise TypeError(f"body_options must be a dict of option -> value; got {type(options).__name__}")
    unknown = sorted((k for k in options if k not in allowed), key=repr)
    if unknown:
        raise ValueError(f"unknown body option(s) {unknown} for body {body!r}; allowed: {sorted(allowed)}")
    checked = {key: _check_option(key, value) for key, value in options.items()}
    return _CATALOGUE[body](**checked)


def _check_option(key: str, value: Any) -> Any:
    if key not in COUNT_OPTIONS and key != "motors_torque":
        raise ValueError(f"body option {key} has no check; checked options: {sorted(COUNT_OPTIONS)} and motors_torque")
    if key in COUNT_OPTIONS:
        low, high = COUNT_OPTIONS[key]
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise TypeError(f"body option {key} must be an integer in [{low}, {high}]; got {value!r}")
        if not low <= int(value) <= high:
            raise ValueError(f"body option {key} must be an integer in [{low}, {high}]; got {value!r}")
        return int(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"body option {key} must be a number in (0, {MAX_TORQUE:g}]; got {value!r}")
    if not 0 < float(value) <= MAX_TORQUE:
        raise ValueError(f"body option {key} must be a number in (0, {MAX_TORQUE:g}]; got {value!r}")
    return float(value)
