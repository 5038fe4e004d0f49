"""Every example runs end to end in its ``--quick`` mode, prints its result, saves its curve."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
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


def _run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(EXAMPLES)])}
    return subprocess.run(
        [sys.executable, *argv], capture_output=True, text=True, env=env, timeout=120, cwd=cwd
    )


DATA_EXAMPLES = {  # example -> the words of its one line when the data is absent
    "mnist.py": "MNIST not found at",
    "fashion_mnist.py": "Fashion-MNIST not found at",
    "churn.py": "the churn CSV not found at",
    "churn_cli.py": "the churn CSV not found at",
    "churn_estimator.py": "the churn CSV not found at",
}


@pytest.mark.parametrize("script", sorted(DATA_EXAMPLES))
def test_an_example_without_its_data_says_where_to_get_it_and_exits_2(script, tmp_path):
    absent = tmp_path / "absent"
    result = _run([str(EXAMPLES / script), "--quick", "--data", str(absent)], tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    line = f"{script}: {DATA_EXAMPLES[script]} {absent}: get "
    assert result.stderr.startswith(line) and result.stderr.endswith(", then pass --data PATH\n")
    assert result.stderr.count("\n") == 1  # one line, no traceback
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing written


def test_an_image_folder_missing_a_file_is_one_line_too(tmp_path):
    (tmp_path / "mnist").mkdir()
    result = _run([str(EXAMPLES / "mnist.py"), "--quick", "--data", "mnist"], tmp_path)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert result.stderr.startswith("mnist.py: MNIST incomplete (MNIST file train-images-idx3")


def test_the_quick_digits_run_never_replaces_the_readmes_figure(tmp_path):
    figure = tmp_path / "docs" / "digits_loss.png"
    figure.parent.mkdir()
    figure.write_bytes(b"the README's figure")
    result = _run([str(EXAMPLES / "digits_early_stopping.py"), "--quick"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert figure.read_bytes() == b"the README's figure"
    written = Path(result.stdout.strip().splitlines()[-1].removeprefix("wrote "))
    assert written.parent == Path(tempfile.gettempdir()) and written.read_bytes()[:4] == b"\x89PNG"


def test_no_example_writes_over_a_tracked_file_by_default():
    try:
        tracked = subprocess.run(
            ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: the tracked files are unknown")
    defaults = {
        script.name: re.findall(r'"--plot", default=(?:f?)"([^"]+)"', script.read_text())
        for script in EXAMPLES.glob("*.py")
    }
    assert defaults["xor.py"] == ["xor_loss.png"]  # the pattern finds the defaults
    # run from the repository root, as their docstrings say: none is a tracked file
    assert not [(s, p) for s, paths in defaults.items() for p in paths if p in tracked]
