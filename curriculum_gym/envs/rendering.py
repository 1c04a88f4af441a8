"""Drawing the walker and its track with pygame (imported only when rendering)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from gymnasium.error import DependencyNotInstalled

if TYPE_CHECKING:
    from curriculum_gym.envs.physics import Physics
    from curriculum_gym.envs.walker_body import Walker

SKY = (215, 215, 255)
GROUND = (102, 153, 76)
GRASS = (76, 230, 76)
OBSTACLE, OBSTACLE_EDGE = (245, 245, 245), (120, 120, 120)
HULL, HULL_EDGE = (127, 51, 229), (76, 76, 127)
LEG_COLORS = [((178, 101, 152), (127, 76, 101)), ((128, 51, 102), (77, 26, 51))]
PART_COLORS = [*LEG_COLORS, (HULL, HULL_EDGE)]  # by Part.shade: near limb, far limb, trunk
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

    def draw(
        self,
        obstacles: Sequence[np.ndarray],
        ground_y: float,
        finish_x: float,
        walkers: Sequence[Walker],
        lidars: Sequence[np.ndarray],
        camera_x: float,
        extra_bodies: Sequence[tuple[Any, tuple, tuple]] = (),
    ) -> np.ndarray | None:
        """Draw the scene with the world x ``camera_x`` at the left edge: each walker with its lidar readings
        (fractions of the range, one array per walker); extra bodies are (body, fill, edge)."""
        pg, p = self.pygame, self.physics
        s, w, h = p.scale, p.viewport_w, p.viewport_h
        scroll = camera_x

        def to_px(points) -> list[tuple[float, float]]:
            return [((x - scroll) * s, h - y * s) for x, y in points]

        # polygons reaching far outside the view (huge allowed tasks) are cut to a margin around it first,
        # as pygame's time grows with a polygon's size; ones within the margin are drawn as they are
        def polygon_px(points) -> list[tuple[float, float]]:
            return clip_polygon(to_px(points), -w, -h, 2 * w, 2 * h)

        surf = self.surf
        surf.fill(SKY)
        pg.draw.rect(surf, GROUND, pg.Rect(0, h - ground_y * s, w, ground_y * s + 1))
        pg.draw.line(surf, GRASS, (0, h - ground_y * s), (w, h - ground_y * s), 2)
        left, right = scroll - 1, scroll + w / s + 1
        for poly in obstacles:
            if poly[:, 0].max() < left or poly[:, 0].min() > right:
                continue
            pts = polygon_px(poly)
            if len(pts) >= 3:
                pg.draw.polygon(surf, OBSTACLE, pts)
                pg.draw.polygon(surf, OBSTACLE_EDGE, pts, width=1)
        for walker, lidar in zip(walkers, lidars):
            px, py = walker.hull.position  # lidar rays to their hits
            for i, frac in enumerate(np.asarray(lidar).tolist()):
                angle = 1.5 * i / p.n_lidar
                end = (px + np.sin(angle) * p.lidar_range * frac, py - np.cos(angle) * p.lidar_range * frac)
                pg.draw.line(surf, LIDAR, *to_px([(px, py), end]), 1)
            for part, shade in zip(walker.parts, walker.shades):  # the reference part (hull) last
                fill, edge = PART_COLORS[shade]
                self._draw_body(part, fill, edge, polygon_px)
            self._draw_body(walker.hull, HULL, HULL_EDGE, polygon_px)
        for body, fill, edge in extra_bodies:
            self._draw_body(body, fill, edge, polygon_px)
        pg.draw.line(surf, (0, 0, 0), *to_px([(finish_x, ground_y), (finish_x, ground_y + 50 / s)]), 2)
        flag = [(finish_x, ground_y + 50 / s), (finish_x, ground_y + 40 / s), (finish_x + 25 / s, ground_y + 45 / s)]
        pg.draw.polygon(surf, (230, 51, 0), to_px(flag))
        return self._present(surf)

    def _present(self, surf: Any) -> np.ndarray | None:
        """Shows the drawn frame in the window ("human") or returns it as an RGB array."""
        if self.mode == "human":
            self.screen.blit(surf, (0, 0))
            self.pygame.event.pump()
            self.clock.tick(self.fps)
            self.pygame.display.flip()
            return None
        return np.transpose(np.array(self.pygame.surfarray.pixels3d(surf)), axes=(1, 0, 2)).copy()

    def _draw_body(self, body: Any, fill, edge, to_px) -> None:
        trans = body.transform
        for fixture in body.fixtures:
            pts = to_px([tuple(trans * v) for v in fixture.shape.vertices])
            if len(pts) >= 3:
                self.pygame.draw.polygon(self.surf, fill, pts)
                self.pygame.draw.polygon(self.surf, edge, pts, width=1)

    def close(self) -> None:
        if self.screen is not None:
            self.pygame.display.quit()
            self.screen = None


CEILING, CEILING_EDGE = (120, 110, 100), (80, 70, 60)
WATER_RGBA = (40, 90, 230, 110)
CREEPER, CREEPER_EDGE = (60, 170, 60), (30, 110, 30)


class ParkourRenderer(WalkerRenderer):
    """Renders Parkour: the ground and the ceiling filled, translucent water, creepers, the walker and its
    lidar rays; the camera follows the reference part in x and y."""

    def draw_parkour(
        self,
        terrain: tuple[np.ndarray, np.ndarray, np.ndarray],
        water: tuple[float, float, float, float],
        creepers: np.ndarray,
        finish_x: float,
        walker: Walker,
        rays: np.ndarray,
        camera_x: float,
        camera_y: float,
    ) -> np.ndarray | None:
        """Draw with world ``(camera_x, camera_y)`` at the bottom-left corner; ``rays`` (n, 2) from the reference
        part to each lidar hit."""
        pg, p = self.pygame, self.physics
        s, w, h = p.scale, p.viewport_w, p.viewport_h

        def to_px(points) -> list[tuple[float, float]]:
            return [((x - camera_x) * s, h - (y - camera_y) * s) for x, y in points]

        def polygon_px(points) -> list[tuple[float, float]]:
            return clip_polygon(to_px(points), -w, -h, 2 * w, 2 * h)

        surf = self.surf
        surf.fill(SKY)
        x, ground, ceiling = terrain
        left, right = camera_x - 1, camera_x + w / s + 1
        bottom, top = camera_y - 1, camera_y + h / s + 1
        first = max(0, int(np.searchsorted(x, left)) - 1)
        last = min(len(x) - 1, int(np.searchsorted(x, right)) + 1)
        for i in range(first, last):  # one convex trapezoid per terrain segment, down to / up to the view's edge
            x0, x1 = float(x[i]), float(x[i + 1])
            for profile, edge, fill, line in ((ground, bottom, GROUND, GRASS), (ceiling, top, CEILING, CEILING_EDGE)):
                y0, y1 = float(profile[i]), float(profile[i + 1])
                pts = polygon_px([(x0, y0), (x1, y1), (x1, edge), (x0, edge)])
                if len(pts) >= 3:
                    pg.draw.polygon(surf, fill, pts)
                pg.draw.line(surf, line, *to_px([(x0, y0), (x1, y1)]), 2)
        for x0, x1, y0, y1 in np.asarray(creepers).tolist():
            if x1 < left or x0 > right:
                continue
            pts = polygon_px([(x0, y0), (x1, y0), (x1, y1), (x0, y1)])
            if len(pts) >= 3:
                pg.draw.polygon(surf, CREEPER, pts)
                pg.draw.polygon(surf, CREEPER_EDGE, pts, width=1)
        px, py = walker.hull.position
        for dx, dy in np.asarray(rays).tolist():
            pg.draw.line(surf, LIDAR, *to_px([(px, py), (px + dx, py + dy)]), 1)
        for part, shade in zip(walker.parts, walker.shades):
            fill, edge = PART_COLORS[shade]
            self._draw_body(part, fill, edge, polygon_px)
        self._draw_body(walker.hull, HULL, HULL_EDGE, polygon_px)
        wx0, wx1, wy0, wy1 = water
        pts = polygon_px([(wx0, max(wy0, bottom)), (wx1, max(wy0, bottom)), (wx1, wy1), (wx0, wy1)])
        if len(pts) >= 3 and wy1 > bottom:
            layer = pg.Surface(self.size, pg.SRCALPHA)
            pg.draw.polygon(layer, WATER_RGBA, pts)
            surf.blit(layer, (0, 0))
        i = min(len(x) - 1, int(np.searchsorted(x, finish_x)))
        base = float(ground[i])
        pg.draw.line(surf, (0, 0, 0), *to_px([(finish_x, base), (finish_x, base + 50 / s)]), 2)
        return self._present(surf)


def clip_polygon(
    points: Sequence[tuple[float, float]], x_min: float, y_min: float, x_max: float, y_max: float
) -> list[tuple[float, float]]:
    """``points`` unchanged when they all lie inside the box, else the polygon cut to it (Sutherland-Hodgman,
    exact for the convex polygons drawn here). Fewer than 3 points back: nothing of it is inside."""
    points = list(points)
    if all(x_min <= x <= x_max and y_min <= y <= y_max for x, y in points):
        return points
    for axis, limit, keep_below in ((0, x_min, False), (0, x_max, True), (1, y_min, False), (1, y_max, True)):
        points = _clip_to_half_plane(points, axis, limit, keep_below)
    return points


def _clip_to_half_plane(
    points: list[tuple[float, float]], axis: int, limit: float, keep_below: bool
) -> list[tuple[float, float]]:
    """The part of a polygon where coordinate ``axis`` is <= ``limit`` (``keep_below``) or >= it."""

    def inside(p: tuple[float, float]) -> bool:
        return p[axis] <= limit if keep_below else p[axis] >= limit

    def crossing(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
        t = (limit - a[axis]) / (b[axis] - a[axis])
        other = a[1 - axis] + t * (b[1 - axis] - a[1 - axis])
        return (limit, other) if axis == 0 else (other, limit)

    out = []
    for i, current in enumerate(points):
        previous = points[i - 1]
        if inside(current):
            if not inside(previous):
                out.append(crossing(previous, current))
            out.append(current)
        elif inside(previous):
            out.append(crossing(previous, current))
    return out
