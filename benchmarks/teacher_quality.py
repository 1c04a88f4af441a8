"""Teacher quality and cost on the simulated student (Portelas et al., CoRL 2019), no RL involved.

Run:  python benchmarks/teacher_quality.py [--seeds 4] [--episodes 20000] [--irrelevant-dims 0]
      python benchmarks/teacher_quality.py --challenge rugged-difficulty --seeds 8
      python benchmarks/teacher_quality.py --all-challenges --seeds 8 [--json results.json]

Every (teacher, seed) runs in its own process (one per core). For each teacher
it prints the % of cells mastered (mean +- std over seeds) at 5k/10k/15k/20k
episodes, the teacher's own time per episode (sample + update, refits
included; the student's time excluded) and the slowest single call. Peers in
the same run: Random for quality, and ALP-GMM with scikit-learn's
GaussianMixture (the original's fitter) for cost.

``--challenge NAME`` runs the toy form of one of TeachMyAgent's challenges
(``curriculum_gym.toy``: mostly-unfeasible, mostly-trivial, rugged-difficulty,
forgetting-student); ``--all-challenges`` runs them all and prints one table,
teachers x challenges, of the % mastered at the end. With a challenge the
teachers are the six algorithms (random, alp-gmm, riac, covar-gmm, adr,
oracle). ADR and the Oracle get the expert knowledge of the walkers in toy
units: the easy corner (0, ...), the walkers' thresholds (230 to expand or move,
0 to shrink) mapped through the walkers' return range [-150, 350] onto [0, 1],
ADR steps of 0.05 and the Oracle's Stump Tracks step normalised by the default
bounds (1/30 of the range per move, in every relevant dimension).
"""

from __future__ import annotations

import argparse
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):  # one core per seed
    os.environ.setdefault(_var, "1")

import json  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402

import numpy as np  # noqa: E402

import curriculum_gym as cg  # noqa: E402
from curriculum_gym.envs.physics import RETURN_RANGE as WALKER_RETURN_RANGE  # noqa: E402
from curriculum_gym.toy import TOY_CHALLENGES, SimulatedStudent  # noqa: E402

VARIANTS = {
    "random": ("random", {}),
    "alp-gmm": ("alp-gmm", {}),
    "alp-gmm (sklearn fits)": ("alp-gmm", {"gmm_backend": "sklearn"}),
    "alp-gmm (background fits)": ("alp-gmm", {"background_fit": True}),
    "riac": ("riac", {}),
    "covar-gmm": ("covar-gmm", {}),
    "adr": ("adr", {}),  # expert options: see expert_options
    "oracle": ("oracle", {}),
}
#: without a challenge: quality and cost peers; with one: the six algorithms
COST_TEACHERS = ["random", "alp-gmm", "alp-gmm (sklearn fits)", "alp-gmm (background fits)", "riac", "covar-gmm"]
CHALLENGE_TEACHERS = ["random", "alp-gmm", "riac", "covar-gmm", "adr", "oracle"]
# Original code, 16 seeds (the paper authors' runs): % mastered at 20k episodes, 2-D and with 3 irrelevant dims.
REFERENCE = {
    0: {"random": 4.2, "alp-gmm": 35.4, "riac": 46.9, "covar-gmm": 65.4},
    3: {"random": 4.3, "alp-gmm": 51.6, "riac": 15.6, "covar-gmm": 59.9},
}
REFERENCE_MS_PER_EPISODE = 0.8  # the original ALP-GMM's teacher time per episode


def walker_return_to_toy(raw: float) -> float:
    """A walker return threshold in the toy's [0, 1] units (230 -> 0.76, 0 -> 0.3)."""
    lo, hi = WALKER_RETURN_RANGE
    return (raw - lo) / (hi - lo)


def expert_options(name: str, space: cg.TaskSpace, n_relevant: int) -> dict:
    """ADR's and the Oracle's expert knowledge for the toy (see the module docstring); {} for the others."""
    easy = np.clip(np.zeros(space.dim), space.low, space.high)
    if name == "adr":
        return {
            "initial_task": easy,
            "step_size": 0.05,
            "expand_threshold": walker_return_to_toy(230.0),
            "shrink_threshold": walker_return_to_toy(0.0),
        }
    if name == "oracle":
        step = np.zeros(space.dim)
        step[:n_relevant] = 0.1 / 3.0  # Stump Tracks' oracle: +0.1 height of 3 (and -0.2 spacing of 6)
        return {"start": easy, "step": step, "threshold": walker_return_to_toy(230.0)}
    return {}


