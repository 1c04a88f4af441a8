"""The ``curriculum-gym`` command."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="curriculum-gym", description="curriculum-gym tools")
    sub = parser.add_subparsers(dest="command", required=True)
    plot = sub.add_parser("plot", help="draw the curriculum, %% mastered and test returns of a run folder")
    plot.add_argument("run_dir")
    plot.add_argument("--dims", type=int, nargs=2, default=(0, 1), metavar=("I", "J"),
                      help="the two task parameters to project on (indices, default 0 1)")
    args = parser.parse_args(argv)
    if args.command == "plot":
        from curriculum_gym.plotting import plot_run

        try:
            paths = plot_run(args.run_dir, dims=args.dims)
        except (FileNotFoundError, ValueError) as exc:
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
