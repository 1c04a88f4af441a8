"""Drawing the walker and its track with pygame (imported only when rendering)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from gymnasium.error import DependencyNotInstalled

if TYPE_CHECKING:
    from curriculum_gym.envs.walker import Physics, WalkerTracksEnv

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

    def draw(self, env: WalkerTracksEnv) -> np.ndarray | None:
        pg, p = self.pygame, self.physics
        s, w, h = p.scale, p.viewport_w, p.viewport_h
        scroll = float(env.hull.position[0]) - w / s / 5  # world x at the left edge

        def to_px(points) -> list[tuple[float, float]]:
            return [((x - scroll) * s, h - y * s) for x, y in points]

        surf = self.surf
        surf.fill(SKY)
        ground_y = env.layout.ground_y
        pg.draw.rect(surf, GROUND, pg.Rect(0, h - ground_y * s, w, ground_y * s + 1))
        pg.draw.line(surf, GRASS, (0, h - ground_y * s), (w, h - ground_y * s), 2)
        left, right = scroll - 1, scroll + w / s + 1
        for poly in env.obstacles:
            if poly[:, 0].max() < left or poly[:, 0].min() > right:
                continue
            pts = to_px(poly)
            pg.draw.polygon(surf, OBSTACLE, pts)
            pg.draw.polygon(surf, OBSTACLE_EDGE, pts, width=1)
        # lidar rays to their hits
        px, py = env.hull.position
        for i, frac in enumerate(env.lidar_fractions.tolist()):
            angle = 1.5 * i / p.n_lidar
            end = (px + np.sin(angle) * p.lidar_range * frac, py - np.cos(angle) * p.lidar_range * frac)
            pg.draw.line(surf, LIDAR, *to_px([(px, py), end]), 1)
        # walker: far legs first, hull last
        for k, leg in enumerate(env.legs):
            side = (k // 2) % 2
            fill, edge = LEG_COLORS[side]
            self._draw_body(leg, fill, edge, to_px)
        self._draw_body(env.hull, HULL, HULL_EDGE, to_px)
        # finish flag
        fx = env.finish_x
        pg.draw.line(surf, (0, 0, 0), *to_px([(fx, ground_y), (fx, ground_y + 50 / s)]), 2)
        pg.draw.polygon(surf, (230, 51, 0), to_px([(fx, ground_y + 50 / s), (fx, ground_y + 40 / s), (fx + 25 / s, ground_y + 45 / s)]))

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
