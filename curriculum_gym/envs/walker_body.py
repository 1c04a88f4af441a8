"""One walker in a Box2D world, built from its :class:`~curriculum_gym.envs.bodies.BodySpec`, and who touches what.

Shared by the single-agent tracks (``walker.py``) and the multi-agent ones
(``curriculum_gym.multiagent``): a :class:`Walker` builds any body's parts and
joints, applies an action and reads its own state; :class:`ContactTracker`
turns Box2D contacts into falls and ground contacts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from Box2D.b2 import circleShape, contactListener, fixtureDef, polygonShape, revoluteJointDef, weldJointDef

from curriculum_gym.envs.bodies import BodySpec, Part

if TYPE_CHECKING:
    import Box2D

    from curriculum_gym.envs.physics import Physics

GROUND = 0x0001  # collision category of the terrain
WALKER = 0x0020  # every walker part: parts never collide with each other, only with what their mask names
PACKAGE = 0x0004
HAND = "hand"  # first item of a hand sensor's tag: (HAND, walker index, hand index)


class Walker:
    """The Box2D bodies and joints of ``body``, its spawn point (the origin of its part positions
    and anchors) at ``(x, y)``.

    ``index`` tags its parts for the :class:`ContactTracker`; ``hull_mask`` says what the
    reference part collides with (the ground, and a package for multi-walker tasks);
    ``critical`` names the parts whose contact is a fall (default: ``body.critical``;
    Parkour passes ``body.parkour_critical``).
    ``hull`` is the reference part (the hull of the walkers, the spider's body, the
    chimpanzee's head, the millipede's front segment); ``parts`` the others, in the body's
    order; ``joints`` the motorised joints, in action order; ``sensors`` the hand sensors
    (circle sensors welded to the hands, climbers only), in the body's hand order. The env
    that lets hands grip sets ``hands`` (an object with ``state()``, e.g. Parkour's
    :class:`~curriculum_gym.envs.grasping.Grips`); without it the hands read 0.
    """

    def __init__(
        self,
        world: Box2D.b2World,
        body: BodySpec,
        physics: Physics,
        x: float,
        y: float,
        push: float,
        index: int = 0,
        hull_mask: int = GROUND,
        critical: tuple[str, ...] | None = None,
    ) -> None:
        s = physics.scale
        critical = body.critical if critical is None else critical
        self.body, self.physics = body, physics
        sensing = [j.child for j in body.motors if j.senses_contact]
        built: dict[str, Any] = {}
        for part in body.parts:
            reference = part.name == body.reference
            fixture = fixtureDef(
                shape=_shape(part, s),
                density=part.density,
                friction=part.friction,
                restitution=0.0,
                categoryBits=WALKER,
                maskBits=hull_mask if reference else GROUND,
            )
            sensor = sensing.index(part.name) if part.name in sensing else None
            built[part.name] = world.CreateDynamicBody(
                position=(x + part.position[0] / s, y + part.position[1] / s),
                angle=part.angle,
                fixtures=fixture,
                userData=(index, sensor, part.name in critical),
            )
            if reference:
                built[part.name].ApplyForceToCenter((push, 0.0), True)
        self.hull = built[body.reference]
        self.parts = [built[p.name] for p in body.parts if p.name != body.reference]
        self.shades = [p.shade for p in body.parts if p.name != body.reference]
        torque = float(body.motors_torque)
        self._motors: list[tuple[Any, float, float, int]] = []  # (joint, speed, angle correction, sensor or -1)
        for joint in body.joints:
            a, b = built[joint.parent], built[joint.child]
            common = dict(
                bodyA=a,
                bodyB=b,
                enableLimit=True,
                lowerAngle=joint.limits[0],
                upperAngle=joint.limits[1],
                enableMotor=joint.motorised,
                maxMotorTorque=torque if joint.motorised else 0.0,
            )
            if joint.local_anchors is not None:
                (ax, ay), (bx, by) = joint.local_anchors
                definition = revoluteJointDef(localAnchorA=(ax / s, ay / s), localAnchorB=(bx / s, by / s), **common)
            else:
                definition = revoluteJointDef(anchor=(x + joint.anchor[0] / s, y + joint.anchor[1] / s), **common)
            created = world.CreateJoint(definition)
            if joint.motorised:
                sensor = sensing.index(joint.child) if joint.senses_contact else -1
                self._motors.append((created, float(joint.speed), float(joint.angle_correction), sensor))
        self.joints = [m[0] for m in self._motors]
        self.sensors: list[Any] = []
        for j, hand in enumerate(body.hands):
            centre = (x + hand.position[0] / s, y + hand.position[1] / s)
            sensor = world.CreateDynamicBody(
                position=centre,
                fixtures=fixtureDef(
                    shape=circleShape(radius=hand.radius / s),
                    density=1.0,
                    isSensor=True,
                    categoryBits=WALKER,
                    maskBits=GROUND,
                ),
                userData=(HAND, index, j),
            )
            world.CreateJoint(weldJointDef(bodyA=built[hand.part], bodyB=sensor, anchor=centre))
            self.sensors.append(sensor)
        self.hands: Any = None
        self.grasp: list[float] = [0.0] * len(self.sensors)  # the last grasp commands, one per hand
        self.contacts = [0] * len(sensing)  # touching terrain fixtures, per sensing part
        self.fallen = False
        self._torque = torque

    def apply_action(self, action: Any) -> float:
        """Set motor speeds and torques from ``action`` in [-1, 1] and keep the grasp commands that follow
        them (``grasp``); returns sum(min(|a|, 1)) over all of it, grasps included, for the torque cost."""
        acts = action.tolist() if isinstance(action, np.ndarray) else list(action)
        n = len(self._motors)
        if len(acts) != n + len(self.sensors):
            raise ValueError(f"action must have {n + len(self.sensors)} values in [-1, 1]; got {len(acts)}")
        torque, effort = self._torque, 0.0
        for (joint, speed, _, _), a in zip(self._motors, acts):
            if not -np.inf < a < np.inf:
                raise ValueError(f"action values must be finite; got {acts}")
            m = min(abs(a), 1.0)
            joint.motorSpeed = speed if a > 0 else (-speed if a < 0 else 0.0)
            joint.maxMotorTorque = torque * m
            effort += m
        if self.sensors:
            self.grasp = acts[n:]
            for a in self.grasp:
                if not -np.inf < a < np.inf:
                    raise ValueError(f"action values must be finite; got {acts}")
                effort += min(abs(a), 1.0)
        return effort

    def state(self) -> list[float]:
        """Reference part's angle, angular velocity, vx, vy; then per motor its angle (+ correction),
        speed / motor speed and, where its part senses the ground, a contact flag; then per hand
        whether it touches something to grip and whether it grips (0s where hands cannot grip)."""
        p, hull, contacts = self.physics, self.hull, self.contacts
        vx, vy = hull.linearVelocity
        state = [
            hull.angle,
            2.0 * hull.angularVelocity / p.fps,
            0.3 * vx * (p.viewport_w / p.scale) / p.fps,
            0.3 * vy * (p.viewport_h / p.scale) / p.fps,
        ]
        for joint, speed, correction, sensor in self._motors:
            state += [joint.angle + correction if correction else joint.angle, joint.speed / speed]
            if sensor >= 0:
                state.append(1.0 if contacts[sensor] > 0 else 0.0)
        if self.sensors:
            state += self.hands.state() if self.hands is not None else [0.0] * (2 * len(self.sensors))
        return state


def _shape(part: Part, scale: float) -> Any:
    if part.size is not None:
        return polygonShape(box=(part.size[0] / scale / 2, part.size[1] / scale / 2))
    return polygonShape(vertices=[(px / scale, py / scale) for px, py in part.vertices])


class ContactTracker(contactListener):
    """Marks walkers whose critical parts touch the terrain, counts the ground contacts of sensing parts,
    and sees a package hit the ground.

    Part tags (Box2D ``userData``): ``(walker index, sensor index or None, critical)``;
    a package is ``("package",)``; a hand sensor ``(HAND, walker index, hand index)`` (ignored
    here: grips are the env's business); the terrain has none.
    """

    def __init__(self, walkers: list[Walker]) -> None:
        contactListener.__init__(self)
        self.walkers = walkers
        self.package_dropped = False

    def _update(self, contact: Any, delta: int) -> None:
        a, b = contact.fixtureA.body.userData, contact.fixtureB.body.userData
        for mine, other in ((a, b), (b, a)):
            if mine is None:
                continue
            if mine[0] == "package":
                if delta > 0 and other is None:
                    self.package_dropped = True
                continue
            if mine[0] == HAND:
                continue
            index, sensor, critical = mine
            if sensor is not None:  # sensing parts collide with the terrain only
                self.walkers[index].contacts[sensor] += delta
            if critical and delta > 0 and other is None:
                self.walkers[index].fallen = True

    def BeginContact(self, contact: Any) -> None:  # noqa: N802 (Box2D's name)
        self._update(contact, +1)

    def EndContact(self, contact: Any) -> None:  # noqa: N802
        self._update(contact, -1)
