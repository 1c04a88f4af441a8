"""Teacher quality and cost on the simulated student (SPEC §4), no RL involved.

Run:  python benchmarks/teacher_quality.py [--seeds 4] [--episodes 20000] [--irrelevant-dims 0]

Every (teacher, seed) runs in its own process (one per core). For each teacher
it prints the % of cells mastered (mean +- std over seeds) at 5k/10k/15k/20k
episodes, the teacher's own time per episode (sample + update, refits
included; the student's time excluded) and the slowest single call. Peers in
the same run: Random for quality, and ALP-GMM with scikit-learn's
GaussianMixture (the original's fitter) for cost.
"""

from __future__ import annotations

import argparse
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):  # one core per seed
    os.environ.setdefault(_var, "1")

import platform  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402

import numpy as np  # noqa: E402

import curriculum_gym as cg  # noqa: E402
from curriculum_gym.toy import SimulatedStudent  # noqa: E402

VARIANTS = {
    "random": ("random", {}),
    "alp-gmm": ("alp-gmm", {}),
    "alp-gmm (sklearn fits)": ("alp-gmm", {"gmm_backend": "sklearn"}),
    "alp-gmm (background fits)": ("alp-gmm", {"background_fit": True}),
    "riac": ("riac", {}),
    "covar-gmm": ("covar-gmm", {}),
}
# Original code, 16 seeds (issue #3): % mastered at 20k episodes, 2-D and with 3 irrelevant dims.
REFERENCE = {0: {"random": 4.2, "alp-gmm": 35.4, "riac": 46.9, "covar-gmm": 65.4},
             3: {"random": 4.3, "alp-gmm": 51.6, "riac": 15.6, "covar-gmm": 59.9}}
REFERENCE_MS_PER_EPISODE = 0.8  # the original ALP-GMM's teacher time per episode


def run(label: str, seed: int, episodes: int, irrelevant: int) -> dict:
    name, options = VARIANTS[label]
    student = SimulatedStudent(2, 10, irrelevant)
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
    return {"label": label, "seed": seed, "scores": scores, "ms_per_episode": 1e3 * teacher_time / episodes,
            "slowest_call_ms": 1e3 * slowest}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--episodes", type=int, default=20000)
    parser.add_argument("--irrelevant-dims", type=int, default=0)
    parser.add_argument("--teachers", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    args = parser.parse_args()

    jobs = [(label, seed, args.episodes, args.irrelevant_dims) for label in args.teachers for seed in range(args.seeds)]
    with ProcessPoolExecutor(args.workers) as pool:
        results = list(pool.map(run, *zip(*jobs)))

    print(f"python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cpus, {args.workers} workers")
    print(f"simulated student: 2 relevant dims x 10 cells, {args.irrelevant_dims} irrelevant dims; "
          f"{args.seeds} seeds x {args.episodes} episodes")
    marks = sorted(results[0]["scores"])
    ref = REFERENCE.get(args.irrelevant_dims, {})
    header = "  ".join(f"{m:>13d}" for m in marks)
    print(f"% mastered (mean +- std) after each number of episodes; ref@end: the original code's mean at {args.episodes}")
    print(f"{'teacher':27s}{header}  ref@end  ms/episode  slowest call ms")
    summary = {}
    for label in args.teachers:
        rows = [r for r in results if r["label"] == label]
        cells = []
        for m in marks:
            s = np.array([r["scores"][m] for r in rows])
            cells.append(f"{s.mean():5.1f} +- {s.std(ddof=1) if len(s) > 1 else 0:4.1f}")
        ms = np.mean([r["ms_per_episode"] for r in rows])
        slow = max(r["slowest_call_ms"] for r in rows)
        summary[label] = (np.mean([r["scores"][marks[-1]] for r in rows]), ms)
        reference = ref.get(VARIANTS[label][0]) if VARIANTS[label][1] == {} else None
        ref_txt = f"{reference:6.1f}" if reference is not None else "     -"
        print(f"{label:27s}{'  '.join(cells)}  {ref_txt}  {ms:10.3f}  {slow:15.1f}")
    if "random" in summary and "alp-gmm" in summary and summary["random"][0] > 0:
        print(f"ALP-GMM / Random, % mastered at the end: {summary['alp-gmm'][0] / summary['random'][0]:.1f}x")
    if "alp-gmm (sklearn fits)" in summary and "alp-gmm" in summary:
        print(f"ALP-GMM teacher time, sklearn fits / ours: {summary['alp-gmm (sklearn fits)'][1] / summary['alp-gmm'][1]:.1f}x; "
              f"reference {REFERENCE_MS_PER_EPISODE} ms / ours: {REFERENCE_MS_PER_EPISODE / summary['alp-gmm'][1]:.1f}x")
    # Latency is measured alone: parallel jobs on every core would add scheduling delays.
    for label in ("alp-gmm", "alp-gmm (background fits)"):
        if label in args.teachers:
            alone = run(label, 0, args.episodes, args.irrelevant_dims)
            print(f"{label}, one process alone: {alone['ms_per_episode']:.3f} ms/episode, "
                  f"slowest single sample/update call {alone['slowest_call_ms']:.1f} ms")


if __name__ == "__main__":
    main()
