"""Steps/s of the same bodies built by two source trees: does a change to the body builder slow them?

Run:  git worktree add /tmp/before <commit> &&
      python benchmarks/body_builder_overhead.py --before /tmp/before [--steps 20000] [--repeats 7]

Each measurement runs in its own fresh Python process (the tree under test first on
``sys.path``), the two trees alternating, so machine noise hits both alike. Prints the
median steps/s of each body in each tree and their ratio (this tree / the other).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
BODIES = ("default", "short", "quadru")
PROBE = """
import json, sys, time
import numpy as np, gymnasium as gym
import curriculum_gym
assert curriculum_gym.__file__.startswith(sys.argv[1]), curriculum_gym.__file__
env = gym.make("StumpTracks-v0", body=sys.argv[2])
rng = np.random.default_rng(int(sys.argv[4]))
actions = rng.uniform(-1, 1, size=(int(sys.argv[3]), env.action_space.shape[0])).astype(np.float32)
env.reset(seed=int(sys.argv[4]))
spent = 0.0
for a in actions:
    t0 = time.perf_counter()
    _, _, terminated, truncated, _ = env.step(a)
    spent += time.perf_counter() - t0
    if terminated or truncated:
        env.reset()
print(json.dumps(len(actions) / spent))
"""


def measure(tree: Path, body: str, steps: int, seed: int) -> float:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(tree), body, str(steps), str(seed)],
        env=env,
        cwd=tree,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", type=Path, required=True, help="the other source tree (e.g. a git worktree)")
    parser.add_argument("--steps", type=int, default=20000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    trees = {"this": HERE, "before": args.before.resolve()}
    sps: dict[tuple[str, str], list[float]] = {(t, b): [] for t in trees for b in BODIES}
    for rep in range(args.repeats):
        for body in BODIES:
            for name, tree in trees.items() if rep % 2 == 0 else reversed(trees.items()):
                sps[name, body].append(measure(tree, body, args.steps, rep))
    print(f"{args.repeats} repetitions x {args.steps} random-action steps on StumpTracks-v0; medians")
    print(f"{'body':10s} {'this':>9s} {'before':>9s} {'ratio':>7s}")
    for body in BODIES:
        this, before = statistics.median(sps["this", body]), statistics.median(sps["before", body])
        print(f"{body:10s} {this:9.0f} {before:9.0f} {this / before:7.3f}")


if __name__ == "__main__":
    main()
