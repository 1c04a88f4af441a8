"""The declared contracts of teacher-like objects and task envs (``typing.Protocol``s).

:class:`TeacherLike` is what :class:`~curriculum_gym.TeacherWrapper` needs of the
object it is given: ``sample`` and ``update``. :class:`TeacherProtocol` is the whole
API that :class:`~curriculum_gym.Teacher`, :class:`~curriculum_gym.TeacherHandle`
(``cg.serve``) and the Ray backend's handle share; code that works with any of them
(wrappers, callbacks) should use only these members. :class:`TaskEnv` is what an env
(its ``unwrapped``) offers so that a teacher can drive it: the walker tracks, the
multi-walker env, or your own.

Example:
    >>> import curriculum_gym as cg
    >>> from curriculum_gym.protocols import TeacherLike
    >>> teacher = cg.make_teacher("random", cg.TaskSpace(["x"], [0], [1]), seed=0)
    >>> isinstance(teacher, TeacherLike)
    True
    >>> class Fixed:  # any object with sample() and update() will do
    ...     def sample(self, *, seed=None):
    ...         return [0.5]
    ...     def update(self, task, episode_return):
    ...         pass
    >>> isinstance(Fixed(), TeacherLike), isinstance("alp-gmm", TeacherLike)
    (True, False)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    import numpy as np

    from curriculum_gym.tasks import TaskSpace


@runtime_checkable
class TeacherLike(Protocol):
    """What ``TeacherWrapper`` calls: a task for the next episode, and each finished episode's raw return.

    ``sample(seed=...)`` is called only when the wrapper re-seeds the teacher
    (``reseed_teacher=True``). ``isinstance`` checks that both methods exist.
    """

    def sample(self, *, seed: int | None = None) -> np.ndarray | Any:
        """The next task, in the task space's raw units; ``seed`` first re-seeds the teacher."""
        ...

    def update(self, task: Any, episode_return: float) -> None:
        """One finished episode on ``task`` with its raw (unnormalised) return."""
        ...


class TeacherProtocol(TeacherLike, Protocol):
    """The API shared by ``Teacher`` and the handles that reach a served one (for type checkers).

    Besides :class:`TeacherLike`: the ``task_space`` tasks come from, the ``return_range``
    (``None`` while not known) and :meth:`set_return_range` to give it (what the wrapper does
    with the env's range when it is None), and :meth:`metrics` for logging.
    """

    task_space: TaskSpace

    @property
    def return_range(self) -> tuple[float, float] | None:
        """The raw returns' (low, high), or None while not known."""
        ...

    def set_return_range(self, return_range: tuple[float, float]) -> None:
        """Set an unknown ``return_range`` (setting the same again does nothing; changing it is a ValueError)."""
        ...

    def metrics(self) -> dict[str, float]:
        """Numbers worth logging."""
        ...


@runtime_checkable
class TaskEnv(Protocol):
    """What a teacher-driven env offers (on its ``unwrapped``), as ``WalkerTracksEnv`` does.

    ``task_space`` bounds and validates tasks; ``reset(options={"task": task})`` plays
    ``task`` (and ``info["task"]`` reports the episode's task); ``return_range`` is what
    learning-progress teachers normalise returns with; ``mastery_threshold`` the return at
    which an episode counts as mastered (evaluation, plots).

    Example:
        >>> import gymnasium as gym
        >>> import curriculum_gym
        >>> from curriculum_gym.protocols import TaskEnv
        >>> isinstance(gym.make("StumpTracks-v0").unwrapped, TaskEnv)
        True
    """

    task_space: TaskSpace
    return_range: tuple[float, float]
    mastery_threshold: float

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> Any:
        """Start an episode; ``options={"task": task}`` plays ``task``."""
        ...


__all__ = ["TaskEnv", "TeacherLike", "TeacherProtocol"]
