"""Two views of the same handwritten digit, from scikit-learn's bundled 8x8 digits.

Real images with an MI that is unknown but bounded: X is an image and Y a different
image of the same class, so all the shared information passes through the label.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import param

from mipanel.interface import Dataset, DataSource

__all__ = ["DigitsViews", "load_digit_images"]


@lru_cache(maxsize=1)
def load_digit_images() -> tuple[np.ndarray, np.ndarray]:
    """The 1,797 digits as (images scaled to [0, 1], shape (1797, 64); labels).

    Bundled with scikit-learn, so nothing is downloaded. Cached read-only.
    """
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = (bunch.data / 16.0).astype(np.float64)
    labels = bunch.target.astype(np.int64)
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


def _entropy(labels: np.ndarray) -> float:
    """Plug-in entropy of the label frequencies, in nats."""
    _, counts = np.unique(labels, return_counts=True)
    p = counts / counts.sum()
    return float(-(p * np.log(p)).sum())


class DigitsViews(DataSource):
    """Pairs (X, Y) of different images that share a digit class.

    X is an image drawn from the 1,797 digits (each used once while N <= 1,797, then
    with replacement) and Y a different image, uniform among the other images of its
    class; both optionally get independent Gaussian pixel noise. Given the label,
    X and Y are almost independent, so the MI is bounded by
    I(X;Y) <= H(label) + sum_c p_c ln(n_c / (n_c - 1)),
    where the small second term (about 0.006 nats) accounts for Y never repeating X's
    own image among the n_c images of class c. The exact MI is unknown (None).
    Pixels constant over the drawn rows are dropped (their indices are in `meta`).
    """

    label = "Digits: two views of one class"

    n_samples = param.Integer(default=1797, bounds=(16, 20_000), softbounds=(64, 5000),
                              doc="Number of paired samples N (1,797 uses every image once as X).")
    noise = param.Number(default=0.0, bounds=(0.0, 2.0), softbounds=(0.0, 1.0),
                         doc="Standard deviation of the Gaussian noise added to every pixel "
                             "(pixels are scaled to [0, 1]).")

    def mutual_information(self) -> None:
        return None

    def task_id(self) -> str:
        return f"digits-views-noise{self.noise:g}"

    def _pairs(self, rng: np.random.Generator, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Row indices of X, and of a same-class partner that is never the same image."""
        total = labels.shape[0]
        if self.n_samples <= total:
            ix = rng.permutation(total)[: self.n_samples]
        else:
            ix = rng.integers(0, total, size=self.n_samples)
        iy = np.empty_like(ix)
        for c in np.unique(labels):
            members = np.flatnonzero(labels == c)
            rows = np.flatnonzero(labels[ix] == c)
            if rows.size == 0:
                continue
            position = np.searchsorted(members, ix[rows])
            pick = rng.integers(0, members.size - 1, size=rows.size)
            pick = pick + (pick >= position)
            iy[rows] = members[pick]
        return ix, iy

    def upper_bound(self, sampled_labels: np.ndarray) -> float:
        """Label entropy of the sampled rows plus the exclusion term, in nats."""
        _, all_labels = load_digit_images()
        classes, counts = np.unique(sampled_labels, return_counts=True)
        sizes = np.array([np.sum(all_labels == c) for c in classes])
        p = counts / counts.sum()
        return _entropy(sampled_labels) + float(np.sum(p * np.log(sizes / (sizes - 1.0))))

    def sample(self) -> Dataset:
        images, labels = load_digit_images()
        rng = np.random.default_rng(self.seed)
        ix, iy = self._pairs(rng, labels)
        x, y = images[ix].copy(), images[iy].copy()
        if self.noise > 0:
            x += self.noise * rng.standard_normal(x.shape)
            y += self.noise * rng.standard_normal(y.shape)
        # Pixels that never vary over the drawn rows (e.g. the corners) carry no
        # information and would break standardisation, so they are dropped.
        x_pixels = np.flatnonzero(np.ptp(x, axis=0) > 0)
        y_pixels = np.flatnonzero(np.ptp(y, axis=0) > 0)
        x, y = x[:, x_pixels], y[:, y_pixels]
        bound = self.upper_bound(labels[ix])
        settings = {k: v for k, v in self.param.values().items() if k != "name"}
        return Dataset(
            x=x, y=y, name=self.task_id(), true_mi=None, mi_upper_bound=bound,
            description=(
                f"Pairs of different 8x8 digit images of the same class"
                f"{f' with pixel noise {self.noise:g}' if self.noise else ''}; the MI is "
                f"unknown but at most {bound:.3f} nats ({bound / math.log(2):.3f} bits), the "
                f"label entropy."
            ),
            meta={"source": "digits", "labels": labels[ix].copy(),
                  "x_pixels": x_pixels, "y_pixels": y_pixels,
                  "partner_labels": labels[iy].copy(), **settings},
        )
