"""Critics f(x, y) for a stack of M independent networks, vectorised over M.

Every weight has a leading axis of size M, so one batched matrix product trains all
networks at once (the subsampling ladder trains 55). Each network sees its own
batch: inputs have shape (M, B, dim) and scores come back as (M, B, B).

- separable: g(x) . h(y)
- bilinear: g(x)^T W h(y)
- concat: F([x; y]) on every pair (its first layer is split so the B^2 pairs cost
  two (B, H) products plus a broadcast sum)
- hybrid: a small head over [g(x); h(y)] for every pair
- vsib-*: the encoders output a mean and a log-variance; training scores samples
  z = mu + sigma * eps and pays KL(q(z|.) || N(0, I)); evaluation scores the means.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .settings import EstimatorSettings

ACTIVATIONS = {
    "relu": F.relu,
    "gelu": F.gelu,
    "silu": F.silu,
    "tanh": torch.tanh,
    "softplus": F.softplus,
    "leaky_relu": lambda t: F.leaky_relu(t, 0.2),
}
LOGVAR_RANGE = (-10.0, 4.0)
#: Rows of a pairwise score matrix computed at a time when evaluating (bounds memory).
PAIR_BLOCK = 128


def _uniform(shape, bound, generator):
    return (torch.rand(shape, generator=generator) * 2 - 1) * bound


class StackedCritic:
    """Weights of M critics of one architecture, and the functions that score with them."""

    def __init__(self, settings: EstimatorSettings, dim_x: int, dim_y: int, n_networks: int,
                 device: torch.device, generator: torch.Generator,
                 kz_per_network: list[int] | None = None) -> None:
        self.settings = settings
        self.kind = settings.base_critic
        self.probabilistic = settings.probabilistic
        self.act = ACTIVATIONS[settings.activation]
        self.n = n_networks
        self.device = device
        h, k, depth = settings.hidden, settings.kz, settings.depth
        enc_out = 2 * k if self.probabilistic else k
        shapes: dict[str, tuple[int, ...]] = {}

        def mlp(prefix: str, sizes: list[int]) -> None:
            for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
                shapes[f"{prefix}.{i}.w"] = (a, b)
                shapes[f"{prefix}.{i}.b"] = (1, b)

        if self.kind == "concat" and not self.probabilistic:
            shapes["joint.in.wx"] = (dim_x, h)
            shapes["joint.in.wy"] = (dim_y, h)
            shapes["joint.in.b"] = (1, h)
            mlp("joint", [h] * depth + [1])
        else:
            mlp("gx", [dim_x] + [h] * depth + [enc_out])
            mlp("hy", [dim_y] + [h] * depth + [enc_out])
            if self.kind == "bilinear":
                shapes["bilinear.w"] = (k, k)
            elif self.kind in ("concat", "hybrid"):
                head_depth = depth if self.kind == "concat" else 1
                shapes["joint.in.wx"] = (k, h)
                shapes["joint.in.wy"] = (k, h)
                shapes["joint.in.b"] = (1, h)
                mlp("joint", [h] * head_depth + [1])

        def fan_in(name: str) -> int:
            if name.startswith("joint.in."):
                return shapes["joint.in.wx"][0] + shapes["joint.in.wy"][0]
            return shapes[name[:-2] + ".w"][0]

        params = {}
        for name, shape in shapes.items():
            if name == "bilinear.w":
                p = torch.eye(k).expand(n_networks, k, k) + _uniform((n_networks, k, k), 0.01, generator)
            else:
                # PyTorch's nn.Linear default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
                p = _uniform((n_networks, *shape), 1 / math.sqrt(fan_in(name)), generator)
            params[name] = p.to(device).requires_grad_(True)
        self.params = params
        # Networks with a smaller k_z use the first k_z embedding coordinates only: the
        # masked ones carry no signal and get no gradient, so a stack can mix k_z values.
        self.kz_mask = None
        if kz_per_network is not None and any(kz < k for kz in kz_per_network):
            mask = torch.arange(k).unsqueeze(0) < torch.as_tensor(kz_per_network).unsqueeze(1)
            self.kz_mask = mask.to(device=device, dtype=torch.float32).unsqueeze(1)  # (M, 1, k)
        # Power-iteration vectors for spectral normalisation, one per weight matrix.
        self.sn_u = {}
        if settings.spectral_norm:
            for name, p in params.items():
                if name.endswith(".w") or name in ("joint.in.wx", "joint.in.wy"):
                    u = torch.randn(n_networks, p.shape[-1], generator=generator)
                    self.sn_u[name] = F.normalize(u, dim=-1).to(device)

    # -- stack management -------------------------------------------------------
    def select(self, keep: torch.Tensor) -> None:
        """Keep only networks `keep` (a LongTensor of stack positions)."""
        self.params = {k: p.detach().index_select(0, keep).requires_grad_(True)
                       for k, p in self.params.items()}
        self.sn_u = {k: u.index_select(0, keep) for k, u in self.sn_u.items()}
        if self.kz_mask is not None:
            self.kz_mask = self.kz_mask.index_select(0, keep)
        self.n = int(keep.numel())

    # -- building blocks -----------------------------------------------------------
    def _weight(self, name: str, params: dict, update_sn: bool) -> torch.Tensor:
        w = params[name]
        if name not in self.sn_u:
            return w
        u = self.sn_u[name]
        with torch.no_grad():
            v = F.normalize(torch.bmm(w, u.unsqueeze(-1)).squeeze(-1), dim=-1)
            u_new = F.normalize(torch.bmm(w.transpose(1, 2), v.unsqueeze(-1)).squeeze(-1), dim=-1)
            if update_sn:
                self.sn_u[name] = u_new
        sigma = torch.einsum("mi,mio,mo->m", v, w, u_new)
        return w / sigma.clamp_min(1e-12).view(-1, 1, 1)

    def _mlp(self, prefix: str, x: torch.Tensor, params: dict, update_sn: bool,
             act_first: bool = False) -> torch.Tensor:
        i = 0
        if act_first:
            x = self.act(x)
        while f"{prefix}.{i}.w" in params:
            if i > 0:
                x = self.act(x)
            w = self._weight(f"{prefix}.{i}.w", params, update_sn)
            x = torch.baddbmm(params[f"{prefix}.{i}.b"], x, w)
            i += 1
        return x

    def _encode(self, prefix: str, x: torch.Tensor, params: dict, sample: bool, update_sn: bool,
                generator: torch.Generator | None, kz_mask: torch.Tensor | None):
        """Embeddings (M, B, k) and the per-network mean KL (None for deterministic critics)."""
        out = self._mlp(prefix, x, params, update_sn)
        if not self.probabilistic:
            return (out if kz_mask is None else out * kz_mask), None
        mu, logvar = out.chunk(2, dim=-1)
        logvar = logvar.clamp(*LOGVAR_RANGE)
        kl_terms = 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar)
        if kz_mask is not None:
            kl_terms = kl_terms * kz_mask
        kl = kl_terms.sum(-1).mean(-1)
        if sample:
            eps = torch.randn(mu.shape, generator=generator, device=mu.device, dtype=mu.dtype)
            mu = mu + torch.exp(0.5 * logvar) * eps
        return (mu if kz_mask is None else mu * kz_mask), kl

    def _pair_scores(self, a: torch.Tensor, b: torch.Tensor, params: dict, update_sn: bool) -> torch.Tensor:
        """F([a_i; b_j]) for all i, j: (M, Ba, Bb)."""
        wx = self._weight("joint.in.wx", params, update_sn)
        wy = self._weight("joint.in.wy", params, update_sn)
        pa = torch.bmm(a, wx)  # (M, Ba, H)
        pb = torch.baddbmm(params["joint.in.b"], b, wy)  # (M, Bb, H)
        m, ba, bb = a.shape[0], a.shape[1], b.shape[1]
        hidden = (pa.unsqueeze(2) + pb.unsqueeze(1)).reshape(m, ba * bb, -1)
        return self._mlp("joint", hidden, params, update_sn, act_first=True).reshape(m, ba, bb)

    def _combine(self, gx: torch.Tensor, hy: torch.Tensor, params: dict, update_sn: bool,
                 block: int | None = None) -> torch.Tensor:
        if self.kind == "separable":
            return torch.bmm(gx, hy.transpose(1, 2))
        if self.kind == "bilinear":
            return torch.bmm(torch.bmm(gx, params["bilinear.w"]), hy.transpose(1, 2))
        if block is None or gx.shape[1] <= block:
            return self._pair_scores(gx, hy, params, update_sn)
        return torch.cat([self._pair_scores(gx[:, s:s + block], hy, params, update_sn)
                          for s in range(0, gx.shape[1], block)], dim=1)

    # -- public ------------------------------------------------------------------------
    def scores(self, x: torch.Tensor, y: torch.Tensor, *, sample: bool = True,
               generator: torch.Generator | None = None, params: dict | None = None,
               block: int | None = None, kz_mask: torch.Tensor | None = None
               ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Score matrices (M, B, B) for batches x (M, B, dx), y (M, B, dy), and KL (M,) or None.

        Training passes sample=True (VSIB draws z); evaluation passes sample=False and
        `params` restricted to the networks evaluated.
        """
        if params is None:
            params, kz_mask = self.params, self.kz_mask
        update_sn = params is self.params and sample
        if self.kind == "concat" and not self.probabilistic:
            return self._combine(x, y, params, update_sn, block), None
        gx, kl_x = self._encode("gx", x, params, sample, update_sn, generator, kz_mask)
        hy, kl_y = self._encode("hy", y, params, sample, update_sn, generator, kz_mask)
        kl = None if kl_x is None else kl_x + kl_y
        return self._combine(gx, hy, params, update_sn, block), kl

    def snapshot(self, position: int) -> tuple[dict, dict]:
        """A copy of one network's weights (and spectral-norm state): a checkpoint."""
        extra = {k: u[position].clone() for k, u in self.sn_u.items()}
        if self.kz_mask is not None:
            extra["kz_mask"] = self.kz_mask[position].clone()
        return {k: p.detach()[position].clone() for k, p in self.params.items()}, extra

    @torch.no_grad()
    def evaluate_scores(self, x: torch.Tensor, y: torch.Tensor, positions: torch.Tensor | None = None,
                        checkpoints: list[tuple[dict, dict]] | None = None) -> torch.Tensor:
        """Deterministic score matrices (means for VSIB), one per evaluated network.

        Networks are either the live ones at stack `positions` or saved `checkpoints`.
        """
        if checkpoints is not None:
            params = {k: torch.stack([c[0][k] for c in checkpoints]) for k in self.params}
            sn_u = {k: torch.stack([c[1][k] for c in checkpoints]) for k in self.sn_u}
            kz_mask = None if self.kz_mask is None else torch.stack([c[1]["kz_mask"] for c in checkpoints])
        else:
            params = {k: p.detach().index_select(0, positions) for k, p in self.params.items()}
            sn_u = {k: u.index_select(0, positions) for k, u in self.sn_u.items()}
            kz_mask = None if self.kz_mask is None else self.kz_mask.index_select(0, positions)
        saved = self.sn_u
        self.sn_u = sn_u
        try:
            scores, _ = self.scores(x, y, sample=False, params=params, block=PAIR_BLOCK, kz_mask=kz_mask)
        finally:
            self.sn_u = saved
        return scores
