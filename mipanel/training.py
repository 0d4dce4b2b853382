"""Training a stack of independent critics, each on its own data, with max-test.

`train_networks` takes the data once and a list of `NetworkJob`s (train and held-out
indices per network). Networks with the same batch size train together in one stack:
every step draws each network's next batch from its own data and updates all of
them with batched matrix products. A network leaves the stack once its epochs are
done, so small chunks finish early and the big ones then train alone, fast.

After each network's epoch its held-out set is scored as one matrix (capped at
`eval_max` samples), and so is a training subset of the same size, so that both
curves share the log(n_eval) ceiling and their gap means something; an event goes
to `callback`. Max-test then picks a checkpoint (only the few that can still win are
kept) and the whole training partition is scored fresh with it, in disjoint blocks
of the held-out matrix's size, averaged: that is the reported value, and its
ceiling is the same log(n_eval) as the held-out value's. `control` can pause or stop the run at any step, and whatever
finished so far is returned.
"""
from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch

from . import bounds, maxtest
from .control import RunControl
from .critics import StackedCritic
from .device import resolve_device
from .optim import StackedAdam
from .settings import EstimatorSettings


@dataclass
class NetworkJob:
    """One network's data: indices into the shared x and y arrays."""

    train_idx: np.ndarray
    test_idx: np.ndarray
    label: str = ""
    meta: dict = field(default_factory=dict)
    #: y row paired with x row i is y_map[i] (a permutation null); None pairs i with i.
    y_map: np.ndarray | None = None
    #: This network's embedding dimension, when a stack mixes several (a k_z sweep).
    kz: int | None = None


@dataclass
class TrainingEvent:
    """Progress of one network after one epoch (MI values in nats)."""

    network: int
    label: str
    epoch: int
    epochs: int
    train_mi: float
    test_mi: float
    smoothed_test_mi: float
    loss: float
    elapsed: float
    ceiling: float  # log(n) of the held-out matrix
    done: int  # network-epochs finished in the whole run
    total: int
    meta: dict = field(default_factory=dict)


@dataclass
class NetworkFit:
    """Everything one trained network says: its curves and its max-test choice."""

    network: int
    label: str
    meta: dict
    n_train: int
    n_test: int
    ceiling: float  # log(n_eval): the held-out matrix and every training block share it, nats
    train_mi: list[float]
    test_mi: list[float]
    loss: list[float]
    smoothed: list[float]
    best_epoch: int | None
    value: float  # nats
    test_value: float
    warnings: list[str]
    status: str  # "done", "stopped" or "failed"

    def history(self) -> dict[str, list]:
        return {"epoch": list(range(1, len(self.test_mi) + 1)), "train_mi": self.train_mi,
                "test_mi": self.test_mi, "smoothed_test_mi": self.smoothed, "loss": self.loss}

    def record(self) -> dict:
        """Label, job metadata, chosen epoch and curves: one entry of a result's histories."""
        return {"label": self.label, **self.meta, "best_epoch": self.best_epoch, **self.history()}


class _Objective:
    """The training objective of an estimator (with MINE's moving-average state)."""

    def __init__(self, settings: EstimatorSettings) -> None:
        self.s = settings
        self.moving_average: torch.Tensor | None = None

    def __call__(self, scores: torch.Tensor) -> torch.Tensor:
        est = self.s.estimator
        if est == "infonce":
            return bounds.infonce(scores)
        if est == "nwj":
            return bounds.nwj(scores)
        if est == "dv":
            return bounds.dv(scores)
        if est == "smile":
            return bounds.smile_objective(scores, self.s.tau)[0]
        if est == "mine":
            objective, _, self.moving_average = bounds.mine_objective(
                scores, self.moving_average, self.s.mine_alpha)
            return objective
        raise ValueError(f"unknown estimator {est!r}")

    def select(self, keep: torch.Tensor) -> None:
        if self.moving_average is not None:
            self.moving_average = self.moving_average.index_select(0, keep)


def ceiling_warning(name: str, value: float, n: int) -> str | None:
    """Warn when a value sits within 85% of log(n), where finite-sample bounds saturate."""
    if n > 1 and value >= maxtest.CEILING_SHARE * math.log(n):
        return (f"the {name} estimate ({value / math.log(2):.2f} bits) sits at "
                f"{value / math.log(n):.0%} of its ceiling log2({n}) = {math.log2(n):.2f} bits: "
                "the true MI may be higher; use more (held-out) data or SMILE instead of InfoNCE")
    return None


