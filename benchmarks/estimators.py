"""glassnet's estimators against scikit-learn's: same parameters, same data, same results.

Run from the repository root (glassnet importable)::

    python benchmarks/estimators.py             # every row, best of 3 runs each
    python benchmarks/estimators.py --quick     # fewer epochs and runs, about a minute

Rows: an MNIST subset (``../shared/datasets/mnist``, skipped with a note when absent), scikit-
learn's digits, and a sparse set made offline: TF-IDF of the paragraphs of scikit-learn's own
docstrings, labelled by the subpackage each comes from (a CSR matrix, about 1 % non-zero).
Both libraries get identical parameters and ``random_state``, so they start from the same
weights and should end with the same ones; the table shows fit and predict time and the
agreement (accuracy of each, largest difference of ``predict_proba``).

Each library runs in a process of its own (``--worker``), the two alternating run after run,
and the best of the runs is kept: the machine is shared, and in one process one library's
threads (or allocator state) disturb the next one's timing (``/work/shared/PERFORMANCE.md``).
The load average is recorded: compare the ratios within a run, not absolute times across runs.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
MNIST = ROOT.parent / "shared" / "datasets" / "mnist"
COMMON = dict(hidden_layer_sizes=(100,), random_state=0, tol=0.0, n_iter_no_change=1000)
ROWS: dict[str, dict[str, Any]] = {
    "mnist-adam": dict(data="mnist", solver="adam", max_iter=10),
    "digits-adam": dict(data="digits", solver="adam", max_iter=50),
    "digits-lbfgs": dict(data="digits", solver="lbfgs", max_iter=100),
    "tfidf-adam": dict(data="tfidf", solver="adam", max_iter=10),
    "tfidf-sgd": dict(data="tfidf", solver="sgd", max_iter=10, learning_rate_init=0.1),
}
LIBRARIES = ("glassnet", "sklearn")


# ----------------------------------------------------------------------------- data
def mnist() -> tuple[Any, ...] | None:
    """10,000 training and 2,000 test images of MNIST, pixels / 255 in float64."""
    from glassnet.io.datasets import load_mnist

    if not MNIST.is_dir():
        return None
    x_train, y_train, x_test, y_test = load_mnist(MNIST, scale=True)
    return (x_train[:10000].astype(np.float64), y_train[:10000],
            x_test[:2000].astype(np.float64), y_test[:2000])  # fmt: skip


def digits() -> tuple[Any, ...]:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    x, y = load_digits(return_X_y=True)
    return tuple(train_test_split(x / 16.0, y, test_size=0.25, random_state=0))


def docstring_paragraphs() -> tuple[list[str], list[str]]:
    """Every paragraph (40+ characters) of the docstrings of scikit-learn's public modules and
    their classes and functions, with the subpackage it comes from (``linear_model``...)."""
    import sklearn

    texts, labels, seen = [], [], set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for info in pkgutil.walk_packages(sklearn.__path__, "sklearn."):
            parts = info.name.split(".")
            if any(p.startswith("_") or p in ("tests", "externals") for p in parts[1:]):
                continue
            try:
                module = importlib.import_module(info.name)
            except Exception:  # an optional dependency missing: its text is not needed
                continue
            for obj in [module, *vars(module).values()]:
                doc = getattr(obj, "__doc__", None)
                if not isinstance(doc, str) or id(doc) in seen:
                    continue
                seen.add(id(doc))
                for paragraph in doc.split("\n\n"):
                    if len(paragraph.strip()) >= 40:
                        texts.append(paragraph.strip())
                        labels.append(parts[1])
    return texts, labels


def tfidf() -> tuple[Any, ...]:
    """TF-IDF (CSR) of scikit-learn's docstring paragraphs from its 8 largest subpackages."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.model_selection import train_test_split

    texts, labels = docstring_paragraphs()
    common = {label for label, _ in Counter(labels).most_common(8)}
    kept = [(t, label) for t, label in zip(texts, labels, strict=True) if label in common]
    x_text, y = [t for t, _ in kept], np.array([label for _, label in kept])
    x = TfidfVectorizer(min_df=2, dtype=np.float64).fit_transform(x_text).tocsr()
    return tuple(train_test_split(x, y, test_size=0.25, random_state=0, stratify=y))


def save_datasets(directory: Path, names: set[str], shapes: dict[str, Any]) -> dict[str, str]:
    """Each dataset once, to ``directory`` (workers load it), its shape into ``shapes``;
    notes for those skipped."""
    makers = {"mnist": mnist, "digits": digits, "tfidf": tfidf}
    notes = {}
    for name in sorted(names):
        parts = makers[name]()
        if parts is None:
            notes[name] = f"skipped: {MNIST} is absent"
            continue
        x_train, x_test, y_train, y_test = (
            parts if name != "mnist" else (parts[0], parts[2], parts[1], parts[3])
        )
        density = x_train.nnz / np.prod(x_train.shape) if sp.issparse(x_train) else 1.0
        shapes[name] = {"train": list(x_train.shape), "test": list(x_test.shape),
                        "density": round(float(density), 5)}  # fmt: skip
        for part, values in (("x_train", x_train), ("x_test", x_test)):
            if sp.issparse(values):
                sp.save_npz(directory / f"{name}-{part}.npz", values)
            else:
                np.save(directory / f"{name}-{part}.npy", values)
        np.save(directory / f"{name}-y_train.npy", y_train)
        np.save(directory / f"{name}-y_test.npy", y_test)
    return notes


