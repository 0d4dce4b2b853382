"""The rigorous ladder against one estimate, and an accuracy table.

Prints the wall time of the full 55-network ladder and of one single estimate on the
full data (latent task K = 500, K_Z = 10, 4 bits, N = 10,000) and their ratio (target
on CPU: at most 4), then truth, estimate, interval and verdict for several settings.

    python benchmarks/ladder.py [--skip-table] [--precision bfloat16]
"""
from __future__ import annotations

import argparse
import time

import mipanel
from mipanel.data import CorrelatedGaussian, LatentModel, ShapeTask
from mipanel.device import describe, resolve_device


def timing(precision: str) -> None:
    data = LatentModel(dim=500, latent_dim=10, mi=4.0, n_samples=10_000, seed=0).sample()
    mipanel.estimate(data, epochs=1, precision=precision)  # warm-up: imports and kernel selection
    start = time.perf_counter()
    single = mipanel.estimate(data, precision=precision)
    t_single = time.perf_counter() - start
    start = time.perf_counter()
    ladder = mipanel.rigorous(data, precision=precision)
    t_ladder = time.perf_counter() - start
    print(f"device {describe(resolve_device('auto'))}, training precision {precision}")
    print(f"single estimate : {t_single:7.1f} s  ({single.value:.3f} bits)")
    print(f"55-network ladder: {t_ladder:7.1f} s  ({ladder.value:.3f} bits)")
    print(f"ratio ladder / single: {t_ladder / t_single:.2f}  (target <= 4)")


def table() -> None:
    cases = [
        ("latent K=500 K_Z=10, N=10000", LatentModel(dim=500, latent_dim=10, mi=4.0, n_samples=10_000, seed=0)),
        ("latent K=500 K_Z=20, N=150", LatentModel(dim=500, latent_dim=20, mi=4.0, n_samples=150, seed=0)),
        ("gaussian d=5, N=4000", CorrelatedGaussian(dim=5, mi=2.0, n_samples=4000, seed=0)),
        ("student-t nu=3 2x2, N=4000", ShapeTask(base="student-t", dim=2, nu=3, n_samples=4000, seed=0)),
        ("half-cube sparse 5x5, N=4000", ShapeTask(base="sparse-gaussian", transform="half-cube", dim=5,
                                                   n_samples=4000, seed=0)),
    ]
    print(f"\n{'setting':<32} {'truth':>7} {'estimate':>9} {'68% interval':>18}  verdict")
    for name, source in cases:
        data = source.sample()
        r = mipanel.rigorous(data)
        lo, hi = r.interval
        print(f"{name:<32} {r.true_mi:7.3f} {r.value:9.3f}   [{lo:6.3f}, {hi:6.3f}]  {r.verdict}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip-table", action="store_true")
    ap.add_argument("--precision", choices=("float32", "bfloat16"), default="float32")
    args = ap.parse_args()
    timing(args.precision)
    if not args.skip_table:
        table()


if __name__ == "__main__":
    main()
