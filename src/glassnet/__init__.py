"""glassnet: a feedforward neural network you can see through.

The seven steps of training, and where each lives:

1. initialization of weights and biases ........ :mod:`glassnet.initializers`, :class:`Dense`
2. forward propagation .......................... :mod:`glassnet.layers`,
   :mod:`glassnet.activations`, :meth:`Network.forward`
3. the loss ..................................... :mod:`glassnet.losses`, :meth:`Network.loss_value`
4. backpropagation: the output layer, then the
   hidden layers ................................ :mod:`glassnet.output_loss`,
   :meth:`Network.loss_gradient`, :meth:`Network.backward`, :meth:`Dense.backward`
5. the update with a learning rate .............. :mod:`glassnet.optimizers`
6. checking convergence ......................... :mod:`glassnet.stopping`
7. iterating over the data ...................... :mod:`glassnet.training` (``fit``, batches)

then prediction with :meth:`Network.predict`. :func:`glassnet.training.train_step` runs steps
2-5 once; :mod:`glassnet.gradcheck` checks step 4 against central differences.
"""

import types
from typing import Any

from . import (
    activations,
    callbacks,
    initializers,
    losses,
    optimizers,
    regularizers,
    schedules,
    view,  # the glass view's page (standard library only); callable, see _View below
)
from .activations import ELU, Identity, LeakyReLU, ReLU, Sigmoid, Softmax, Softplus, Tanh
from .gradcheck import gradcheck, numerical_gradients
from .layers import Dense, Dropout
from .losses import (
    BinaryCrossEntropy,
    CategoricalCrossEntropy,
    HalfSquaredError,
    Huber,
    MeanAbsoluteError,
    MeanSquaredError,
)
from .network import Network
from .optimizers import SGD, Adadelta, Adagrad, Adam, AdamW, RMSprop
from .parameters import Parameter
from .regularizers import L1, L1L2, L2, MaxNorm
from .stopping import Plateau
from .trace.recorder import Trace, TraceRecorder, trace_step
from .training import History, TrainingDiverged, fit, train_step

__version__ = "0.1.0"

__all__ = [
    "ELU",
    "L1",
    "L1L2",
    "L2",
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "BinaryCrossEntropy",
    "CategoricalCrossEntropy",
    "Dense",
    "Dropout",
    "HalfSquaredError",
    "History",
    "Huber",
    "Identity",
    "LeakyReLU",
    "MLPClassifier",
    "MLPRegressor",
    "MaxNorm",
    "MeanAbsoluteError",
    "MeanSquaredError",
    "Network",
    "Parameter",
    "Plateau",
    "RMSprop",
    "ReLU",
    "Sigmoid",
    "Softmax",
    "Softplus",
    "Tanh",
    "Trace",
    "TraceRecorder",
    "TrainingDiverged",
    "__version__",
    "activations",
    "callbacks",
    "fit",
    "gradcheck",
    "initializers",
    "losses",
    "numerical_gradients",
    "optimizers",
    "regularizers",
    "schedules",
    "trace_step",
    "train_step",
    "view",
]


class _View(types.ModuleType):
    """``glassnet.view`` is the page's package and, called, the notebook widget.

    ``gn.view(net, X, y)`` opens the live view in a notebook; the widget lives in
    :mod:`glassnet.live` (above the page), imported only when called. Making the package
    callable keeps one name for both, whatever was imported first.
    """

    def __call__(self, network: Any, X: Any, Y: Any, **options: Any) -> Any:
        from .live import view as open_view

        return open_view(network, X, Y, **options)


view.__class__ = _View


def __getattr__(name: str) -> Any:
    """Import the scikit-learn estimators on first use: ``import glassnet`` needs NumPy only."""
    if name in ("MLPClassifier", "MLPRegressor"):
        from .estimators import mlp as estimators

        return getattr(estimators, name)
    raise AttributeError(f"module 'glassnet' has no attribute {name!r}")
