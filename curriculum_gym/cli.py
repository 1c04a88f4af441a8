"""The ``curriculum-gym`` command."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="curriculum-gym", description="curriculum-gym tools")
    sub = parser.add_subparsers(dest="command", required=True)
    plot = sub.add_parser(
        "plot",
        help="draw the curriculum, training returns, %% mastered and test returns of a run "
        "folder (PPO, SAC or multi-walker PPO)",
    )
    plot.add_argument("run_dir")
    plot.add_argument(
        "--dims",
        type=int,
        nargs=2,
        default=(0, 1),
        metavar=("I", "J"),
        help="the two task parameters to project on (indices, default 0 1)",
    )
    plot.add_argument(
        "--task-bounds",
        type=float,
        nargs="+",
        metavar="LOW_HIGH",
        help="draw the curriculum on these bounds, low high per parameter (default: the run's own, "
        "from its run.json; the env's defaults for runs without one)",
    )
    args = parser.parse_args(argv)
    if args.command == "plot":
        try:  # a command draws to files: no window, whatever the machine's default backend
            import matplotlib

            matplotlib.use("Agg")
        except ImportError:
            pass  # plot_run says what to install
        from curriculum_gym.plotting import plot_run, run_task_space

        try:
            space = None
            if args.task_bounds:
                if len(args.task_bounds) % 2:
                    raise ValueError(f"--task-bounds takes low high per parameter; got {args.task_bounds}")
                pairs = [args.task_bounds[k : k + 2] for k in range(0, len(args.task_bounds), 2)]
                space = run_task_space(args.run_dir).with_bounds(pairs)
            paths = plot_run(args.run_dir, dims=args.dims, task_space=space)
        except (FileNotFoundError, ValueError, ImportError) as exc:
            print(f"curriculum-gym plot: {exc}", file=sys.stderr)
            return 2
        if not paths:
            print(f"curriculum-gym plot: nothing to plot in {args.run_dir}", file=sys.stderr)
            return 1
        for path in paths:
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
