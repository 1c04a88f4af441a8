import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from curriculum_gym import TaskSpace


def space():
    return TaskSpace(["stump_height", "obstacle_spacing"], [0, 0], [3, 6])


def test_basic_properties():
    s = space()
    assert s.names == ("stump_height", "obstacle_spacing")
    assert s.dim == 2
    np.testing.assert_array_equal(s.low, [0, 0])
    np.testing.assert_array_equal(s.high, [3, 6])
    assert "stump_height=[0, 3]" in repr(s)


def test_sample_uses_the_given_generator_only():
    s = space()
    a = s.sample(np.random.default_rng(5), n=100)
    b = s.sample(np.random.default_rng(5), n=100)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (100, 2)
    assert all(s.contains(x) for x in a)
    with pytest.raises(ValueError, match="Generator"):
        s.sample(np.random.RandomState(0))


def test_dict_conversion_and_errors():
    s = space()
    np.testing.assert_array_equal(s.validate({"obstacle_spacing": 2, "stump_height": 1}), [1, 2])
    assert s.to_dict([1, 2]) == {"stump_height": 1.0, "obstacle_spacing": 2.0}
    with pytest.raises(ValueError, match="unknown task parameter.*'height'.*allowed names"):
        s.validate({"height": 1, "obstacle_spacing": 2})
    with pytest.raises(ValueError, match="missing parameter"):
        s.validate({"stump_height": 1})


@pytest.mark.parametrize(
    "task,match",
    [
        ([1.0], r"shape \(2,\)"),
        ([1.0, 2.0, 3.0], r"shape \(2,\)"),
        ([[1.0, 2.0]], r"shape \(2,\)"),
        ([np.nan, 1.0], "'stump_height' must be finite"),
        ([1.0, np.inf], "'obstacle_spacing' must be finite"),
        ([3.5, 1.0], r"'stump_height' = 3.5 is outside its bounds \[0, 3\]"),
        ([1.0, -0.1], r"'obstacle_spacing' = -0.1 is outside its bounds \[0, 6\]"),
        ([10**400, 3.0], "too large"),
    ],
)
def test_invalid_tasks_raise_value_error_naming_the_problem(task, match):
    with pytest.raises(ValueError, match=match):
        space().validate(task)
    assert not space().contains(task)


@pytest.mark.parametrize(
    "task",
    [
        ["a", 1.0],
        ["1.0", "3.0"],
        "12",
        [True, 3.0],
        np.array([True, False]),
        np.array([1, 2], dtype="timedelta64[s]"),
        np.ma.array([1.0, 2.0]),
        [1 + 0j, 2.0],
        np.array([1.0 + 0j, 2.0]),
        [None, 1.0],
    ],
)
def test_wrong_types_of_task_raise_type_error(task):
    with pytest.raises(TypeError, match="task must be"):
        space().validate(task)
    assert not space().contains(task)


@pytest.mark.parametrize("value", ["5", True, 1 + 0j, None, [1.0]])
def test_wrong_types_of_return_raise_type_error(value):
    import curriculum_gym as cg

    teacher = cg.make_teacher("alp-gmm", space(), seed=0)
    with pytest.raises(TypeError, match="episode_return"):
        teacher.update([1.0, 1.0], value)
    with pytest.raises(ValueError, match="too large"):
        teacher.update([1.0, 1.0], 10**400)
    assert teacher.n_updates_ == 0


@pytest.mark.parametrize(
    "args,match",
    [
        ((["a", "b"], [0, 1], [1, 0]), "'b' are inverted"),
        ((["a", "a"], [0, 0], [1, 1]), "unique"),
        ((["a"], [0, 0], [1, 1]), r"shape \(1,\)"),
        ((["a"], [np.nan], [1]), "finite"),
        (([], [], []), "at least one"),
        (([""], [0], [1]), "non-empty"),
    ],
)
def test_invalid_construction(args, match):
    with pytest.raises(ValueError, match=match):
        TaskSpace(*args)


def test_normalize_round_trip_and_fixed_dimension():
    s = TaskSpace(["a", "b"], [0, 2], [4, 2])
    np.testing.assert_allclose(s.normalize([1, 2]), [0.25, 0.0])
    np.testing.assert_allclose(s.denormalize(s.normalize([[1, 2], [4, 2]])), [[1, 2], [4, 2]])


def test_with_bounds():
    s = space().with_bounds({"stump_height": (0, 5)})
    np.testing.assert_array_equal(s.high, [5, 6])
    s2 = space().with_bounds([(0, 1), (2, 3)])
    np.testing.assert_array_equal(s2.low, [0, 2])
    with pytest.raises(ValueError, match="unknown parameter"):
        space().with_bounds({"nope": (0, 1)})
    with pytest.raises(ValueError, match="inverted"):
        space().with_bounds({"stump_height": (3, 0)})
    with pytest.raises(ValueError, match="2 \\(low, high\\) pairs"):
        space().with_bounds([(0, 1)])
    with pytest.raises(ValueError, match="pair of numbers"):
        space().with_bounds({"stump_height": 3})


def test_state_dict_round_trip():
    s = space()
    assert TaskSpace.from_state_dict(s.state_dict()) == s
    with pytest.raises(ValueError):
        TaskSpace.from_state_dict({"names": ["a"]})


@given(
    st.lists(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6), min_size=2, max_size=2)
)
def test_contains_iff_inside_bounds(x):
    s = space()
    inside = 0 <= x[0] <= 3 and 0 <= x[1] <= 6
    assert s.contains(x) == inside
