"""One walker in a Box2D world, the terrain it walks on, and who touches what.

Shared by the single-agent tracks (``walker.py``) and the multi-agent ones
(``curriculum_gym.multiagent``): a :class:`Walker` is built from a
:class:`~curriculum_gym.envs.bodies.BodySpec`, applies an action and reads its
own state; :func:`build_terrain` lays a track; :class:`ContactTracker` turns
Box2D contacts into falls and foot contacts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from Box2D.b2 import contactListener, edgeShape, fixtureDef, polygonShape, revoluteJointDef

from curriculum_gym.envs.bodies import BodySpec
from curriculum_gym.envs.terrain import TrackGenerator, TrackLayout

if TYPE_CHECKING:
    import Box2D

    from curriculum_gym.envs.walker import Physics

GROUND = 0x0001  # collision category of the terrain
WALKER = 0x0020
PACKAGE = 0x0004


def build_terrain(world: Box2D.b2World, track: TrackGenerator, task: np.ndarray, rng: np.random.Generator,
                  layout: TrackLayout, friction: float) -> list[np.ndarray]:
    """One static body: the flat ground edge and every obstacle of ``task``. Returns the obstacle
    polygons as Box2D keeps them (convex hulls), for lidar and drawing."""
    ground = [(0.0, layout.ground_y), (layout.end_x, layout.ground_y)]
    fixtures = [fixtureDef(shape=edgeShape(vertices=ground), friction=friction, categoryBits=GROUND)]
    for poly in track.obstacles(task, rng, layout):
        try:
            shape = polygonShape(vertices=[tuple(v) for v in poly.tolist()])
        except AssertionError:  # degenerate (flat) polygon: Box2D refuses it; it is no obstacle
            continue
        fixtures.append(fixtureDef(shape=shape, friction=friction, categoryBits=GROUND))
    terrain = world.CreateStaticBody(fixtures=fixtures)
    return [np.array(f.shape.vertices) for f in terrain.fixtures if isinstance(f.shape, polygonShape)]


class Walker:
    """A hull and ``body.n_legs`` two-segment legs with motorised hips and knees.

    ``index`` tags its bodies for the :class:`ContactTracker`; ``hull_mask`` says what
    the hull collides with (the ground, and a package for multi-walker tasks).
    """

    def __init__(self, world: Box2D.b2World, body: BodySpec, physics: Physics, x: float, y: float, push: float,
                 index: int = 0, hull_mask: int = GROUND) -> None:
        s = physics.scale
        self.body, self.physics = body, physics
        leg_w, leg_h, leg_down = body.leg_w / s, body.leg_h / s, body.leg_down / s
        hull_fd = fixtureDef(shape=polygonShape(vertices=[(px / s, py / s) for px, py in body.hull_poly]),
                             density=5.0, friction=0.1, categoryBits=WALKER, maskBits=hull_mask, restitution=0.0)
        leg_fd = fixtureDef(shape=polygonShape(box=(leg_w / 2, leg_h / 2)), density=1.0, restitution=0.0,
                            categoryBits=WALKER, maskBits=GROUND)
        lower_fd = fixtureDef(shape=polygonShape(box=(0.8 * leg_w / 2, leg_h / 2)), density=1.0, restitution=0.0,
                              categoryBits=WALKER, maskBits=GROUND)
        self.hull = world.CreateDynamicBody(position=(x, y), fixtures=hull_fd, userData=("hull", index))
        self.hull.ApplyForceToCenter((push, 0.0), True)
        self.legs: list[Any] = []
        self.joints: list[Any] = []
        torque = float(body.motors_torque)
        for pair_x in body.leg_pairs_x:
            for side in (-1, +1):
                leg = world.CreateDynamicBody(position=(x + pair_x, y - leg_h / 2 - leg_down), angle=side * 0.05,
                                              fixtures=leg_fd)
                self.joints.append(world.CreateJoint(revoluteJointDef(
                    bodyA=self.hull, bodyB=leg, localAnchorA=(pair_x, leg_down), localAnchorB=(0, leg_h / 2),
                    enableMotor=True, enableLimit=True, maxMotorTorque=torque, motorSpeed=side,
                    lowerAngle=-0.8, upperAngle=1.1)))
                lower = world.CreateDynamicBody(position=(x + pair_x, y - leg_h * 3 / 2 - leg_down), angle=side * 0.05,
                                                fixtures=lower_fd, userData=("leg", index, len(self.legs) // 2))
                self.joints.append(world.CreateJoint(revoluteJointDef(
                    bodyA=leg, bodyB=lower, localAnchorA=(0, -leg_h / 2), localAnchorB=(0, leg_h / 2),
                    enableMotor=True, enableLimit=True, maxMotorTorque=torque, motorSpeed=1,
                    lowerAngle=-1.6, upperAngle=-0.1)))
                self.legs += [leg, lower]
        self.leg_contacts = [0] * body.n_legs
        self.fallen = False
        self.lidar_fractions = np.ones(physics.n_lidar)
        self._speeds = [physics.speed_hip, physics.speed_knee] * body.n_legs
        self._torque = torque

    def apply_action(self, action: Any) -> float:
        """Set motor speeds and torques from ``action`` in [-1, 1]; returns sum(min(|a|, 1)) for the torque cost."""
        acts = action.tolist() if isinstance(action, np.ndarray) else list(action)
        if len(acts) != len(self.joints):
            raise ValueError(f"action must have {len(self.joints)} values in [-1, 1]; got {len(acts)}")
        torque, effort = self._torque, 0.0
        for joint, speed, a in zip(self.joints, self._speeds, acts):
            if not -np.inf < a < np.inf:
                raise ValueError(f"action values must be finite; got {acts}")
            m = min(abs(a), 1.0)
            joint.motorSpeed = speed if a > 0 else (-speed if a < 0 else 0.0)
            joint.maxMotorTorque = torque * m
            effort += m
        return effort

    def state(self) -> list[float]:
        """Hull angle, angular velocity, vx, vy, then per leg hip/knee angle and speed and ground contact."""
        p, hull = self.physics, self.hull
        vx, vy = hull.linearVelocity
        state = [hull.angle, 2.0 * hull.angularVelocity / p.fps,
                 0.3 * vx * (p.viewport_w / p.scale) / p.fps, 0.3 * vy * (p.viewport_h / p.scale) / p.fps]
        joints = self.joints
        for leg, contacts in enumerate(self.leg_contacts):
            hip, knee = joints[2 * leg], joints[2 * leg + 1]
            state += [hip.angle, hip.speed / p.speed_hip, knee.angle + 1.0, knee.speed / p.speed_knee,
                      1.0 if contacts > 0 else 0.0]
        return state


class ContactTracker(contactListener):
    """Marks walkers whose hull touches the terrain, counts foot contacts, and sees a package hit the ground."""

    def __init__(self, walkers: list[Walker]) -> None:
        contactListener.__init__(self)
        self.walkers = walkers
        self.package_dropped = False

    def _update(self, contact: Any, delta: int) -> None:
        a, b = contact.fixtureA.body.userData, contact.fixtureB.body.userData
        for mine, other in ((a, b), (b, a)):
            if mine is None:
                continue
            kind = mine[0]
            if kind == "leg":
                self.walkers[mine[1]].leg_contacts[mine[2]] += delta
            elif delta > 0 and other is None:  # hull or package against the terrain
                if kind == "hull":
                    self.walkers[mine[1]].fallen = True
                elif kind == "package":
                    self.package_dropped = True

    def BeginContact(self, contact: Any) -> None:  # noqa: N802 (Box2D's name)
        self._update(contact, +1)

    def EndContact(self, contact: Any) -> None:  # noqa: N802
        self._update(contact, -1)