def run(label: str, seed: int, episodes: int, irrelevant: int, challenge: str = "default") -> dict:
    name, options = VARIANTS[label]
    student = SimulatedStudent(2, 10, irrelevant, challenge=challenge, budget=episodes)
    options = {**expert_options(name, student.task_space, student.n_dims), **options}
    teacher = cg.make_teacher(name, student.task_space, seed=seed, return_range=(0, 1), **options)
    marks = {episodes * k // 4 for k in (1, 2, 3, 4)}
    scores, teacher_time, slowest = {}, 0.0, 0.0
    clock = time.perf_counter
    for episode in range(1, episodes + 1):
        t0 = clock()
        task = teacher.sample()
        t1 = clock()
        reward = student.episode(task)
        t2 = clock()
        teacher.update(task, reward)
        t3 = clock()
        teacher_time += (t1 - t0) + (t3 - t2)
        slowest = max(slowest, t1 - t0, t3 - t2)
        if episode in marks:
            scores[episode] = student.score()
    if hasattr(teacher, "close"):
        teacher.close()
    return {
        "label": label,
        "seed": seed,
        "challenge": challenge,
        "scores": scores,
        "ms_per_episode": 1e3 * teacher_time / episodes,
        "slowest_call_ms": 1e3 * slowest,
    }


def mean_std(values: list[float]) -> str:
    s = np.asarray(values, dtype=np.float64)
    return f"{s.mean():5.1f} +- {s.std(ddof=1) if len(s) > 1 else 0:4.1f}"


def print_challenge_table(results: list[dict], teachers: list[str], challenges: list[str], episodes: int) -> None:
    """One row per teacher, one column per challenge: % mastered at the end, mean +- std over seeds."""
    width = max(15, *(len(c) + 2 for c in challenges))
    print(f"% mastered after {episodes} episodes (mean +- std over seeds), teachers x challenges")
    print(f"{'teacher':12s}" + "".join(f"{c:>{width}s}" for c in challenges))
    for label in teachers:
        cells = []
        for challenge in challenges:
            rows = [r for r in results if r["label"] == label and r["challenge"] == challenge]
            cells.append(f"{mean_std([r['scores'][episodes] for r in rows]):>{width}s}")
        print(f"{label:12s}" + "".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--episodes", type=int, default=20000)
    parser.add_argument("--irrelevant-dims", type=int, default=0)
    parser.add_argument(
        "--teachers",
        nargs="+",
        choices=list(VARIANTS),
        help=f"default: {COST_TEACHERS} without a challenge, {CHALLENGE_TEACHERS} with one",
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--challenge", choices=list(TOY_CHALLENGES), help="the toy form of one TeachMyAgent challenge")
    group.add_argument("--all-challenges", action="store_true", help=f"every toy challenge: {list(TOY_CHALLENGES)}")
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--json", help="also write every run's scores and costs to this JSON file")
    args = parser.parse_args()

    challenges = list(TOY_CHALLENGES) if args.all_challenges else [args.challenge or "default"]
    with_challenge = args.all_challenges or args.challenge is not None
    teachers = args.teachers or (CHALLENGE_TEACHERS if with_challenge else COST_TEACHERS)
    jobs = [
        (label, seed, args.episodes, args.irrelevant_dims, challenge)
        for challenge in challenges
        for label in teachers
        for seed in range(args.seeds)
    ]
    start = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as pool:
        results = list(pool.map(run, *zip(*jobs)))
    elapsed = time.perf_counter() - start

    print(f"python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cpus, {args.workers} workers")
    print(
        f"simulated student: 2 relevant dims x 10 cells, {args.irrelevant_dims} irrelevant dims; "
        f"{args.seeds} seeds x {args.episodes} episodes; challenge(s): {', '.join(challenges)}; "
        f"{len(jobs)} runs in {elapsed:.0f} s"
    )
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"args": vars(args), "results": results}, f, indent=1)
    if args.all_challenges:
        print_challenge_table(results, teachers, challenges, args.episodes)
        return

    challenge = challenges[0]
    marks = sorted(results[0]["scores"])
    ref = REFERENCE.get(args.irrelevant_dims, {}) if challenge == "default" else {}
    header = "  ".join(f"{m:>13d}" for m in marks)
    print(
        f"% mastered (mean +- std) after each number of episodes; ref@end: the original code's mean at {args.episodes}"
    )
    print(f"{'teacher':27s}{header}  ref@end  ms/episode  slowest call ms")
    summary = {}
    for label in teachers:
        rows = [r for r in results if r["label"] == label]
        cells = [mean_std([r["scores"][m] for r in rows]) for m in marks]
        ms = np.mean([r["ms_per_episode"] for r in rows])
        slow = max(r["slowest_call_ms"] for r in rows)
        summary[label] = (np.mean([r["scores"][marks[-1]] for r in rows]), ms)
        reference = ref.get(VARIANTS[label][0]) if VARIANTS[label][1] == {} else None
        ref_txt = f"{reference:6.1f}" if reference is not None else "     -"
        print(f"{label:27s}{'  '.join(cells)}  {ref_txt}  {ms:10.3f}  {slow:15.1f}")
    if "random" in summary and "alp-gmm" in summary and summary["random"][0] > 0:
        print(f"ALP-GMM / Random, % mastered at the end: {summary['alp-gmm'][0] / summary['random'][0]:.1f}x")
    if "alp-gmm (sklearn fits)" in summary and "alp-gmm" in summary:
        print(
            f"ALP-GMM teacher time, sklearn fits / ours: {summary['alp-gmm (sklearn fits)'][1] / summary['alp-gmm'][1]:.1f}x; "
            f"reference {REFERENCE_MS_PER_EPISODE} ms / ours: {REFERENCE_MS_PER_EPISODE / summary['alp-gmm'][1]:.1f}x"
        )
    if with_challenge:
        return
    # Latency is measured alone: parallel jobs on every core would add scheduling delays.
    for label in ("alp-gmm", "alp-gmm (background fits)"):
        if label in teachers:
            alone = run(label, 0, args.episodes, args.irrelevant_dims)
            print(
                f"{label}, one process alone: {alone['ms_per_episode']:.3f} ms/episode, "
                f"slowest single sample/update call {alone['slowest_call_ms']:.1f} ms"
            )


if __name__ == "__main__":
    main()
