"""Gaussian sources with exactly known mutual information.

`CorrelatedGaussian` draws d independent pairs (X_i, Y_i) with a common correlation rho,
so I(X;Y) = -(d/2) ln(1 - rho^2). `LatentModel` is the high-dimensional, undersampled
benchmark of Abdelaleem, Martini & Nemenman (2025): correlated low-dimensional latents
Z_X, Z_Y are pushed through fixed random injective maps into K dimensions, which leaves
the MI at I(Z_X; Z_Y) while making the data hard for non-parametric estimators.
"""
from __future__ import annotations

import math

import numpy as np
import param

from mipanel.interface import NATS_PER_BIT, Dataset, DataSource

__all__ = [
    "CorrelatedGaussian",
    "LatentModel",
    "correlated_pairs",
    "gaussian_pairs_mi",
    "rho_for_mi",
]


def rho_for_mi(mi_nats: float, n_pairs: int) -> float:
    """Correlation per pair that gives `mi_nats` in total over `n_pairs` independent pairs."""
    if mi_nats < 0:
        raise ValueError(f"mutual information cannot be negative (got {mi_nats})")
    if n_pairs < 1:
        raise ValueError(f"need at least one pair (got {n_pairs})")
    return math.sqrt(-math.expm1(-2.0 * mi_nats / n_pairs))


def gaussian_pairs_mi(rho: float, n_pairs: int) -> float:
    """I = -(d/2) ln(1 - rho^2) in nats for `n_pairs` pairs with correlation `rho`."""
    return -0.5 * n_pairs * math.log1p(-rho * rho)


def correlated_pairs(rng: np.random.Generator, n: int, n_pairs: int,
                     mi_nats: float) -> tuple[np.ndarray, np.ndarray]:
    """Standard-normal X, Y of shape (n, n_pairs), pairs correlated to total MI `mi_nats`.

    Y_i = rho X_i + s E_i with s = exp(-I/d) = sqrt(1 - rho^2) computed directly, so even
    a large MI (rho within 1e-12 of 1) keeps its exact noise scale.
    """
    rho = rho_for_mi(mi_nats, n_pairs)
    scale = math.exp(-mi_nats / n_pairs)
    x = rng.standard_normal((n, n_pairs))
    y = rho * x + scale * rng.standard_normal((n, n_pairs))
    return x, y


def _settings(source: param.Parameterized) -> dict:
    """The source's parameter values, for provenance in Dataset.meta."""
    return {k: v for k, v in source.param.values().items() if k != "name"}


class CorrelatedGaussian(DataSource):
    """d independent Gaussian pairs whose correlation is set by the target MI.

    The simplest check of any estimator: the truth is exact, and the Gaussian/CCA
    baseline is the efficient estimator here, so it shows what is achievable at N.
    """

    label = "Correlated Gaussians"

    dim = param.Integer(default=5, bounds=(1, 1000), softbounds=(1, 100),
                        doc="Number of pairs d: X and Y are both d-dimensional.")
    mi = param.Number(default=2.0, bounds=(0.0, 40.0), softbounds=(0.0, 20.0),
                      doc="Target true mutual information in BITS (shared equally by the d pairs).")

    def mutual_information(self) -> float:
        return self.mi * NATS_PER_BIT

    @property
    def rho(self) -> float:
        """The per-pair correlation sqrt(1 - exp(-2 I / d)), I in nats."""
        return rho_for_mi(self.mi * NATS_PER_BIT, self.dim)

    def task_id(self) -> str:
        return f"gaussian-{self.dim}x{self.dim}-mi{self.mi:g}bits"

    def sample(self) -> Dataset:
        rng = np.random.default_rng(self.seed)
        x, y = correlated_pairs(rng, self.n_samples, self.dim, self.mutual_information())
        return Dataset(
            x=x, y=y, name=self.task_id(), true_mi=self.mutual_information(),
            description=(f"{self.dim} independent Gaussian pairs with correlation "
                         f"{self.rho:.4f}; true MI {self.mi:g} bits."),
            meta={"source": "gaussian", "rho": self.rho,
                  **_settings(self)},
        )


def _softplus(t: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, t)


