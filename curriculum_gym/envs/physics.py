"""World constants and the reward's shape: one home for the numbers every walker env shares.

The values are Gymnasium's ``BipedalWalker`` (and Portelas et al., CoRL 2019, for
the return range and the mastery threshold). The single- and multi-agent envs,
the lidar and the renderer read them from here; evaluation, plotting and teachers
read ``return_range`` and ``mastery_threshold`` from the env.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: reward per metre of forward progress is PROGRESS_REWARD / SCALE (BipedalWalker's 130 * x / SCALE)
PROGRESS_REWARD = 130.0
#: reward cost per radian of the leading part's tilt, as a change of shaping
ANGLE_PENALTY = 5.0
#: the reward of a step that ends the episode by a fall or by leaving the track backwards
FALL_REWARD = -100.0
#: the range teachers normalise returns with (Portelas et al., CoRL 2019)
RETURN_RANGE = (-150.0, 350.0)
#: an episode with at least this return counts as mastered (Portelas et al., CoRL 2019)
MASTERY_THRESHOLD = 230.0


@dataclass(frozen=True)
class Physics:
    """World constants shared by every body and track (Gymnasium's BipedalWalker values)."""

    scale: float = 30.0  # pixels per metre: body and terrain sizes are given in pixels
    fps: int = 50  # world steps per second
    friction: float = 2.5  # of the terrain
    terrain_step: float = 14 / 30.0  # metres per terrain step
    terrain_length: int = 200  # in terrain steps, start pad included
    terrain_startpad: int = 20  # in terrain steps (more for a wide body: see startpad_steps)
    terrain_grass: int = 10  # the finish line is this many steps before the end
    initial_random: float = 5.0  # the random horizontal push at spawn is uniform in +-this
    n_lidar: int = 10
    lidar_range: float = 160 / 30.0
    viewport_w: int = 600  # pixels: also the speed normalisation of the observation
    viewport_h: int = 400
    velocity_iterations: int = 6 * 30
    position_iterations: int = 2 * 30

    @property
    def terrain_height(self) -> float:
        return self.viewport_h / self.scale / 4

    def startpad_steps(self, body_width: float) -> int:
        """The flat start pad, in whole terrain steps: the default 20, or ``ceil(width / step + 5)`` for a
        body wider than 15 steps (TeachMyAgent's rule, rounded up)."""
        return max(self.terrain_startpad, math.ceil(body_width / self.scale / self.terrain_step + 5))


def progress_shaping(x: float, physics: Physics) -> float:
    """The progress part of the shaping: its change per step is the forward reward."""
    return PROGRESS_REWARD * x / physics.scale


def angle_shaping(angle: float) -> float:
    """The posture part of the shaping: tilting the leading part costs reward."""
    return -ANGLE_PENALTY * abs(angle)


def walker_reward(
    x: float,
    angle: float,
    prev_shaping: float | None,
    action_cost: float,
    fallen: bool,
    finish_x: float,
    physics: Physics,
    angle_term: bool = True,
) -> tuple[float, bool, float]:
    """``(reward, terminated, shaping)`` of one walker's step (BipedalWalker's reward).

    The reward is the change of the shaping (progress, and posture when ``angle_term``)
    minus ``action_cost``; no change on the first step after a reset (``prev_shaping``
    None). A fall or a step back past x = 0 gives ``FALL_REWARD`` instead and ends the
    episode; crossing ``finish_x`` ends it too.
    """
    shaping = progress_shaping(x, physics)
    if angle_term:
        shaping += angle_shaping(angle)
    reward = 0.0 if prev_shaping is None else shaping - prev_shaping
    reward -= action_cost
    terminated = False
    if fallen or x < 0:
        reward = FALL_REWARD
        terminated = True
    if x > finish_x:
        terminated = True
    return reward, terminated, shaping
