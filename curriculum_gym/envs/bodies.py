"""Walker bodies: the shape, motors and sensors of each morphology (Portelas et al., CoRL 2019).

A body is an immutable description; the env builds its Box2D bodies from it at
every reset. Adding a morphology is one more :class:`BodySpec` in ``BODIES``.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class BodySpec:
    """Geometry (in pixels, divided by the env's SCALE at build time) and motors of a walker."""

    name: str
    hull_poly: tuple[tuple[float, float], ...]
    leg_w: float
    leg_h: float
    leg_pairs_x: tuple[float, ...]  # hull-local x (world units) of each pair of hips
    motors_torque: float
    torque_penalty: float  # reward cost per unit of |action| per unit of torque
    leg_down: float = -8.0  # hip anchor below the hull's origin, pixels

    @property
    def n_legs(self) -> int:
        return 2 * len(self.leg_pairs_x)

    @property
    def action_dim(self) -> int:
        return 2 * self.n_legs

    @property
    def obs_dim(self) -> int:
        return 4 + 5 * self.n_legs + 10


_BIPED_HULL = ((-30, +9), (+6, +9), (+34, +1), (+34, -8), (-30, -8))
_QUADRU_HULL = ((-46, +13), (+6, +13), (+50, +5), (+50, -12), (-46, -12))

BODIES: MappingProxyType[str, BodySpec] = MappingProxyType(
    {
        "default": BodySpec("default", _BIPED_HULL, 8, 34, (0.0,), 80, 0.00035),
        "short": BodySpec("short", _BIPED_HULL, 8, 17, (0.0,), 80, 0.00035),
        "quadru": BodySpec("quadru", _QUADRU_HULL, 10, 51, (-1.2, 0.85), 300, 0.00035 / 8),
    }
)


def get_body(body: str | BodySpec) -> BodySpec:
    """Look a body up by name (or pass a :class:`BodySpec` through)."""
    if isinstance(body, BodySpec):
        return body
    if body not in BODIES:
        raise ValueError(f"unknown body {body!r}; allowed bodies: {sorted(BODIES)}")
    return BODIES[body]
