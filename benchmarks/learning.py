"""Does a curriculum help? Teachers x seeds x a step budget with a baseline, then statistics.

Run:  python benchmarks/learning.py --teachers alp-gmm random --seeds 4 --total-timesteps 200000
      python benchmarks/learning.py --algo sac --challenge mostly-unfeasible --teacher-options preset=teachmyagent
      python benchmarks/learning.py --max-minutes 8 ...          # a wall-clock budget, then the summary
      python benchmarks/learning.py --ray-address auto ...       # one Ray task (1 CPU) per run
      python benchmarks/learning.py ... -- --eval-tasks 10       # after --: flags for every run of the baseline

Every (teacher, seed) runs the chosen baseline script (PPO by default) as its own
process with one torch thread (PPO: every env in that process, --env-workers 0, unless
given after --), evaluating on the fixed test set every --eval-every
steps: --workers local processes at a time, or, with --ray-address (auto, ray://...,
or local), each run as a Ray task of one CPU that runs the same command (on a
cluster, this repository, its Python environment and --out must be at the same
paths on every node, e.g. a shared filesystem). Runs live in
<out>/runs/<algo>__<teacher>__<seed>. Rerunning the same command resumes: finished
runs are skipped, unfinished ones continue from their last checkpoint with the
baseline's --resume; more --seeds or a larger --total-timesteps extend the benchmark.

--teacher-options key=value goes to every teacher that takes that option,
teacher:key=value to that teacher only (e.g. alp-gmm:fit_rate=150).

The summary is taken at the last evaluation step that every run reached, so that
runs cut short by --max-minutes (or an interruption; then --summarize-only) can
still be compared: per teacher, mean +- std over seeds of % test tasks mastered and
of the mean test return at each evaluation step all runs share, and Welch's t-test
of the first teacher against each other at that step. Numbers go to
<out>/summary.json, curves to <out>/learning_curves.png.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
GRACE_SECONDS = 15  # a run told to stop (SIGTERM) has this long to save a checkpoint before it is killed
#: settings that must not change between the runs of one --out folder
CONFIG_KEYS = (
    "algo",
    "env_id",
    "body",
    "challenge",
    "teacher_options",
    "task_bounds",
    "eval_every",
    "num_envs",
    "baseline_args",
)


# ------------------------------------------------------------------------------------------------ one run
def run_job(name: str, cmd: list[str], run_dir: str, total_timesteps: int, deadline: float | None) -> dict:
    """Run one baseline command (`cmd` without the Python executable) until it ends or `deadline` (epoch seconds).

    The same function runs in a local thread or as a Ray task. It writes <run_dir>/job.json, which says whether
    the run finished (the baseline exited 0), and appends the baseline's output to <run_dir>/stdout.txt.
    """
    run_dir, start = Path(run_dir), time.time()
    if deadline is not None and start >= deadline:
        return {"name": name, "status": "not started", "seconds": 0.0}
    run_dir.mkdir(parents=True, exist_ok=True)
    job_file = run_dir / "job.json"
    job_file.write_text(json.dumps({"total_timesteps": total_timesteps, "finished": False, "running": True}))
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    stopped = False
    with open(run_dir / "stdout.txt", "a") as log:
        log.write(f"\n$ {' '.join(cmd)}\n")
        log.flush()
        proc = subprocess.Popen([sys.executable, *cmd], stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            proc.wait(timeout=None if deadline is None else max(deadline - time.time(), 0.0))
        except subprocess.TimeoutExpired:  # the time budget is spent: checkpoint and stop (the baseline's SIGTERM)
            stopped = True
            proc.terminate()
            try:
                proc.wait(timeout=GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    finished = proc.returncode == 0 and not stopped
    status = "finished" if finished else "stopped at the time limit" if stopped else f"failed (exit {proc.returncode})"
    job_file.write_text(
        json.dumps(
            {
                "total_timesteps": total_timesteps,
                "finished": finished,
                "status": status,
                "returncode": proc.returncode,
                "seconds": time.time() - start,
            }
        )
    )
    return {"name": name, "status": status, "seconds": time.time() - start}


def load_evals(run_dir: Path) -> dict[int, dict]:
    """A run's evaluations by step (a step evaluated twice, by a resumed run: the later one)."""
    path = run_dir / "eval.json"
    return {int(e["step"]): e for e in json.loads(path.read_text())} if path.exists() else {}


