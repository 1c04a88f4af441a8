"""TeacherWrapper: a teacher picks the task of every episode; the episode's return goes back to it."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from curriculum_gym.tasks import TaskSpace
from curriculum_gym.teachers import Teacher, make_teacher


def resolve_teacher(unwrapped: Any, teacher: Any, seed: int | None, options: dict[str, Any]) -> tuple[Any, TaskSpace]:
    """The teacher a wrapper will use, and the env's task space, checked against each other.

    ``teacher`` is a Teacher, a name for :func:`make_teacher` (then ``seed`` and
    ``options`` are its arguments and the env's ``return_range`` its return range) or
    any object with ``sample()`` and ``update()`` (e.g. a handle from ``cg.serve``).
    """
    task_space = getattr(unwrapped, "task_space", None)
    if not isinstance(task_space, TaskSpace):
        raise ValueError(f"a teacher wrapper needs an env with a TaskSpace `task_space`; {unwrapped} has none")
    if isinstance(teacher, str):
        teacher = make_teacher(teacher, task_space, seed=seed, return_range=getattr(unwrapped, "return_range", None),
                               **options)
    elif options or seed is not None:
        raise ValueError("seed and teacher options are only used with a teacher name, e.g. TeacherWrapper(env, 'alp-gmm', seed=0)")
    if not (callable(getattr(teacher, "sample", None)) and callable(getattr(teacher, "update", None))):
        raise ValueError(f"teacher must be a Teacher, a teacher name or have sample() and update(); got {teacher!r}")
    teacher_space = getattr(teacher, "task_space", None)
    if teacher_space is not None and teacher_space != task_space:
        raise ValueError(f"the teacher's task space {teacher_space} differs from the env's {task_space}")
    return teacher, task_space


class TeacherWrapper(gym.Wrapper):
    """Samples each episode's task from a teacher and reports each finished episode back.

    Example:
        >>> import gymnasium as gym
        >>> import curriculum_gym as cg
        >>> env = cg.TeacherWrapper(gym.make("StumpTracks-v0"), "alp-gmm", seed=0)
        >>> obs, info = env.reset(seed=0)
        >>> info["task"].shape
        (2,)
        >>> env.get_wrapper_attr("teacher").name
        'alp-gmm'

    Rules:

    - every ``reset`` asks the teacher for a task and passes it as ``options["task"]``;
    - every episode that started from a teacher's task is reported exactly once,
      with its raw (unwrapped) return: when it terminates or truncates, or, if it
      was cut off from outside (an outer ``TimeLimit``, a vector env), at the next
      ``reset``. Episodes without a single step are not reported;
    - a task given explicitly (``reset(options={"task": ...})``, e.g. for evaluation)
      overrides the teacher for that episode and is not reported;
    - observations, rewards, spaces and signatures are unchanged, unless
      ``task_in_obs=True``, which appends the task normalised to [0, 1] to the
      observation (and widens the observation space to match).

    Args:
        env: an env whose ``unwrapped`` has a ``task_space`` and takes ``options["task"]``.
        teacher: a :class:`~curriculum_gym.teachers.Teacher`, a teacher name for
            :func:`~curriculum_gym.make_teacher`, or any object with ``sample()`` and
            ``update(task, episode_return)`` (e.g. a handle from ``cg.serve``).
            One teacher may be shared by every sub-env of a synchronous vector env.
        task_in_obs: append the normalised task to observations.
        seed, **teacher_options: used only when ``teacher`` is a name.
    """

    def __init__(
        self,
        env: gym.Env,
        teacher: Teacher | str | Any,
        *,
        task_in_obs: bool = False,
        seed: int | None = None,
        **teacher_options: Any,
    ) -> None:
        super().__init__(env)
        self.teacher, self.task_space = resolve_teacher(env.unwrapped, teacher, seed, teacher_options)
        self.task_in_obs = bool(task_in_obs)
        if self.task_in_obs:
            base = env.observation_space
            if not (isinstance(base, spaces.Box) and len(base.shape) == 1):
                raise ValueError(f"task_in_obs needs a flat Box observation space; got {base}")
            self.observation_space = spaces.Box(
                np.concatenate([base.low, np.zeros(self.task_space.dim)]).astype(base.dtype),
                np.concatenate([base.high, np.ones(self.task_space.dim)]).astype(base.dtype),
                dtype=base.dtype,
            )
        self.episodes_reported = 0
        self._task: np.ndarray | None = None
        self._task_obs: np.ndarray | None = None
        self._return = 0.0
        self._steps = 0
        self._open = False  # an episode from the teacher that has not been reported yet

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        self._report_cut_episode()
        explicit = options is not None and options.get("task") is not None
        if not explicit:
            options = {**(options or {}), "task": self.teacher.sample()}
        obs, info = self.env.reset(seed=seed, options=options)
        self._task = np.asarray(info["task"], dtype=np.float64)
        self._open, self._return, self._steps = not explicit, 0.0, 0
        if self.task_in_obs:
            self._task_obs = self.task_space.normalize(self._task).astype(self.observation_space.dtype)
        return self._observation(obs), info

    def step(self, action):
        obs, reward, terminated, truncated, info = self.env.step(action)
        self._return += float(reward)
        self._steps += 1
        if terminated or truncated:
            info = {**info, "task": self._task}
            if self._open:
                self._report()
        return self._observation(obs), reward, terminated, truncated, info

    def _observation(self, obs: np.ndarray) -> np.ndarray:
        return np.concatenate([obs, self._task_obs]) if self.task_in_obs else obs

    def _report_cut_episode(self) -> None:
        if self._open and self._steps > 0:
            self._report()

    def _report(self) -> None:
        self._open = False
        self.teacher.update(self._task, self._return)
        self.episodes_reported += 1
