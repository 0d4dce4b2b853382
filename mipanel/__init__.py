"""mipanel: mutual-information estimates you can trust.

Neural MI estimators (InfoNCE, SMILE, NWJ, DV/MINE) with max-test training, the
bias-corrected subsampling protocol of Abdelaleem, Martini & Nemenman (2025), and
consistency diagnostics, over one engine that the app, notebooks and CLI share.
"""
from .api import estimate, gaussian_mi, ksg
from .control import RunControl
from .diagnostics import PermutationResult, SpreadResult, SweepResult, permutation_test, seed_spread, sweep_kz
from .interface import Dataset, DataSource, to_unit
from .protocol import RigorousResult, rigorous
from .results import Estimate, load_result
from .settings import CRITICS, ESTIMATORS, EstimatorSettings
from .training import TrainingEvent

__version__ = "0.1.0"

__all__ = [
    "CRITICS", "ESTIMATORS", "Dataset", "DataSource", "Estimate", "EstimatorSettings", "RunControl",
    "PermutationResult", "RigorousResult", "SpreadResult", "SweepResult", "TrainingEvent", "estimate",
    "gaussian_mi", "ksg", "load_result", "permutation_test", "rigorous", "seed_spread", "sweep_kz", "to_unit",
    "__version__",
]
