"""Hostile teacher checkpoints: every malformed file is a ValueError, costs bounded memory, and changes nothing.

A fuzz (bit flips and truncations, of the file and inside its members) per teacher type, then
one crafted file or state per attack found by review.
"""

import copy
import io
import json
import math
import struct
import tracemalloc
import warnings
import zipfile

import numpy as np
import pytest

import curriculum_gym as cg
from curriculum_gym import checkpoint
from curriculum_gym.toy import SimulatedStudent

SPACE = cg.TaskSpace(["x", "y"], [0, 0], [1, 1])
OPTIONS = {
    "random": {},
    "alp-gmm": {"fit_rate": 40, "potential_ks": [2, 3, 4]},
    "riac": {"max_region_size": 20},
    "covar-gmm": {"fit_rate": 40, "potential_ks": [2, 3, 4]},
    "adr": {
        "initial_task": [0.0, 0.0],
        "step_size": 0.05,
        "expand_threshold": 0.3,
        "shrink_threshold": 0.0,
        "queue_length": 4,
    },
    "oracle": {"start": [0.0, 0.0], "step": [0.05, 0.05], "threshold": 0.01, "update_every": 20},
}
N_FUZZ = 200  # per kind of damage and teacher


def make(name, **overrides):
    return cg.make_teacher(name, SPACE, seed=7, return_range=(0, 1), **{**OPTIONS[name], **overrides})


def drive(teacher, n):
    student = SimulatedStudent(2, 10)
    for _ in range(n):
        x = teacher.sample()
        teacher.update(x, student.episode(x))
    return teacher


@pytest.fixture(scope="module")
def trained():
    """One teacher of each type with non-trivial state (fitted mixtures, splits, moved boxes)."""
    teachers = {name: drive(make(name), 130) for name in OPTIONS}
    assert teachers["alp-gmm"].mixture_ is not None and len(teachers["alp-gmm"].fits_) >= 2
    assert teachers["covar-gmm"].mixture_ is not None
    assert len(teachers["riac"].regions_) >= 3
    assert teachers["adr"].high_.max() > 0 and teachers["oracle"].n_moves_ >= 1
    return teachers


