import io
import json
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import curriculum_gym as cg
from curriculum_gym.toy import SimulatedStudent

SPACE = cg.TaskSpace(["x", "y"], [0, 0], [1, 1])
OPTIONS = {
    "random": {},
    "alp-gmm": {"fit_rate": 100},
    "riac": {"max_region_size": 40},
    "covar-gmm": {"fit_rate": 100},
    "adr": {"initial_task": [0.0, 0.0], "step_size": 0.05, "expand_threshold": 0.3, "shrink_threshold": 0.0},
    "oracle": {"start": [0.0, 0.0], "step": [0.05, 0.05], "threshold": 0.2, "update_every": 20},
}


def drive(teacher, student, n):
    tasks = []
    for _ in range(n):
        x = teacher.sample()
        teacher.update(x, student.episode(x))
        tasks.append(x)
    return np.array(tasks)


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_save_load_continue_equals_uninterrupted_run(name, tmp_path):
    def fresh():
        return cg.make_teacher(name, SPACE, seed=7, return_range=(0, 1), **OPTIONS[name])

    student_a = SimulatedStudent(2, 10)
    uninterrupted = fresh()
    full = drive(uninterrupted, student_a, 700)

    student_b = SimulatedStudent(2, 10)
    first = fresh()
    head = drive(first, student_b, 350)
    first.save(tmp_path / "teacher.ckpt")
    resumed = cg.load_teacher(tmp_path / "teacher.ckpt")
    assert type(resumed) is type(first) and resumed.get_options() == first.get_options()
    tail = drive(resumed, student_b, 350)
    np.testing.assert_array_equal(np.concatenate([head, tail]), full)


