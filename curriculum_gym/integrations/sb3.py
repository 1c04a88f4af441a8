"""Stable-Baselines3: log the teacher and checkpoint it next to the model.

``TeacherCallback`` records ``teacher.metrics()`` in SB3's logger under
``teacher/*`` (TensorBoard, CSV, stdout: whatever the model logs to) at the end
of every rollout, and saves the teacher (JSON + ``.npy`` in one zip, no pickle)
every ``save_freq`` calls and at the end of training. Its file names follow
SB3's ``CheckpointCallback``: with the same ``save_freq``, ``save_path`` and
``name_prefix``, ``rl_model_5000_steps.zip`` gets ``rl_model_teacher_5000_steps.ckpt``
beside it (as ``rl_model_replay_buffer_5000_steps.pkl``), so a run resumes from a
matching pair.

Needs ``pip install stable-baselines3``; ``import curriculum_gym`` does not import it.
"""

from __future__ import annotations

import os
from numbers import Real
from typing import Any

try:
    from stable_baselines3.common.callbacks import BaseCallback
    from stable_baselines3.common.vec_env import DummyVecEnv, VecEnvWrapper
except ImportError as exc:  # pragma: no cover - exercised only without SB3
    raise ImportError(
        f"curriculum_gym.integrations.sb3 needs Stable-Baselines3: pip install stable-baselines3 ({exc})"
    ) from None

__all__ = ["TeacherCallback"]


