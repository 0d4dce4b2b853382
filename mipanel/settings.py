"""Every user-facing estimator setting, declared once.

The app builds its sliders, the CLI its flags and the API its keyword checks from
these declarations (bounds, defaults and doc strings), and a saved spec is just
`settings.to_dict()`.
"""
from __future__ import annotations

import param

ESTIMATORS = ("infonce", "smile", "nwj", "dv", "mine")
BASE_CRITICS = ("separable", "bilinear", "concat", "hybrid")
CRITICS = BASE_CRITICS + tuple(f"vsib-{c}" for c in BASE_CRITICS)
ACTIVATIONS = ("relu", "gelu", "silu", "tanh", "softplus", "leaky_relu")
DEVICES = ("auto", "cpu", "cuda", "mps")
PRECISIONS = ("float32", "bfloat16")


class EstimatorSettings(param.Parameterized):
    """Hyperparameters of one neural MI estimate (defaults follow the method page)."""

    estimator = param.Selector(default="infonce", objects=list(ESTIMATORS),
                               doc="Variational bound: InfoNCE (low variance, capped at log n), "
                                   "SMILE (clipped DV), NWJ, DV, or MINE (DV with a moving-average gradient).")
    critic = param.Selector(default="separable", objects=list(CRITICS),
                            doc="Critic architecture; 'vsib-' variants are probabilistic encoders "
                                "(variational symmetric information bottleneck).")
    kz = param.Integer(default=64, bounds=(1, 512), softbounds=(1, 256),
                       doc="Embedding dimension k_z of each encoder.")
    hidden = param.Integer(default=64, bounds=(4, 1024), softbounds=(8, 512),
                           doc="Width of each hidden layer.")
    depth = param.Integer(default=2, bounds=(1, 8), doc="Number of hidden layers per network.")
    activation = param.Selector(default="relu", objects=list(ACTIVATIONS), doc="Hidden-layer nonlinearity.")
    spectral_norm = param.Boolean(default=False, doc="Spectrally normalise every weight matrix (smoother critics).")
    lr = param.Number(default=5e-4, bounds=(1e-6, 1e-1), softbounds=(1e-5, 1e-2),
                      doc="Adam learning rate (log scale in the app).")
    batch_size = param.Integer(default=128, bounds=(4, 4096), softbounds=(16, 1024),
                               doc="Pairs per training batch (the InfoNCE training ceiling is log batch).")
    epochs = param.Integer(default=50, bounds=(1, 2000), softbounds=(1, 300), doc="Training epochs.")
    test_fraction = param.Number(default=0.1, bounds=(0.02, 0.5), doc="Share of samples held out for max-test.")
    eval_max = param.Integer(default=5000, bounds=(16, 50_000),
                             doc="Most samples scored as one matrix when evaluating (pairwise critics use at most 1024).")
    tau = param.Number(default=5.0, bounds=(0.1, 50.0), doc="SMILE clipping threshold.")
    beta = param.Number(default=1024.0, bounds=(1e-3, 1e6), softbounds=(1.0, 4096.0),
                        doc="VSIB weight of the MI bound against the KL terms.")
    mine_alpha = param.Number(default=0.01, bounds=(1e-4, 1.0),
                              doc="MINE moving-average rate for the denominator's gradient.")
    device = param.Selector(default="auto", objects=list(DEVICES),
                            doc="Where to train: auto picks CUDA, then Apple MPS, then CPU.")
    precision = param.Selector(default="float32", objects=list(PRECISIONS),
                               doc="Training matmul precision: bfloat16 is 2-3x faster on GPUs and on CPUs with "
                                   "AVX-512 BF16 or AMX; evaluation is always float32.")
    seed = param.Integer(default=0, bounds=(0, 2**31 - 1), doc="Seed for splits, initialisation and batches.")
    time_series = param.Boolean(default=False,
                                doc="Samples are time-ordered: keep order, hold out contiguous blocks.")

    #: Settings that describe the method, not where it runs.
    @classmethod
    def names(cls) -> list[str]:
        return [p for p in cls.param if p != "name"]

    def to_dict(self) -> dict:
        return {p: getattr(self, p) for p in self.names()}

    @classmethod
    def from_dict(cls, spec: dict | None = None, **overrides) -> "EstimatorSettings":
        """Build settings from a plain dict, rejecting unknown names with the valid list."""
        values = dict(spec or {})
        values.update(overrides)
        unknown = sorted(set(values) - set(cls.names()))
        if unknown:
            raise TypeError(f"unknown setting(s) {unknown}; valid settings are {cls.names()}")
        return cls(**values)

    def replace(self, **changes) -> "EstimatorSettings":
        return type(self).from_dict(self.to_dict(), **changes)

    @property
    def base_critic(self) -> str:
        return self.critic.removeprefix("vsib-")

    @property
    def probabilistic(self) -> bool:
        return self.critic.startswith("vsib-")

    @property
    def pairwise(self) -> bool:
        """Critics that run a network on every (x_i, y_j) pair cost O(n^2) to evaluate."""
        return self.base_critic in ("concat", "hybrid")

    @property
    def eval_cap(self) -> int:
        return min(self.eval_max, 1024) if self.pairwise else self.eval_max
