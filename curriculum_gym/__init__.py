"""curriculum-gym: automatic curriculum learning for parameterized continuous-control tasks.

Importing the package registers its Gymnasium IDs (``StumpTracks-v0``, ``HexagonTracks-v0``, ``Parkour-v0``).
"""

from curriculum_gym import plotting  # matplotlib is imported only when a plot is drawn
from curriculum_gym.challenges import CHALLENGES, Challenge, RuggedMapping, get_challenge
from curriculum_gym.envs import BODIES, ParkourEnv, WalkerTracksEnv
from curriculum_gym.evaluation import EvaluationResult, evaluate, load_test_set, test_set
from curriculum_gym.protocols import TaskEnv, TeacherLike, TeacherProtocol
from curriculum_gym.registration import register_envs
from curriculum_gym.sharing.server import TeacherHandle, serve
from curriculum_gym.tasks import TaskSpace
from curriculum_gym.teachers import TEACHERS, Teacher, load_teacher, make_teacher
from curriculum_gym.wrappers import TaskObservation, TeacherWrapper
from curriculum_gym.wrappers.episodes import CurriculumWarning

__version__ = "0.1.0"

register_envs()


def __getattr__(name: str):
    """``cg.ParallelTeacherWrapper`` needs PettingZoo (extra ``multiagent``): imported on first use."""
    if name == "ParallelTeacherWrapper":
        try:
            from curriculum_gym.multiagent import ParallelTeacherWrapper
        except ImportError as exc:
            raise ImportError(
                f'ParallelTeacherWrapper needs PettingZoo: pip install "curriculum-gym[multiagent]" ({exc})'
            ) from None
        return ParallelTeacherWrapper
    raise AttributeError(f"module 'curriculum_gym' has no attribute {name!r}")


__all__ = [
    "BODIES",
    "CHALLENGES",
    "Challenge",
    "CurriculumWarning",
    "EvaluationResult",
    "ParallelTeacherWrapper",
    "ParkourEnv",
    "RuggedMapping",
    "TEACHERS",
    "TaskEnv",
    "TaskObservation",
    "TaskSpace",
    "Teacher",
    "TeacherHandle",
    "TeacherLike",
    "TeacherProtocol",
    "TeacherWrapper",
    "WalkerTracksEnv",
    "__version__",
    "evaluate",
    "get_challenge",
    "load_teacher",
    "load_test_set",
    "make_teacher",
    "plotting",
    "serve",
    "test_set",
]
