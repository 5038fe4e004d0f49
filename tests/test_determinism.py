"""The same seed gives bit-identical parameters in two separate processes, for every
optimizer, with and without dropout (and for ``glassnet train --seed``).

Each process trains every combination and prints the SHA-256 of each final parameter set;
the two processes run with different ``PYTHONHASHSEED`` values, so nothing may depend on
set or dict ordering of hashed objects, on addresses, or on the clock.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd

from glassnet.io.model_files import load_network

SRC = Path(__file__).resolve().parents[1] / "src"

SCRIPT = """
    import hashlib, json
    import numpy as np
    import glassnet as gn
    from glassnet.lbfgs import LBFGS

    OPTIMIZERS = {
        "SGD": lambda: gn.SGD(0.1),
        "momentum": lambda: gn.SGD(0.1, momentum=0.9),
        "Nesterov": lambda: gn.SGD(0.1, momentum=0.9, nesterov=True),
        "RMSprop": lambda: gn.RMSprop(0.01),
        "Adagrad": lambda: gn.Adagrad(0.1),
        "Adadelta": lambda: gn.Adadelta(1.0),
        "Adam": lambda: gn.Adam(0.01),
        "AdamW": lambda: gn.AdamW(0.01),
        "LBFGS": lambda: LBFGS(max_iter=30),
    }
    data = np.random.default_rng(7)
    X = data.normal(size=(200, 5))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    digests = {}
    for name, make in OPTIMIZERS.items():
        for dropout in (0.0, 0.3):
            rng = np.random.default_rng(42)
            layers = [gn.Dense(5, 16, "relu", weight_init="he_uniform", rng=rng)]
            if dropout:
                layers.append(gn.Dropout(dropout))
            layers.append(gn.Dense(16, 2, "softmax", rng=rng))
            net = gn.Network(layers, loss="categorical_cross_entropy")
            epochs = {} if name == "LBFGS" else dict(epochs=5, batch_size=16)  # L-BFGS: none
            net.fit(X, y, optimizer=make(), rng=42, **epochs)
            blob = b"".join(p.value.tobytes() for p in net.all_parameters())
            digests[f"{name} dropout={dropout}"] = hashlib.sha256(blob).hexdigest()
    for solver in ("adam", "sgd", "lbfgs"):
        clf = gn.MLPClassifier((8,), solver=solver, max_iter=5, dropout=0.2, random_state=3)
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clf.fit(X, y)
        blob = b"".join(p.value.tobytes() for p in clf.network_.all_parameters())
        digests[f"MLPClassifier {solver}"] = hashlib.sha256(blob).hexdigest()
    print(json.dumps(digests))
"""


def _run(hash_seed: str) -> dict[str, str]:
    env = {"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin", "PYTHONHASHSEED": hash_seed}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(SCRIPT)],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_same_seed_bit_identical_across_processes() -> None:
    first, second = _run("1"), _run("2")
    assert len(first) == 9 * 2 + 3
    assert first == second
    # and the seed matters: dropout draws change the result
    assert first["Adam dropout=0.0"] != first["Adam dropout=0.3"]


def test_cli_train_seed_is_bit_identical_across_processes(tmp_path) -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300)})
    frame["label"] = np.where(frame["a"] > frame["b"], "x", "y")
    frame.to_csv(tmp_path / "d.csv", index=False)
    env = {"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"}
    tensors = []
    for index, hash_seed in enumerate(("1", "2")):
        out = tmp_path / f"m{index}.safetensors"
        command = [
            sys.executable,
            "-m",
            "glassnet.cli",
            "train",
            str(tmp_path / "d.csv"),
            "--target",
            "label",
            "--seed",
            "5",
            "--epochs",
            "3",
            "--dropout",
            "0.2",
            "--quiet",
            "--out",
            str(out),
            "--plot",
            str(tmp_path / "loss.png"),
        ]
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=300,
            env={**env, "PYTHONHASHSEED": hash_seed},
            check=False,
        )
        assert done.returncode == 0, done.stderr
        tensors.append([w.tobytes() for w in load_network(out)[0].get_weights()])
    assert tensors[0] == tensors[1]
    assert os.path.getsize(tmp_path / "m0.safetensors") == os.path.getsize(
        tmp_path / "m1.safetensors"
    )
