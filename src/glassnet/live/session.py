"""The live view's engine side: a network, its data and a learning rate, answering the page.

The page asks; :meth:`Session.handle` answers with plain JSON-ready dicts:

``state``
    the document of the next training step, recorded by the trace on a dry run (the real
    ``train_step``, the parameters restored afterwards), with the loss curve so far and, for
    two-input data, the network's output on a grid (``surface``);
``edit``
    set a weight, bias, input, target, activation or the learning rate, then ``state``: the
    engine recomputes every number, the page computes none;
``play``
    train ``epochs`` full-batch epochs through the engine's own loop (:func:`train_epochs`);
    answers the new points of the loss curve, the parameters and the surface;
``reset``
    the starting parameters and an empty curve again, then ``state``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..activations import get_activation
from ..optimizers import SGD
from ..trace import trace_step
from ..view import page_document
from .surface import surface

MAX_EPOCHS_PER_PLAY = 1000


def train_epochs(network: Any, optimizer: Any, x: np.ndarray, y: np.ndarray, epochs: int) -> list:
    """Train ``epochs`` full-batch epochs with the engine's loop; the loss of each epoch.

    The one place the view trains: the loss of epoch ``e`` is measured before its update,
    as ``fit`` records it.
    """
    history = network.fit(x, y, optimizer=optimizer, epochs=epochs, batch_size=None, shuffle=False)
    return [float(loss) for loss in history.loss]


class Session:
    """The engine behind one live view.

    Parameters
    ----------
    network : Network
        Trained in place by ``play`` (a model file on disk is never written).
    X, Y : array-like, shape (n_samples, n_inputs) and (n_samples, n_outputs)
    learning_rate : float
        η of the plain gradient descent the view shows (``SGD``, no momentum).
    labels : dict, optional
        ``{"inputs": [...], "outputs": [...]}``: feature and class names for the drawing.
    """

    def __init__(
        self,
        network: Any,
        X: Any,
        Y: Any,
        learning_rate: float = 0.5,
        labels: dict[str, list[str]] | None = None,
    ) -> None:
        self.network = network
        self.x = network.check_inputs(X).copy()
        self.y = network.check_targets(Y, self.x.shape[0]).copy()
        self.learning_rate = _positive(learning_rate, "learning_rate")
        self.optimizer = SGD(learning_rate=self.learning_rate)
        self.labels = labels
        self.start = network.get_weights()
        self.curve: list[list[float]] = []
        self.epochs = 0
        self.handlers: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "state": lambda payload: self.state(),
            "edit": self.edit,
            "play": self.play,
            "reset": lambda payload: self.reset(),
        }

    def handle(self, kind: str, payload: Any = None) -> dict[str, Any]:
        """Answer one request of the page; ``ValueError`` (one line) for a bad one."""
        if kind not in self.handlers:
            raise ValueError(
                f"unknown request {kind!r}: expected one of {', '.join(self.handlers)}"
            )
        if payload is None:
            payload = {}
        if not isinstance(payload, dict):
            raise ValueError(
                f"the request's payload must be an object, got {type(payload).__name__}"
            )
        return self.handlers[kind](payload)

    # ------------------------------------------------------------------ answers
    def state(self) -> dict[str, Any]:
        """The document of the next step (a dry run: nothing changes), curve and surface."""
        trace = trace_step(
            self.network, self.x, self.y, optimizer=SGD(learning_rate=self.learning_rate),
            dry_run=True,
        )  # fmt: skip
        document = page_document(trace.to_dict())
        if not self.curve:
            self.curve = [[0, trace.loss]]
        document.update(
            curve=self.curve, epochs=self.epochs, surface=surface(self.network, self.x, self.y)
        )
        if self.labels:
            document["labels"] = self.labels
        return document

    def play(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Train ``payload["epochs"]`` epochs; the new curve points, parameters and surface."""
        epochs = payload.get("epochs", 1)
        if isinstance(epochs, bool) or not isinstance(epochs, int):
            raise ValueError(f"epochs must be an integer, got {epochs!r}")
        if not 1 <= epochs <= MAX_EPOCHS_PER_PLAY:
            raise ValueError(f"epochs must be in [1, {MAX_EPOCHS_PER_PLAY}], got {epochs}")
        losses = train_epochs(self.network, self.optimizer, self.x, self.y, epochs)
        points = [[self.epochs + e, loss] for e, loss in enumerate(losses)]
        self.epochs += len(losses)
        self.curve = [point for point in self.curve if point[0] < points[0][0]] + points
        return {
            "curve": points,
            "epochs": self.epochs,
            "parameters": [p.value.tolist() for p in self.network.all_parameters()],
            "surface": surface(self.network, self.x, self.y),
        }

    def reset(self) -> dict[str, Any]:
        self.network.set_weights(self.start)
        self.curve, self.epochs = [], 0
        return self.state()

    def edit(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Set one number (or an activation) as the payload says, then answer ``state``."""
        what = payload.get("target")
        editors = {
            "weight": self._edit_weight,
            "bias": self._edit_bias,
            "input": self._edit_input,
            "target": self._edit_target,
            "activation": self._edit_activation,
            "learning_rate": self._edit_learning_rate,
        }
        if what not in editors:
            raise ValueError(f"edit target must be one of {', '.join(editors)}, got {what!r}")
        editors[what](payload)
        self.curve, self.epochs = [], 0  # the curve so far belongs to the old numbers
        return self.state()

    # ------------------------------------------------------------------ edits
    def dense(self, payload: dict[str, Any]) -> Any:
        layers = [layer for layer in self.network.layers if hasattr(layer, "weights")]
        return layers[_index(payload, "layer", len(layers))]

    def _edit_weight(self, payload: dict[str, Any]) -> None:
        weights = self.dense(payload).weights.value
        i, j = _index(payload, "i", weights.shape[0]), _index(payload, "j", weights.shape[1])
        weights[i, j] = _number(payload)

    def _edit_bias(self, payload: dict[str, Any]) -> None:
        bias = self.dense(payload).bias
        j = _index(payload, "j", bias.value.size)
        if not bias.trainable and np.all(bias.value == bias.value[0]):
            bias.value[...] = _number(payload)  # one fixed bias for the layer, as published
        else:
            bias.value[j] = _number(payload)

    def _edit_input(self, payload: dict[str, Any]) -> None:
        s = _index(payload, "sample", self.x.shape[0])
        self.x[s, _index(payload, "i", self.x.shape[1])] = _number(payload)

    def _edit_target(self, payload: dict[str, Any]) -> None:
        s = _index(payload, "sample", self.y.shape[0])
        self.y[s, _index(payload, "j", self.y.shape[1])] = _number(payload)

    def _edit_activation(self, payload: dict[str, Any]) -> None:
        layer = self.dense(payload)
        layer.activation = get_activation(payload.get("name"))

    def _edit_learning_rate(self, payload: dict[str, Any]) -> None:
        self.learning_rate = _positive(payload.get("value"), "learning_rate")
        self.optimizer = SGD(learning_rate=self.learning_rate)


def _index(payload: dict[str, Any], key: str, size: int) -> int:
    value = payload.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < size:
        raise ValueError(f"{key} must be an integer in [0, {size - 1}], got {value!r}")
    return value


def _number(payload: dict[str, Any]) -> float:
    value = payload.get("value")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"value must be a finite number, got {value!r}")
    return float(value)


def _positive(value: Any, name: str) -> float:
    number = _number({"value": value})
    if number <= 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return number
