"""The tutorials' worked example: one training step of a 2-2-2 sigmoid network.

Run: python examples/worked_example.py [--quick] [--plot PATH]
"""

import argparse

import numpy as np
from _plot import save_loss_curve

import glassnet as gn

parser = argparse.ArgumentParser(description="The 2-2-2 worked example, step by step.")
parser.add_argument("--quick", action="store_true", help="1,000 further steps, not 10,000")
parser.add_argument("--plot", default="worked_example_loss.png", help="where to save the curve")
args = parser.parse_args()

net = gn.Network(
    [
        gn.Dense(
            2, 2, "sigmoid", weights=[[0.15, 0.25], [0.20, 0.30]], bias=0.35, train_bias=False
        ),
        gn.Dense(
            2, 2, "sigmoid", weights=[[0.40, 0.50], [0.45, 0.55]], bias=0.60, train_bias=False
        ),
    ],
    loss="half_squared_error",
)
x = np.array([[0.05, 0.10]])  # inputs i1, i2
y = np.array([[0.01, 0.99]])  # targets for o1, o2

print("outputs        ", net.predict(x)[0])
print("E_total        ", net.loss(x, y))
grad_hidden, grad_output = net.gradients(x, y)
print("dE/dw5         ", grad_output[0][0, 0])
print("dE/dw1         ", grad_hidden[0][0, 0])

net.fit(x, y, optimizer=gn.SGD(learning_rate=0.5), epochs=1, batch_size=1)
print("W2 after update", np.asarray(net.layers[1].weights).tolist())
print("E_total after  ", net.loss(x, y))

steps = 1_000 if args.quick else 10_000
history = net.fit(x, y, epochs=steps, batch_size=1)  # keeps the same SGD(0.5)
print(f"after {steps + 1:,} steps: E_total = {history.loss[-1]:.9f}, outputs = {net.predict(x)[0]}")
save_loss_curve(history.loss, args.plot, "worked example 2-2-2")
