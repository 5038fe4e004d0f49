"""The tutorials' worked example: one training step of a 2-2-2 sigmoid network.

The comments number the seven steps as glassnet does everywhere (`glassnet explain` walks the
same step with every number): 1 initialization, 2 forward, 3 loss, 4 backpropagation, 5 update,
6 convergence check, 7 iterate.

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

net = gn.Network(  # step 1: the published starting weights
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

print("outputs        ", net.predict(x)[0])  # step 2: forward
print("E_total        ", net.loss(x, y))  # step 3: loss
grad_hidden, grad_output = net.gradients(x, y)  # step 4: backpropagation
print("dE/dw5         ", grad_output[0][0, 0])
print("dE/dw1         ", grad_hidden[0][0, 0])

net.fit(x, y, optimizer=gn.SGD(learning_rate=0.5), epochs=1, batch_size=1)  # steps 2-5: update
print("W2 after update", np.asarray(net.layers[1].weights).tolist())
print("E_total after  ", net.loss(x, y))

steps = 1_000 if args.quick else 10_000
# step 7: iterate (keeping the same SGD(0.5)); without tol, step 6 never stops it early
history = net.fit(x, y, epochs=steps, batch_size=1)
print(f"after {steps + 1:,} steps: E_total = {history.loss[-1]:.9f}, outputs = {net.predict(x)[0]}")
save_loss_curve(history.loss, args.plot, "worked example 2-2-2")
