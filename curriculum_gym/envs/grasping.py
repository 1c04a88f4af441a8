"""Grasping for TeachMyAgent's climbers in Parkour: hand sensors grip the ceiling and the creepers.

Each climber hand ends in a small circle sensor (:class:`~curriculum_gym.envs.bodies.Hand`).
The env's contact listener tells :class:`Grips` which graspable fixtures (ceiling edges,
creepers) each sensor overlaps; the ground is never graspable. Per step, as in the original:

1. before ``world.Step``: a hand whose grasp command is > 0 is ready to grip; any other hand
   lets go (its grip joint is destroyed);
2. after ``world.Step``: a ready hand that grips nothing and touches something takes the
   *first* fixture it touches; if the square of half-size ``radius + GRIP_MARGIN`` around
   the sensor's centre overlaps that fixture's bounding box, a revolute joint (no limits, no
   motor) pins the sensor to that fixture's body at the sensor's centre; otherwise the
   fixture is dropped from the hand's list.

Once a grip exists, Box2D stops the sensor's contacts with the gripped body and reports
their end, so a gripping hand can read "touching 0, grasping 1". Here the ceiling edges
(and the creepers) share one static body, so a grip on one edge ends the hand's contacts with
all of them (TeachMyAgent gives each segment its own body and keeps the neighbours' contacts).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from Box2D.b2 import revoluteJointDef

#: added to the sensor's radius (metres) for the grip's overlap test (TeachMyAgent's 0.01)
GRIP_MARGIN = 0.01


class Grips:
    """The grips of one climber's hand ``sensors`` (Box2D bodies, each with one circle sensor fixture).

    ``touching[j]`` lists the graspable fixtures hand j overlaps, in the order they were met;
    ``joints[j]`` is its grip (a revolute joint) or None.
    """

    def __init__(self, world: Any, sensors: Sequence[Any]) -> None:
        self.world = world
        self.sensors = list(sensors)
        self.touching: list[list[Any]] = [[] for _ in self.sensors]
        self.ready = [False] * len(self.sensors)
        self.joints: list[Any] = [None] * len(self.sensors)

    def begin(self, hand: int, fixture: Any) -> None:
        self.touching[hand].append(fixture)

    def end(self, hand: int, fixture: Any) -> None:
        if fixture in self.touching[hand]:
            self.touching[hand].remove(fixture)

    def before_step(self, commands: Sequence[float]) -> None:
        """Step 1: a command > 0 makes the hand ready; any other lets go of its grip."""
        for j, command in enumerate(commands):
            self.ready[j] = command > 0
            if not self.ready[j] and self.joints[j] is not None:
                self.world.DestroyJoint(self.joints[j])
                self.joints[j] = None

    def after_step(self) -> None:
        """Step 2: ready hands that grip nothing grip the first thing they touch, if it is close enough."""
        for j, sensor in enumerate(self.sensors):
            if not (self.ready[j] and self.joints[j] is None and self.touching[j]):
                continue
            fixture = self.touching[j][0]
            centre = sensor.worldCenter
            half = sensor.fixtures[0].shape.radius + GRIP_MARGIN
            if _box_overlaps(float(centre[0]), float(centre[1]), half, fixture):
                self.joints[j] = self.world.CreateJoint(
                    revoluteJointDef(bodyA=sensor, bodyB=fixture.body, anchor=centre, collideConnected=False)
                )
            else:
                self.touching[j].pop(0)

    def state(self) -> list[float]:
        """Per hand: touching something graspable (0/1), gripping (0/1)."""
        out: list[float] = []
        for touching, joint in zip(self.touching, self.joints):
            out += [1.0 if touching else 0.0, 1.0 if joint is not None else 0.0]
        return out

    @property
    def holding(self) -> bool:
        """Whether any hand grips something."""
        return any(joint is not None for joint in self.joints)


def _box_overlaps(x: float, y: float, half: float, fixture: Any) -> bool:
    """Whether the square of half-size ``half`` around (x, y) overlaps the bounding box of ``fixture``'s
    vertices (an edge's segment, a polygon's corners), in world coordinates."""
    transform = fixture.body.transform
    points = [transform * v for v in fixture.shape.vertices]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs) <= x + half and x - half <= max(xs) and min(ys) <= y + half and y - half <= max(ys)
