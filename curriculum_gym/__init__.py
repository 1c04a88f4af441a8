"""curriculum-gym: automatic curriculum learning for parameterized continuous-control tasks.

Importing the package registers its Gymnasium IDs (``StumpTracks-v0``, ``HexagonTracks-v0``).
"""

from curriculum_gym import plotting  # matplotlib is imported only when a plot is drawn
from curriculum_gym.envs import BODIES, WalkerTracksEnv
from curriculum_gym.evaluation import EvaluationResult, evaluate, test_set
from curriculum_gym.registration import register_envs
from curriculum_gym.tasks import TaskSpace
from curriculum_gym.teachers import TEACHERS, Teacher, load_teacher, make_teacher
from curriculum_gym.wrappers import TeacherHandle, TeacherWrapper, serve

__version__ = "0.1.0"

register_envs()

__all__ = [
    "BODIES",
    "EvaluationResult",
    "TEACHERS",
    "TaskSpace",
    "Teacher",
    "TeacherHandle",
    "TeacherWrapper",
    "WalkerTracksEnv",
    "__version__",
    "evaluate",
    "load_teacher",
    "make_teacher",
    "plotting",
    "serve",
    "test_set",
]