def test_resume_in_a_fresh_process_gives_identical_tasks(tmp_path):
    ckpt, out = tmp_path / "alp.ckpt", tmp_path / "tail.npy"
    teacher = cg.make_teacher("alp-gmm", SPACE, seed=3, return_range=(0, 1), fit_rate=100)
    student = SimulatedStudent(2, 10)
    drive(teacher, student, 450)
    teacher.save(ckpt)
    np.save(tmp_path / "competence.npy", student.competence_)
    code = f"""
import numpy as np, curriculum_gym as cg
from curriculum_gym.toy import SimulatedStudent
t = cg.load_teacher({str(ckpt)!r})
s = SimulatedStudent(2, 10); s.competence_ = np.load({str(tmp_path / "competence.npy")!r})
tasks = []
for _ in range(300):
    x = t.sample(); t.update(x, s.episode(x)); tasks.append(x)
np.save({str(out)!r}, np.array(tasks))
"""
    run = subprocess.run(
        [sys.executable, "-W", "ignore::DeprecationWarning", "-c", code], capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr
    expected = drive(teacher, student, 300)
    np.testing.assert_array_equal(np.load(out), expected)


def test_checkpoint_is_a_zip_of_json_and_npy_without_pickle(tmp_path):
    t = cg.make_teacher("alp-gmm", SPACE, seed=0, return_range=(0, 1), fit_rate=50)
    drive(t, SimulatedStudent(2, 10), 120)
    t.save(tmp_path / "t.npz")
    with zipfile.ZipFile(tmp_path / "t.npz") as zf:
        names = zf.namelist()
        doc = json.loads(zf.read("teacher.json"))
    assert doc["format"] == "curriculum-gym-teacher" and doc["state"]["teacher"] == "alp-gmm"
    assert all(n == "teacher.json" or n.endswith(".npy") for n in names)
    with np.load(tmp_path / "t.npz", allow_pickle=False) as arrays:  # plain numpy can read the arrays
        assert len(arrays.files) > 3
    assert not list(tmp_path.glob(".*tmp"))  # the temporary file was renamed away


def corrupt_files(tmp_path, good):
    raw = good.read_bytes()
    yield "empty", b""
    yield "random bytes", np.random.default_rng(0).bytes(500)
    yield "truncated", raw[: len(raw) // 2]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("something.txt", "hello")
    yield "foreign zip", buf.getvalue()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("teacher.json", json.dumps({"format": "other", "version": 1, "state": {}}))
    yield "wrong format", buf.getvalue()
    buf = io.BytesIO()
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(buf, "w") as zf:
        for name in src.namelist():
            data = src.read(name)
            if name.endswith(".npy"):  # replace every array by a pickled object array
                b = io.BytesIO()
                np.save(b, np.array([{"x": 1}], dtype=object), allow_pickle=True)
                data = b.getvalue()
            zf.writestr(name, data)
    yield "pickled arrays", buf.getvalue()
    buf = io.BytesIO()
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(buf, "w") as zf:
        doc = json.loads(src.read("teacher.json"))
        doc["state"]["state"]["window"] = {"__ndarray__": "nope"}
        zf.writestr("teacher.json", json.dumps(doc))
    yield "dangling array", buf.getvalue()
    buf = io.BytesIO()
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(buf, "w") as zf:
        doc = json.loads(src.read("teacher.json"))
        del doc["state"]["state"]["history"]
        zf.writestr("teacher.json", json.dumps(doc))
        for name in src.namelist():
            if name.endswith(".npy"):
                zf.writestr(name, src.read(name))
    yield "missing field", buf.getvalue()


def test_corrupt_checkpoints_raise_value_error_and_leave_teacher_untouched(tmp_path):
    live = cg.make_teacher("alp-gmm", SPACE, seed=0, return_range=(0, 1), fit_rate=50)
    drive(live, SimulatedStudent(2, 10), 120)
    good = tmp_path / "good.ckpt"
    live.save(good)
    before = live.state_dict()
    for _label, data in corrupt_files(tmp_path, good):
        bad = tmp_path / "bad.ckpt"
        bad.write_bytes(data)
        with pytest.raises(ValueError, match="not a valid curriculum-gym teacher checkpoint|invalid alp-gmm"):
            cg.load_teacher(bad)
    # a bad state given to a live teacher leaves it as it was
    broken = live.state_dict()
    broken["state"]["window"] = np.zeros((3, 7))
    with pytest.raises(ValueError):
        live.load_state_dict(broken)
    wrong = cg.make_teacher("random", SPACE).state_dict()
    with pytest.raises(ValueError, match="for teacher 'random'"):
        live.load_state_dict(wrong)
    after = live.state_dict()
    assert after["n_updates"] == before["n_updates"]
    np.testing.assert_array_equal(after["state"]["window"], before["state"]["window"])
    assert live.sample().shape == (2,)
    with pytest.raises(FileNotFoundError):
        cg.load_teacher(tmp_path / "missing.ckpt")


# ------------------------------------------------------------- unknown return range
@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_a_teacher_without_a_return_range_saves_and_loads(name, tmp_path):
    teacher = cg.make_teacher(name, SPACE, seed=7, **OPTIONS[name])
    if not teacher.needs_return_range:
        drive(teacher, SimulatedStudent(2, 10), 50)  # random, ADR, oracle learn without one
    teacher.save(tmp_path / "t.ckpt")
    resumed = cg.load_teacher(tmp_path / "t.ckpt")
    assert resumed.return_range is None and resumed.n_updates_ == teacher.n_updates_
    assert json.loads(zipfile.ZipFile(tmp_path / "t.ckpt").read("teacher.json"))["state"]["return_range"] is None
    resumed.set_return_range((0, 1))  # still free to be set, e.g. by the wrapper
    np.testing.assert_array_equal(resumed.sample(), teacher.sample())


def test_loading_a_state_fills_in_an_unknown_return_range_and_never_changes_a_known_one():
    known = cg.make_teacher("alp-gmm", SPACE, seed=0, return_range=(0, 1), fit_rate=100)
    unknown = cg.make_teacher("alp-gmm", SPACE, seed=0, fit_rate=100)
    unknown.load_state_dict(known.state_dict())  # takes the state's range
    assert unknown.return_range == (0.0, 1.0)
    other = cg.make_teacher("alp-gmm", SPACE, seed=0, return_range=(-1, 1), fit_rate=100)
    other.load_state_dict(cg.make_teacher("alp-gmm", SPACE, seed=0, fit_rate=100).state_dict())  # a state without
    assert other.return_range == (-1.0, 1.0)
    with pytest.raises(ValueError, match="return_range"):
        other.load_state_dict(known.state_dict())
    assert other.return_range == (-1.0, 1.0)
    with pytest.raises(ValueError, match="return_range"):
        unknown.load_state_dict({**known.state_dict(), "return_range": [1, 0]})