def same_state(a, b):
    """Exact equality of two state dicts (arrays compared by dtype, shape and bytes)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (
            isinstance(a, np.ndarray)
            and isinstance(b, np.ndarray)
            and a.dtype == b.dtype
            and a.shape == b.shape
            and a.tobytes() == b.tobytes()
        )
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same_state(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(same_state(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def members_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def zip_of(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def with_doc(data: bytes, edit) -> bytes:
    """The checkpoint ``data`` with its teacher.json document changed by ``edit(doc)``."""
    members = members_of(data)
    doc = json.loads(members["teacher.json"])
    edit(doc)
    members["teacher.json"] = json.dumps(doc).encode()
    return zip_of(members)


def npy_bytes(descr: str, shape: tuple, payload: bytes) -> bytes:
    header = f"{{'descr': {descr!r}, 'fortran_order': False, 'shape': {shape!r}, }}"
    header += " " * (-(len(header) + 11) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1") + payload


class Probe:
    """Loads damaged files: each must be refused with ValueError or give a working teacher; a refused
    state leaves a live teacher exactly as it was."""

    def __init__(self, name, good_state, tmp_path):
        self.live = make(name)
        self.live.load_state_dict(good_state)
        self.good_state = good_state
        self.before = self.live.state_dict()
        self.path = tmp_path / f"damaged-{name}.ckpt"
        self.outcomes = {"file refused": 0, "state refused": 0, "loaded": 0}

    def __call__(self, data: bytes) -> None:
        self.path.write_bytes(data)
        try:
            teacher = cg.load_teacher(self.path)
        except ValueError as exc:
            assert "not a valid curriculum-gym teacher checkpoint" in str(exc)
        else:  # it passed validation: it must work
            for _ in range(3):
                teacher.update(teacher.sample(), 0.5)
            teacher.metrics()
        try:
            state = checkpoint.load_state(self.path)
        except ValueError:
            self.outcomes["file refused"] += 1
            return
        try:
            self.live.load_state_dict(state)
        except ValueError:
            self.outcomes["state refused"] += 1
            assert same_state(self.live.state_dict(), self.before)
            return
        self.outcomes["loaded"] += 1
        self.live.load_state_dict(self.good_state)


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_fuzzed_checkpoints_are_refused_or_valid_and_never_change_a_live_teacher(name, trained, tmp_path):
    good_path = tmp_path / "good.ckpt"
    trained[name].save(good_path)
    good = good_path.read_bytes()
    members = members_of(good)
    names = sorted(members)
    probe = Probe(name, checkpoint.load_state(good_path), tmp_path)
    rng = np.random.default_rng(12345)
    for _ in range(N_FUZZ):  # a bit flipped anywhere in the file
        data = bytearray(good)
        data[rng.integers(len(data))] ^= 1 << int(rng.integers(8))
        probe(bytes(data))
    for _ in range(N_FUZZ):  # the file cut short
        probe(good[: rng.integers(len(good))])
    for _ in range(N_FUZZ // 2):  # a bit flipped inside a member (a valid zip around it)
        member = names[rng.integers(len(names))]
        content = bytearray(members[member])
        content[rng.integers(len(content))] ^= 1 << int(rng.integers(8))
        probe(zip_of({**members, member: bytes(content)}))
    for _ in range(N_FUZZ // 2):  # a member cut short (a valid zip around it)
        member = names[rng.integers(len(names))]
        probe(zip_of({**members, member: members[member][: rng.integers(len(members[member]))]}))
    assert same_state(probe.live.state_dict(), probe.before)
    assert probe.outcomes["file refused"] > N_FUZZ  # most damage is caught by the format


# ---------------------------------------------------------------- crafted files
def refused(data: bytes, tmp_path, match: str, by_format: bool = True) -> None:
    """``cg.load_teacher`` refuses the file saying ``match``; so does ``load_state`` when the format is at fault."""
    path = tmp_path / "crafted.ckpt"
    path.write_bytes(data)
    if by_format:
        with pytest.raises(ValueError, match=match):
            checkpoint.load_state(path)
    with pytest.raises(ValueError, match="not a valid curriculum-gym teacher checkpoint") as info:
        cg.load_teacher(path)
    assert info.match(match)


@pytest.fixture(scope="module")
def good_alp(trained, tmp_path_factory):
    path = tmp_path_factory.mktemp("alp") / "alp.ckpt"
    trained["alp-gmm"].save(path)
    return path.read_bytes()


def test_deeply_nested_json_is_refused(good_alp, tmp_path):
    deep = b"[" * 100_000 + b"]" * 100_000
    refused(
        zip_of({"teacher.json": b'{"format": "curriculum-gym-teacher", "version": 1, "state": ' + deep + b"}"}),
        tmp_path,
        "nested",
    )
    refused(
        with_doc(good_alp, lambda doc: doc["state"]["state"].update(extra=json.loads("[" * 100 + "]" * 100))),
        tmp_path,
        "nested more than 64",
    )


def test_npy_headers_are_checked_before_allocating(good_alp, tmp_path):
    members = members_of(good_alp)
    name = next(n for n in sorted(members) if n.endswith(".npy"))
    huge = npy_bytes("<f8", (10**12,), b"\0" * 16)
    tracemalloc.start()
    refused(zip_of({**members, name: huge}), tmp_path, r"claims shape \(1000000000000,\)")
    refused(zip_of({**members, "a999.npy": huge}), tmp_path, "not referred to")  # nothing refers to it
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 20 * 2**20
    refused(zip_of({**members, name: npy_bytes("<c16", (1,), b"\0" * 16)}), tmp_path, "only boolean, integer and float")
    refused(zip_of({**members, name: npy_bytes("|O", (1,), b"\0" * 8)}), tmp_path, "only boolean, integer and float")
    refused(zip_of({**members, name: b"\x93NUMPY\x01\x00\x10\x00{'descr': __import__('os')}"}), tmp_path, "malformed")
    refused(zip_of({**members, name: b"\x93NUMPY\x01\x00\xff\xff"}), tmp_path, "header")


def test_non_finite_and_negative_counts_are_refused(trained, good_alp, tmp_path):
    for value in (math.inf, -math.inf, math.nan, -1, 1.5, True, "3", 2**70):

        def edit(doc, value=value):
            doc["state"]["n_updates"] = value

        refused(with_doc(good_alp, edit), tmp_path, "n_updates", by_format=False)
    live = trained["alp-gmm"]
    before = live.state_dict()
    for key, value in (("n_updates", math.inf), ("n_samples", -1), ("n_samples", np.float64(3.0))):
        with pytest.raises(ValueError, match=key):
            live.load_state_dict({**before, key: value})
    assert same_state(live.state_dict(), before)


def test_bad_rng_states_are_refused(trained, good_alp, tmp_path):
    def set_rng(**fields):
        def edit(doc):
            rng = doc["state"]["rng"]
            for key, value in fields.items():
                if key in ("state", "inc"):
                    rng["state"][key] = value
                else:
                    rng[key] = value

        return edit

    for fields in (
        {"state": -1},
        {"inc": 2**128},
        {"state": 1.5},
        {"has_uint32": 2},
        {"uinteger": -5},
        {"bit_generator": "MT19937"},
        {"state": None},
    ):
        refused(with_doc(good_alp, set_rng(**fields)), tmp_path, "rng", by_format=False)
    live = trained["alp-gmm"]
    before = live.state_dict()
    state = copy.deepcopy(before)
    state["rng"]["state"]["state"] = -1
    with pytest.raises(ValueError, match="rng"):
        live.load_state_dict(state)
    assert same_state(live.state_dict(), before)


def test_encrypted_members_are_refused(good_alp, tmp_path):
    data = bytearray(good_alp)
    with zipfile.ZipFile(io.BytesIO(good_alp)) as zf:
        for info in zf.infolist():  # the local header's flags
            data[info.header_offset + 6] |= 1
        offset = zf.start_dir
    while data[offset : offset + 4] == b"PK\x01\x02":  # the central directory's flags
        data[offset + 8] |= 1
        name_len, extra_len, comment_len = struct.unpack("<3H", data[offset + 28 : offset + 34])
        offset += 46 + name_len + extra_len + comment_len
    refused(bytes(data), tmp_path, "encrypted")


def test_decompression_bombs_are_refused_before_decompressing(good_alp, tmp_path):
    path = tmp_path / "bomb.ckpt"
    path.write_bytes(good_alp)
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        with zf.open("a9999.npy", "w") as member:  # 300 MB of zeros in ~0.3 MB
            chunk = bytes(2**20)
            for _ in range(300):
                member.write(chunk)
    assert path.stat().st_size < 2 * 2**20
    tracemalloc.start()
    with pytest.raises(ValueError, match=r"decompress to 3\d{8} bytes; the limit is 268435456 bytes \(256 MiB\)"):
        cg.load_teacher(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 20 * 2**20
    members = members_of(good_alp)  # padding inside teacher.json: its own, smaller limit
    refused(
        zip_of({**members, "teacher.json": members["teacher.json"] + b" " * (33 * 2**20)}),
        tmp_path,
        "teacher.json decompresses to",
    )


def test_member_count_is_limited(trained, tmp_path, monkeypatch):
    path = tmp_path / "riac.ckpt"
    trained["riac"].save(path)
    n_members = len(members_of(path.read_bytes()))
    monkeypatch.setattr(checkpoint, "MAX_MEMBERS", n_members - 1)
    with pytest.raises(ValueError, match=f"lists {n_members} members .* at most {n_members - 1} members"):
        cg.load_teacher(path)
    with pytest.raises(ValueError, match="more than a checkpoint may hold"):  # nor is such a file written
        trained["riac"].save(tmp_path / "too-many.ckpt")
    assert not (tmp_path / "too-many.ckpt").exists()


def test_foreign_and_ambiguous_members_are_refused(good_alp, tmp_path):
    members = members_of(good_alp)
    refused(zip_of({**members, "evil.py": b"print(1)"}), tmp_path, "unexpected member")
    refused(zip_of({**members, "a7777.npy": members["a0.npy"]}), tmp_path, "not referred to")

    def twice(doc):
        doc["state"]["state"]["window"] = doc["state"]["state"]["alps"]

    refused(with_doc(good_alp, twice), tmp_path, "referred to twice")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns of the duplicate name
        for name, data in members.items():
            zf.writestr(name, data)
        zf.writestr("a0.npy", members["a0.npy"])
    refused(buf.getvalue(), tmp_path, "appears twice")
    refused(with_doc(good_alp, lambda doc: doc.update(version=1.0)), tmp_path, "version")


# ---------------------------------------------------------------- states that load but would break the teacher
def refused_state(teacher, edit, match):
    """``edit(state)`` must make both load paths refuse the state, the live teacher untouched."""
    before = teacher.state_dict()
    state = copy.deepcopy(before)
    edit(state)
    with pytest.raises(ValueError, match=match):
        teacher.load_state_dict(state)
    assert same_state(teacher.state_dict(), before)
    return state


def refused_everywhere(teacher, edit, match, tmp_path):
    state = refused_state(teacher, edit, match)
    checkpoint.save_state(state, tmp_path / "state.ckpt")
    with pytest.raises(ValueError, match=match):
        cg.load_teacher(tmp_path / "state.ckpt")


def test_riac_region_trees_must_be_trees(trained, tmp_path):
    riac = trained["riac"]
    regions = riac.state_dict()["state"]["regions"]
    leaf = next(i for i, r in enumerate(regions) if r["children"] is None and len(r["returns"]))
    split = next(i for i, r in enumerate(regions) if r["children"] is not None)

    def region(i, **fields):
        return lambda s: s["state"]["regions"][i].update(fields)

    refused_everywhere(riac, region(split, children=[split, regions[split]["children"][1]]), "listed after", tmp_path)
    refused_everywhere(
        riac, region(leaf, children=[leaf, leaf + 1], split_dim=0), "listed after|child of both|child index", tmp_path
    )
    refused_everywhere(riac, region(split, children=[regions[split]["children"][0], 999]), "child index", tmp_path)
    refused_everywhere(riac, region(split, children=[1, 1]), "listed after", tmp_path)
    refused_everywhere(riac, region(split, split_dim=2), "split_dim", tmp_path)
    refused_everywhere(riac, region(split, split_dim=-1), "split_dim", tmp_path)
    refused_everywhere(riac, region(leaf, split_dim=1), "split_dim must be -1", tmp_path)
    refused_everywhere(riac, region(0, low=np.array([np.nan, 0.0])), "NaN", tmp_path)
    refused_everywhere(riac, region(leaf, high=np.array([np.inf, 1.0])), "NaN or infinite", tmp_path)
    refused_everywhere(riac, region(leaf, alp=math.nan), "alp", tmp_path)
    refused_everywhere(riac, region(leaf, returns=np.full(len(regions[leaf]["returns"]), 2.0)), "returns", tmp_path)
    refused_everywhere(riac, region(leaf, tasks=np.zeros((1, 3))), "tasks", tmp_path)
    refused_everywhere(riac, lambda s: s["state"].update(regions=[]), "non-empty", tmp_path)
    refused_everywhere(
        riac, lambda s: s["state"]["regions"].append(copy.deepcopy(regions[leaf])), "no region's child", tmp_path
    )


def test_nan_and_infinite_boxes_are_refused(trained, tmp_path):
    adr, oracle = trained["adr"], trained["oracle"]
    refused_everywhere(adr, lambda s: s["state"].update(low=np.array([np.nan, 0.0])), "NaN", tmp_path)
    refused_everywhere(adr, lambda s: s["state"].update(high=np.array([np.inf, 1.0])), "NaN or infinite", tmp_path)
    refused_everywhere(adr, lambda s: s["state"].update(high=np.array([2.0, 1.0])), "within the task space", tmp_path)
    refused_everywhere(adr, lambda s: s["state"]["low_queues"][0].extend([0.1] * 10), "queue", tmp_path)
    refused_everywhere(adr, lambda s: s["state"]["low_queues"][0].append(math.nan), "NaN", tmp_path)
    refused_everywhere(oracle, lambda s: s["state"].update(window_low=np.array([np.nan, 0.0])), "NaN", tmp_path)
    refused_everywhere(oracle, lambda s: s["state"].update(window_high=np.array([0.5, -np.inf])), "NaN", tmp_path)
    refused_everywhere(oracle, lambda s: s["state"].update(n_moves=-1), "n_moves", tmp_path)


def test_broken_mixtures_are_refused(trained, tmp_path):
    for name in ("alp-gmm", "covar-gmm"):
        teacher = trained[name]

        def mixture(**arrays):
            def edit(s):
                s["state"]["mixture"] = {**s["state"]["mixture"], **arrays}

            return edit

        m = teacher.state_dict()["state"]["mixture"]
        k, d = m["means"].shape
        nan_means = m["means"].copy()
        nan_means[0, 0] = np.nan
        refused_everywhere(teacher, mixture(means=nan_means), "means holds NaN", tmp_path)
        not_pd = m["covariances"].copy()
        not_pd[0] = -np.eye(d)
        refused_everywhere(teacher, mixture(covariances=not_pd), "positive definite", tmp_path)
        skew = m["covariances"].copy()
        skew[0, 0, 1] += 1.0
        refused_everywhere(teacher, mixture(covariances=skew), "symmetric", tmp_path)
        refused_everywhere(teacher, mixture(weights=np.full(k, 1.0)), "sum to 1", tmp_path)
        refused_everywhere(teacher, mixture(means=m["means"][:, :-1]), "shape", tmp_path)
        refused_everywhere(
            teacher,
            mixture(weights=np.ones(1), means=m["means"][:1], covariances=m["covariances"][:1]),
            "potential_ks",
            tmp_path,
        )
    alp = trained["alp-gmm"]
    bad_fit = alp.state_dict()["state"]["fits"][0]["covariances"].copy()
    bad_fit[0] = np.diag([1.0, -1.0, 1.0])
    refused_everywhere(alp, lambda s: s["state"]["fits"][0].update(covariances=bad_fit), r"fits\[0\]", tmp_path)
    refused_everywhere(
        alp, lambda s: s["state"].update(fit_episodes=s["state"]["fit_episodes"][::-1]), "increase", tmp_path
    )
    refused_everywhere(
        alp, lambda s: s["state"].update(fit_episodes=[10**9] * len(s["state"]["fits"])), "fit_episodes", tmp_path
    )


def test_wrong_shapes_types_and_counts_are_refused(trained, tmp_path):
    alp = trained["alp-gmm"]
    refused_everywhere(alp, lambda s: s["state"].update(window=np.zeros((3, 7))), "shape", tmp_path)
    refused_everywhere(alp, lambda s: s["state"].update(window=[["a", "b", "c"]]), "real numbers", tmp_path)
    refused_everywhere(alp, lambda s: s["state"].update(window=np.zeros((41, 3))), "fit_rate", tmp_path)
    refused_everywhere(alp, lambda s: s["state"].update(alps=np.array([0.5, -0.1])), "alps", tmp_path)
    refused_everywhere(alp, lambda s: s["state"]["history"].update(tree_rows=-1), "tree_rows", tmp_path)
    refused_everywhere(alp, lambda s: s["state"]["history"].update(tree_rows=10**6), "tree_rows", tmp_path)
    refused_everywhere(alp, lambda s: s["state"].update(last_fit_seconds=math.nan), "last_fit_seconds", tmp_path)
    refused_everywhere(alp, lambda s: s["state"].update(surprise=1), "unexpected fields", tmp_path)
    refused_everywhere(trained["random"], lambda s: s["state"].update(surprise=1), "unexpected fields", tmp_path)
    refused_everywhere(
        trained["covar-gmm"], lambda s: s["state"].update(window=np.zeros((41, 4))), "fit_rate", tmp_path
    )
    for bad in (None, [], "state", {"teacher": "alp-gmm"}):
        with pytest.raises(ValueError):
            alp.load_state_dict(bad)


def test_options_must_match_the_live_teachers(trained, tmp_path):
    state = trained["alp-gmm"].state_dict()
    for option, value in (
        ("fit_rate", 50),
        ("normalize_tasks", False),
        ("potential_ks", [2, 3]),
        ("max_history", 500),
        ("criterion", "bic"),
    ):
        other = make("alp-gmm", **{option: value})
        before = other.state_dict()
        with pytest.raises(ValueError, match=f"{option}="):
            other.load_state_dict(state)
        assert same_state(other.state_dict(), before)
    other = cg.make_teacher("alp-gmm", SPACE, seed=7, return_range=(0, 2), **OPTIONS["alp-gmm"])
    with pytest.raises(ValueError, match="return_range"):
        other.load_state_dict(state)
    refused_state(trained["riac"], lambda s: s["options"].update(max_region_size=30), "max_region_size=")
    # cg.load_teacher builds the teacher from the file's options: the constructor checks them
    for options in ({"fit_rate": -3}, {"normalize_tasks": "no"}, {"potential_ks": [0]}, {"surprise": 1}):
        state = trained["alp-gmm"].state_dict()
        state["options"].update(options)
        checkpoint.save_state(state, tmp_path / "options.ckpt")
        with pytest.raises(ValueError, match="not a valid curriculum-gym teacher checkpoint"):
            cg.load_teacher(tmp_path / "options.ckpt")


# ---------------------------------------------------------------- long runs stay small
def test_alp_gmm_keeps_a_bounded_number_of_fits_and_plots_them(tmp_path, monkeypatch):
    teacher = cg.make_teacher(
        "alp-gmm", SPACE, seed=0, return_range=(0, 1), fit_rate=20, potential_ks=[2], max_history=20
    )
    keep = (20 + 500) // 20 + 2
    drive(teacher, 20 * (keep + 10))
    assert len(teacher.fits_) == keep
    assert teacher.fits_[-1][0] == teacher.n_updates_ and teacher.mixture_ is teacher.fits_[-1][1]
    # the kept fits cover every episode the history holds
    assert teacher.fits_[0][0] <= teacher.n_updates_ - len(teacher.history_)
    run = tmp_path / "run"
    run.mkdir()
    teacher.save(run / "teacher.ckpt")
    assert len(members_of((run / "teacher.ckpt").read_bytes())) <= 3 * keep + 10
    restored = cg.load_teacher(run / "teacher.ckpt")
    assert [e for e, _ in restored.fits_] == [e for e, _ in teacher.fits_]

    # a file from before fits were bounded loads, keeping the newest
    state = teacher.state_dict()
    state["state"]["fit_episodes"] = list(range(1, 5)) + state["state"]["fit_episodes"]
    state["state"]["fits"] = state["state"]["fits"][:4] + state["state"]["fits"]
    restored.load_state_dict(state)
    assert [e for e, _ in restored.fits_] == [e for e, _ in teacher.fits_]

    # plots draw, for each time slice, the mixture fitted by then (the history holds the last episodes)
    from curriculum_gym import plotting

    (run / "run.json").write_text(
        json.dumps(
            {"env_id": "StumpTracks-v0", "task_space": SPACE.state_dict(), "eval_task_space": SPACE.state_dict()}
        )
    )
    drawn = []
    monkeypatch.setattr(plotting, "draw_mixture", lambda ax, mixture, *args, **kwargs: drawn.append(mixture))
    plotting.plot_run(run, slices=3)
    assert len(drawn) == 3 and drawn[-1] is not None


def test_values_outside_what_the_teacher_can_produce_are_refused(trained, tmp_path):
    alp, covar, adr = trained["alp-gmm"], trained["covar-gmm"], trained["adr"]
    refused_everywhere(alp, lambda s: s["state"].update(window=np.full((3, 3), 1e300)), "window must lie in", tmp_path)
    refused_everywhere(
        alp,
        lambda s: s["state"]["history"].update(returns=s["state"]["history"]["returns"] + 2),
        "history returns must lie in",
        tmp_path,
    )
    for teacher in (alp, covar):
        m = teacher.state_dict()["state"]["mixture"]
        refused_everywhere(
            teacher,
            lambda s, m=m: s["state"]["mixture"].update(means=m["means"] + 1e300),
            "means must lie in",
            tmp_path,
        )
        refused_everywhere(
            teacher,
            lambda s, m=m: s["state"]["mixture"].update(covariances=m["covariances"] * 1e300),
            "variances must lie in",
            tmp_path,
        )
    refused_everywhere(adr, lambda s: s["state"]["high_queues"][1].append(1e300), "high_queues", tmp_path)


POISON = [
    math.nan,
    math.inf,
    -1,
    0,
    1,
    10**6,
    2**64,
    -0.5,
    1e300,
    "x",
    None,
    True,
    [],
    {},
    [[0.1, 0.2]],
    np.zeros((0,)),
    np.zeros((2, 3)),
    np.full(2, np.nan),
    np.ones(2),
    np.array([5, 5]),
]


def leaves(obj, path=()):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from leaves(v, (*path, k))
    elif isinstance(obj, list) and any(isinstance(v, (dict, list, np.ndarray)) for v in obj):
        for i, v in enumerate(obj):
            yield from leaves(v, (*path, i))
    else:
        yield path


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_a_state_with_poisoned_fields_is_refused_or_works(name, trained):
    """Any field (or an element of an array) replaced by a hostile value: refused, or the teacher still works."""
    live = trained[name]
    before = live.state_dict()
    paths = [p for p in leaves(before) if p != ("teacher",)]
    rng = np.random.default_rng(2024)
    for _ in range(150):
        state = copy.deepcopy(before)
        path = paths[rng.integers(len(paths))]
        parent = state
        for key in path[:-1]:
            parent = parent[key]
        value = POISON[rng.integers(len(POISON))]
        current = parent[path[-1]]
        if isinstance(current, np.ndarray) and current.size and rng.random() < 0.5:  # one element of it
            value = current.copy()
            value.flat[rng.integers(value.size)] = [math.nan, math.inf, -1.0, 1e300, 2.0][rng.integers(5)]
        parent[path[-1]] = value.copy() if isinstance(value, np.ndarray) else copy.deepcopy(value)
        teacher = make(name)
        try:
            teacher.load_state_dict(state)
        except ValueError:
            continue
        for _ in range(20):
            task = teacher.sample()
            assert SPACE.contains(task)
            teacher.update(task, float(rng.random()))
        teacher.metrics()
    assert same_state(live.state_dict(), before)
