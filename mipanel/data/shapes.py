"""Distribution-shape tasks with exact MI, in the style of Czyz et al. 2023 "Beyond Normal".

Each task is a base distribution whose MI has a closed form (sparse or dense Gaussian,
Student-t with a shared chi-square scale, additive uniform noise, swiss roll), optionally
followed by an invertible map applied separately to X and to Y. Because MI is invariant
under injective maps of each variable, a transformed task has exactly its base's MI,
while the shapes (heavy tails, bimodality, bounded support, spirals) stress estimators
in ways a Gaussian does not. Readable ids compose, e.g. "spiral-sparse-gaussian-5-5".
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import param
from scipy.special import digamma, gammaln, ndtr, ndtri

from mipanel.interface import Dataset, DataSource

__all__ = [
    "BASES",
    "TRANSFORMS",
    "ShapeTask",
    "additive_noise_mi",
    "apply_transform",
    "bimodal",
    "bimodal_inverse",
    "bivariate_normal_mi",
    "dense_gaussian_covariance",
    "dense_gaussian_mi",
    "gaussian_logdet_mi",
    "half_cube",
    "half_cube_inverse",
    "invert_transform",
    "normal_cdf",
    "normal_cdf_inverse",
    "sample_additive_noise",
    "sample_dense_gaussian",
    "sample_sparse_gaussian",
    "sample_student_t",
    "sample_swiss_roll",
    "sparse_gaussian_mi",
    "spiral",
    "spiral_inverse",
    "student_t_entropy",
    "student_t_mi",
    "swiss_roll_embed",
    "wiggly",
    "wiggly_inverse",
]

# --------------------------------------------------------------------------- closed forms


def gaussian_logdet_mi(cov: np.ndarray, dim_x: int) -> float:
    """I = (1/2)[ln det S_XX + ln det S_YY - ln det S] for a joint Gaussian covariance S."""
    cov = np.asarray(cov, dtype=np.float64)
    logdets = []
    for block in (cov[:dim_x, :dim_x], cov[dim_x:, dim_x:], cov):
        sign, logdet = np.linalg.slogdet(block)
        if sign <= 0:
            raise ValueError("the covariance matrix is not positive definite")
        logdets.append(logdet)
    return 0.5 * (logdets[0] + logdets[1] - logdets[2])


def bivariate_normal_mi(rho: float) -> float:
    """-1/2 ln(1 - rho^2): MI of one Gaussian pair with correlation rho."""
    return -0.5 * math.log1p(-rho * rho)


def sparse_gaussian_mi(dim: int, rho: float = 0.8) -> float:
    """MI of the d x d Gaussian whose only dependence is corr(X1,Y1) = corr(X2,Y2) = rho.

    With d = 1 only the first pair exists.
    """
    return min(2, dim) * bivariate_normal_mi(rho)


def dense_gaussian_covariance(dim: int, c: float) -> np.ndarray:
    """The (2d x 2d) covariance with unit variances and every off-diagonal entry c."""
    size = 2 * dim
    return np.full((size, size), c) + (1.0 - c) * np.eye(size)


def dense_gaussian_mi(dim: int, c: float) -> float:
    """MI of the dense d x d Gaussian task, by the log-determinant formula."""
    return gaussian_logdet_mi(dense_gaussian_covariance(dim, c), dim)


def student_t_entropy(k: int, nu: float) -> float:
    """Differential entropy h(k) of a k-dimensional Student-t with identity dispersion, nats.

    h(k) = ln G(nu/2) - ln G((nu+k)/2) + (k/2) ln(nu pi)
           + ((nu+k)/2) [psi((nu+k)/2) - psi(nu/2)].
    """
    a, b = nu / 2.0, (nu + k) / 2.0
    return float(gammaln(a) - gammaln(b) + 0.5 * k * math.log(nu * math.pi)
                 + b * (digamma(b) - digamma(a)))


def student_t_mi(dim_x: int, dim_y: int, nu: float) -> float:
    """I = h(dx) + h(dy) - h(dx + dy): all the dependence comes from the shared scale."""
    return (student_t_entropy(dim_x, nu) + student_t_entropy(dim_y, nu)
            - student_t_entropy(dim_x + dim_y, nu))


def additive_noise_mi(epsilon: float) -> float:
    """MI of X ~ U(0,1), Y = X + U(-e, e): e - ln(2e) for e <= 1/2, else 1/(4e)."""
    if epsilon <= 0:
        raise ValueError(f"epsilon must be positive (got {epsilon})")
    if epsilon <= 0.5:
        return epsilon - math.log(2.0 * epsilon)
    return 1.0 / (4.0 * epsilon)


# --------------------------------------------------------------------------- samplers


def sample_sparse_gaussian(rng: np.random.Generator, n: int, dim: int,
                           rho: float = 0.8) -> tuple[np.ndarray, np.ndarray]:
    """Identity covariance except corr(X1,Y1) = corr(X2,Y2) = rho."""
    x = rng.standard_normal((n, dim))
    y = rng.standard_normal((n, dim))
    k = min(2, dim)
    y[:, :k] = rho * x[:, :k] + math.sqrt(1.0 - rho * rho) * y[:, :k]
    return x, y


def sample_dense_gaussian(rng: np.random.Generator, n: int, dim: int,
                          c: float) -> tuple[np.ndarray, np.ndarray]:
    """Unit variances, every pair of the 2d coordinates correlated c (c >= 0).

    Drawn as sqrt(c) G + sqrt(1 - c) E with one shared standard normal G per row.
    """
    if not 0.0 <= c < 1.0:
        raise ValueError(f"correlation c must lie in [0, 1) (got {c})")
    shared = rng.standard_normal((n, 1))
    z = math.sqrt(c) * shared + math.sqrt(1.0 - c) * rng.standard_normal((n, 2 * dim))
    return z[:, :dim], z[:, dim:]


def sample_student_t(rng: np.random.Generator, n: int, dim_x: int, dim_y: int,
                     nu: float) -> tuple[np.ndarray, np.ndarray]:
    """(X, Y) = Z / sqrt(W / nu) with Z ~ N(0, I) and one W ~ chi2(nu) shared by the row."""
    z = rng.standard_normal((n, dim_x + dim_y))
    w = rng.chisquare(nu, size=(n, 1))
    t = z / np.sqrt(w / nu)
    return t[:, :dim_x], t[:, dim_x:]


def sample_additive_noise(rng: np.random.Generator, n: int,
                          epsilon: float) -> tuple[np.ndarray, np.ndarray]:
    """X ~ U(0, 1) and Y = X + N with N ~ U(-epsilon, epsilon)."""
    x = rng.uniform(0.0, 1.0, size=(n, 1))
    y = x + rng.uniform(-epsilon, epsilon, size=(n, 1))
    return x, y


def swiss_roll_embed(x: np.ndarray) -> np.ndarray:
    """Roll a standard-normal column onto a 2-D spiral: u = Phi(x), t = 1.5 pi (1 + 2u).

    Injective because the radius t/21 grows strictly with u.
    """
    t = 1.5 * math.pi * (1.0 + 2.0 * ndtr(np.asarray(x, dtype=np.float64).reshape(-1)))
    return np.column_stack([t * np.cos(t), t * np.sin(t)]) / 21.0


def sample_swiss_roll(rng: np.random.Generator, n: int,
                      rho: float = 0.8) -> tuple[np.ndarray, np.ndarray]:
    """Swiss roll (2 x 1) built from a bivariate normal pair with correlation rho."""
    x, y = sample_sparse_gaussian(rng, n, 1, rho)
    return swiss_roll_embed(x), ndtr(y)


# --------------------------------------------------------------------------- transforms


def half_cube(t: np.ndarray) -> np.ndarray:
    """t * sqrt|t|: stretches the tails, strictly increasing."""
    return t * np.sqrt(np.abs(t))


def half_cube_inverse(s: np.ndarray) -> np.ndarray:
    return np.sign(s) * np.abs(s) ** (2.0 / 3.0)


def normal_cdf(t: np.ndarray) -> np.ndarray:
    """Phi(t): squeezes everything into (0, 1), strictly increasing.

    In floating point Phi(t) rounds to 1 for t above about 8.3, so extreme heavy-tailed
    samples can tie; the MI of the underlying distribution is unchanged.
    """
    return ndtr(t)


def normal_cdf_inverse(s: np.ndarray) -> np.ndarray:
    return ndtri(s)


def _asinh_inverse(s: np.ndarray) -> np.ndarray:
    return np.sinh(s)


_WIGGLY_SLACK = 0.4 + 0.2 + 0.03  # |wiggly(t) - t| never exceeds this


def wiggly(t: np.ndarray) -> np.ndarray:
    """t + 0.4 sin t + 0.2 sin(1.7t + 1) + 0.03 sin(3.3t - 2.5).

    Strictly increasing: the derivative is at least 1 - 0.4 - 0.34 - 0.099 = 0.161.
    """
    return t + 0.4 * np.sin(t) + 0.2 * np.sin(1.7 * t + 1.0) + 0.03 * np.sin(3.3 * t - 2.5)


def _bisect(f: Callable[[np.ndarray], np.ndarray], target: np.ndarray, lo: np.ndarray,
            hi: np.ndarray, increasing: bool = True, iterations: int = 64) -> np.ndarray:
    """Vectorised bisection for f(t) = target on brackets [lo, hi] of a monotone f."""
    lo, hi = np.array(lo, dtype=np.float64), np.array(hi, dtype=np.float64)
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        below = f(mid) < target if increasing else f(mid) > target
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    return 0.5 * (lo + hi)


def wiggly_inverse(s: np.ndarray) -> np.ndarray:
    s = np.asarray(s, dtype=np.float64)
    return _bisect(wiggly, s, s - _WIGGLY_SLACK, s + _WIGGLY_SLACK)


def _bimodal_cdf(t: np.ndarray) -> np.ndarray:
    """F(t) = 0.3 Phi(t) + 0.7 Phi(t - 5): CDF of a two-bump Gaussian mixture."""
    return 0.3 * ndtr(t) + 0.7 * ndtr(t - 5.0)


def _bimodal_sf(t: np.ndarray) -> np.ndarray:
    """1 - F(t), computed without cancellation in the upper tail."""
    return 0.3 * ndtr(-t) + 0.7 * ndtr(5.0 - t)


def bimodal(t: np.ndarray) -> np.ndarray:
    """F^-1(Phi(t)): turns a standard normal into the mixture 0.3 N(0,1) + 0.7 N(5,1).

    Solved by bisection on [t, t + 5], which brackets the root because
    Phi(s - 5) <= F(s) <= Phi(s). Lower tail compares CDFs, upper tail survival
    functions, so extreme t keep full precision. Strictly increasing.
    """
    t = np.asarray(t, dtype=np.float64)
    lower = t <= 0
    lo_root = _bisect(_bimodal_cdf, ndtr(t), t, t + 5.0, increasing=True)
    hi_root = _bisect(_bimodal_sf, ndtr(-t), t, t + 5.0, increasing=False)
    return np.where(lower, lo_root, hi_root)


def bimodal_inverse(s: np.ndarray) -> np.ndarray:
    s = np.asarray(s, dtype=np.float64)
    cdf = _bimodal_cdf(s)
    return np.where(cdf <= 0.5, ndtri(cdf), -ndtri(_bimodal_sf(s)))


def _rotate01(v: np.ndarray, angle: np.ndarray) -> np.ndarray:
    out = np.array(v, dtype=np.float64, copy=True)
    c, s = np.cos(angle), np.sin(angle)
    out[:, 0] = c * v[:, 0] - s * v[:, 1]
    out[:, 1] = s * v[:, 0] + c * v[:, 1]
    return out


def spiral(v: np.ndarray) -> np.ndarray:
    """Rotate coordinates (0, 1) of each row by the angle |v|^2 / d.

    A rotation keeps |v|, so the angle can be recomputed from the output: invertible.
    """
    v = np.asarray(v, dtype=np.float64)
    if v.ndim != 2 or v.shape[1] < 2:
        raise ValueError("the spiral transform needs rows with at least 2 coordinates")
    return _rotate01(v, np.sum(v * v, axis=1) / v.shape[1])


def spiral_inverse(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float64)
    return _rotate01(v, -np.sum(v * v, axis=1) / v.shape[1])


@dataclass(frozen=True)
class _Transform:
    forward: Callable[[np.ndarray], np.ndarray]
    inverse: Callable[[np.ndarray], np.ndarray]
    description: str
    coordinatewise: bool = True


#: Invertible maps applied separately to X and to Y; each leaves the MI unchanged.
TRANSFORMS: dict[str, _Transform] = {
    "half-cube": _Transform(half_cube, half_cube_inverse, "half-cube map t*sqrt|t| (heavier tails)"),
    "asinh": _Transform(np.arcsinh, _asinh_inverse, "asinh map (lighter tails)"),
    "normal-cdf": _Transform(normal_cdf, normal_cdf_inverse,
                             "normal CDF map (bounded support on (0, 1))"),
    "wiggly": _Transform(wiggly, wiggly_inverse, "wiggly map t + sum of sines"),
    "bimodal": _Transform(bimodal, bimodal_inverse,
                          "bimodal map (standard normal marginals become 0.3 N(0,1) + 0.7 N(5,1))"),
    "spiral": _Transform(spiral, spiral_inverse,
                         "spiral map (rotates coordinates 0 and 1 by |v|^2 / d)", coordinatewise=False),
}


def apply_transform(name: str, v: np.ndarray) -> np.ndarray:
    """Apply the named transform to an (n, d) array; "none" returns it unchanged."""
    if name == "none":
        return v
    return TRANSFORMS[name].forward(v)


def invert_transform(name: str, v: np.ndarray) -> np.ndarray:
    """Undo `apply_transform`."""
    if name == "none":
        return v
    return TRANSFORMS[name].inverse(v)


# --------------------------------------------------------------------------- tasks

#: Base distributions and what they are, for menus.
BASES = {
    "sparse-gaussian": "Gaussian d x d, only corr(X1,Y1) = corr(X2,Y2) = pair_correlation",
    "dense-gaussian": "Gaussian d x d, every pair of coordinates correlated `correlation`",
    "student-t": "Student-t d x d with identity dispersion and nu degrees of freedom",
    "additive-noise": "X ~ U(0,1), Y = X + U(-epsilon, epsilon) (1 x 1)",
    "swiss-roll": "2 x 1 swiss roll from a bivariate normal with pair_correlation",
}

_DEFAULT_PAIR_CORRELATION = 0.8


class ShapeTask(DataSource):
    """A Beyond-Normal style task: a base distribution, then an optional invertible map.

    `dim` sets d for the Gaussian and Student-t bases (X and Y both d-dimensional);
    additive noise is always 1 x 1 and the swiss roll 2 x 1. The true MI is the base's
    closed form, since the map acts on X and Y separately and is injective.
    """

    label = "Distribution shapes (Beyond Normal)"

    base = param.Selector(default="sparse-gaussian", objects=list(BASES),
                          doc="Base distribution whose MI has a closed form.")
    transform = param.Selector(default="none", objects=["none", *TRANSFORMS],
                               doc="Invertible map applied separately to X and Y (MI unchanged).")
    dim = param.Integer(default=5, bounds=(1, 500), softbounds=(1, 50),
                        doc="d: dimension of each of X and Y for the Gaussian and Student-t bases.")
    nu = param.Number(default=3.0, bounds=(1.0, 100.0), softbounds=(1.0, 30.0),
                      doc="Student-t degrees of freedom; smaller means heavier tails and more MI.")
    epsilon = param.Number(default=0.1, bounds=(0.01, 5.0), softbounds=(0.01, 2.0),
                           doc="Half-width of the uniform noise in the additive-noise task.")
    correlation = param.Number(default=0.5, bounds=(0.0, 0.95),
                               doc="Dense Gaussian: correlation c between every two coordinates.")
    pair_correlation = param.Number(default=_DEFAULT_PAIR_CORRELATION, bounds=(0.0, 0.99),
                                    doc="Sparse Gaussian and swiss roll: correlation of each "
                                        "dependent pair.")

    def active_parameters(self) -> list[str]:
        """The settings that matter for the current base (an app can hide the rest)."""
        per_base = {
            "sparse-gaussian": ["dim", "pair_correlation"],
            "dense-gaussian": ["dim", "correlation"],
            "student-t": ["dim", "nu"],
            "additive-noise": ["epsilon"],
            "swiss-roll": ["pair_correlation"],
        }
        return ["base", "transform", *per_base[self.base], "n_samples", "seed"]

    def dims(self) -> tuple[int, int]:
        """(dim_x, dim_y) of the task's samples."""
        if self.base == "additive-noise":
            return 1, 1
        if self.base == "swiss-roll":
            return 2, 1
        return self.dim, self.dim

    def _check(self) -> None:
        dx, dy = self.dims()
        if self.transform == "spiral" and min(dx, dy) < 2:
            raise ValueError(
                f"The spiral transform rotates two coordinates of each variable, but base "
                f"'{self.base}' gives X of dimension {dx} and Y of dimension {dy}. Choose a "
                f"Gaussian or Student-t base with dim >= 2, or another transform."
            )

    def mutual_information(self) -> float:
        self._check()
        if self.base == "sparse-gaussian":
            return sparse_gaussian_mi(self.dim, self.pair_correlation)
        if self.base == "dense-gaussian":
            return dense_gaussian_mi(self.dim, self.correlation)
        if self.base == "student-t":
            return student_t_mi(self.dim, self.dim, self.nu)
        if self.base == "additive-noise":
            return additive_noise_mi(self.epsilon)
        return bivariate_normal_mi(self.pair_correlation)

    def base_id(self) -> str:
        """Readable id of the base distribution alone."""
        dx, dy = self.dims()
        r = "" if self.pair_correlation == _DEFAULT_PAIR_CORRELATION else f"-r{self.pair_correlation:g}"
        setting = {
            "sparse-gaussian": r,
            "dense-gaussian": f"-c{self.correlation:g}",
            "student-t": f"-dof{self.nu:g}",
            "additive-noise": f"-eps{self.epsilon:g}",
            "swiss-roll": r,
        }[self.base]
        return f"{self.base}{setting}-{dx}-{dy}"

    def task_id(self) -> str:
        prefix = "" if self.transform == "none" else f"{self.transform}-"
        return prefix + self.base_id()

    def _sample_base(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        n = self.n_samples
        if self.base == "sparse-gaussian":
            return sample_sparse_gaussian(rng, n, self.dim, self.pair_correlation)
        if self.base == "dense-gaussian":
            return sample_dense_gaussian(rng, n, self.dim, self.correlation)
        if self.base == "student-t":
            return sample_student_t(rng, n, self.dim, self.dim, self.nu)
        if self.base == "additive-noise":
            return sample_additive_noise(rng, n, self.epsilon)
        return sample_swiss_roll(rng, n, self.pair_correlation)

    def sample(self) -> Dataset:
        self._check()
        rng = np.random.default_rng(self.seed)
        x, y = self._sample_base(rng)
        x, y = apply_transform(self.transform, x), apply_transform(self.transform, y)
        what = BASES[self.base]
        if self.transform != "none":
            what += f", then the {TRANSFORMS[self.transform].description} on X and on Y"
        settings = {k: v for k, v in self.param.values().items() if k != "name"}
        return Dataset(
            x=np.ascontiguousarray(x), y=np.ascontiguousarray(y), name=self.task_id(),
            true_mi=self.mutual_information(), description=what + ".",
            meta={"source": "shapes", "base_id": self.base_id(), **settings},
        )
