"""Stacked critics: shapes, independence of the stacked networks, k_z masks, VSIB."""
import pytest
import torch

from mipanel.critics import StackedCritic
from mipanel.settings import CRITICS, EstimatorSettings


def make(critic="separable", m=3):
    s = EstimatorSettings(critic=critic, kz=8, hidden=16)
    return StackedCritic(s, 4, 3, m, torch.device("cpu"), torch.Generator().manual_seed(0))


@pytest.mark.parametrize("critic", CRITICS)
def test_every_critic_scores_a_stack(critic):
    c = make(critic)
    x, y = torch.randn(3, 5, 4), torch.randn(3, 5, 3)
    scores, kl = c.scores(x, y, sample=True, generator=torch.Generator().manual_seed(1))
    assert scores.shape == (3, 5, 5)
    assert (kl is not None) == critic.startswith("vsib-")
    pick = torch.tensor([0, 2])
    ev = c.evaluate_scores(x[pick], y[pick], positions=pick)
    assert ev.shape == (2, 5, 5)
    torch.testing.assert_close(ev, c.evaluate_scores(x[pick], y[pick], positions=pick))  # deterministic


@pytest.mark.parametrize("critic", ["separable", "concat", "vsib-hybrid"])
def test_stacked_networks_are_independent(critic):
    c = make(critic)
    x, y = torch.randn(3, 5, 4), torch.randn(3, 5, 3)
    scores, _ = c.scores(x, y, sample=False)
    scores[0].sum().backward()
    for name, p in c.params.items():
        assert p.grad[1:].abs().sum() == 0, name
        assert p.grad[0].abs().sum() > 0, name


def test_select_keeps_chosen_networks():
    c = make("bilinear")
    x, y = torch.randn(3, 5, 4), torch.randn(3, 5, 3)
    before = c.evaluate_scores(x[2:], y[2:], positions=torch.tensor([2]))
    c.select(torch.tensor([2]))
    torch.testing.assert_close(c.evaluate_scores(x[2:], y[2:], positions=torch.tensor([0])), before)


def test_kz_mask_limits_the_embedding():
    s = EstimatorSettings(kz=8, hidden=16)
    c = StackedCritic(s, 4, 3, 2, torch.device("cpu"), torch.Generator().manual_seed(0), kz_per_network=[1, 8])
    x = torch.randn(2, 5, 4)
    emb, _ = c._encode("gx", x, c.params, False, False, None, c.kz_mask)
    assert (emb[0, :, 1:] == 0).all() and (emb[1] != 0).any()
    scores, _ = c.scores(x, torch.randn(2, 5, 3))
    ranks = [torch.linalg.matrix_rank(m).item() for m in scores.detach()]
    assert ranks[0] == 1 and ranks[1] > 1


def test_checkpoints_reproduce_live_scores():
    c = make("vsib-separable")
    x, y = torch.randn(3, 5, 4), torch.randn(3, 5, 3)
    live = c.evaluate_scores(x[1:2], y[1:2], positions=torch.tensor([1]))
    saved = c.evaluate_scores(x[1:2], y[1:2], checkpoints=[c.snapshot(1)])
    torch.testing.assert_close(live, saved)


def test_spectral_norm_bounds_the_weights():
    s = EstimatorSettings(kz=8, hidden=16, spectral_norm=True)
    c = StackedCritic(s, 4, 3, 2, torch.device("cpu"), torch.Generator().manual_seed(0))
    with torch.no_grad():
        c.params["gx.0.w"].mul_(50)
    for _ in range(30):  # power iteration converges while training
        c.scores(torch.randn(2, 5, 4), torch.randn(2, 5, 3), sample=True)
    w = c._weight("gx.0.w", c.params, update_sn=False)
    assert torch.linalg.matrix_norm(w, ord=2).max().item() == pytest.approx(1.0, rel=0.05)
