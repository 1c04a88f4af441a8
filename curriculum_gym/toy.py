"""The simulated student of Portelas et al. (2019): tells teachers apart in seconds, no RL needed.

The unit hypercube of the relevant dimensions is cut into ``cells_per_dim`` cells
per dimension, each with a competence 0..100. An episode on a task raises its
cell's competence by 1 if the cell is the origin cell or if one of its
"previous" neighbours (every coordinate equal or one lower) has competence >= 75.
The return given to the teacher is the cell's competence / 100. Score: % of
cells with competence > 75. Extra task dimensions can be irrelevant (ignored).

TeachMyAgent's challenges (:mod:`curriculum_gym.challenges`) in toy form, with
``challenge=``. Relevant dimension 0 stands for Stump Tracks' stump height and
dimension 1 for its obstacle spacing, each normalised by its default range, so a
challenge's bounds become the teacher's bounds here; the score always counts the
standard cells (the standard test set):

- ``mostly-unfeasible`` (height [0, 9]): dimension 0 spans [0, 3]; a task beyond
  1 is unfeasible: return 0, nothing learned.
- ``mostly-trivial`` (height [-3, 3]): dimension 0 spans [-1, 1]; a task below 0
  practises the cell at 0 (as a negative mean height gives the minimum stumps,
  the same as height 0), so half the space is the easiest row of cells.
- ``rugged-difficulty``: the task goes through the challenge's
  :class:`~curriculum_gym.challenges.RuggedMapping` over the teacher's bounds
  (the env's permutations, same seed) before its cell is found.
- ``forgetting-student``: every competence goes back to 0 every
  ``reset_student_every`` x ``budget`` episodes (7 000 of 20 000); the teacher
  keeps its state.

Challenges that change the body have no toy form (``ValueError``).
"""

from __future__ import annotations

import itertools

import numpy as np

from curriculum_gym.challenges import CHALLENGES, Challenge, RuggedMapping, get_challenge
from curriculum_gym.envs.terrain import StumpTracks
from curriculum_gym.tasks import TaskSpace

MAX_COMPETENCE = 100
MASTERED = 75
#: the challenges that have a toy form, in table order
TOY_CHALLENGES: tuple[str, ...] = tuple(name for name, c in CHALLENGES.items() if c.has_toy_form)