def is_finished(run_dir: Path, total_timesteps: int) -> bool:
    path = run_dir / "job.json"
    if path.exists():
        job = json.loads(path.read_text())
        return bool(job.get("finished")) and job.get("total_timesteps", 0) >= total_timesteps
    evals = load_evals(run_dir)  # a run folder of an older version of this script
    return bool(evals) and max(evals) >= total_timesteps - 8192


def baseline_command(args: argparse.Namespace, teacher: str, seed: int, run_dir: Path, options: list[str]) -> list[str]:
    cmd = [
        str(ROOT / "baselines" / f"{args.algo}_continuous_action.py"),
        "--env-id",
        args.env_id,
        "--body",
        args.body,
        "--teacher",
        teacher,
        "--seed",
        str(seed),
        "--total-timesteps",
        str(args.total_timesteps),
        "--eval-every",
        str(args.eval_every),
        "--torch-threads",
        "1",
        "--no-progress",
        "--resume",
        str(run_dir),
    ]
    if args.num_envs:
        cmd += ["--num-envs", str(args.num_envs)]
    if args.challenge:
        cmd += ["--challenge", args.challenge]
    if options:
        cmd += ["--teacher-options", *options]
    if args.task_bounds:
        cmd += ["--task-bounds", *(str(b) for b in args.task_bounds)]
    if args.algo == "ppo" and "--env-workers" not in args.baseline_args:
        cmd += ["--env-workers", "0"]  # one core per run: the runs themselves fill the machine
    return cmd + args.baseline_args


def route_teacher_options(items: list[str], teachers: list[str]) -> dict[str, list[str]]:
    """--teacher-options per teacher: teacher:key=value to that teacher, key=value to every teacher that takes key."""
    import curriculum_gym as cg

    routed: dict[str, list[str]] = {t: [] for t in teachers}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"--teacher-options takes key=value or teacher:key=value; got {item!r}")
        target, colon, option = key.rpartition(":")
        if colon:
            if target not in routed:
                raise SystemExit(f"--teacher-options {item}: {target!r} is not one of --teachers {teachers}")
            routed[target].append(f"{option}={value}")
            continue
        takers = [t for t in teachers if t in cg.TEACHERS and option in inspect.signature(cg.TEACHERS[t]).parameters]
        if not takers:
            raise SystemExit(f"--teacher-options {item}: none of the teachers {teachers} takes {option!r}")
        for t in takers:
            routed[t].append(item)
    return routed


# ------------------------------------------------------------------------------------------------ all runs
def run_local(jobs: list[tuple], workers: int):
    """Each job in its own process, `workers` at a time; yields each job's result as it ends."""
    with ThreadPoolExecutor(workers) as pool:
        for future in as_completed([pool.submit(run_job, *job) for job in jobs]):
            yield future.result()


