"""Every example runs end to end in its ``--quick`` mode, prints its result, saves its curve."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import require_datasets

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

# example -> (shared dataset it needs or None, text its output must contain)
CASES = {
    "worked_example.py": (None, "dE/dw5          0.0821670"),
    "xor.py": (None, "after 300 updates"),
    "digits_early_stopping.py": (None, "test accuracy"),
    "digits.py": (None, "test accuracy"),
    "digits_estimator.py": (None, "glassnet MLPClassifier: test accuracy"),
    "diabetes.py": (None, "held-out R²"),
    "mnist.py": ("mnist", "MNIST test accuracy"),
    "fashion_mnist.py": ("fashion-mnist", "Fashion-MNIST test accuracy"),
    "churn.py": ("churn-modelling/Churn_Modelling.csv", "held-out accuracy"),
    "churn_cli.py": ("churn-modelling/Churn_Modelling.csv", "test : accuracy"),
    "churn_estimator.py": ("churn-modelling/Churn_Modelling.csv", "via glassnet.MLPClassifier"),
}


def test_every_example_is_tested():
    scripts = {p.name for p in EXAMPLES.glob("*.py") if not p.name.startswith("_")}
    assert set(CASES) == scripts


@pytest.mark.parametrize("script", sorted(CASES))
def test_example_runs_quick(script, tmp_path):
    dataset, expected = CASES[script]
    argv = [sys.executable, str(EXAMPLES / script), "--quick", "--plot", str(tmp_path / "c.png")]
    if dataset is not None:
        argv += ["--data", str(require_datasets(*dataset.split("/")))]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(EXAMPLES)])}
    result = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert expected in result.stdout
    assert (tmp_path / "c.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
