"""The digits recipe through glassnet.MLPClassifier, beside scikit-learn's MLPClassifier.

Both classes get one dict of parameters (examples/digits.py's recipe: 100 ReLU units, SGD with
Nesterov momentum 0.9, learning rate 0.05, batch 32, exactly 30 epochs, no L2 penalty). glassnet's
estimator draws scikit-learn's initial weights and batch order from the same random_state, so
the two print the same accuracy for a seed: the same setting, the same mathematics.

Run: python examples/digits_estimator.py [--seed S] [--quick]
"""

import argparse
import time
import warnings

from _plot import save_loss_curve
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SklearnMLP

import glassnet as gn
from glassnet.io.datasets import load_digits

parser = argparse.ArgumentParser(description="digits: glassnet's and scikit-learn's MLP.")
parser.add_argument("--seed", type=int, default=0, help="initial weights and batch order")
parser.add_argument("--quick", action="store_true", help="3 epochs: a smoke test")
parser.add_argument("--plot", default="digits_estimator_loss.png", help="where to save the curve")
args = parser.parse_args()

X, y = load_digits()
X_train, X_test, y_train, y_test = train_test_split(
    X / 16.0, y, test_size=0.25, stratify=y, random_state=0
)
epochs = 3 if args.quick else 30
parameters = dict(
    hidden_layer_sizes=(100,),
    solver="sgd",
    learning_rate_init=0.05,
    momentum=0.9,
    nesterovs_momentum=True,
    batch_size=32,
    max_iter=epochs,
    n_iter_no_change=epochs + 1,  # never stop early: run all the epochs
    alpha=0.0,
    random_state=args.seed,
)
for name, estimator in [("glassnet", gn.MLPClassifier), ("scikit-learn", SklearnMLP)]:
    model = estimator(**parameters)
    start = time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # a fixed epoch budget is the intent
        model.fit(X_train, y_train)
    seconds = time.process_time() - start
    print(
        f"{name:>12} MLPClassifier: test accuracy {model.score(X_test, y_test):.2%}, "
        f"trained in {seconds:.2f} s of CPU"
    )
    if name == "glassnet":
        save_loss_curve(model.loss_curve_, args.plot, "digits, MLPClassifier(100)")