def train_networks(x: np.ndarray, y: np.ndarray, jobs: list[NetworkJob], settings: EstimatorSettings,
                   *, callback: Callable[[TrainingEvent], None] | None = None,
                   control: RunControl | None = None) -> list[NetworkFit]:
    """Train one critic per job, stacked, and apply max-test to each."""
    device = resolve_device(settings.device)
    control = control or RunControl()
    X = torch.as_tensor(np.ascontiguousarray(x), dtype=torch.float32, device=device)
    Y = torch.as_tensor(np.ascontiguousarray(y), dtype=torch.float32, device=device)
    rng = np.random.default_rng(settings.seed)
    init_gen = torch.Generator().manual_seed(settings.seed)
    noise_gen = torch.Generator(device=device).manual_seed(settings.seed + 1)
    for j, job in enumerate(jobs):
        if len(job.train_idx) < 2 or len(job.test_idx) < 1:
            raise ValueError(f"network {j} ({job.label or 'single'}) needs at least 2 training and "
                             f"1 held-out samples, got {len(job.train_idx)} and {len(job.test_idx)}")

    groups: dict[int, list[int]] = defaultdict(list)
    for j, job in enumerate(jobs):
        groups[min(settings.batch_size, len(job.train_idx))].append(j)

    state = _RunState(jobs, settings, callback, control)
    for batch in sorted(groups, reverse=True):
        if control.stopped:
            break
        _train_group(groups[batch], batch, X, Y, state, rng, init_gen, noise_gen, device)
    return [state.finish(j) for j in range(len(jobs))]


class _RunState:
    """Per-network curves, kept checkpoints and final values for one train_networks call."""

    def __init__(self, jobs, settings, callback, control) -> None:
        self.jobs, self.settings, self.callback, self.control = jobs, settings, callback, control
        self.curves = {j: {"train_mi": [], "test_mi": [], "loss": []} for j in range(len(jobs))}
        self.keepers = {j: maxtest.CheckpointKeeper() for j in range(len(jobs))}
        self.fresh: dict[int, float] = {}  # reported training-partition MI at the chosen epoch
        self.failed: dict[int, str] = {}
        self.eval_sizes: dict[int, int] = {}  # matrix size n_eval of every evaluation
        self.start = time.perf_counter()
        self.done = 0
        self.total = settings.epochs * len(jobs)

    def record(self, j: int, train_mi: float, test_mi: float, loss: float, checkpoint) -> None:
        c = self.curves[j]
        c["train_mi"].append(train_mi)
        c["test_mi"].append(test_mi)
        c["loss"].append(loss)
        self.keepers[j].add(test_mi, checkpoint)
        self.done += 1
        if self.callback is not None:
            n_test = self.eval_sizes[j]
            self.callback(TrainingEvent(
                network=j, label=self.jobs[j].label, epoch=len(c["test_mi"]), epochs=self.settings.epochs,
                train_mi=train_mi, test_mi=test_mi, smoothed_test_mi=float(maxtest.smooth(c["test_mi"])[-1]),
                loss=loss, elapsed=time.perf_counter() - self.start,
                ceiling=math.log(n_test) if n_test > 1 else 0.0, done=self.done, total=self.total,
                meta=self.jobs[j].meta))

    def choice(self, j: int) -> maxtest.MaxTestChoice:
        c = self.curves[j]
        return maxtest.choose(c["train_mi"], c["test_mi"], planned_epochs=self.settings.epochs)

    def finish(self, j: int) -> NetworkFit:
        job, c, s = self.jobs[j], self.curves[j], self.settings
        n_eval = self.eval_sizes.get(j, min(len(job.test_idx), s.eval_cap))
        choice = self.choice(j)
        value = self.fresh.get(j, choice.value) if choice.best_epoch is not None else 0.0
        warnings = list(choice.warnings)
        status = "done"
        if j in self.failed:
            status = "failed"
            warnings.insert(0, self.failed[j])
        elif len(c["test_mi"]) < s.epochs:
            status = "stopped"
            warnings.insert(0, f"stopped after {len(c['test_mi'])} of {s.epochs} epochs: "
                               "the value comes from the epochs that finished")
        if choice.best_epoch is not None and s.estimator == "infonce":
            w = ceiling_warning("InfoNCE", max(value, choice.test_value), n_eval)
            if w:
                warnings.append(w)
        return NetworkFit(
            network=j, label=job.label, meta=job.meta, n_train=len(job.train_idx), n_test=len(job.test_idx),
            ceiling=math.log(n_eval) if n_eval > 1 else 0.0,
            train_mi=c["train_mi"], test_mi=c["test_mi"], loss=c["loss"],
            smoothed=[float(v) for v in choice.smoothed], best_epoch=choice.best_epoch,
            value=value, test_value=choice.test_value, warnings=warnings, status=status)