class TeacherCallback(BaseCallback):
    """Logs a teacher's metrics under ``teacher/*`` and saves teacher checkpoints during ``model.learn``.

    Args:
        teacher: a ``cg.Teacher``, or a handle from ``cg.serve`` (local or Ray) when the
            envs run in worker processes. ``None``: the teacher of the training env's
            ``TeacherWrapper``, found at the start of training; this needs in-process envs
            (``DummyVecEnv``, which SB3 makes from a ``gym.make`` env) that share one teacher.
        save_path: folder for teacher checkpoints (created if needed); ``None``: no checkpoints.
        save_freq: save every ``save_freq`` calls of the callback, i.e. every
            ``save_freq * n_envs`` steps, as ``CheckpointCallback``; ``None``: only at the end.
        name_prefix: files are ``{name_prefix}_teacher_{num_timesteps}_steps.ckpt``.
        save_on_end: also save when training ends (unless just saved at that step).
        log_prefix: the logger keys are ``{log_prefix}/{metric}``.
        verbose: 1 prints the path of every checkpoint written.

    ``last_checkpoint`` holds the path of the newest checkpoint (``None`` before the first);
    read it with ``cg.load_teacher``.

    Example:
        >>> import gymnasium as gym, tempfile, curriculum_gym as cg
        >>> from stable_baselines3 import PPO
        >>> from curriculum_gym.integrations.sb3 import TeacherCallback
        >>> env = gym.make("StumpTracks-v0", teacher="random", teacher_options={"seed": 0}, max_episode_steps=50)
        >>> model = PPO("MlpPolicy", env, n_steps=128, batch_size=64, n_epochs=1, seed=0)
        >>> callback = TeacherCallback(save_path=tempfile.mkdtemp(), save_freq=128)
        >>> model = model.learn(256, callback=callback)
        >>> cg.load_teacher(callback.last_checkpoint).metrics()["episodes"] > 0
        True
    """

    def __init__(
        self,
        teacher: Any = None,
        save_path: str | os.PathLike | None = None,
        save_freq: int | None = None,
        name_prefix: str = "rl_model",
        save_on_end: bool = True,
        log_prefix: str = "teacher",
        verbose: int = 0,
    ) -> None:
        super().__init__(verbose)
        if teacher is not None and not (
            callable(getattr(teacher, "metrics", None)) and callable(getattr(teacher, "save", None))
        ):
            raise TypeError(
                "teacher must be a curriculum_gym Teacher, a handle from cg.serve (both have metrics() and "
                f"save(path)) or None (the training env's teacher); got {type(teacher).__name__}"
            )
        if save_path is not None and not isinstance(save_path, (str, os.PathLike)):
            raise TypeError(
                f"save_path must be a folder path (str or os.PathLike) or None; got {type(save_path).__name__}"
            )
        if save_freq is not None:
            if isinstance(save_freq, bool) or not isinstance(save_freq, int):
                raise TypeError(
                    f"save_freq must be an int (calls between checkpoints) or None; got {type(save_freq).__name__}"
                )
            if save_freq < 1:
                raise ValueError(f"save_freq must be >= 1 (or None: save at the end only); got {save_freq}")
            if save_path is None:
                raise ValueError("save_freq needs a save_path: the folder the teacher checkpoints go to")
        for name, value in (("name_prefix", name_prefix), ("log_prefix", log_prefix)):
            if not isinstance(value, str) or not value:
                raise TypeError(f"{name} must be a non-empty str; got {value!r}")
        self.teacher = teacher
        self.save_path = None if save_path is None else os.fspath(save_path)
        self.save_freq = save_freq
        self.name_prefix = name_prefix
        self.save_on_end = bool(save_on_end)
        self.log_prefix = log_prefix
        self.last_checkpoint: str | None = None
        self._last_saved_at: int | None = None

    # ------------------------------------------------------------------ SB3 hooks
    def _init_callback(self) -> None:
        if self.teacher is None:
            self.teacher = self._find_teacher()
        if self.save_path is not None:
            os.makedirs(self.save_path, exist_ok=True)

    def _on_step(self) -> bool:
        if self.save_freq is not None and self.n_calls % self.save_freq == 0:
            self.save()
        return True

    def _on_rollout_end(self) -> None:
        self.log_metrics()  # before the algorithm dumps its logs (PPO/A2C: each iteration; SAC/TD3: every log_interval)

    def _on_training_end(self) -> None:
        self.log_metrics()
        if self.save_on_end and self.save_path is not None and self._last_saved_at != self.num_timesteps:
            self.save()

    # ------------------------------------------------------------------- actions
    def log_metrics(self) -> dict[str, float]:
        """Record the teacher's numeric metrics in the model's logger; returns them."""
        metrics = {
            k: float(v) for k, v in self.teacher.metrics().items() if isinstance(v, Real)
        }  # bools and numpy scalars included
        for key, value in metrics.items():
            self.logger.record(f"{self.log_prefix}/{key}", value)
        return metrics

    def save(self) -> str:
        """Write ``{save_path}/{name_prefix}_teacher_{num_timesteps}_steps.ckpt`` now; returns its path."""
        if self.save_path is None:
            raise ValueError("this TeacherCallback has no save_path to write checkpoints to")
        path = os.path.join(self.save_path, f"{self.name_prefix}_teacher_{self.num_timesteps}_steps.ckpt")
        self.teacher.save(path)  # a local handle saves under its server's lock
        self.last_checkpoint, self._last_saved_at = path, self.num_timesteps
        if self.verbose >= 1:
            print(f"Saving teacher checkpoint to {path}")
        return path

    def _find_teacher(self) -> Any:
        base = self.training_env
        while isinstance(base, VecEnvWrapper):  # VecNormalize, VecMonitor, ...
            base = base.venv
        if not isinstance(base, DummyVecEnv):
            raise ValueError(
                f"TeacherCallback() without a teacher needs in-process envs (DummyVecEnv); the training env "
                f"is a {type(base).__name__}, whose envs hold copies. Serve one teacher "
                "(handle = cg.serve(teacher)), make the envs with teacher=handle and pass "
                "TeacherCallback(handle)"
            )
        try:
            teachers = self.training_env.get_attr("teacher")
        except AttributeError:
            raise ValueError(
                "the training env has no TeacherWrapper (no 'teacher' attribute): make it with "
                "gym.make(ID, teacher=...) or pass TeacherCallback(teacher)"
            ) from None
        if any(t is not teachers[0] for t in teachers):
            raise ValueError(
                f"the {len(teachers)} training envs have {len({id(t) for t in teachers})} different "
                "teachers; make them with one shared teacher (teacher=the same Teacher or handle) "
                "or pass the one to log"
            )
        return teachers[0]
