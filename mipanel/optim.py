"""Adam for a stack of independent networks whose weights share a leading axis.

Adam's update is elementwise, so one optimizer over the stacked tensors updates every
network independently (all networks of a stack start together and share the step
count). It uses PyTorch's fused kernel where the build has one. `select` drops
finished networks from the stack, moments included, so the rest train faster.
"""
from __future__ import annotations

import torch


def _adam(params: list[torch.Tensor], lr: float) -> torch.optim.Adam:
    try:
        return torch.optim.Adam(params, lr=lr, fused=True)
    except (RuntimeError, TypeError, ValueError):  # no fused kernel for this device/build
        return torch.optim.Adam(params, lr=lr)


class StackedAdam:
    def __init__(self, params: dict[str, torch.Tensor], lr: float = 5e-4) -> None:
        self.lr = lr
        self.params = params
        self.opt = _adam(list(params.values()), lr)

    def zero_grad(self) -> None:
        self.opt.zero_grad(set_to_none=True)

    def step(self) -> None:
        self.opt.step()

    def select(self, keep: torch.Tensor, params: dict[str, torch.Tensor]) -> None:
        """Keep networks `keep` (stack positions); `params` are the new, already sliced leaves."""
        old_state = {name: self.opt.state.get(p, {}) for name, p in self.params.items()}
        self.params = params
        self.opt = _adam(list(params.values()), self.lr)
        for name, p in params.items():
            state = old_state[name]
            if state:
                self.opt.state[p] = {
                    "step": state["step"].clone(),
                    "exp_avg": state["exp_avg"].index_select(0, keep),
                    "exp_avg_sq": state["exp_avg_sq"].index_select(0, keep),
                }