def run_on_ray(jobs: list[tuple], address: str, workers: int, deadline: float | None):
    """Each job as a Ray task of one CPU running the same command; yields each job's result as it ends."""
    try:
        import ray
    except ImportError:
        raise SystemExit('--ray-address needs Ray: pip install -e ".[ray]"') from None
    if address == "local":  # a Ray instance on this machine, for this benchmark
        ray.init(address="local", num_cpus=workers, include_dashboard=False, log_to_driver=False)
    else:
        ray.init(address=address, log_to_driver=False)
    try:
        task = ray.remote(num_cpus=1, max_retries=0)(run_job)
        names = {task.remote(*job): job[0] for job in jobs}
        pending = list(names)
        while pending:
            # the tasks stop their runs at the deadline themselves; this wait only guards against a lost node
            timeout = None if deadline is None else max(deadline + 2 * GRACE_SECONDS + 60 - time.time(), 1.0)
            done, pending = ray.wait(pending, num_returns=1, timeout=timeout)
            if not done:
                for ref in pending:
                    ray.cancel(ref, force=True)
                    yield {"name": names[ref], "status": "lost (cancelled)", "seconds": 0.0}
                return
            try:
                yield ray.get(done[0])
            except ray.exceptions.RayError as exc:
                yield {"name": names[done[0]], "status": f"failed on Ray ({type(exc).__name__})", "seconds": 0.0}
    finally:
        ray.shutdown()


# ------------------------------------------------------------------------------------------------ summary
def mean_std(values: np.ndarray) -> tuple[float, float | None]:
    return float(values.mean()), float(values.std(ddof=1)) if len(values) > 1 else None


def summarize(args: argparse.Namespace, runs: dict[str, list[tuple[int, Path]]]) -> dict:
    """runs: teacher -> [(seed, run folder)]. Prints the table and the tests; returns summary.json's content."""
    from scipy.stats import ttest_ind

    evals = {t: {seed: load_evals(d) for seed, d in rs} for t, rs in runs.items()}
    missing = [f"{t}/seed {s}" for t in evals for s, e in evals[t].items() if not e]
    evals = {t: {s: e for s, e in by_seed.items() if e} for t, by_seed in evals.items()}
    if missing:
        print(f"no evaluation yet (left out): {', '.join(missing)}")
    teachers = [t for t in args.teachers if evals[t]]
    if args.teachers[0] not in teachers:
        raise SystemExit(f"no run of {args.teachers[0]} has an evaluation yet in {args.out}/runs: nothing to summarise")
    all_runs = [e for t in teachers for e in evals[t].values()]
    steps = sorted(set.intersection(*(set(e) for e in all_runs)))
    if not steps:
        raise SystemExit("the runs share no evaluation step (different --eval-every?): nothing to summarise")
    step, furthest = steps[-1], max(max(e) for e in all_runs)
    print(
        f"{args.algo.upper()} on {args.env_id} ({args.body})"
        + (f", challenge {args.challenge}" if args.challenge else "")
        + f": summary at step {step}, the last evaluation every run reached (furthest run: step {furthest})"
    )

    summary = {"args": {k: v for k, v in vars(args).items()}, "step": step, "steps": steps, "teachers": {}, "welch": []}
    print(f"{'teacher':10s} {'step':>9s} {'n':>3s} {'% mastered':>16s} {'mean test return':>20s}")
    for teacher in teachers:
        seeds = sorted(evals[teacher])
        mastered = np.array([[100 * evals[teacher][s][k]["mastered"] for k in steps] for s in seeds])
        ret = np.array([[float(np.mean(evals[teacher][s][k]["returns"])) for k in steps] for s in seeds])
        (m_mean, m_std), (r_mean, r_std) = mean_std(mastered[:, -1]), mean_std(ret[:, -1])
        summary["teachers"][teacher] = {
            "seeds": seeds,
            "mastered": mastered.tolist(),
            "mean_return": ret.tolist(),
            "at_step": {
                "n": len(seeds),
                "mastered_mean": m_mean,
                "mastered_std": m_std,
                "mean_return_mean": r_mean,
                "mean_return_std": r_std,
            },
        }
        for k, at in enumerate(steps):
            m, r = mastered[:, k], ret[:, k]
            m_sd = f"{m.std(ddof=1):5.1f}" if len(m) > 1 else "  n/a"
            r_sd = f"{r.std(ddof=1):6.1f}" if len(r) > 1 else "   n/a"
            print(f"{teacher:10s} {at:9d} {len(m):3d} {m.mean():7.1f} +- {m_sd} {r.mean():10.1f} +- {r_sd}")

    first = args.teachers[0]
    for other in teachers[1:]:
        for metric in ("mastered", "mean_return"):
            a = np.array(summary["teachers"][first][metric])[:, -1]
            b = np.array(summary["teachers"][other][metric])[:, -1]
            what = f"Welch t-test {first} vs {other}, {metric} at step {step}"
            entry = {"a": first, "b": other, "metric": metric, "step": step}
            if len(a) < 2 or len(b) < 2:
                print(f"{what}: needs 2 seeds per teacher, has {len(a)} and {len(b)}, no test")
                summary["welch"].append({**entry, "note": "fewer than 2 seeds"})
            elif np.allclose(a, a[0]) and np.allclose(b, b[0]):
                print(f"{what}: all values equal ({a[0]:.1f} vs {b[0]:.1f}), no test")
                summary["welch"].append({**entry, "note": "all values equal"})
            else:
                t, p = ttest_ind(a, b, equal_var=False)
                verdict = "significant" if p < 0.05 else "not significant"
                print(f"{what}: t = {t:.2f}, p = {p:.3f} ({verdict} at 0.05)")
                summary["welch"].append({**entry, "t": float(t), "p": float(p)})
    return summary