class LatentModel(DataSource):
    """High-dimensional views X = f_X(Z_X), Y = f_Y(Z_Y) of correlated low-dimensional latents.

    Z_X, Z_Y are K_Z-dimensional correlated Gaussians (as in `CorrelatedGaussian`), and
    f_X, f_Y are fixed random maps into K dimensions drawn from `map_seed`, so the maps
    stay the same while N or the sampling `seed` change. MI is invariant under
    injective maps, hence I(X;Y) = I(Z_X;Z_Y) exactly.

    Injectivity (with probability 1 over the random weights, when K >= K_Z):
    - linear: X = A Z with A a K x K_Z Gaussian matrix, which has full column rank;
    - nonlinear: X = W2 softplus(W1 Z + b1) + b2 with a hidden width H = 64 clipped to
      [K_Z, K]; W1 (H x K_Z) and W2 (K x H) have full column rank and softplus is
      strictly increasing, so every stage is one-to-one.
    When K < K_Z no injective map exists; the MI is then unknown (`true_mi` is None)
    and I(Z_X;Z_Y) is reported as an upper bound instead.
    """

    label = "Latent model (high-dimensional)"

    dim = param.Integer(default=500, bounds=(1, 2000), softbounds=(2, 1000),
                        doc="Observed dimension K of each of X and Y.")
    latent_dim = param.Integer(default=10, bounds=(1, 200), softbounds=(1, 50),
                               doc="Latent dimension K_Z of each of Z_X and Z_Y (at most K).")
    mi = param.Number(default=4.0, bounds=(0.0, 40.0), softbounds=(0.0, 20.0),
                      doc="True mutual information I(Z_X;Z_Y) = I(X;Y) in BITS.")
    mapping = param.Selector(default="nonlinear", objects=["nonlinear", "linear"],
                             doc="Map from latents to observations: a random Softplus MLP "
                                 "(K_Z -> 64 -> K) or a random K x K_Z matrix.")
    map_seed = param.Integer(default=12345, bounds=(0, 2**31 - 1),
                             doc="Seed of the fixed random maps (separate from the sampling seed).")

    hidden_width = 64

    @property
    def injective(self) -> bool:
        """Whether the maps are injective, i.e. whether the MI is known exactly."""
        return self.dim >= self.latent_dim

    @property
    def latent_mi(self) -> float:
        """I(Z_X;Z_Y) in nats."""
        return self.mi * NATS_PER_BIT

    @property
    def rho(self) -> float:
        return rho_for_mi(self.mi * NATS_PER_BIT, self.latent_dim)

    def mutual_information(self) -> float | None:
        return self.latent_mi if self.injective else None

    def task_id(self) -> str:
        return (f"latent-{self.mapping}-K{self.dim}-Kz{self.latent_dim}-mi{self.mi:g}bits"
                f"-map{self.map_seed}")

    def maps(self) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """The fixed weights of f_X and f_Y, drawn from `map_seed` alone."""
        rng = np.random.default_rng(self.map_seed)
        k, kz = self.dim, self.latent_dim
        out = []
        for _ in range(2):
            if self.mapping == "linear":
                out.append({"A": rng.standard_normal((kz, k)) / math.sqrt(kz)})
            else:
                h = min(max(self.hidden_width, kz), k) if k >= kz else self.hidden_width
                out.append({
                    "W1": rng.standard_normal((kz, h)) / math.sqrt(kz),
                    "b1": 0.5 * rng.standard_normal(h),
                    "W2": rng.standard_normal((h, k)) / math.sqrt(h),
                    "b2": 0.1 * rng.standard_normal(k),
                })
        return out[0], out[1]

    def embed(self, z: np.ndarray, weights: dict[str, np.ndarray]) -> np.ndarray:
        """Apply one fixed map to latents of shape (n, K_Z); returns float32 (n, K)."""
        if "A" in weights:
            return z.astype(np.float32) @ weights["A"].astype(np.float32)
        hidden = _softplus(z @ weights["W1"] + weights["b1"]).astype(np.float32)
        return hidden @ weights["W2"].astype(np.float32) + weights["b2"].astype(np.float32)

    def sample(self) -> Dataset:
        rng = np.random.default_rng(self.seed)
        zx, zy = correlated_pairs(rng, self.n_samples, self.latent_dim, self.latent_mi)
        fx, fy = self.maps()
        x, y = self.embed(zx, fx), self.embed(zy, fy)
        exact = self.mutual_information()
        note = "" if exact is not None else (
            f" K = {self.dim} < K_Z = {self.latent_dim}, so the maps cannot be injective "
            f"and the MI is only bounded above by I(Z_X;Z_Y).")
        return Dataset(
            x=x, y=y, name=self.task_id(), true_mi=exact,
            mi_upper_bound=None if exact is not None else self.latent_mi,
            description=(f"{self.latent_dim}-dimensional correlated latents (I = {self.mi:g} bits) "
                         f"mapped {self.mapping}ly into {self.dim} dimensions.{note}"),
            meta={"source": "latent", "rho": self.rho,
                  **_settings(self)},
        )
