"""scikit-learn's 8x8 digits with a 64-100-10 ReLU network (the setting benchmarks/quality.py
compares against scikit-learn's MLPClassifier).

Settings: pixels / 16, a stratified 75/25 split, batch 32, SGD with Nesterov momentum 0.9,
learning rate 0.05, 30 epochs, float64; He-uniform hidden weights, zero biases. Seeds 0-29 of
benchmarks/quality.py give 97.39% ± 0.45; examples/digits_estimator.py trains the same recipe
with scikit-learn's initialization and matches scikit-learn seed for seed (97.47% ± 0.41).

Run: python examples/digits.py [--quick]
"""

import argparse

import numpy as np
from _plot import save_loss_curve
from sklearn.model_selection import train_test_split

import glassnet as gn
from glassnet.io.datasets import load_digits

parser = argparse.ArgumentParser(description="Train 64-100-10 on scikit-learn's digits.")
parser.add_argument("--epochs", type=int, default=30)
parser.add_argument("--quick", action="store_true", help="3 epochs: a smoke test")
parser.add_argument("--plot", default="digits_loss.png", help="where to save the loss curve")
args = parser.parse_args()

X, y = load_digits()
X_train, X_test, y_train, y_test = train_test_split(
    X / 16.0, y, test_size=0.25, stratify=y, random_state=0
)
rng = np.random.default_rng(0)
net = gn.Network(
    [
        gn.Dense(64, 100, "relu", weight_init="he_uniform", rng=rng),
        gn.Dense(100, 10, "softmax", rng=rng),
    ],
    loss="categorical_cross_entropy",
)
epochs = 3 if args.quick else args.epochs
optimizer = gn.SGD(learning_rate=0.05, momentum=0.9, nesterov=True)
history = net.fit(X_train, y_train, optimizer=optimizer, epochs=epochs, batch_size=32, rng=rng)

accuracy = np.mean(net.predict(X_test).argmax(axis=1) == y_test)
print(f"digits: {len(X_train)} training images, {len(X_test)} test images")
print(f"test accuracy {accuracy:.2%} after {epochs} epochs (final loss {history.loss[-1]:.4f})")
save_loss_curve(history.loss, args.plot, "digits 64-100-10")
