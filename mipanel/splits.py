"""How samples are divided: held-out splits and the disjoint chunks of the ladder.

IID data are shuffled; time-ordered data keep their order, so chunks are contiguous
stretches and the held-out set is one contiguous block (no leakage from neighbours).
"""
from __future__ import annotations

import numpy as np


def train_test_split(indices: np.ndarray, test_fraction: float, rng: np.random.Generator,
                     time_series: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Split `indices` into (train, test); at least one sample on each side."""
    indices = np.asarray(indices)
    n = indices.size
    if n < 2:
        raise ValueError(f"a held-out split needs at least 2 samples, got {n}")
    n_test = int(min(max(round(test_fraction * n), 1), n - 1))
    if time_series:
        return indices[: n - n_test], indices[n - n_test:]
    order = rng.permutation(n)
    return indices[order[n_test:]], indices[order[:n_test]]


def chunks(n: int, gamma: int, rng: np.random.Generator | None = None,
           time_series: bool = False) -> list[np.ndarray]:
    """`gamma` near-equal disjoint chunks of range(n): shuffled once, or contiguous."""
    if gamma < 1 or gamma > n:
        raise ValueError(f"cannot split {n} samples into {gamma} chunks")
    order = np.arange(n) if time_series or rng is None else rng.permutation(n)
    return [np.sort(c) if time_series else c for c in np.array_split(order, gamma)]
