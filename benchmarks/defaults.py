"""Do ``glassnet train``'s defaults hold their own? The table of ``docs/quality.md`` (issue 19).

Writes public tabular datasets that pip packages ship as CSV files into a temporary folder, runs
``glassnet train FILE --target COL --json`` on each (the defaults, or the options given after
``--``), and prints a Markdown table: the network's held-out score beside the linear baseline
that ``train`` fits on the same preprocessed matrix and split (LogisticRegression(C=1):
accuracy; Ridge(alpha=1): R²), the mean over ``--seeds`` splits.

The datasets: scikit-learn's bundled breast cancer, diabetes, iris and wine (no download);
``palmerpenguins`` (penguins.csv, with missing values) and ``vega_datasets`` (seattle-weather
and cars), two small PyPI packages that ship their CSV/JSON files (``pip install palmerpenguins
vega_datasets``; a dataset whose package is absent is skipped with a note); and the churn CSV
of ``../shared/datasets/churn-modelling`` when that folder exists.

    python benchmarks/defaults.py                   # the defaults, seeds 0, 1, 2
    python benchmarks/defaults.py --seeds 0 -- --no-early-stopping --l2 0 --epochs 20  # before
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import tempfile
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
CHURN = ROOT.parent / "shared" / "datasets" / "churn-modelling" / "Churn_Modelling.csv"


def _sklearn(name: str, target: str) -> Callable[[], pd.DataFrame]:
    def load() -> pd.DataFrame:
        from sklearn import datasets

        bunch = getattr(datasets, f"load_{name}")(as_frame=True)
        frame = bunch.frame.rename(columns={"target": target})
        if "target_names" in bunch and name != "diabetes":
            frame[target] = np.asarray(bunch.target_names)[bunch.target]
        return frame

    return load


def _package_file(package: str, path: str) -> Callable[[], pd.DataFrame]:
    def load() -> pd.DataFrame:
        file = resources.files(package).joinpath(path)
        with resources.as_file(file) as local:
            return pd.read_json(local) if path.endswith(".json") else pd.read_csv(local)

    return load


def _cars() -> pd.DataFrame:
    frame = _package_file("vega_datasets", "_data/cars.json")()
    return frame.dropna(subset=["Miles_per_Gallon"])  # 8 cars without it: nothing to learn


def _seattle() -> pd.DataFrame:
    frame = _package_file("vega_datasets", "_data/seattle-weather.csv")()
    return frame.drop(columns="date")


# name -> (loader, target, extra train options, what it is)
DATASETS: dict[str, tuple[Callable[[], pd.DataFrame], str, list[str], str]] = {
    "breast cancer": (_sklearn("breast_cancer", "diagnosis"), "diagnosis", [], "569 x 30, binary"),
    "diabetes": (_sklearn("diabetes", "progression"), "progression", [], "442 x 10, regression"),
    "iris": (_sklearn("iris", "species"), "species", [], "150 x 4, 3 classes"),
    "wine": (_sklearn("wine", "cultivar"), "cultivar", [], "178 x 13, 3 classes"),
    "penguins": (
        _package_file("palmerpenguins", "data/penguins.csv"), "species", [],
        "344 x 7, 3 classes, missing values (palmerpenguins)",
    ),
    "seattle weather": (
        _seattle, "weather", [], "1461 x 4, 5 classes, noisy (vega_datasets)",
    ),
    "cars mpg": (
        _cars, "Miles_per_Gallon", ["--drop", "Name"],
        "398 x 7, regression, missing values (vega_datasets)",
    ),
    "churn": (
        lambda: pd.read_csv(CHURN), "Exited", ["--drop", "RowNumber,CustomerId,Surname"],
        "10000 x 10, binary (../shared/datasets)",
    ),
}  # fmt: skip


def train(csv: Path, target: str, options: list[str], seed: int, folder: Path) -> dict:
    """``glassnet train`` on ``csv``; its ``--json`` report."""
    from glassnet.cli.main import main

    out = folder / "model.safetensors"
    argv = ["train", str(csv), "--target", target, "--quiet", "--json", "--seed", str(seed)]
    argv += ["--out", str(out), "--plot", str(folder / "loss.png"), *options]
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(argv)
    if code != 0:
        raise RuntimeError(f"glassnet train failed on {csv.name}: {stderr.getvalue()}")
    out.unlink()
    return json.loads(stdout.getvalue())


def measure(name: str, seeds: list[int], options: list[str], folder: Path) -> dict | None:
    load, target, extra, what = DATASETS[name]
    try:
        frame = load()
    except (ModuleNotFoundError, FileNotFoundError) as error:
        print(f"skipped {name}: {error}", file=sys.stderr)
        return None
    csv = folder / f"{name.replace(' ', '-')}.csv"
    frame.to_csv(csv, index=False)
    reports = [train(csv, target, [*extra, *options], seed, folder) for seed in seeds]
    metric = reports[0]["baseline"]["metric"]
    ours = [r["metrics"]["test"][metric] for r in reports]
    theirs = [r["baseline"]["test"] for r in reports]
    return {
        "name": name, "what": what, "metric": metric,
        "network": float(np.mean(ours)), "baseline": float(np.mean(theirs)),
        "wins": sum(a >= b for a, b in zip(ours, theirs, strict=True)),
        "epochs": float(np.mean([r["epochs"]["run"] for r in reports])),
        "kept": float(np.mean([r["epochs"]["kept"] for r in reports])),
        "seconds": float(np.mean([r["time_seconds"] for r in reports])),
    }  # fmt: skip


def table(rows: list[dict], n_seeds: int) -> str:
    lines = [
        "| dataset | what | metric | glassnet | baseline | difference | seeds at or above "
        "| epochs run / kept | seconds |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        lines.append(
            f"| {r['name']} | {r['what']} | {r['metric']} | {r['network']:.3f} | "
            f"{r['baseline']:.3f} | {r['network'] - r['baseline']:+.3f} | {r['wins']}/{n_seeds} "
            f"| {r['epochs']:.0f} / {r['kept']:.0f} | {r['seconds']:.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0,1,2", help="split/initialization seeds (0,1,2)")
    parser.add_argument("--only", help="comma-separated dataset names")
    parser.add_argument("options", nargs="*", help="options for glassnet train (after --)")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    names = args.only.split(",") if args.only else list(DATASETS)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        rows = [r for name in names if (r := measure(name, seeds, args.options, Path(tmp)))]
    print(table(rows, len(seeds)))
    print(f"\n({time.perf_counter() - started:.0f} s; options: {args.options or 'the defaults'})")


if __name__ == "__main__":
    main()
