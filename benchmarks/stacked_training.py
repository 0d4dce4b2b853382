"""Stacked training against one network at a time, on the K = 500 latent task.

Trains M = 1, 10 and 55 networks (each on its own 1,000-sample chunk, like the
gamma = 10 rung of the ladder) as one stack and one after another, and prints seconds
per network-epoch and their ratio. Target on CPU: for M = 55 the stack costs at most a
third of the networks trained one after another.

    python benchmarks/stacked_training.py [--epochs 5] [--sizes 1 10 55]
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from mipanel.data import LatentModel
from mipanel.device import describe, resolve_device
from mipanel.settings import EstimatorSettings
from mipanel.splits import train_test_split
from mipanel.training import NetworkJob, train_networks


def jobs(n_networks: int, n: int, rng) -> list[NetworkJob]:
    chunks = np.array_split(rng.permutation(n), 10)
    return [NetworkJob(*train_test_split(chunks[m % 10], 0.1, rng), label=f"net {m}") for m in range(n_networks)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 55])
    ap.add_argument("--device", default="auto")
    args = ap.parse_args()
    data = LatentModel(dim=500, latent_dim=10, mi=4.0, n_samples=10_000, seed=0).sample()
    settings = EstimatorSettings(epochs=args.epochs, device=args.device)
    print(f"latent task K=500, K_Z=10, N=10,000; {args.epochs} epochs; device {describe(resolve_device(args.device))}")
    train_networks(data.x, data.y, jobs(2, data.n, np.random.default_rng(1)), settings.replace(epochs=1))  # warm-up
    print(f"{'M':>4} {'stacked s/net-epoch':>20} {'one-at-a-time s/net-epoch':>26} {'ratio':>7}")
    for m in args.sizes:
        todo = jobs(m, data.n, np.random.default_rng(0))
        start = time.perf_counter()
        train_networks(data.x, data.y, todo, settings)
        stacked = (time.perf_counter() - start) / (m * args.epochs)
        start = time.perf_counter()
        for job in todo:
            train_networks(data.x, data.y, [job], settings)
        single = (time.perf_counter() - start) / (m * args.epochs)
        print(f"{m:>4} {stacked:>20.4f} {single:>26.4f} {stacked / single:>7.3f}")
    print("target: ratio <= 0.333 for M = 55")


if __name__ == "__main__":
    main()
