"""Water physics of TeachMyAgent's Parkour: buoyancy, drag, lift and the joints' push.

Small pure functions on plain floats (tested on simple shapes), plus the two pieces that touch
Box2D: :class:`WaterContacts`, the (water, body part) pairs fed by the env's contact listener,
and :func:`apply_water_forces`, called after each ``world.Step``. Box2D clears forces after a
step, so what it applies acts during the *next* step (one step of lag, as in the original).

Per submerged part (its world polygon clipped to the water rectangle, Sutherland-Hodgman):

1. buoyancy ``density * area * g`` upward, at the submerged centroid;
2. per edge of the submerged polygon, with u the part's velocity at the edge's midpoint
   (the water is still), û its direction, e the edge's direction, n = (e_y, -e_x) its
   outward normal (counter-clockwise polygons) and L its length:

   - on a leading edge (d = n·û >= 0): drag ``-min(d * 0.25 * L * rho * |u|^2, 2000) * û``
     and lift ``min(d * (e·û) * 0.25 * L * rho * |u|^2, 500) * (-û_y, û_x)`` (only the upper
     bound is clipped, as in the original), both at the midpoint;
   - for every motor joint whose child is this part, with its angle strictly between its
     limits: the "push". With τ the joint's motor torque, r = centre of mass - anchor and
     f = τ * (-r_y, r_x), if p = n·f > 0, the force ``clip(-p * 0.05 * L * rho * (τ + I ω)^2 * f,
     -water_clip, water_clip)`` (component-wise) at the anchor.

Decision on the push torque: τ is ``GetMotorTorque(60)``, i.e. 60 x the last motor impulse, as
TeachMyAgent computes it, although a step lasts 1/50 s (the true torque is 50 x the impulse).
The push is a heuristic with a free coefficient (0.05) and a clip; its factor of 1.2 is part
of the dynamics every Parkour swimmer learned with, not a bug in what it simulates, so it is
kept (:data:`PUSH_TORQUE_INV_DT`). So are the other approximations listed in PARKOUR.md §7.13
(torque added to angular momentum, component-wise clipping, one push per qualifying edge).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from curriculum_gym.envs.rendering import clip_polygon

Point = tuple[float, float]

#: the water's density (TeachMyAgent's WATER_DENSITY): sets buoyancy, drag, lift and push
WATER_DENSITY = 1.0
#: gravity's magnitude (Box2D's default world): buoyancy is density * area * this, upward
GRAVITY = 10.0
#: drag and lift coefficients per metre of leading edge
DRAG_COEFFICIENT = 0.25
LIFT_COEFFICIENT = 0.25
#: the largest drag and lift magnitudes on one edge (newtons)
MAX_DRAG = 2000.0
MAX_LIFT = 500.0
#: the push coefficient per metre of edge
PUSH_COEFFICIENT = 0.05
#: the push's default component-wise clip (TeachMyAgent's ``water_clip``)
WATER_CLIP = 20.0
#: the inverse time step the push reads motor torques with: TeachMyAgent's 60, not 1/dt = 50 (see above)
PUSH_TORQUE_INV_DT = 60.0


def submerged_polygon(vertices: Sequence[Point], water: tuple[float, float, float, float]) -> list[Point]:
    """The part of a convex polygon (world coordinates) inside the water rectangle ``(x0, x1, y0, y1)``.

    Sutherland-Hodgman against the rectangle's four sides; the orientation is kept. Fewer
    than 3 points: nothing is under water.

    >>> submerged_polygon([(0, 0), (2, 0), (2, 2), (0, 2)], (-5.0, 5.0, -5.0, 1.0))   # the lower half
    [(0.0, 1.0), (0, 0), (2, 0), (2.0, 1.0)]
    """
    x0, x1, y0, y1 = water
    return clip_polygon(vertices, x0, y0, x1, y1)


def polygon_area_centroid(points: Sequence[Point]) -> tuple[float, Point]:
    """Area and centroid of a simple counter-clockwise polygon (a fan of triangles from its first vertex).

    >>> polygon_area_centroid([(0, 0), (2, 0), (2, 1), (0, 1)])
    (2.0, (1.0, 0.5))
    """
    ox, oy = points[0]
    area = cx = cy = 0.0
    for (ax, ay), (bx, by) in zip(points[1:-1], points[2:]):
        ax, ay, bx, by = ax - ox, ay - oy, bx - ox, by - oy
        a = 0.5 * (ax * by - ay * bx)
        area += a
        cx += a * (ax + bx) / 3.0
        cy += a * (ay + by) / 3.0
    if area <= 0.0:
        return 0.0, (float(ox), float(oy))
    return area, (ox + cx / area, oy + cy / area)


def buoyancy_force(area: float, density: float = WATER_DENSITY, gravity: float = GRAVITY) -> Point:
    """The upward force on ``area`` square metres under water: the weight of the water displaced."""
    return 0.0, density * area * gravity


def drag_and_lift(v0: Point, v1: Point, velocity: Point, density: float = WATER_DENSITY) -> tuple[Point, Point]:
    """Drag and lift on the edge ``v0 -> v1`` of a counter-clockwise submerged polygon moving at ``velocity``
    (at the edge's midpoint, relative to the water). A trailing edge (or no motion) gets none.

    >>> drag_and_lift((1.0, 0.0), (1.0, 1.0), (2.0, 0.0))   # the right side, moving right: pure drag
    ((-1.0, 0.0), (0.0, 0.0))
    """
    ex, ey = v1[0] - v0[0], v1[1] - v0[1]
    length = math.hypot(ex, ey)
    speed = math.hypot(*velocity)
    if length <= 0.0 or speed <= 0.0:
        return (0.0, 0.0), (0.0, 0.0)
    ex, ey = ex / length, ey / length
    ux, uy = velocity[0] / speed, velocity[1] / speed
    d = ey * ux - ex * uy  # n . û with n = (e_y, -e_x)
    if d < 0.0:
        return (0.0, 0.0), (0.0, 0.0)
    pressure = length * density * speed * speed
    drag = min(d * DRAG_COEFFICIENT * pressure, MAX_DRAG)
    lift = min(d * (ex * ux + ey * uy) * LIFT_COEFFICIENT * pressure, MAX_LIFT)
    return (0.0 - drag * ux, 0.0 - drag * uy), (0.0 - lift * uy, 0.0 + lift * ux)  # 0.0 +: no -0.0


def push_force(
    v0: Point,
    v1: Point,
    torque: float,
    angular_momentum: float,
    lever: Point,
    density: float = WATER_DENSITY,
    clip: float = WATER_CLIP,
) -> Point | None:
    """The push of a motor joint through the edge ``v0 -> v1``, or None when the edge does not face it.

    ``torque`` is the joint's motor torque, ``angular_momentum`` the part's inertia times its
    angular velocity, ``lever`` its centre of mass minus the joint's anchor. Each component is
    clipped to ``[-clip, clip]``.

    >>> push_force((1.0, -1.0), (1.0, 1.0), 1.0, 0.0, (0.0, -1.0))   # f = (1, 0) through the right side
    (-0.1, -0.0)
    """
    ex, ey = v1[0] - v0[0], v1[1] - v0[1]
    length = math.hypot(ex, ey)
    if length <= 0.0:
        return None
    fx, fy = -torque * lever[1], torque * lever[0]
    p = (ey * fx - ex * fy) / length  # n . f
    if not p > 0.0:
        return None
    v = torque + angular_momentum
    magnitude = p * PUSH_COEFFICIENT * length * density * v * v
    return (min(max(-magnitude * fx, -clip), clip), min(max(-magnitude * fy, -clip), clip))


class WaterContacts:
    """The body-part fixtures overlapping the water, in the order they entered (the env's contact
    listener calls :meth:`begin` and :meth:`end`; the water is a sensor, so a contact is an overlap)."""

    def __init__(self) -> None:
        self.fixtures: list[Any] = []

    def begin(self, fixture: Any) -> None:
        self.fixtures.append(fixture)

    def end(self, fixture: Any) -> None:
        if fixture in self.fixtures:
            self.fixtures.remove(fixture)

    def __len__(self) -> int:
        return len(self.fixtures)


def apply_water_forces(
    contacts: WaterContacts,
    water: tuple[float, float, float, float],
    joints_of: Mapping[Any, Sequence[Any]],
    *,
    density: float = WATER_DENSITY,
    clip: float = WATER_CLIP,
) -> None:
    """Apply buoyancy, drag, lift and push to every part in ``contacts`` (after a ``world.Step``).

    ``water`` is the rectangle ``(x0, x1, y0, y1)``; ``joints_of`` maps a part's Box2D body to
    the motor joints whose child it is (for the push). The forces act during the next step.
    """
    for fixture in contacts.fixtures:
        body = fixture.body
        transform = body.transform
        polygon = submerged_polygon([tuple(transform * v) for v in fixture.shape.vertices], water)
        if len(polygon) < 3:
            continue
        area, centroid = polygon_area_centroid(polygon)
        if area > 0.0:
            body.ApplyForce(buoyancy_force(area, density), centroid, True)
        pushes = []
        for joint in joints_of.get(body, ()):
            if joint.lowerLimit < joint.angle < joint.upperLimit:
                torque = joint.GetMotorTorque(PUSH_TORQUE_INV_DT)
                if torque != 0.0:
                    anchor = tuple(joint.anchorB)
                    centre = body.worldCenter
                    lever = (centre[0] - anchor[0], centre[1] - anchor[1])
                    pushes.append((torque, body.inertia * body.angularVelocity, lever, anchor))
        for v0, v1 in zip(polygon, polygon[1:] + polygon[:1]):
            mid = (0.5 * (v0[0] + v1[0]), 0.5 * (v0[1] + v1[1]))
            drag, lift = drag_and_lift(v0, v1, tuple(body.GetLinearVelocityFromWorldPoint(mid)), density)
            if drag != (0.0, 0.0) or lift != (0.0, 0.0):
                body.ApplyForce((drag[0] + lift[0], drag[1] + lift[1]), mid, True)
            for torque, momentum, lever, anchor in pushes:
                force = push_force(v0, v1, torque, momentum, lever, density, clip)
                if force is not None:
                    body.ApplyForce(force, anchor, True)
