"""Drawing the walker and its track with pygame (imported only when rendering)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from gymnasium.error import DependencyNotInstalled

if TYPE_CHECKING:
    from curriculum_gym.envs.walker import Physics
    from curriculum_gym.envs.walker_body import Walker

SKY = (215, 215, 255)
GROUND = (102, 153, 76)
GRASS = (76, 230, 76)
OBSTACLE, OBSTACLE_EDGE = (245, 245, 245), (120, 120, 120)
HULL, HULL_EDGE = (127, 51, 229), (76, 76, 127)
LEG_COLORS = [((178, 101, 152), (127, 76, 101)), ((128, 51, 102), (77, 26, 51))]
LIDAR = (255, 0, 0)


class WalkerRenderer:
    """Renders a 400x600 view whose camera follows the hull."""

    def __init__(self, physics: Physics, mode: str, fps: int) -> None:
        try:
            import pygame
        except ImportError as exc:  # pragma: no cover
            raise DependencyNotInstalled('pygame is not installed, run `pip install "gymnasium[box2d]"`') from exc
        self.pygame = pygame
        self.physics, self.mode, self.fps = physics, mode, fps
        self.size = (physics.viewport_w, physics.viewport_h)
        self.screen: Any = None
        self.clock: Any = None
        if mode == "human":
            pygame.display.init()
            self.screen = pygame.display.set_mode(self.size)
            self.clock = pygame.time.Clock()
        self.surf = pygame.Surface(self.size)

    def draw(self, obstacles: Sequence[np.ndarray], ground_y: float, finish_x: float, walkers: Sequence[Walker],
             camera_x: float, extra_bodies: Sequence[tuple[Any, tuple, tuple]] = ()) -> np.ndarray | None:
        """Draw the scene with the world x ``camera_x`` at the left edge; extra bodies are (body, fill, edge)."""
        pg, p = self.pygame, self.physics
        s, w, h = p.scale, p.viewport_w, p.viewport_h
        scroll = camera_x

        def to_px(points) -> list[tuple[float, float]]:
            return [((x - scroll) * s, h - y * s) for x, y in points]

        surf = self.surf
        surf.fill(SKY)
        pg.draw.rect(surf, GROUND, pg.Rect(0, h - ground_y * s, w, ground_y * s + 1))
        pg.draw.line(surf, GRASS, (0, h - ground_y * s), (w, h - ground_y * s), 2)
        left, right = scroll - 1, scroll + w / s + 1
        for poly in obstacles:
            if poly[:, 0].max() < left or poly[:, 0].min() > right:
                continue
            pts = to_px(poly)
            pg.draw.polygon(surf, OBSTACLE, pts)
            pg.draw.polygon(surf, OBSTACLE_EDGE, pts, width=1)
        for walker in walkers:
            px, py = walker.hull.position  # lidar rays to their hits
            for i, frac in enumerate(walker.lidar_fractions.tolist()):
                angle = 1.5 * i / p.n_lidar
                end = (px + np.sin(angle) * p.lidar_range * frac, py - np.cos(angle) * p.lidar_range * frac)
                pg.draw.line(surf, LIDAR, *to_px([(px, py), end]), 1)
            for k, leg in enumerate(walker.legs):  # far legs first, hull last
                fill, edge = LEG_COLORS[(k // 2) % 2]
                self._draw_body(leg, fill, edge, to_px)
            self._draw_body(walker.hull, HULL, HULL_EDGE, to_px)
        for body, fill, edge in extra_bodies:
            self._draw_body(body, fill, edge, to_px)
        pg.draw.line(surf, (0, 0, 0), *to_px([(finish_x, ground_y), (finish_x, ground_y + 50 / s)]), 2)
        flag = [(finish_x, ground_y + 50 / s), (finish_x, ground_y + 40 / s), (finish_x + 25 / s, ground_y + 45 / s)]
        pg.draw.polygon(surf, (230, 51, 0), to_px(flag))

        if self.mode == "human":
            self.screen.blit(surf, (0, 0))
            pg.event.pump()
            self.clock.tick(self.fps)
            pg.display.flip()
            return None
        return np.transpose(np.array(pg.surfarray.pixels3d(surf)), axes=(1, 0, 2)).copy()

    def _draw_body(self, body: Any, fill, edge, to_px) -> None:
        trans = body.transform
        for fixture in body.fixtures:
            pts = to_px([tuple(trans * v) for v in fixture.shape.vertices])
            self.pygame.draw.polygon(self.surf, fill, pts)
            self.pygame.draw.polygon(self.surf, edge, pts, width=1)

    def close(self) -> None:
        if self.screen is not None:
            self.pygame.display.quit()
            self.screen = None
