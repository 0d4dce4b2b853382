"""The max-test rule: which number one training run reports.

Held-out MI is tracked every epoch; its smoothed curve's peak picks the checkpoint
(early stopping without a second validation set), and the MI of the training
partition under that checkpoint is reported, with the held-out value kept beside it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.ndimage import gaussian_filter1d, median_filter

MEDIAN_WIDTH = 5
GAUSSIAN_SIGMA = 1.0
#: Share of the log(n) ceiling above which InfoNCE-style values are not trusted.
CEILING_SHARE = 0.85


def smooth(curve) -> np.ndarray:
    """Median filter (width 5) then Gaussian filter (sigma 1), edges held constant."""
    c = np.asarray(curve, dtype=float)
    if c.size == 0:
        return c
    c = np.where(np.isfinite(c), c, np.nan)
    if np.isnan(c).any():  # carry the last finite value over failed epochs
        finite = np.isfinite(c)
        if not finite.any():
            return c
        idx = np.where(finite, np.arange(c.size), 0)
        np.maximum.accumulate(idx, out=idx)
        c = c[idx]
        c[: np.argmax(finite)] = c[np.argmax(finite)]
    width = min(MEDIAN_WIDTH, c.size)
    return gaussian_filter1d(median_filter(c, size=width, mode="nearest"), GAUSSIAN_SIGMA, mode="nearest")


@dataclass
class MaxTestChoice:
    best_epoch: int | None  # 1-based; None when nothing was learned
    value: float  # nats: training-partition MI at the chosen checkpoint
    test_value: float  # nats: held-out MI at the chosen checkpoint
    smoothed: np.ndarray
    warnings: list[str] = field(default_factory=list)


def choose(train_curve, test_curve, *, planned_epochs: int | None = None) -> MaxTestChoice:
    """Apply the max-test rule to per-epoch training and held-out MI curves (nats)."""
    train = np.asarray(train_curve, dtype=float)
    test = np.asarray(test_curve, dtype=float)
    if test.size == 0:
        return MaxTestChoice(None, 0.0, 0.0, test, ["no epoch finished: nothing to report"])
    smoothed = smooth(test)
    warnings: list[str] = []
    finite = np.isfinite(test)
    if not finite.any() or np.nanmax(np.where(finite, test, -np.inf)) <= 0:
        warnings.append("no learning: the held-out MI never rose above 0, so 0 is reported; "
                        "the variables may be independent, or try more epochs, a larger learning "
                        "rate or more data")
        return MaxTestChoice(None, 0.0, 0.0, smoothed, warnings)
    best = int(np.nanargmax(smoothed))
    if best == test.size - 1 and test.size > 1 and (planned_epochs is None or test.size >= planned_epochs):
        warnings.append("the held-out MI peaked at the last epoch: training may be too short, "
                        "try more epochs")
    return MaxTestChoice(best + 1, float(max(train[best], 0.0)), float(test[best]), smoothed, warnings)


#: Epochs on each side that influence one smoothed value (median radius + Gaussian radius).
SMOOTHING_RADIUS = MEDIAN_WIDTH // 2 + int(4.0 * GAUSSIAN_SIGMA + 0.5)


class CheckpointKeeper:
    """Keeps just the checkpoints that can still become the smoothed curve's peak.

    A smoothed value is final once SMOOTHING_RADIUS later epochs exist, so only the
    best final epoch and the most recent SMOOTHING_RADIUS + 1 epochs are candidates:
    a constant number of checkpoints per network, whatever the number of epochs.
    """

    def __init__(self) -> None:
        self.curve: list[float] = []
        self.saved: dict[int, object] = {}  # 0-based epoch -> checkpoint
        self.best_final: int | None = None

    def add(self, test_mi: float, checkpoint: object) -> None:
        self.curve.append(test_mi)
        last = len(self.curve) - 1
        self.saved[last] = checkpoint
        final_upto = last - SMOOTHING_RADIUS
        if final_upto >= 0:
            smoothed = smooth(self.curve)
            if self.best_final is None or smoothed[final_upto] > smoothed[self.best_final]:
                self.best_final = final_upto
        for e in list(self.saved):
            if e < final_upto + 1 and e != self.best_final:
                del self.saved[e]

    def checkpoint(self, epoch: int) -> object | None:
        """The checkpoint of 1-based `epoch`, if it was kept."""
        return self.saved.get(epoch - 1)