def _train_group(members: list[int], batch: int, X, Y, state: _RunState, rng, init_gen, noise_gen,
                 device) -> None:
    s = state.settings
    jobs = state.jobs
    kz = [jobs[j].kz or s.kz for j in members]
    critic = StackedCritic(s.replace(kz=max(kz)) if max(kz) != s.kz else s, X.shape[1], Y.shape[1],
                           len(members), device, init_gen, kz_per_network=kz)
    opt = StackedAdam(critic.params, lr=s.lr)
    objective = _Objective(s)

    cap = s.eval_cap
    train_idx = {j: np.asarray(jobs[j].train_idx) for j in members}
    steps_per_epoch = {j: len(train_idx[j]) // batch for j in members}
    eval_test = {j: _subset(np.asarray(jobs[j].test_idx), cap, rng) for j in members}
    eval_curve = {j: _subset(train_idx[j], len(eval_test[j]), rng) for j in members}
    eval_final = {j: _blocks(train_idx[j], len(eval_test[j]), rng) for j in members}
    for j in members:
        state.eval_sizes[j] = len(eval_test[j])
    perm = {j: rng.permutation(train_idx[j]) for j in members}
    y_maps = {j: jobs[j].y_map for j in members}
    step = {j: 0 for j in members}
    epoch = {j: 0 for j in members}
    active = list(members)  # active[k] is the network at stack position k
    loss_sum = torch.zeros(len(active), device=device)

    while active:
        if not state.control.checkpoint():
            break
        idx = np.stack([perm[j][step[j] * batch:(step[j] + 1) * batch] for j in active])
        xb, yb = _rows(X, Y, idx, [y_maps[j] for j in active])
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=s.precision == "bfloat16"):
            scores, kl = critic.scores(xb, yb, sample=True, generator=noise_gen)
        scores = scores.float()
        mi = objective(scores)
        loss = -mi if kl is None else kl / s.beta - mi
        opt.zero_grad()
        loss.sum().backward()
        opt.step()
        loss_sum += loss.detach()

        ended = []
        for k, j in enumerate(active):
            step[j] += 1
            if step[j] == steps_per_epoch[j]:
                ended.append(k)
        if not ended:
            continue
        divisor = torch.tensor([float(steps_per_epoch[j]) for j in active], device=device)
        losses = (loss_sum / divisor).tolist()
        nets = [active[k] for k in ended]
        maps = [y_maps[j] for j in nets]
        train_vals = _evaluate(critic, X, Y, [eval_curve[j] for j in nets], s, y_maps=maps, positions=ended)
        test_vals = _evaluate(critic, X, Y, [eval_test[j] for j in nets], s, y_maps=maps, positions=ended)
        drop = []
        for k, j, train_mi, test_mi in zip(ended, nets, train_vals, test_vals):
            step[j] = 0
            epoch[j] += 1
            perm[j] = rng.permutation(train_idx[j])
            loss_sum[k] = 0.0
            if not (math.isfinite(losses[k]) and math.isfinite(train_mi) and math.isfinite(test_mi)):
                state.failed[j] = (f"training diverged (NaN or inf loss) at epoch {epoch[j]}: try a lower "
                                   "learning rate, spectral normalisation, or InfoNCE/SMILE")
                drop.append(k)
                continue
            state.record(j, train_mi, test_mi, losses[k], critic.snapshot(k))
            if epoch[j] >= s.epochs:
                drop.append(k)
        if drop:
            _score_chosen(critic, X, Y, [active[k] for k in drop], eval_final, state)
            keep = [k for k in range(len(active)) if k not in drop]
            active = [active[k] for k in keep]
            if not active:
                break
            keep_t = torch.as_tensor(keep, device=device)
            critic.select(keep_t)
            opt.select(keep_t, critic.params)
            objective.select(keep_t)
            loss_sum = loss_sum.index_select(0, keep_t)
    if active:  # stopped early: report what the finished epochs support
        _score_chosen(critic, X, Y, active, eval_final, state)


