"""Load a trained baseline from its run folder, and watch it or evaluate it.

Works on the run folders of baselines/ppo_continuous_action.py,
baselines/sac_continuous_action.py and baselines/ppo_multiwalker.py. The agent is
rebuilt from the run's args.json with the class of the script that trained it
(imported from baselines/), and its weights come from agent.ckpt, read with
``curriculum_gym.checkpoint.load_state``: a zip of .npy arrays and JSON, read
without pickle (never ``torch.load`` it). The policy is the one the script
evaluates: deterministic (the Gaussian's mean), with PPO's observation
normalisation frozen at its saved statistics.

Run:  python examples/watch_agent.py RUN_DIR                        # a window, one episode on a random task
      python examples/watch_agent.py RUN_DIR --video walker.mp4     # or walker.gif (no window)
      python examples/watch_agent.py RUN_DIR --task 1.5 2.0 --episodes 3
      python examples/watch_agent.py RUN_DIR --evaluate             # % of the standard test set mastered

In Python:
    policy, info = load_policy("runs/<run folder>")
    result = cg.evaluate(policy, info["env_id"], env_kwargs=info["env_kwargs"])
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

import curriculum_gym as cg
from curriculum_gym import runs
from curriculum_gym.checkpoint import load_state

BASELINES = Path(__file__).resolve().parent.parent / "baselines"
SCRIPTS = {
    "ppo": "ppo_continuous_action.py",
    "sac": "sac_continuous_action.py",
    "ppo_multiwalker": "ppo_multiwalker.py",
}  # run.json's "algo" -> the script that wrote the run


def load_script(algo: str):
    """The baseline script that trained ``algo``, imported as a module (its ``__main__`` part does not run)."""
    name = SCRIPTS[algo].removesuffix(".py")
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, BASELINES / SCRIPTS[algo])
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # (dataclasses look their module up)
        spec.loader.exec_module(module)
    return sys.modules[name]


def read_run(run_dir: str | Path) -> tuple[str, Any, dict[str, Any]]:
    """``(algo, the script's Args as the run used them, agent.ckpt's state)`` of a run folder."""
    run_dir = Path(run_dir)
    if not (run_dir / "agent.ckpt").exists() or not (run_dir / "args.json").exists():
        raise SystemExit(f"{run_dir} is not a run folder of the baselines (it needs agent.ckpt and args.json)")
    state = load_state(run_dir / "agent.ckpt")  # no pickle
    record = json.loads((run_dir / "run.json").read_text()) if (run_dir / "run.json").exists() else {}
    # (a run folder without run.json: what its checkpoint holds tells the algorithm)
    algo = record.get("algo") or ("sac" if "actor" in state else "ppo" if "obs_mean" in state else "ppo_multiwalker")
    if algo not in SCRIPTS:
        raise SystemExit(f"{run_dir}: unknown algo {algo!r} in run.json; known: {sorted(SCRIPTS)}")
    script = load_script(algo)
    recorded = json.loads((run_dir / "args.json").read_text())
    fields = {f.name for f in dataclasses.fields(script.Args)}
    args = script.Args(**{k: tuple(v) if isinstance(v, list) else v for k, v in recorded.items() if k in fields})
    return algo, args, state


def load_policy(run_dir: str | Path):
    """``(policy, info)``: the run's deterministic policy (observations -> actions, one or a batch) and
    ``info`` = {"algo", "args", "env_id", "body", "env_kwargs"} (``env_kwargs``: the body and its options)."""
    algo, args, state = read_run(run_dir)
    script = load_script(algo)
    if algo == "ppo_multiwalker":
        probe = script.make_env(args, None)
        agent_id = probe.possible_agents[0]
        obs_dim, act_dim = probe.observation_space(agent_id).shape[0], probe.action_space(agent_id).shape[0]
        env_id = "multiwalker_tracks_v0"
    else:
        probe = gym.make(args.env_id, **runs.body_kwargs(args))
        obs_dim, act_dim = probe.observation_space.shape[0], probe.action_space.shape[0]
        env_id = args.env_id
    probe.close()
    if algo == "sac":
        if "critic" not in state:
            raise SystemExit(f"{run_dir} was trained by an older SAC baseline (separate Q-networks): not loadable")
        actor = script.Actor(obs_dim, act_dim, args.hidden)
        actor.load_state_dict(runs.to_torch_tree(state["actor"]))
        policy = script.make_eval_policy(actor)
    else:
        agent = script.Agent(obs_dim, act_dim, args.hidden)
        agent.load_state_dict(runs.to_torch_tree(state["agent"]))
        if algo == "ppo":
            policy = script.make_eval_policy(agent, state["obs_mean"], state["obs_var"])
        else:
            policy = script.make_eval_policy(agent)
    return policy, {
        "algo": algo,
        "args": args,
        "env_id": env_id,
        "body": args.body,
        "env_kwargs": runs.body_kwargs(args),
    }


def run_episodes(
    run_dir: str | Path,
    *,
    episodes: int = 1,
    task: list[float] | None = None,
    render_mode: str | None = "human",
    max_steps: int | None = None,
    seed: int = 0,
):
    """Play ``episodes`` episodes (on ``task``, or tasks drawn uniformly); returns ``(returns, frames)`` (frames:
    with ``render_mode="rgb_array"``; the multi-walker team's return is the walkers' mean)."""
    policy, info = load_policy(run_dir)
    args, frames, returns = info["args"], [], []
    if info["algo"] == "ppo_multiwalker":
        env = load_script("ppo_multiwalker").make_env(
            dataclasses.replace(args, task=tuple(task or ())), None, render_mode=render_mode
        )
    else:
        env = gym.make(args.env_id, **runs.body_kwargs(args), render_mode=render_mode, max_episode_steps=max_steps)
    for k in range(episodes):
        if info["algo"] == "ppo_multiwalker":
            obs, _ = env.reset(seed=seed + k)
            total, steps = 0.0, 0
            while env.agents and (max_steps is None or steps < max_steps):
                agents = list(env.agents)
                actions = policy(np.stack([obs[a] for a in agents]))
                obs, rewards, _, _, _ = env.step(dict(zip(agents, actions)))
                total, steps = total + float(np.mean(list(rewards.values()))), steps + 1
                if render_mode == "rgb_array":
                    frames.append(env.render())
        else:
            obs, _ = env.reset(seed=seed + k, options={"task": task} if task else None)
            total, done = 0.0, False
            if render_mode == "rgb_array":
                frames.append(env.render())
            while not done:
                obs, reward, terminated, truncated, _ = env.step(policy(obs))
                total, done = total + float(reward), terminated or truncated
                if render_mode == "rgb_array":
                    frames.append(env.render())
        print(f"episode {k}: task {np.round(env.unwrapped.task, 3).tolist()}, return {total:.1f}")
        returns.append(total)
    env.close()
    return returns, frames


def save_video(frames: list[np.ndarray], path: str | Path, fps: int = 50) -> None:
    """Frames to ``path``: .gif with Pillow, anything else (.mp4) with moviepy."""
    path = Path(path)
    if path.suffix.lower() == ".gif":
        from PIL import Image

        images = [Image.fromarray(f) for f in frames]
        images[0].save(path, save_all=True, append_images=images[1:], duration=int(1000 / fps), loop=0)
        return
    try:
        from moviepy import ImageSequenceClip  # moviepy 2
    except ImportError:
        from moviepy.editor import ImageSequenceClip  # moviepy 1
    ImageSequenceClip(list(frames), fps=fps).write_videofile(str(path), logger=None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run_dir", help="a run folder of the baselines (agent.ckpt, args.json, run.json)")
    parser.add_argument("--evaluate", action="store_true", help="evaluate on the standard test set (cg.evaluate)")
    parser.add_argument("--eval-tasks", type=int, default=0, help="with --evaluate: the first N test tasks (0: all)")
    parser.add_argument("--video", default="", help="write the episodes to this .mp4 or .gif instead of a window")
    parser.add_argument("--task", type=float, nargs="+", default=None, help="the task (default: drawn uniformly)")
    parser.add_argument("--episodes", type=int, default=1, help="episodes to watch")
    parser.add_argument("--max-steps", type=int, default=None, help="cut episodes at this length")
    parser.add_argument("--seed", type=int, default=0, help="episode k is reset with seed + k")
    args = parser.parse_args(argv)

    if args.evaluate:
        policy, info = load_policy(args.run_dir)
        if info["algo"] == "ppo_multiwalker":
            raise SystemExit("--evaluate: cg.evaluate runs single-agent envs; watch the team with --video")
        tasks = cg.load_test_set(info["env_id"])
        tasks = tasks[: args.eval_tasks] if args.eval_tasks else tasks
        _, threshold = runs.env_constants(gym.make(info["env_id"], **info["env_kwargs"]))  # the env's mastery threshold
        result = cg.evaluate(
            policy,
            info["env_id"],
            test_set=tasks,
            env_kwargs=info["env_kwargs"],
            num_envs=min(10, len(tasks)),
            threshold=threshold,
            max_episode_steps=args.max_steps,
            seed=args.seed,
        )
        print(
            f"{100 * result.mastered:.1f}% of {len(tasks)} test tasks mastered "
            f"(mean return {result.mean_returns.mean():.1f})"
        )
        return 0
    render_mode = "rgb_array" if args.video else "human"
    _, frames = run_episodes(
        args.run_dir,
        episodes=args.episodes,
        task=args.task,
        render_mode=render_mode,
        max_steps=args.max_steps,
        seed=args.seed,
    )
    if args.video:
        save_video(frames, args.video)
        print(f"{len(frames)} frames written to {args.video}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
