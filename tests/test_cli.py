"""The command line: summary, JSON that load_result reads, clear errors."""
import json
import subprocess
import sys

import numpy as np
import pytest

import mipanel
from mipanel.cli import main
from mipanel.data import CorrelatedGaussian, save_pair
from mipanel.spec import RunSpec


@pytest.fixture
def npz(tmp_path):
    d = CorrelatedGaussian(dim=2, mi=1.0, n_samples=600, seed=0).sample()
    return save_pair(tmp_path / "pair.npz", d.x, d.y)


def test_estimate_prints_summary_and_writes_json(npz, tmp_path, capsys):
    out = tmp_path / "result.json"
    assert main(["estimate", str(npz), "--epochs", "5", "--kz", "8", "--json", str(out), "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "infonce/separable:" in text and "bits" in text and f"wrote {out}" in text
    r = mipanel.load_result(out)
    assert isinstance(r, mipanel.Estimate) and r.settings["epochs"] == 5


def test_rigorous_with_diagnostics(npz, tmp_path, capsys):
    out = tmp_path / "r.json"
    code = main(["estimate", str(npz), "--rigorous", "--epochs", "3", "--kz", "8", "--sweep-kz",
                 "--permutations", "3", "--json", str(out), "--quiet"])
    assert code == 0
    text = capsys.readouterr().out
    assert "verdict:" in text and "k_z sweep" in text and "permutation null" in text
    assert isinstance(mipanel.load_result(out), mipanel.RigorousResult)
    assert isinstance(mipanel.load_result(tmp_path / "r-kz-sweep.json"), mipanel.SweepResult)
    assert isinstance(mipanel.load_result(tmp_path / "r-permutation.json"), mipanel.PermutationResult)


def test_synthetic_source_and_spec(tmp_path, capsys):
    spec = RunSpec(source="gaussian", source_settings={"n_samples": 500, "dim": 1}, settings={"epochs": 3})
    path = spec.save(tmp_path / "spec.json")
    assert main(["estimate", "--spec", str(path), "--kz", "4", "--quiet"]) == 0
    assert "true MI: 2.000 bits" in capsys.readouterr().out
    assert main(["estimate", "latent", "--set", "n_samples=300", "--set", "dim=20", "--epochs", "2", "--quiet"]) == 0


@pytest.mark.parametrize("args,message", [
    (["estimate", "missing.csv"], "no such file"),
    (["estimate", "notasource"], "neither a data file"),
    (["estimate", "gaussian", "--set", "dim"], "NAME=VALUE"),
])
def test_bad_input_exits_non_zero_with_a_message(args, message, capsys):
    assert main(args) == 2
    assert message in capsys.readouterr().err


def test_bad_file_contents(tmp_path, capsys):
    bad = tmp_path / "bad.npz"
    np.savez(bad, x=np.ones((50, 2)), y=np.ones((40, 2)))
    assert main(["estimate", str(bad)]) == 2
    assert "length" in capsys.readouterr().err.lower()
    wrong = tmp_path / "data.txt"
    wrong.write_text("1,2")
    assert main(["estimate", str(wrong)]) == 2


def test_console_script_runs(npz):
    proc = subprocess.run([sys.executable, "-m", "mipanel.cli", "tasks"], capture_output=True, text=True)
    assert proc.returncode == 0 and "latent" in proc.stdout