class SimulatedStudent:
    """Example:
    >>> import numpy as np
    >>> student = SimulatedStudent(n_dims=2, cells_per_dim=10)
    >>> student.episode(np.array([0.05, 0.05]))  # the origin cell always learns
    0.01
    >>> student.episode(np.array([0.95, 0.95]))  # far cells are locked
    0.0
    >>> hard = SimulatedStudent(challenge="mostly-unfeasible")
    >>> hard.task_space
    TaskSpace(x0=[0, 3], x1=[0, 1])
    >>> hard.cell([2.5, 0.05]) is None, hard.episode([2.5, 0.05])  # beyond 1: unfeasible
    (True, 0.0)

    Args:
        n_dims: relevant dimensions.
        cells_per_dim: cells per relevant dimension.
        n_irrelevant_dims: extra dimensions the student ignores.
        challenge: ``None`` or ``"default"`` (the plain student), or a name in
            :data:`TOY_CHALLENGES` (or a :class:`~curriculum_gym.challenges.Challenge`
            without a body).
        budget: the run's length in episodes; only a forgetting challenge uses it
            (its resets come every ``reset_student_every * budget`` episodes).
    """

    #: an episode's return is the cell's competence: teachers normalise with this range
    return_range: tuple[float, float] = (0.0, 1.0)

    def __init__(
        self,
        n_dims: int = 2,
        cells_per_dim: int = 10,
        n_irrelevant_dims: int = 0,
        challenge: str | Challenge | None = None,
        budget: int = 20000,
    ) -> None:
        for name, value, low in (
            ("n_dims", n_dims, 1),
            ("cells_per_dim", cells_per_dim, 1),
            ("n_irrelevant_dims", n_irrelevant_dims, 0),
            ("budget", budget, 1),
        ):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise TypeError(f"{name} must be an integer >= {low}; got {type(value).__name__}")
            if value < low:
                raise ValueError(f"{name} must be an integer >= {low}; got {value!r}")
        self.n_dims, self.cells_per_dim, self.n_irrelevant_dims = (
            int(n_dims),
            int(cells_per_dim),
            int(n_irrelevant_dims),
        )
        self.challenge: Challenge = get_challenge("default" if challenge is None else challenge)
        if not self.challenge.has_toy_form:
            raise ValueError(
                f"challenge {self.challenge.name!r} changes the student's body and has no toy form; "
                f"toy challenges: {list(TOY_CHALLENGES)}"
            )
        self.low_, self.high_ = _toy_bounds(self.challenge, self.n_dims)
        self._low_list, self._high_list = self.low_.tolist(), self.high_.tolist()
        self.rugged_: RuggedMapping | None = self.challenge.task_transform(
            TaskSpace([f"x{i}" for i in range(self.n_dims)], self.low_, self.high_)
        )
        self.reset_every: int | None = self.challenge.student_reset_steps(int(budget))
        self.competence_ = np.zeros((self.cells_per_dim,) * self.n_dims, dtype=np.int64)
        self.episodes_ = 0
        self.resets_ = 0

    @property
    def task_space(self) -> TaskSpace:
        """The teacher's space: the relevant dimensions (with the challenge's bounds), then the irrelevant ones in [0, 1]."""
        names = [f"x{i}" for i in range(self.n_dims)] + [f"irrelevant{j}" for j in range(self.n_irrelevant_dims)]
        ones = np.ones(self.n_irrelevant_dims)
        return TaskSpace(names, np.concatenate([self.low_, 0 * ones]), np.concatenate([self.high_, ones]))

    def cell(self, task: np.ndarray) -> tuple[int, ...] | None:
        """The cell ``task`` practises, or ``None`` for an unfeasible task (beyond the standard cells)."""
        x = np.asarray(task, dtype=np.float64)
        values = x.tolist() if x.ndim == 1 and x.shape[0] >= self.n_dims else None
        if values is None or not all(lo <= v <= hi for v, lo, hi in zip(values, self._low_list, self._high_list)):
            bounds = ", ".join(f"[{lo:g}, {hi:g}]" for lo, hi in zip(self.low_, self.high_))
            raise ValueError(f"task must hold {self.n_dims} relevant values in {bounds}; got {task!r}")
        values = values[: self.n_dims]
        if self.rugged_ is not None:
            values = self.rugged_(values).tolist()
        if any(v > 1 for v in values):
            return None
        # plain floats (several times faster than numpy on a few values); below 0: the easiest cells (mostly-trivial)
        last = self.cells_per_dim - 1
        return tuple(min(int(max(v, 0.0) * self.cells_per_dim), last) for v in values)

    def episode(self, task: np.ndarray) -> float:
        """Practise on ``task``; returns the cell's competence in [0, 1] (0 for an unfeasible task)."""
        cell = self.cell(task)
        if cell is None:
            result = 0.0
        else:
            if self._unlocked(cell):
                self.competence_[cell] = min(self.competence_[cell] + 1, MAX_COMPETENCE)
            result = float(self.competence_[cell]) / MAX_COMPETENCE
        self.episodes_ += 1
        if self.reset_every is not None and self.episodes_ % self.reset_every == 0:
            self.forget()
        return result

    def forget(self) -> None:
        """Re-initialise the student: every competence back to 0 (the forgetting challenge's reset)."""
        self.competence_[...] = 0
        self.resets_ += 1

    def _unlocked(self, cell: tuple[int, ...]) -> bool:
        if not any(cell):
            return True
        choices = [(c, c - 1) if c > 0 else (c,) for c in cell]
        return any(self.competence_[prev] >= MASTERED for prev in itertools.product(*choices) if prev != cell)

    def score(self) -> float:
        """% of cells mastered (competence > 75)."""
        return 100.0 * float((self.competence_ > MASTERED).mean())


def _toy_bounds(challenge: Challenge, n_dims: int) -> tuple[np.ndarray, np.ndarray]:
    """The relevant dimensions' bounds: [0, 1], or a challenge's Stump Tracks bounds normalised by the default ones."""
    low, high = np.zeros(n_dims), np.ones(n_dims)
    if challenge.task_bounds:
        base = StumpTracks().default_task_space()
        space = challenge.task_space(base)
        k = min(n_dims, base.dim)
        low[:k], high[:k] = base.normalize(space.low)[:k], base.normalize(space.high)[:k]
    return low, high


def run_teacher(
    teacher, student: SimulatedStudent, n_episodes: int, checkpoints: tuple[int, ...] = ()
) -> dict[int, float]:
    """Train ``student`` for ``n_episodes`` with ``teacher``; the score at each checkpoint (and the end)."""
    from curriculum_gym.wrappers.episodes import adopt_return_range

    adopt_return_range(teacher, student.return_range)  # a teacher built without one gets the student's
    scores = {}
    marks = set(checkpoints) | {n_episodes}
    for episode in range(1, n_episodes + 1):
        task = teacher.sample()
        teacher.update(task, student.episode(task))
        if episode in marks:
            scores[episode] = student.score()
    return scores
