"""The simulated student of Portelas et al. (2019): tells teachers apart in seconds, no RL needed.

The unit hypercube of the relevant dimensions is cut into ``cells_per_dim`` cells
per dimension, each with a competence 0..100. An episode on a task raises its
cell's competence by 1 if the cell is the origin cell or if one of its
"previous" neighbours (every coordinate equal or one lower) has competence >= 75.
The return given to the teacher is the cell's competence / 100. Score: % of
cells with competence > 75. Extra task dimensions can be irrelevant (ignored).
"""

from __future__ import annotations

import itertools

import numpy as np

from curriculum_gym.tasks import TaskSpace

MAX_COMPETENCE = 100
MASTERED = 75


class SimulatedStudent:
    """Example:
    >>> import numpy as np
    >>> student = SimulatedStudent(n_dims=2, cells_per_dim=10)
    >>> student.episode(np.array([0.05, 0.05]))  # the origin cell always learns
    0.01
    >>> student.episode(np.array([0.95, 0.95]))  # far cells are locked
    0.0
    """

    def __init__(self, n_dims: int = 2, cells_per_dim: int = 10, n_irrelevant_dims: int = 0) -> None:
        for name, value, low in (("n_dims", n_dims, 1), ("cells_per_dim", cells_per_dim, 1), ("n_irrelevant_dims", n_irrelevant_dims, 0)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
                raise ValueError(f"{name} must be an integer >= {low}; got {value!r}")
        self.n_dims, self.cells_per_dim, self.n_irrelevant_dims = int(n_dims), int(cells_per_dim), int(n_irrelevant_dims)
        self.competence_ = np.zeros((self.cells_per_dim,) * self.n_dims, dtype=np.int64)

    @property
    def task_space(self) -> TaskSpace:
        names = [f"x{i}" for i in range(self.n_dims)] + [f"irrelevant{j}" for j in range(self.n_irrelevant_dims)]
        return TaskSpace(names, np.zeros(len(names)), np.ones(len(names)))

    def cell(self, task: np.ndarray) -> tuple[int, ...]:
        x = np.asarray(task, dtype=np.float64)[: self.n_dims]
        if x.shape != (self.n_dims,) or np.any(~np.isfinite(x)) or np.any(x < 0) or np.any(x > 1):
            raise ValueError(f"task must hold {self.n_dims} relevant values in [0, 1]; got {task!r}")
        return tuple(np.minimum((x * self.cells_per_dim).astype(np.int64), self.cells_per_dim - 1).tolist())

    def episode(self, task: np.ndarray) -> float:
        """Practise on ``task``; returns the cell's competence in [0, 1]."""
        cell = self.cell(task)
        if self._unlocked(cell):
            self.competence_[cell] = min(self.competence_[cell] + 1, MAX_COMPETENCE)
        return float(self.competence_[cell]) / MAX_COMPETENCE

    def _unlocked(self, cell: tuple[int, ...]) -> bool:
        if not any(cell):
            return True
        choices = [(c, c - 1) if c > 0 else (c,) for c in cell]
        return any(
            self.competence_[prev] >= MASTERED for prev in itertools.product(*choices) if prev != cell
        )

    def score(self) -> float:
        """% of cells mastered (competence > 75)."""
        return 100.0 * float((self.competence_ > MASTERED).mean())


def run_teacher(teacher, student: SimulatedStudent, n_episodes: int, checkpoints: tuple[int, ...] = ()) -> dict[int, float]:
    """Train ``student`` for ``n_episodes`` with ``teacher``; the score at each checkpoint (and the end)."""
    scores = {}
    marks = set(checkpoints) | {n_episodes}
    for episode in range(1, n_episodes + 1):
        task = teacher.sample()
        teacher.update(task, student.episode(task))
        if episode in marks:
            scores[episode] = student.score()
    return scores
