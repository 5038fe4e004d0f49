"""The recipe shared by the MNIST and Fashion-MNIST examples: 784-H-10 with dropout.

One ReLU hidden layer of ``H`` units with inverted dropout on it, a softmax output and
cross-entropy; float32, batch 128, SGD with Nesterov momentum 0.9 and a learning rate decayed
linearly from 0.1 to 0 over 30 epochs. ``H`` and the dropout rate were chosen per dataset on a
validation split (the last 10,000 training images; the test set unseen): see docs/quality.md."""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from _plot import save_loss_curve

import glassnet as gn


def parse_args(name: str, data: str, hidden: int, dropout: float) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=f"Train 784-{hidden}-10 on {name}.")
    parser.add_argument("--data", default=data, help="folder of the IDX files")
    parser.add_argument("--hidden", type=int, default=hidden, help="hidden units")
    parser.add_argument("--dropout", type=float, default=dropout, help="on the hidden layer")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--learning-rate", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0, help="initial weights, batches, masks")
    parser.add_argument(
        "--validation", action="store_true", help="hold out the last 10,000 training images"
    )
    parser.add_argument("--quick", action="store_true", help="2,000 images, 1 epoch: a smoke test")
    parser.add_argument("--plot", default=f"{name.lower()}_loss.png", help="loss curve PNG")
    return parser.parse_args()


def train_and_report(name: str, args: argparse.Namespace, data: tuple[np.ndarray, ...]) -> None:
    """Train on ``data`` = (X_train, y_train, X_test, y_test), print the loss of each epoch and
    the held-out accuracy once at the end, save the curve."""
    X_train, y_train, X_test, y_test = data
    held_out = "validation" if args.validation else "test"
    if args.validation:  # for choosing a recipe: the test set stays unseen
        X_test, y_test = X_train[-10000:], y_train[-10000:]
        X_train, y_train = X_train[:-10000], y_train[:-10000]
    epochs = args.epochs
    if args.quick:
        X_train, y_train, epochs = X_train[:2000], y_train[:2000], 1
    rng = np.random.default_rng(args.seed)
    net = gn.Network(
        [
            gn.Dense(784, args.hidden, "relu", weight_init="he_uniform", rng=rng),
            gn.Dropout(args.dropout),  # masks drawn from the run's rng
            gn.Dense(args.hidden, 10, "softmax", rng=rng),
        ],
        loss="categorical_cross_entropy",
        dtype=np.float32,
    )
    steps = epochs * -(-len(X_train) // 128)  # batches per epoch, rounded up
    decay = gn.SGD(
        learning_rate=lambda t: args.learning_rate * max(0.0, 1 - t / steps),
        momentum=0.9,
        nesterov=True,
    )
    losses, wall, cpu = [], time.perf_counter(), time.process_time()
    for epoch in range(1, epochs + 1):
        losses += net.fit(X_train, y_train, optimizer=decay, epochs=1, batch_size=128, rng=rng).loss
        print(f"epoch {epoch}: loss {losses[-1]:.4f}, {time.perf_counter() - wall:.0f} s")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    accuracy = np.mean(net.predict(X_test).argmax(axis=1) == y_test)  # held-out set, once
    print(
        f"{name} {held_out} accuracy {accuracy:.2%} after {epochs} epochs; training took "
        f"{wall:.0f} s wall, {cpu:.0f} s CPU (load average {os.getloadavg()[0]:.1f})"
    )
    save_loss_curve(losses, args.plot, f"{name} 784-{args.hidden}-10")
