"""Quality benchmark: glassnet, scikit-learn's MLP and PyTorch, same network, epochs and optimizer.

Each (dataset, framework, seed) trains the recipe of ``SETTINGS`` (the examples' recipe where an
example covers the dataset): SGD with Nesterov momentum 0.9, or Adam for churn as in the churn
tutorials, for a fixed number of epochs; for MNIST and Fashion-MNIST with dropout on the hidden
layer and a learning rate decayed linearly to 0. scikit-learn's MLP has neither dropout nor a
linear decay, so it trains the same network without dropout at the constant starting rate (its
rows say dropout 0). Reported: test accuracy, and wall and CPU time of training (loading and
evaluation excluded) with the load average. The seed changes the initial weights, the batch
order and the dropout masks; the train/test split is fixed (the official one for MNIST and
Fashion-MNIST; for churn the tutorials' plain 80/20 split with ``random_state=0``; a stratified
75/25 split with ``random_state=0`` for digits). glassnet's hidden layers use He-uniform
initial weights (as the examples do); everything else is each framework's default. The
``glassnet-estimator`` rows give ``glassnet.MLPClassifier`` exactly the parameters scikit-learn's
``MLPClassifier`` gets (one dict, :func:`estimator_parameters`), its initialization included:
the literal same setting, which it follows seed for seed.

One row is one command, from the repository root::

    python benchmarks/quality.py --datasets digits --seeds 0 1 2 --json digits.json
    python benchmarks/quality.py --datasets churn --frameworks glassnet-estimator sklearn

Report conditions: the load average is recorded in the JSON; the machine is shared."""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Setting:
    """One dataset's shared training recipe."""

    hidden: tuple[int, ...]
    epochs: int
    batch_size: int
    learning_rate: float
    dtype: str
    optimizer: str = "nesterov"  # SGD with Nesterov momentum 0.9, or "adam" (Keras' defaults)
    stratify: bool = True  # False: the churn tutorials' plain random split
    dropout: float = 0.0  # inverted dropout after each hidden layer (not in scikit-learn)
    schedule: str = "constant"  # or "linear": decay to 0 over the run (not in scikit-learn)

    def rate(self, step: int, steps: int) -> float:
        """The learning rate of optimizer step ``step`` (from 0) out of ``steps``."""
        if self.schedule == "linear":
            return self.learning_rate * max(0.0, 1.0 - step / steps)
        return self.learning_rate

    def steps(self, n_samples: int) -> int:
        """Optimizer steps in the whole run: batches per epoch (rounded up) times epochs."""
        return self.epochs * -(-n_samples // self.batch_size)


SETTINGS = {
    # examples/mnist.py and fashion_mnist.py: dropout, 30 epochs, learning rate decayed linearly
    "mnist": Setting((1024,), 30, 128, 0.1, "float32", dropout=0.3, schedule="linear"),
    "fashion-mnist": Setting((800,), 30, 128, 0.1, "float32", dropout=0.2, schedule="linear"),
    "digits": Setting((100,), 30, 32, 0.05, "float64"),
    # the churn tutorials' recipe: 6-6-1, Adam, batch 10, 100 epochs, an unstratified 80/20 split
    "churn": Setting((6, 6), 100, 10, 0.001, "float64", optimizer="adam", stratify=False),
}
Data = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def load(name: str, root: Path) -> Data:
    """``(X_train, y_train, X_test, y_test)``, features scaled, labels integers."""
    from sklearn.model_selection import train_test_split

    from glassnet.io import datasets

    if name in ("mnist", "fashion-mnist"):
        loader = datasets.load_mnist if name == "mnist" else datasets.load_fashion_mnist
        X_train, y_train, X_test, y_test = loader(root / name, scale=True)
        return X_train, y_train.astype(np.int64), X_test, y_test.astype(np.int64)
    if name == "digits":
        X, y = datasets.load_digits()
        X = X / 16.0
    else:
        X, y = _churn(root / "churn-modelling" / "Churn_Modelling.csv")
    X_train, X_test, y_train, y_test = train_test_split(
        X,
        y,
        test_size=0.25 if name == "digits" else 0.2,
        stratify=y if SETTINGS[name].stratify else None,
        random_state=0,
    )
    if name == "churn":  # standardise with the training split's statistics only
        mean, std = X_train.mean(axis=0), X_train.std(axis=0)
        X_train, X_test = (X_train - mean) / std, (X_test - mean) / std
    return X_train, y_train, X_test, y_test


def _churn(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Drop identifiers, one-hot Geography and Gender (as examples/churn.py does)."""
    import pandas as pd

    table = pd.read_csv(path).drop(columns=["RowNumber", "CustomerId", "Surname"])
    X = pd.get_dummies(
        table.drop(columns="Exited"), columns=["Geography", "Gender"], drop_first=True
    )
    return X.to_numpy(dtype=float), table["Exited"].to_numpy()


# ------------------------------------------------------------------ the three trainers
def train_glassnet(data: Data, s: Setting, seed: int) -> Callable[[np.ndarray], np.ndarray]:
    import glassnet as gn

    X_train, y_train = data[0], data[1]
    rng = np.random.default_rng(seed)
    binary = len(np.unique(y_train)) == 2
    sizes = [X_train.shape[1], *s.hidden]
    layers: list = []
    for n_in, n_out in itertools.pairwise(sizes):
        layers.append(gn.Dense(n_in, n_out, "relu", weight_init="he_uniform", rng=rng))
        layers += [gn.Dropout(s.dropout)] if s.dropout else []
    n_out = 1 if binary else int(y_train.max()) + 1
    layers.append(gn.Dense(sizes[-1], n_out, "sigmoid" if binary else "softmax", rng=rng))
    loss = "binary_cross_entropy" if binary else "categorical_cross_entropy"
    net = gn.Network(layers, loss=loss, dtype=s.dtype)
    steps = s.steps(len(X_train))
    rate = lambda t: s.rate(t, steps)  # noqa: E731
    if s.optimizer == "adam":
        optimizer: gn.optimizers.Optimizer = gn.Adam(learning_rate=rate)
    else:
        optimizer = gn.SGD(learning_rate=rate, momentum=0.9, nesterov=True)
    y = y_train[:, None] if binary else y_train
    net.fit(X_train, y, optimizer=optimizer, epochs=s.epochs, batch_size=s.batch_size, rng=rng)
    if binary:
        return lambda X: (net.predict(X)[:, 0] > 0.5).astype(np.int64)
    return lambda X: net.predict(X).argmax(axis=1)


def estimator_parameters(s: Setting, seed: int) -> dict:
    """The parameters both ``MLPClassifier`` classes get, scikit-learn's and glassnet's drop-in:
    one dict, so the two rows are the same setting by construction (initialization included:
    glassnet's estimator draws scikit-learn's uniform initial weights)."""
    return {
        "hidden_layer_sizes": s.hidden,
        "solver": "adam" if s.optimizer == "adam" else "sgd",
        "learning_rate_init": s.learning_rate,
        "momentum": 0.9,
        "nesterovs_momentum": True,
        "batch_size": s.batch_size,
        "max_iter": s.epochs,
        "n_iter_no_change": s.epochs + 1,  # run exactly `epochs` epochs, like the others
        "alpha": 0.0,
        "random_state": seed,
    }


def train_sklearn(data: Data, s: Setting, seed: int) -> Callable[[np.ndarray], np.ndarray]:
    from sklearn.neural_network import MLPClassifier

    return _fit_estimator(MLPClassifier(**estimator_parameters(s, seed)), data, s)


def train_glassnet_estimator(
    data: Data, s: Setting, seed: int
) -> Callable[[np.ndarray], np.ndarray]:
    import glassnet as gn

    return _fit_estimator(gn.MLPClassifier(**estimator_parameters(s, seed)), data, s)


def _fit_estimator(model, data: Data, s: Setting) -> Callable[[np.ndarray], np.ndarray]:
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # expected: fixed epochs
        model.fit(data[0].astype(s.dtype), data[1])
    return model.predict


def train_torch(data: Data, s: Setting, seed: int) -> Callable[[np.ndarray], np.ndarray]:
    import torch

    torch.manual_seed(seed)
    torch.set_num_threads(TORCH_THREADS[0])
    dtype = getattr(torch, s.dtype)
    X = torch.as_tensor(data[0], dtype=dtype)
    y = torch.as_tensor(data[1], dtype=torch.int64)
    sizes = [X.shape[1], *s.hidden]
    modules: list[torch.nn.Module] = []
    for n_in, n_out in itertools.pairwise(sizes):
        modules += [torch.nn.Linear(n_in, n_out), torch.nn.ReLU()]
        modules += [torch.nn.Dropout(s.dropout)] if s.dropout else []
    modules.append(torch.nn.Linear(sizes[-1], int(y.max()) + 1))  # softmax inside the loss
    model = torch.nn.Sequential(*modules).to(dtype)
    if s.optimizer == "adam":
        optimizer: torch.optim.Optimizer = torch.optim.Adam(model.parameters(), lr=s.learning_rate)
    else:
        optimizer = torch.optim.SGD(
            model.parameters(), lr=s.learning_rate, momentum=0.9, nesterov=True
        )
    loss, step, steps = torch.nn.CrossEntropyLoss(), 0, s.steps(len(X))
    for _ in range(s.epochs):
        for batch in torch.randperm(len(X)).split(s.batch_size):
            optimizer.param_groups[0]["lr"] = s.rate(step, steps)
            optimizer.zero_grad()
            loss(model(X[batch]), y[batch]).backward()
            optimizer.step()
            step += 1
    model.eval()  # dropout off

    def predict(X_new: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return model(torch.as_tensor(X_new, dtype=dtype)).argmax(dim=1).numpy()

    return predict


TORCH_THREADS = [1]  # --torch-threads; spin-waiting threads are slow on a shared machine
TRAINERS = {
    "glassnet": train_glassnet,
    "glassnet-estimator": train_glassnet_estimator,
    "sklearn": train_sklearn,
    "torch": train_torch,
}


# ------------------------------------------------------------------ running and reporting
def setting_for(name: str, framework: str) -> Setting:
    """``SETTINGS[name]``, less what the framework lacks: scikit-learn's MLP has no dropout and
    no linear decay, so it trains without dropout at the constant starting rate; glassnet's
    estimator row is given exactly scikit-learn's parameters."""
    if framework in ("sklearn", "glassnet-estimator"):
        return replace(SETTINGS[name], dropout=0.0, schedule="constant")
    return SETTINGS[name]


def run_one(name: str, data: Data, framework: str, seed: int) -> dict[str, float]:
    """Train once; return test accuracy, training wall and CPU time in seconds, and the load."""
    start, cpu = time.perf_counter(), time.process_time()
    predict = TRAINERS[framework](data, setting_for(name, framework), seed)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    accuracy = float(np.mean(predict(data[2]) == data[3]))
    load = os.getloadavg()[0]  # 1-minute load average when the run ended
    return {
        "seed": seed,
        "accuracy": accuracy,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "load": load,
    }


def summarise(runs: list[dict[str, float]]) -> dict[str, float]:
    accuracy = np.array([r["accuracy"] for r in runs])
    seconds = np.array([r["seconds"] for r in runs])
    cpu = np.array([r["cpu_seconds"] for r in runs])
    return {
        "accuracy_mean": float(accuracy.mean()),
        "accuracy_std": float(accuracy.std()),
        "seconds_mean": float(seconds.mean()),
        "seconds_std": float(seconds.std()),
        "cpu_seconds_mean": float(cpu.mean()),
        "load_max": max(r["load"] for r in runs),
    }


def table(rows: list[dict]) -> str:
    """A Markdown table: one line per (dataset, framework)."""
    lines = [
        "| dataset | framework | network | dropout | epochs | seeds | test accuracy "
        "| train wall (s) | train CPU (s) | max load |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        s, setting = r["summary"], r["setting"]
        lines.append(
            f"| {r['dataset']} | {r['framework']} | {r['network']} | {setting['dropout']:g} | "
            f"{setting['epochs']} | {len(r['runs'])} | "
            f"{100 * s['accuracy_mean']:.2f}% ± {100 * s['accuracy_std']:.2f} | "
            f"{s['seconds_mean']:.1f} ± {s['seconds_std']:.1f} | {s['cpu_seconds_mean']:.1f} | "
            f"{s['load_max']:.1f} |"
        )
    return "\n".join(lines)


def available(framework: str) -> bool:
    """PyTorch is optional: its rows are skipped, with a note, when it is not installed."""
    if framework != "torch":
        return True
    try:
        import torch  # noqa: F401
    except ImportError:
        print("note: PyTorch is not installed; its rows are skipped")
        return False
    return True


def conditions() -> dict:
    return {
        "cpu_count": os.cpu_count(),
        "load_average_at_start": os.getloadavg(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "MALLOC_MMAP_THRESHOLD_": os.environ.get("MALLOC_MMAP_THRESHOLD_", "default"),
        "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS", "default"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", nargs="+", choices=list(SETTINGS), default=list(SETTINGS))
    parser.add_argument("--frameworks", nargs="+", choices=list(TRAINERS), default=list(TRAINERS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--data", type=Path, default=Path("../shared/datasets"))
    parser.add_argument("--torch-threads", type=int, default=1, help="torch.set_num_threads")
    parser.add_argument("--json", type=Path, help="write the results here as JSON")
    args = parser.parse_args(argv)
    TORCH_THREADS[0] = args.torch_threads
    frameworks = [f for f in args.frameworks if available(f)]
    rows, info = [], {**conditions(), "torch_threads": args.torch_threads}
    for name in args.datasets:
        data = load(name, args.data)
        network = "-".join(str(n) for n in (data[0].shape[1], *SETTINGS[name].hidden))
        for framework in frameworks:
            runs = [run_one(name, data, framework, seed) for seed in args.seeds]
            rows.append(
                {
                    "dataset": name,
                    "framework": framework,
                    "network": network + "-out",
                    "setting": asdict(setting_for(name, framework)),
                    "runs": runs,
                    "summary": summarise(runs),
                }
            )
            print(table(rows[-1:]).splitlines()[-1], flush=True)
    print(table(rows))
    if args.json is not None:
        temporary = args.json.with_suffix(args.json.suffix + ".tmp")
        temporary.write_text(json.dumps({"conditions": info, "rows": rows}, indent=2))
        temporary.replace(args.json)  # never a half-written file
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
