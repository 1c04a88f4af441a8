"""The Ray backend of ``cg.serve``: the teacher as a Ray actor, for runs across machines."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from curriculum_gym.tasks import TaskSpace
from curriculum_gym.teachers.base import Teacher, check_return, check_return_range


class _TeacherActor:
    """Holds the teacher inside the actor. Ray runs one method at a time per actor."""

    def __init__(self, state: dict[str, Any]) -> None:
        self.teacher = Teacher.from_state_dict(state)

    def sample(self, seed: int | None = None) -> list[float]:
        return self.teacher.sample(seed=seed).tolist()

    def update(self, task: list[float], episode_return: float) -> None:
        self.teacher.update(task, episode_return)

    def metrics(self) -> dict[str, float]:
        return self.teacher.metrics()

    def return_range(self) -> tuple[float, float] | None:
        return self.teacher.return_range

    def set_return_range(self, return_range: list[float]) -> None:
        self.teacher.set_return_range(return_range)

    def state_dict(self) -> dict[str, Any]:
        return self.teacher.state_dict()


class RayTeacherHandle:
    """Same API as :class:`~curriculum_gym.sharing.server.TeacherHandle`, backed by a Ray actor.

    ``handle.teacher`` returns a snapshot (a local copy of the actor's teacher at that
    moment), fit for logging, plots and ``save``; updates go to the actor only.
    """

    def __init__(self, actor: Any, task_space: TaskSpace, timeout: float) -> None:
        self.actor = actor
        self.task_space = task_space
        self.timeout = timeout

    def _get(self, ref: Any) -> Any:
        import ray

        try:
            return ray.get(ref, timeout=self.timeout)
        except ray.exceptions.GetTimeoutError:
            raise TimeoutError(
                f"the teacher actor did not answer within {self.timeout} s; the request may still have been applied"
            ) from None
        except ray.exceptions.RayActorError as exc:  # the actor died (ActorDiedError) or is unreachable
            raise RuntimeError(f"the teacher actor is gone: {type(exc).__name__}") from None
        except ray.exceptions.RayTaskError as exc:  # re-raise the teacher's own ValueError / TypeError
            cause = exc.as_instanceof_cause()
            for kind in (ValueError, TypeError):
                if isinstance(cause, kind):
                    raise kind(str(cause).splitlines()[-1]) from None
            raise

    def sample(self, *, seed: int | None = None) -> np.ndarray:
        return np.asarray(self._get(self.actor.sample.remote(seed)), dtype=np.float64)

    def update(self, task: Any, episode_return: float) -> None:
        self._get(self.actor.update.remote(self.task_space.validate(task).tolist(), check_return(episode_return)))

    def metrics(self) -> dict[str, float]:
        return self._get(self.actor.metrics.remote())

    @property
    def return_range(self) -> tuple[float, float] | None:
        """The actor's teacher's ``return_range`` (None while not known)."""
        return self._get(self.actor.return_range.remote())

    def set_return_range(self, return_range: tuple[float, float]) -> None:
        """``Teacher.set_return_range`` on the actor's teacher."""
        if return_range is None:
            raise TypeError("return_range must be a (low, high) pair of numbers; got None")
        self._get(self.actor.set_return_range.remote(list(check_return_range(return_range))))

    @property
    def teacher(self) -> Teacher:
        return Teacher.from_state_dict(self._get(self.actor.state_dict.remote()))

    def save(self, path: str | os.PathLike) -> None:
        self.teacher.save(path)

    def close(self) -> None:
        import ray

        ray.kill(self.actor)

    def __enter__(self) -> RayTeacherHandle:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def serve_ray(teacher: Teacher, timeout: float) -> RayTeacherHandle:
    try:
        import ray
    except ImportError:
        raise ImportError('backend="ray" needs Ray: pip install "curriculum-gym[ray]"') from None
    if not ray.is_initialized():
        ray.init()
    actor = ray.remote(_TeacherActor).options(max_concurrency=1).remote(teacher.state_dict())
    return RayTeacherHandle(actor, teacher.task_space, timeout)