def plot_curves(summary: dict, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = summary["steps"]
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), constrained_layout=True)
    for teacher, result in summary["teachers"].items():
        for ax, metric, label in (
            (axes[0], "mastered", "% test tasks mastered"),
            (axes[1], "mean_return", "mean test return"),
        ):
            values = np.array(result[metric])
            mean = values.mean(0)
            std = values.std(0, ddof=1) if len(values) > 1 else np.zeros_like(mean)
            ax.plot(steps, mean, marker="o", label=f"{teacher} ({len(values)})")
            low = np.maximum(mean - std, 0) if metric == "mastered" else mean - std  # no negative percentages
            ax.fill_between(steps, low, mean + std, alpha=0.2)
            ax.set_xlabel("environment steps")
            ax.set_ylabel(label)
            ax.grid(alpha=0.3)
    axes[0].set_ylim(bottom=0)
    axes[0].legend(title="teacher (seeds)")
    fig.suptitle(title)
    fig.savefig(path, dpi=90)
    plt.close(fig)


# ------------------------------------------------------------------------------------------------ main
def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    baseline_args = argv[argv.index("--") + 1 :] if "--" in argv else []
    argv = argv[: argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        usage="%(prog)s [options] [-- flags for every run of the baseline]",
    )
    parser.add_argument("--algo", default="ppo", choices=["ppo", "sac"], help="the baseline: ppo or sac")
    parser.add_argument("--env-id", default="StumpTracks-v0")
    parser.add_argument("--body", default="default", help="a body from cg.BODIES (e.g. default, spider, fish, climber)")
    parser.add_argument(
        "--teachers", nargs="+", default=["alp-gmm", "random"], help="the first is tested against each other"
    )
    parser.add_argument(
        "--teacher-options",
        nargs="+",
        default=[],
        metavar="[TEACHER:]KEY=VALUE",
        help="key=value for every teacher that takes key; teacher:key=value for one teacher",
    )
    parser.add_argument("--challenge", default="", help="a named challenge for training (evaluation stays standard)")
    parser.add_argument(
        "--task-bounds",
        type=float,
        nargs="+",
        default=[],
        metavar="LOW_HIGH",
        help="training task bounds, low high per parameter",
    )
    parser.add_argument("--seeds", type=int, default=4, help="seeds 1..N per teacher")
    parser.add_argument("--total-timesteps", type=int, default=200_000)
    parser.add_argument("--eval-every", type=int, default=50_000)
    parser.add_argument("--num-envs", type=int, default=0, help="0: the baseline's default")
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count(),
        help="runs at a time (local processes; with --ray-address local, the Ray instance's CPUs)",
    )
    parser.add_argument(
        "--ray-address",
        default="",
        help="run each job as a Ray task: auto (a running cluster), ray://host:port, or local",
    )
    parser.add_argument(
        "--max-minutes",
        type=float,
        default=None,
        help="wall-clock budget: then no run starts, running ones checkpoint and stop, and what "
        "they reached is summarised",
    )
    parser.add_argument("--out", default="benchmarks/learning_out")
    parser.add_argument("--summarize-only", action="store_true", help="train nothing: summarise the runs in <out>/runs")
    args = parser.parse_args(argv)
    args.baseline_args = baseline_args
    start = time.time()
    deadline = None if args.max_minutes is None else start + 60 * args.max_minutes
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    config = {k: getattr(args, k) for k in CONFIG_KEYS}
    config_file = out / "benchmark.json"
    if config_file.exists():  # the runs in <out> must all come from the same settings
        old = json.loads(config_file.read_text())
        changed = {k: old.get(k) for k in CONFIG_KEYS if k in old and old[k] != config[k]}
        if changed:
            raise SystemExit(f"{out} holds runs made with {changed}; give those settings or another --out")
    config_file.write_text(json.dumps(config, indent=1))

    def run_dir(teacher: str, seed: int) -> Path:
        return out / "runs" / f"{args.algo}__{teacher}__{seed}"

    pairs = [(t, s) for s in range(1, args.seeds + 1) for t in args.teachers]
    failed = []
    if not args.summarize_only:
        options = route_teacher_options(args.teacher_options, args.teachers)
        if args.teacher_options:
            print("teacher options: " + "; ".join(f"{t}: {' '.join(o) or '-'}" for t, o in options.items()))
        todo = [(t, s) for t, s in pairs if not is_finished(run_dir(t, s), args.total_timesteps)]
        for t, s in pairs:
            if (t, s) not in todo:
                print(f"{run_dir(t, s).name}: finished before, skipped")
        jobs = [
            (
                run_dir(t, s).name,
                baseline_command(args, t, s, run_dir(t, s), options[t]),
                str(run_dir(t, s)),
                args.total_timesteps,
                deadline,
            )
            for t, s in todo
        ]
        if jobs:
            where = f"Ray ({args.ray_address})" if args.ray_address else f"{args.workers} local workers"
            print(
                f"{len(jobs)} runs of {args.total_timesteps} steps on {where}"
                + (f", at most {args.max_minutes:g} min" if deadline else ""),
                flush=True,
            )
        results = (
            run_on_ray(jobs, args.ray_address, args.workers, deadline)
            if args.ray_address and jobs
            else run_local(jobs, args.workers)
        )
        for k, result in enumerate(results, 1):
            print(f"[{k}/{len(jobs)}] {result['name']}: {result['status']} ({result['seconds']:.0f} s)", flush=True)
            if result["status"].startswith(("failed", "lost")):
                failed.append(result["name"])
        if failed:
            print(f"failed runs: {', '.join(failed)} (their stdout.txt says why)")

    summary = summarize(args, {t: [(s, run_dir(t, s)) for t2, s in pairs if t2 == t] for t in args.teachers})
    summary["seconds"] = time.time() - start
    summary["runs"] = {
        run_dir(t, s).name: {
            "finished": is_finished(run_dir(t, s), args.total_timesteps),
            "last_step": max(load_evals(run_dir(t, s)), default=None),
        }
        for t, s in pairs
    }
    n_seeds = max(len(r["seeds"]) for r in summary["teachers"].values())
    plot_curves(
        summary,
        out / "learning_curves.png",
        f"{args.algo.upper()} on {args.env_id}"
        + (f" ({args.challenge})" if args.challenge else "")
        + f": mean +- std over up to {n_seeds} seeds",
    )
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    print(f"curves: {out / 'learning_curves.png'}; numbers: {out / 'summary.json'} ({time.time() - start:.0f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
