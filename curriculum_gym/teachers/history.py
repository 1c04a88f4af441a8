"""Episode history with a cheap nearest-neighbour query (for ALP)."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from curriculum_gym.teachers.base import state_array, state_count, state_fields


class NearestHistory:
    """(task, return) pairs; ``nearest_return(task)`` finds the return of the closest past task.

    Older pairs live in a KD-tree rebuilt every ``buffer_size`` insertions; the
    newest are scanned linearly, so neither the query nor the insertion costs
    a rebuild per episode. With ``max_size`` the oldest pairs are dropped at
    rebuild time (the history holds at most ``max_size + buffer_size`` pairs).
    """

    def __init__(self, dim: int, buffer_size: int = 500, max_size: int | None = None) -> None:
        self.dim, self.buffer_size, self.max_size = dim, buffer_size, max_size
        self._tasks = np.empty((64, dim))
        self._returns = np.empty(64)
        self._n = 0  # rows in use
        self._tree: cKDTree | None = None
        self._tree_rows = 0  # rows [0, _tree_rows) are in the tree

    def __len__(self) -> int:
        return self._n

    @property
    def tasks(self) -> np.ndarray:
        return self._tasks[: self._n]

    @property
    def returns(self) -> np.ndarray:
        return self._returns[: self._n]

    def nearest_return(self, task: np.ndarray) -> float:
        if self._n == 0:
            raise ValueError("the history is empty")
        best_d, best_r = np.inf, 0.0
        if self._tree is not None:
            best_d, idx = self._tree.query(task)
            best_r = self._returns[idx]
        if self._n > self._tree_rows:
            recent = self._tasks[self._tree_rows : self._n]
            d2 = ((recent - task) ** 2).sum(1)
            i = int(d2.argmin())
            if d2[i] < best_d * best_d:
                best_r = self._returns[self._tree_rows + i]
        return float(best_r)

    def add(self, task: np.ndarray, episode_return: float) -> None:
        if self._n == len(self._returns):
            self._tasks = np.concatenate([self._tasks, np.empty_like(self._tasks)])
            self._returns = np.concatenate([self._returns, np.empty_like(self._returns)])
        self._tasks[self._n] = task
        self._returns[self._n] = episode_return
        self._n += 1
        if self._n - self._tree_rows >= self.buffer_size:
            self._rebuild()

    def _rebuild(self) -> None:
        if self.max_size is not None and self._n > self.max_size:
            drop = self._n - self.max_size
            self._tasks = self._tasks[drop:].copy()
            self._returns = self._returns[drop:].copy()
            self._n -= drop
        self._tree = cKDTree(self._tasks[: self._n].copy(), balanced_tree=False, compact_nodes=False)
        self._tree_rows = self._n

    def state_dict(self) -> dict[str, Any]:
        return {"tasks": self.tasks.copy(), "returns": self.returns.copy(), "tree_rows": self._tree_rows}

    def load_state_dict(
        self,
        state: dict[str, Any],
        task_low: float = -np.inf,
        task_high: float = np.inf,
        return_low: float = -np.inf,
        return_high: float = np.inf,
    ) -> None:
        """Restore :meth:`state_dict`, checked (``ValueError``): finite tasks (n, dim) and returns (n,)
        within the given bounds, ``0 <= tree_rows <= n``, at most ``max_size + buffer_size`` rows."""
        state = state_fields(state, ("tasks", "returns", "tree_rows"), "history")
        tasks = state_array(state["tasks"], "history tasks", (None, self.dim), task_low, task_high)
        n = len(tasks)
        returns = state_array(state["returns"], "history returns", (n,), return_low, return_high)
        tree_rows = state_count(state["tree_rows"], "history tree_rows", high=n)
        if self.max_size is not None and n > self.max_size + self.buffer_size:
            raise ValueError(
                f"history holds {n} episodes; with max_size={self.max_size} it holds at most "
                f"{self.max_size + self.buffer_size}"
            )
        cap = max(64, n)
        self._tasks = np.empty((cap, self.dim))
        self._returns = np.empty(cap)
        self._tasks[:n], self._returns[:n] = tasks, returns
        self._n, self._tree_rows = n, tree_rows
        self._tree = (
            cKDTree(tasks[:tree_rows].copy(), balanced_tree=False, compact_nodes=False) if tree_rows > 0 else None
        )
