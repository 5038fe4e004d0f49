"""Fashion-MNIST (Zalando clothing images) with the same 784-800-10 ReLU network as MNIST.

The anchor is scikit-learn's MLPClassifier at about 87-88%. The recipe is MNIST's (in
``_image_mlp.py``: dropout 0.2, float32, batch 128, SGD with Nesterov momentum 0.9, learning
rate 0.1 decayed linearly to 0), run for 20 epochs; docs/quality.md has the result.

Run from the repository root: python examples/fashion_mnist.py [--data DIR] [--epochs N] [--quick]
"""

from _image_mlp import parse_args, train_and_report

from glassnet.datasets import load_fashion_mnist

args = parse_args("Fashion-MNIST", "../shared/datasets/fashion-mnist", epochs=20)
train_and_report("Fashion-MNIST", args, load_fashion_mnist(args.data, scale=True))
