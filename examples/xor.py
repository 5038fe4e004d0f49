"""XOR the way James Loy's "build your own neural network from scratch" tutorial does it.

Four samples of three inputs (the third is always 1, standing in for a bias), a 3-4-1 sigmoid
network without bias terms, weights drawn from U(0, 1), sum-of-squares loss, 1,500 full-batch
updates. Loy's update ``W += X.T @ (2 (y - p) σ'(z))`` sums over the 4 samples; glassnet's loss is
the batch mean of ``½ (y - p)²``, so the same step is SGD with learning rate 2 * 4 = 8.

Run: python examples/xor.py [--quick]
"""

import argparse

import numpy as np
from _plot import save_loss_curve

import glassnet as gn

parser = argparse.ArgumentParser(description="Loy-style XOR with a 3-4-1 sigmoid network.")
parser.add_argument("--quick", action="store_true", help="300 updates instead of 1,500")
parser.add_argument("--plot", default="xor_loss.png", help="where to save the loss curve")
args = parser.parse_args()

X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=float)
y = np.array([[0], [1], [1], [0]], dtype=float)

rng = np.random.default_rng(1)
net = gn.Network(
    [
        gn.Dense(3, 4, "sigmoid", weights=rng.random((3, 4)), train_bias=False),
        gn.Dense(4, 1, "sigmoid", weights=rng.random((4, 1)), train_bias=False),
    ],
    loss="half_squared_error",
)
epochs = 300 if args.quick else 1500
history = net.fit(X, y, optimizer=gn.SGD(learning_rate=8.0), epochs=epochs, batch_size=None)

print("inputs   target  prediction")
for x_row, target, p in zip(X, y[:, 0], net.predict(X)[:, 0], strict=True):
    print(f"{x_row.astype(int)}  {target:.0f}       {p:.4f}")
print(
    f"after {epochs} updates: loss {history.loss[-1]:.6f}, "
    f"sum of squared errors {np.sum((net.predict(X) - y) ** 2):.6f}"
)
save_loss_curve(history.loss, args.plot, "XOR, 3-4-1 sigmoid (Loy)")
