"""Classical MI estimators shown beside the neural estimate, in nats.

- `ksg_mi`: Kraskov, Stoegbauer & Grassberger 2004 (estimator 1), a k-nearest-neighbour
  estimator that is excellent in low dimension and, as Gao, Oh & Viswanath 2015 and
  Czyz et al. 2023 "Beyond Normal" show, underestimates badly as dimension grows.
- `gaussian_mi`: the MI of the Gaussian with the data's covariance, from canonical
  correlations. Exact for Gaussian data; it sees only linear dependence, so on curved
  or heavy-tailed data it can be far off in either direction.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from scipy.linalg import cholesky, solve_triangular
from scipy.spatial import cKDTree
from scipy.spatial.distance import cdist
from scipy.special import digamma

from mipanel.data.validation import DataError, validate_pair

__all__ = ["gaussian_mi", "ksg_mi"]

#: Relative size of the jitter that breaks ties between repeated values.
_JITTER = 1e-10

#: Above this joint dimension k-d trees stop paying off and exact distances are used.
_TREE_MAX_DIM = 15


def _standardise(a: np.ndarray) -> np.ndarray:
    return (a - a.mean(axis=0)) / a.std(axis=0)


def _ksg_counts_tree(xa: np.ndarray, ya: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Marginal neighbour counts via k-d trees: fast while the joint dimension is small."""
    joint = np.hstack([xa, ya])
    distances, _ = cKDTree(joint).query(joint, k=k + 1, p=np.inf, workers=-1)
    # "Strictly closer than eps": shrink the radius to the next float below it.
    radius = np.nextafter(distances[:, -1], 0.0)
    counts = []
    for marginal in (xa, ya):
        within = cKDTree(marginal).query_ball_point(
            marginal, r=radius, p=np.inf, return_length=True, workers=-1
        )
        counts.append(np.asarray(within) - 1)  # the point itself is within any radius
    return counts[0], counts[1]


def _ksg_counts_brute(xa: np.ndarray, ya: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Marginal neighbour counts from blocks of exact distance matrices.

    In high dimension k-d trees visit nearly every point anyway; computing each
    marginal's max-norm distances once per block of rows (in threads, as cdist
    releases the GIL) is then several times faster and uses bounded memory.
    """
    n = xa.shape[0]
    rows_per_block = max(1, min(n, 2**22 // n))

    def block(start: int) -> tuple[np.ndarray, np.ndarray]:
        stop = min(n, start + rows_per_block)
        dist_x = cdist(xa[start:stop], xa, "chebyshev")
        dist_y = cdist(ya[start:stop], ya, "chebyshev")
        dist_joint = np.maximum(dist_x, dist_y)
        rows = np.arange(stop - start)
        dist_joint[rows, start + rows] = np.inf  # a point is not its own neighbour
        eps = np.partition(dist_joint, k - 1, axis=1)[:, k - 1][:, None]
        return (dist_x < eps).sum(axis=1) - 1, (dist_y < eps).sum(axis=1) - 1

    starts = range(0, n, rows_per_block)
    with ThreadPoolExecutor(max_workers=max(1, min(len(starts), os.cpu_count() or 1))) as pool:
        parts = list(pool.map(block, starts))
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def ksg_mi(x, y, k: int = 3, *, algorithm: str = "auto") -> float:
    """Kraskov et al. 2004 estimator 1 of I(X;Y) in nats.

    Columns are standardised, then for each sample the max-norm distance eps_i to its
    k-th neighbour in the joint space fixes the marginal counts n_x(i), n_y(i) of
    points strictly closer than eps_i; I = psi(k) + psi(N) - <psi(n_x+1) + psi(n_y+1)>.
    A tiny fixed-seed jitter breaks ties, which otherwise make eps_i zero for
    discrete-valued data. `algorithm` picks k-d trees ("tree") or blocked exact
    distances ("brute"); "auto" uses trees up to a joint dimension of 15. The cost of
    "brute" grows as N^2 (dx + dy).
    """
    xa, ya = validate_pair(x, y)
    k = int(k)
    n = xa.shape[0]
    if not 1 <= k < n:
        raise DataError(f"k must be between 1 and N - 1 = {n - 1} (got {k}); the usual choice is 3.")
    if algorithm not in ("auto", "tree", "brute"):
        raise ValueError(f"algorithm must be 'auto', 'tree' or 'brute' (got {algorithm!r})")
    rng = np.random.default_rng(0)
    xa = _standardise(xa)
    ya = _standardise(ya)
    xa = xa + _JITTER * rng.standard_normal(xa.shape)
    ya = ya + _JITTER * rng.standard_normal(ya.shape)
    if algorithm == "auto":
        algorithm = "tree" if xa.shape[1] + ya.shape[1] <= _TREE_MAX_DIM else "brute"
    counts = _ksg_counts_tree if algorithm == "tree" else _ksg_counts_brute
    nx, ny = counts(xa, ya, k)
    value = digamma(k) + digamma(n) - np.mean(digamma(nx + 1) + digamma(ny + 1))
    return float(value)


def gaussian_mi(x, y) -> float:
    """MI in nats of the Gaussian fitted to (X, Y): sum_i -1/2 ln(1 - rho_i^2).

    rho_i are the canonical correlations of the standardised data. A ridge
    lambda = 1e-6 + 0.01 (dx + dy) / N is added to the diagonal of the correlation
    matrix: negligible when N is much larger than the dimension, it keeps the whitening
    well conditioned (and the estimate finite) when the dimension approaches or exceeds
    N. Canonical correlations are clipped below 1.
    """
    xa, ya = validate_pair(x, y)
    n, dx = xa.shape
    dy = ya.shape[1]
    joint = _standardise(np.hstack([xa, ya]))
    corr = joint.T @ joint / n
    ridge = 1e-6 + 0.01 * (dx + dy) / n
    corr[np.diag_indices_from(corr)] += ridge
    cxx, cyy, cxy = corr[:dx, :dx], corr[dx:, dx:], corr[:dx, dx:]
    lx = cholesky(cxx, lower=True)
    ly = cholesky(cyy, lower=True)
    whitened = solve_triangular(lx, cxy, lower=True)
    whitened = solve_triangular(ly, whitened.T, lower=True).T
    rho = np.linalg.svd(whitened, compute_uv=False)
    rho = np.clip(rho, 0.0, 1.0 - 1e-12)
    return float(-0.5 * np.sum(np.log1p(-rho * rho)))
