"""The reference rendering of `glassnet plot`'s pictures: docs/pictures/*.png.

Run from the repository root (matplotlib and scikit-learn installed):

    PYTHONPATH=src python docs/make_cli_pictures.py

Three models, trained by the CLI on data made here or shipped by scikit-learn:

- ``three-classes``: 3 classes over 2 numeric columns, a few cells missing (the boundary's
  hollow points), early stopping (the loss plot's held-out curve);
- ``breast-cancer``: the bundled data, 30 inputs and 64 hidden units (the network picture's
  summaries of wide layers);
- ``diabetes``: scikit-learn's diabetes data as a CSV (predicted against actual, residuals).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from glassnet.cli.command import main

OUT = Path(__file__).resolve().parent / "pictures"


def three_classes(folder: Path) -> Path:
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0], [3.0, 0.5], [1.5, 3.0]])
    labels = rng.integers(0, 3, 300)
    x = centres[labels] + rng.normal(scale=0.9, size=(300, 2))
    frame = pd.DataFrame({"width": x[:, 0], "height": x[:, 1]})
    frame["species"] = np.array(["setosa", "versicolor", "virginica"])[labels]
    frame.loc[::40, "width"] = np.nan  # the boundary imputes them as the model does
    path = folder / "three-classes.csv"
    frame.to_csv(path, index=False)
    return path


def diabetes(folder: Path) -> Path:
    from sklearn.datasets import load_diabetes

    frame = load_diabetes(as_frame=True).frame
    path = folder / "diabetes.csv"
    frame.to_csv(path, index=False)
    return path


def render(name: str, train: list[str], data: str | None) -> None:
    model = OUT / f"{name}.safetensors"
    assert main([*train, "--quiet", "--out", str(model), "--plot", str(OUT / "train.png")]) == 0
    argv = ["plot", str(model), *([data] if data else []), "--prefix", str(OUT / name)]
    assert main(argv) == 0
    model.unlink()
    (OUT / "train.png").unlink()


def run() -> int:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        classes = str(three_classes(Path(folder)))
        render("three-classes", ["train", classes, "--target", "species", "--hidden", "16",
               "--epochs", "60", "--early-stopping"], classes)  # fmt: skip
        render("breast-cancer", ["train", "--epochs", "30", "--early-stopping"], None)
        sugar = str(diabetes(Path(folder)))
        render("diabetes", ["train", sugar, "--target", "target", "--epochs", "60",
               "--early-stopping"], sugar)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(run())
