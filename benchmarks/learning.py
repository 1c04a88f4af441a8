"""Does a curriculum help? Teachers x seeds x a step budget with a baseline, then statistics.

Run:  python benchmarks/learning.py --teachers alp-gmm random --seeds 4 --total-timesteps 200000

Every (teacher, seed) trains the chosen baseline (default PPO) in its own
process with one torch thread, evaluating on the fixed test set every
--eval-every steps. The summary gives, per teacher and evaluation step, the
mean +- std over seeds of % test tasks mastered and of the mean test return,
Welch's t-test of the first teacher against each other at the last
evaluation, and writes the curves to <out>/learning_curves.png and the numbers
to <out>/summary.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def train(algo: str, teacher: str, seed: int, args: argparse.Namespace) -> Path:
    run_dir = Path(args.out) / "runs" / f"{algo}__{teacher}__{seed}"
    cmd = [sys.executable, str(ROOT / "baselines" / f"{algo}_continuous_action.py"), "--env-id", args.env_id,
           "--body", args.body, "--teacher", teacher, "--seed", str(seed), "--total-timesteps", str(args.total_timesteps),
           "--eval-every", str(args.eval_every), "--torch-threads", "1", "--no-progress", "--resume", str(run_dir)]
    if args.num_envs:
        cmd += ["--num-envs", str(args.num_envs)]
    run_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    with open(run_dir / "stdout.txt", "w") as log:
        subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, check=True)
    return run_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--algo", default="ppo", choices=["ppo", "sac"])
    parser.add_argument("--env-id", default="StumpTracks-v0")
    parser.add_argument("--body", default="default")
    parser.add_argument("--teachers", nargs="+", default=["alp-gmm", "random"])
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--total-timesteps", type=int, default=200_000)
    parser.add_argument("--eval-every", type=int, default=50_000)
    parser.add_argument("--num-envs", type=int, default=0, help="0: the baseline's default")
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--out", default="benchmarks/learning_out")
    parser.add_argument("--summarize-only", action="store_true",
                        help="train nothing: summarise the finished runs already in <out>/runs")
    args = parser.parse_args()

    from scipy.stats import ttest_ind

    start = time.time()
    jobs = [(t, s) for s in range(1, args.seeds + 1) for t in args.teachers]
    if args.summarize_only:  # keep the seeds that every teacher finished
        def finished(t, s):
            d = Path(args.out) / "runs" / f"{args.algo}__{t}__{s}"
            return (d / "eval.json").exists() and json.loads((d / "eval.json").read_text())[-1]["step"] >= args.total_timesteps - 8192
        seeds = [s for s in range(1, args.seeds + 1) if all(finished(t, s) for t in args.teachers)]
        if len(seeds) < 2:
            raise SystemExit(f"need at least 2 finished seeds per teacher in {args.out}/runs; found {seeds}")
        args.seeds = len(seeds)
        jobs = [(t, s) for s in seeds for t in args.teachers]
        dirs = [Path(args.out) / "runs" / f"{args.algo}__{t}__{s}" for t, s in jobs]
    else:
        with ThreadPoolExecutor(args.workers) as pool:  # each job is its own process
            dirs = list(pool.map(lambda job: train(args.algo, job[0], job[1], args), jobs))
    evals = {t: [] for t in args.teachers}
    for (teacher, _), run_dir in zip(jobs, dirs):
        evals[teacher].append(json.loads((run_dir / "eval.json").read_text()))

    steps = [e["step"] for e in evals[args.teachers[0]][0]]
    summary = {"args": vars(args), "steps": steps, "teachers": {}}
    print(f"{args.algo.upper()} on {args.env_id} ({args.body}), {args.seeds} seeds x {args.total_timesteps} steps, "
          + ("(summarised from finished runs)" if args.summarize_only
             else f"{len(jobs)} runs on {args.workers} workers, {time.time() - start:.0f} s"))
    print(f"{'teacher':10s} {'step':>9s} {'% mastered':>16s} {'mean test return':>20s}")
    for teacher in args.teachers:
        mastered = np.array([[100 * e["mastered"] for e in run] for run in evals[teacher]])
        ret = np.array([[float(np.mean(e["returns"])) for e in run] for run in evals[teacher]])
        summary["teachers"][teacher] = {"mastered": mastered.tolist(), "mean_return": ret.tolist()}
        for k, step in enumerate(steps):
            print(f"{teacher:10s} {step:9d} {mastered[:, k].mean():7.1f} +- {mastered[:, k].std(ddof=1):5.1f} "
                  f"{ret[:, k].mean():10.1f} +- {ret[:, k].std(ddof=1):6.1f}")
    first = args.teachers[0]
    for other in args.teachers[1:]:
        for metric in ("mastered", "mean_return"):
            a = np.array(summary["teachers"][first][metric])[:, -1]
            b = np.array(summary["teachers"][other][metric])[:, -1]
            if np.allclose(a, a[0]) and np.allclose(b, b[0]):
                print(f"Welch t-test {first} vs {other}, {metric} at the last evaluation: all values equal "
                      f"({a[0]:.1f} vs {b[0]:.1f}), no test")
                continue
            t, p = ttest_ind(a, b, equal_var=False)
            verdict = "significant" if p < 0.05 else "not significant"
            print(f"Welch t-test {first} vs {other}, {metric} at the last evaluation: t = {t:.2f}, p = {p:.3f} ({verdict} at 0.05)")
            summary.setdefault("welch", []).append({"a": first, "b": other, "metric": metric, "t": float(t), "p": float(p)})

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), constrained_layout=True)
    for teacher in args.teachers:
        for ax, metric, label in ((axes[0], "mastered", "% test tasks mastered"), (axes[1], "mean_return", "mean test return")):
            values = np.array(summary["teachers"][teacher][metric])
            mean, std = values.mean(0), values.std(0, ddof=1)
            ax.plot(steps, mean, marker="o", label=teacher)
            low = np.maximum(mean - std, 0) if metric == "mastered" else mean - std  # no negative percentages
            ax.fill_between(steps, low, mean + std, alpha=0.2)
            ax.set_xlabel("environment steps")
            ax.set_ylabel(label)
            ax.grid(alpha=0.3)
    axes[0].set_ylim(bottom=0)
    axes[0].legend()
    fig.suptitle(f"{args.algo.upper()} on {args.env_id}: mean +- std over {args.seeds} seeds")
    out = Path(args.out)
    fig.savefig(out / "learning_curves.png", dpi=90)
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    print(f"curves: {out / 'learning_curves.png'}; numbers: {out / 'summary.json'}")


if __name__ == "__main__":
    main()