def _rows(X: torch.Tensor, Y: torch.Tensor, idx: np.ndarray, y_maps: list | None = None
          ) -> tuple[torch.Tensor, torch.Tensor]:
    """Rows of X and Y for an (M, B) index array, as (M, B, dim) batches.

    `y_maps[m]`, when given and not None, re-pairs network m's x rows with other y rows.
    """
    shape = idx.shape
    yidx = idx
    if y_maps is not None and any(m is not None for m in y_maps):
        yidx = np.stack([row if m is None else m[row] for row, m in zip(idx, y_maps)])
    xflat = torch.as_tensor(idx.reshape(-1), device=X.device)
    yflat = xflat if yidx is idx else torch.as_tensor(yidx.reshape(-1), device=X.device)
    return (X.index_select(0, xflat).view(*shape, X.shape[1]),
            Y.index_select(0, yflat).view(*shape, Y.shape[1]))


#: Most training blocks scored for the reported value (bounds the final evaluation's cost).
MAX_BLOCKS = 20


def _blocks(idx: np.ndarray, size: int, rng) -> list[np.ndarray]:
    """Disjoint random blocks of `size` covering the training partition (remainder dropped)."""
    if len(idx) <= size:
        return [idx]
    count = min(len(idx) // size, MAX_BLOCKS)
    return list(rng.permutation(idx)[: count * size].reshape(count, size))


def _subset(idx: np.ndarray, cap: int, rng) -> np.ndarray:
    """A fixed random subset of at most `cap` indices (the evaluation matrix size)."""
    return idx if len(idx) <= cap else rng.choice(idx, size=cap, replace=False)


def _evaluate(critic: StackedCritic, X, Y, index_sets: list[np.ndarray], s: EstimatorSettings, *,
              y_maps: list, positions: list[int] | None = None, checkpoints: list | None = None) -> list[float]:
    """MI (nats) of each network on its own index set, each set scored as one matrix.

    Networks are live stack `positions` or saved `checkpoints`; those whose sets have
    equal sizes are scored in one batched call.
    """
    out = [0.0] * len(index_sets)
    by_size: dict[int, list[int]] = defaultdict(list)
    for i, idx in enumerate(index_sets):
        by_size[len(idx)].append(i)
    for size, members in by_size.items():
        if size < 2:
            continue  # a single pair carries no contrast: log 1 = 0
        xe, ye = _rows(X, Y, np.stack([index_sets[i] for i in members]), [y_maps[i] for i in members])
        if checkpoints is not None:
            scores = critic.evaluate_scores(xe, ye, checkpoints=[checkpoints[i] for i in members])
        else:
            pos = torch.as_tensor([positions[i] for i in members], device=X.device)
            scores = critic.evaluate_scores(xe, ye, positions=pos)
        for i, v in zip(members, bounds.value(s.estimator, scores, s.tau).tolist()):
            out[i] = v
    return out


def _score_chosen(critic: StackedCritic, X, Y, nets: list[int], eval_final, state: _RunState) -> None:
    """Score each network's training partition fresh with its max-test checkpoint.

    Every block of every network is one matrix; blocks are batched together.
    """
    owners, sets, ckpts, maps = [], [], [], []
    for j in nets:
        best = state.choice(j).best_epoch
        ckpt = state.keepers[j].checkpoint(best) if best is not None else None
        if ckpt is None:
            continue
        for block in eval_final[j]:
            owners.append(j)
            sets.append(block)
            ckpts.append(ckpt)
            maps.append(state.jobs[j].y_map)
    if not owners:
        return
    values = _evaluate(critic, X, Y, sets, state.settings, y_maps=maps, checkpoints=ckpts)
    per_net: dict[int, list[float]] = defaultdict(list)
    for j, v in zip(owners, values):
        per_net[j].append(v)
    for j, vs in per_net.items():
        state.fresh[j] = max(float(np.mean(vs)), 0.0)