def load(directory: Path, name: str, part: str) -> Any:
    sparse = directory / f"{name}-{part}.npz"
    return sp.load_npz(sparse) if sparse.exists() else np.load(directory / f"{name}-{part}.npy")


# ----------------------------------------------------------------------------- timing
def worker(library: str, row: str, directory: Path, quick: bool) -> dict[str, Any]:
    """In a process of its own: fit and predict one row's estimator; times and results."""
    settings = dict(ROWS[row])
    data = settings.pop("data")
    if quick:
        settings["max_iter"] = max(2, settings["max_iter"] // 5)
    if library == "glassnet":
        from glassnet import MLPClassifier
    else:
        from sklearn.neural_network import MLPClassifier
    x_train, y_train = load(directory, data, "x_train"), load(directory, data, "y_train")
    x_test, y_test = load(directory, data, "x_test"), load(directory, data, "y_test")
    model = MLPClassifier(**COMMON, **settings)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the ConvergenceWarning of a fixed epoch count
        start = time.perf_counter()
        model.fit(x_train, y_train)
        fit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    proba = model.predict_proba(x_test)
    predict_seconds = time.perf_counter() - start
    np.save(directory / f"proba-{library}-{row}.npy", proba)
    accuracy = float(np.mean(model.classes_[proba.argmax(axis=1)] == y_test))
    return {"fit": fit_seconds, "predict": predict_seconds, "accuracy": accuracy,
            "n_iter": int(model.n_iter_), "loss": float(model.loss_)}  # fmt: skip


def measure(row: str, directory: Path, repeats: int, quick: bool) -> dict[str, Any]:
    """Best fit and predict time of each library over ``repeats`` alternating processes."""
    best: dict[str, dict[str, Any]] = {}
    for run in range(repeats):
        for library in LIBRARIES if run % 2 == 0 else LIBRARIES[::-1]:
            command = [sys.executable, __file__, "--worker", library, row, str(directory)]
            done = subprocess.run(
                command + (["--quick"] if quick else []), capture_output=True, text=True
            )
            if done.returncode != 0:
                raise RuntimeError(f"{library} {row} failed:\n{done.stderr}")
            result = json.loads(done.stdout.splitlines()[-1])
            kept = best.setdefault(library, result)
            kept["fit"] = min(kept["fit"], result["fit"])
            kept["predict"] = min(kept["predict"], result["predict"])
    difference = np.abs(
        np.load(directory / f"proba-glassnet-{row}.npy")
        - np.load(directory / f"proba-sklearn-{row}.npy")
    ).max()
    return {"row": row, **best, "max_proba_difference": float(difference)}


def print_table(results: list[dict[str, Any]], conditions: dict[str, Any]) -> None:
    print("best of runs, each library in its own processes, alternating; time in seconds")
    print(f"{'row':<14}{'fit glassnet':>13}{'fit sklearn':>12}{'ratio':>7}{'predict g':>11}"
          f"{'predict s':>11}{'ratio':>7}{'acc g':>8}{'acc s':>8}{'max |Δp|':>10}")  # fmt: skip
    for r in results:
        g, s = r["glassnet"], r["sklearn"]
        print(f"{r['row']:<14}{g['fit']:>13.3f}{s['fit']:>12.3f}{s['fit'] / g['fit']:>7.2f}"
              f"{g['predict']:>11.4f}{s['predict']:>11.4f}{s['predict'] / g['predict']:>7.2f}"
              f"{g['accuracy']:>8.4f}{s['accuracy']:>8.4f}"
              f"{r['max_proba_difference']:>10.1e}")  # fmt: skip
    print("ratio = scikit-learn's time / glassnet's (above 1: glassnet is faster)")
    print("conditions:", json.dumps(conditions))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer epochs and runs")
    parser.add_argument("--repeats", type=int, default=None, help="runs per library (3)")
    parser.add_argument("--rows", nargs="*", default=list(ROWS), choices=list(ROWS))
    parser.add_argument("--json", default="benchmarks/estimators.json")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        library, row, directory = args.worker
        print(json.dumps(worker(library, row, Path(directory), args.quick)))
        return 0
    repeats = args.repeats or (2 if args.quick else 3)
    start = time.perf_counter()
    threads = {k: v for k, v in os.environ.items() if k.startswith(("OPENBLAS_", "OMP_"))}
    conditions: dict[str, Any] = {"cpu_count": os.cpu_count(), "blas_environment": threads,
                                  "load_average_at_start": os.getloadavg()}  # fmt: skip
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        shapes: dict[str, Any] = {}
        notes = save_datasets(directory, {ROWS[r]["data"] for r in args.rows}, shapes)
        rows = [r for r in args.rows if ROWS[r]["data"] not in notes]
        results = [measure(row, directory, repeats, args.quick) for row in rows]
    conditions.update(load_average_at_end=os.getloadavg(), seconds=time.perf_counter() - start,
                      repeats=repeats, quick=args.quick, notes=notes, data=shapes)  # fmt: skip
    import sklearn

    conditions.update(numpy=np.__version__, sklearn=sklearn.__version__)
    print_table(results, conditions)
    Path(args.json).write_text(json.dumps({"rows": results, "conditions": conditions}, indent=2))
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
