"""Adam + dropout + early stopping on scikit-learn's handwritten digits, with loss curves.

Run from the repository root: ``python examples/digits_early_stopping.py``; writes
``docs/digits_loss.png``, the README's figure (``--plot PATH`` elsewhere). ``--quick`` runs 5
epochs as a smoke test and writes its curve to a temporary file unless ``--plot`` is given: a
smoke test never replaces the README's figure.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits

import glassnet as gn

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--quick", action="store_true", help="5 epochs, for the test suite")
parser.add_argument(
    "--plot", help="where to save the curves (default docs/digits_loss.png; --quick: a temp file)"
)
args = parser.parse_args()

digits = load_digits()
X, y = digits.data / 16.0, digits.target  # 1,797 8x8 images, pixels scaled to [0, 1]
rng = np.random.default_rng(0)
test = rng.permutation(len(y))[:360]
train = np.setdiff1d(np.arange(len(y)), test)

net = gn.Network(
    [
        gn.Dense(64, 128, "relu", weight_init="he_uniform", rng=1),
        gn.Dropout(0.3),
        gn.Dense(128, 10, "softmax", rng=2),
    ],
    loss="categorical_cross_entropy",
)
history = net.fit(
    X[train],
    y[train],
    optimizer=gn.Adam(learning_rate=0.003),
    epochs=5 if args.quick else 200,
    batch_size=32,
    validation_split=0.2,  # stratified, drawn with rng
    metrics=["accuracy"],
    tol=1e-4,  # early stopping on val_loss ...
    patience=10,  # ... after 10 epochs without improvement
    restore_best_weights=True,
    rng=3,
)
accuracy = (net.predict(X[test]).argmax(axis=1) == y[test]).mean()
print(f"stopped after {history.epochs} epochs; best val_loss {min(history.val_loss):.4f}")
print(f"test accuracy {accuracy:.3f}")

figure, axes = plt.subplots(figsize=(6, 3.5))
axes.plot(history.loss, label="training loss (dropout on)")
axes.plot(history.val_loss, label="validation loss")
axes.axvline(int(np.argmin(history.val_loss)), color="grey", linestyle=":", label="best epoch")
axes.set(xlabel="epoch", ylabel="cross-entropy", yscale="log", title="digits: Adam + dropout")
axes.legend()
figure.tight_layout()
if args.plot is not None:
    output = Path(args.plot)
elif args.quick:
    output = Path(tempfile.gettempdir()) / "glassnet_digits_loss_quick.png"
else:
    output = Path("docs/digits_loss.png")
figure.savefig(output, dpi=100)
print(f"wrote {output}")
