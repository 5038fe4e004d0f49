"""The network: layers in order, forward through them, backward in reverse.

``Network`` owns its layers and its loss. ``forward`` is step 2, ``loss_value`` step 3,
``backward`` (from ``loss_gradient``) step 4: the output layer, then the hidden layers;
:func:`glassnet.training.train_step` adds step 5 and :meth:`Network.fit` loops steps 2-7 over
the data.

Training is the engine's, so ``fit`` and ``partial_fit`` are methods here (this module imports
:mod:`glassnet.training`, never the reverse at run time). What belongs to a front end is a
function of the front end: ``glassnet.trace_step(net, X, Y)`` (the learner's trace),
``glassnet.save_network(path, net)`` and ``glassnet.load_network(path)`` (model files).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import inputs as checks
from . import training
from .batches import Batch
from .checks import all_finite, as_dtype, as_float_array, describe
from .history import History
from .losses import Loss, get_loss
from .output_loss import OutputLoss, output_loss
from .parameters import Parameter
from .recording import NO_RECORDER, Recorder
from .sparse import largest_magnitude

PREDICT_CHUNK = 8192  # rows per forward pass in predict(): bounded memory on large inputs



ORDINARY_INPUT = 1e10  # |X| below this never explains an overflow of x @ W by itself


class OutputOverflow(ValueError):
    """The network's outputs overflowed its dtype: say whether the inputs or the parameters are
    the large factor of ``x @ W``, so a diverged training run is not blamed on its data."""

    def __init__(self, dtype: np.dtype, largest_x: float, largest_parameter: float) -> None:
        # inputs of ordinary size (standardized data, raw counts or prices) cannot be the cause;
        # huge inputs make huge gradients, so there scaling them is the advice even when the
        # parameters have grown larger still
        self.parameters_diverged = largest_x < ORDINARY_INPUT and largest_parameter > largest_x
        if self.parameters_diverged:
            message = (
                f"the network's parameters are too large: its outputs overflow {dtype.name} "
                f"(largest |parameter| = {largest_parameter:.3g}, largest |X| = {largest_x:.3g});"
                " training diverged: lower the learning rate"
            )
        else:
            message = (
                f"X is too large for this network: its outputs overflow {dtype.name} "
                f"(largest |X| = {largest_x:.3g}); scale the inputs"
            )
        super().__init__(message)

class Network:
    """A feedforward network: ``layers`` applied in order, trained to minimise ``loss``.

    Parameters
    ----------
    layers : sequence of layers
        Usually :class:`~glassnet.Dense` layers; each layer's ``n_inputs`` must equal the
        previous layer's ``n_outputs``.
    loss : str or Loss
        A name from :data:`glassnet.losses.LOSSES` or a loss object.
    dtype : float32 or float64, optional
        Convert every layer to this precision; by default the layers' own (float64).
    penalties : sequence, optional
        Weight penalties (see :mod:`glassnet.regularizers`) added to the loss and its gradient.

    Examples
    --------
    >>> import glassnet as gn
    >>> net = gn.Network([gn.Dense(2, 3, "tanh", rng=0), gn.Dense(3, 1, "sigmoid", rng=1)],
    ...                  loss="binary_cross_entropy")
    >>> net.predict(np.zeros((1, 2))).shape
    (1, 1)
    """

    def __init__(
        self,
        layers: Sequence[Any],
        loss: str | Loss = "half_squared_error",
        dtype: Any = None,
        penalties: Sequence[Any] = (),
    ) -> None:
        if isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence) or not layers:
            raise ValueError(f"layers must be a non-empty list of layers, got {describe(layers)}")
        self.layers = list(layers)
        for index, layer in enumerate(self.layers):
            if not all(
                callable(getattr(layer, m, None)) for m in ("forward", "backward", "parameters")
            ):
                raise TypeError(
                    f"layers[{index}] must be a layer (forward, backward, parameters), "
                    f"got {describe(layer)}"
                )
        checks.layer_sizes(self.layers)
        self.loss_function = get_loss(loss)
        if dtype is not None:
            dtype = as_dtype(dtype)
            for layer in self.layers:
                if hasattr(layer, "astype"):
                    layer.astype(dtype)
        self.penalties = list(penalties)
        self._output_loss: OutputLoss | None = None
        self._check_dtypes()

    # ----------------------------------------------------------------- shape of the network
    @property
    def n_inputs(self) -> int:
        return int(self._dense_layers()[0].n_inputs)

    @property
    def n_outputs(self) -> int:
        return int(self._dense_layers()[-1].n_outputs)

    @property
    def dtype(self) -> np.dtype:
        return self._dense_layers()[0].dtype

    @property
    def output_layer(self) -> Any:
        return self.layers[-1]

    def parameters(self) -> list[Parameter]:
        """The trainable parameters, layer by layer (weights, then bias)."""
        return [p for layer in self.layers for p in layer.parameters() if p.trainable]

    def all_parameters(self) -> list[Parameter]:
        """Every parameter, trainable or not."""
        return [p for layer in self.layers for p in layer.parameters()]

    def _dense_layers(self) -> list[Any]:
        return [layer for layer in self.layers if hasattr(layer, "n_outputs")]

    def _check_dtypes(self) -> None:
        dtypes = {p.dtype for p in self.all_parameters()}
        if len(dtypes) > 1:
            names = ", ".join(sorted(d.name for d in dtypes))
            raise ValueError(f"all layers must share one dtype (pass dtype=...), got {names}")

    @property
    def output_loss(self) -> OutputLoss:
        """The loss at the output layer (:mod:`glassnet.output_loss`): computed from the logits
        after the loss's canonical activation, else from the outputs. Chosen anew when the
        loss, the output layer or its activation has changed since."""
        head = self._output_loss
        layer = self.layers[-1]
        if (
            head is None
            or head.loss is not self.loss_function
            or head.layer is not layer
            or head.activation is not getattr(layer, "activation", None)
        ):
            head = self._output_loss = output_loss(self.loss_function, layer)
        return head

    @property
    def uses_logits(self) -> bool:
        """True when the loss is computed from the output layer's logits (softmax or sigmoid
        output with its cross-entropy): stable for any logits, and ``δ = (out - y) / n``."""
        return self.output_loss.from_logits

    # ----------------------------------------------------------------- steps 2, 3 and 4
    def forward(
        self, x: np.ndarray, training: bool = False, recorder: Recorder = NO_RECORDER
    ) -> np.ndarray:
        """Step 2: pass ``x`` through every layer; returns the output layer's activations.

        ``x`` must already be a validated array of the network's dtype. The result is a buffer
        the network reuses on its next call; :meth:`predict` returns a copy you can keep.
        """
        a = x
        for index, layer in enumerate(self.layers):
            x_layer = a
            a = layer.forward(x_layer, training)
            recorder.layer_forward(index, layer, x_layer, a)
        return a

    def loss_value(
        self,
        y_pred: np.ndarray,
        y: np.ndarray,
        sample_weight: np.ndarray | None = None,
        recorder: Recorder = NO_RECORDER,
    ) -> float:
        """Step 3: the batch loss of ``y_pred`` (what :meth:`forward` just returned) against
        targets ``y``, plus every penalty's value."""
        data_loss = self.output_loss.value(y_pred, y, sample_weight)
        value = data_loss
        if self.penalties:
            batch = Batch(y_pred.shape[0], sample_weight)
            for penalty in self.penalties:
                value += penalty.value(self, batch)
        recorder.loss(value, data_loss)
        return value

    def loss_gradient(
        self, y_pred: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> np.ndarray:
        """The gradient step 4 starts from: ``∂L/∂y_pred``, or ``δ = ∂L/∂z`` of the output
        layer when the loss is taken from its logits (see :attr:`output_loss`)."""
        return self.output_loss.gradient(y_pred, y, sample_weight)

    def backward(
        self,
        grad: np.ndarray,
        recorder: Recorder = NO_RECORDER,
        sample_weight: np.ndarray | None = None,
    ) -> None:
        """Step 4: the gradient of the loss for every parameter, from the output layer back.

        ``grad`` is :meth:`loss_gradient`'s result; ``sample_weight``, the batch's, is what the
        penalties may ask for (see :class:`glassnet.batches.Batch`). Leaves ``parameter.grad``
        filled for every parameter and changes no value.
        """
        head = self.output_loss
        last = len(self.layers) - 1
        grad_in = head.backward(grad, last > 0)  # the output layer
        recorder.layer_backward(last, head.layer, None if head.from_logits else grad, grad_in)
        for index in range(last - 1, -1, -1):  # then the hidden layers
            layer = self.layers[index]
            grad_out = grad_in
            grad_in = layer.backward(grad_out, need_input_grad=index > 0)
            recorder.layer_backward(index, layer, grad_out, grad_in)
        if self.penalties:
            batch = Batch(grad.shape[0], sample_weight)
            for penalty in self.penalties:
                penalty.add_gradient(self, batch, recorder)

    # ----------------------------------------------------------------- the public API
    def check_inputs(self, X: Any, name: str = "X") -> np.ndarray:
        """Validate ``X`` as ``(n_samples, n_inputs)`` finite numbers of the network's dtype."""
        return checks.inputs(self, X, name)

    def check_targets(self, Y: Any, n_samples: int, name: str = "Y") -> np.ndarray:
        """Validate ``Y`` as ``(n_samples, n_outputs)``; integer class labels given as a 1-D array
        are one-hot encoded when the network has several outputs and a cross-entropy loss."""
        return checks.targets(self, Y, n_samples, name)

    def check_sample_weight(self, sample_weight: Any, n_samples: int) -> np.ndarray | None:
        """Validate ``sample_weight`` as ``(n_samples,)`` non-negative weights, not all zero."""
        return checks.sample_weight(self, sample_weight, n_samples)

    def predict(self, X: Any) -> np.ndarray:
        """The network's outputs for ``X``, shape ``(n_samples, n_outputs)`` (a new array).

        Raises ``ValueError`` if ``X`` is so large that the outputs overflow the network's dtype.
        """
        x = self.check_inputs(X)
        if x.shape[0] <= PREDICT_CHUNK:
            return self._checked_forward(x).copy()
        out = np.empty((x.shape[0], self.n_outputs), dtype=self.dtype)
        for start in range(0, x.shape[0], PREDICT_CHUNK):
            out[start : start + PREDICT_CHUNK] = self._checked_forward(
                x[start : start + PREDICT_CHUNK]
            )
        return out

    def _checked_forward(self, x: np.ndarray) -> np.ndarray:
        """``forward(x)``, refusing (one ValueError, no NumPy warnings) outputs that overflowed."""
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            out = self.forward(x)
        net = getattr(self.output_layer, "net", None)
        if not all_finite(out) or (self.uses_logits and net is not None and not all_finite(net)):
            raise OutputOverflow(self.dtype, largest_magnitude(x), self._largest_parameter())
        return out

    def _largest_parameter(self) -> float:
        with np.errstate(invalid="ignore"):
            return max((float(np.max(np.abs(p.value))) for p in self.parameters()), default=0.0)

    def loss(self, X: Any, Y: Any, sample_weight: Any = None) -> float:
        """The loss (mean over samples, plus any penalty) of the network on ``X`` against ``Y``."""
        x = self.check_inputs(X)
        y = self.check_targets(Y, x.shape[0])
        w = self.check_sample_weight(sample_weight, x.shape[0])
        y_pred = self._checked_forward(x)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return self.loss_value(y_pred, y, w)

    def gradients(
        self, X: Any, Y: Any, sample_weight: Any = None
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """``(dL/dW, dL/db)`` for every layer with parameters, in order; changes no parameter."""
        x = self.check_inputs(X)
        y = self.check_targets(Y, x.shape[0])
        w = self.check_sample_weight(sample_weight, x.shape[0])
        y_pred = self._checked_forward(x)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            self.backward(self.loss_gradient(y_pred, y, w), sample_weight=w)
        return [
            (layer.weights.grad.copy(), layer.bias.grad.copy())
            for layer in self.layers
            if hasattr(layer, "weights")
        ]

    def fit(
        self,
        X: Any,
        Y: Any,
        optimizer: Any = None,
        epochs: int = 1,
        batch_size: int | None = 32,
        shuffle: bool = True,
        rng: Any = None,
        tol: float | None = None,
        patience: int = 10,
        sample_weight: Any = None,
        class_weight: Any = None,
        validation_data: tuple[Any, ...] | None = None,
        validation_split: float = 0.0,
        metrics: Sequence[Any] = (),
        callbacks: Any = (),
        restore_best_weights: bool = False,
        monitor: str | None = None,
        verbose: Any = False,
    ) -> History:
        """Train on ``X`` and ``Y`` (steps 2-7): :func:`glassnet.training.fit`, whose
        parameters these are, documented there."""
        return training.fit(
            self, X, Y, optimizer, epochs, batch_size, shuffle, rng, tol, patience,
            sample_weight=sample_weight, class_weight=class_weight,
            validation_data=validation_data, validation_split=validation_split, metrics=metrics,
            callbacks=callbacks, restore_best_weights=restore_best_weights, monitor=monitor,
            verbose=verbose,
        )  # fmt: skip

    def partial_fit(
        self,
        X: Any,
        Y: Any,
        optimizer: Any = None,
        sample_weight: Any = None,
        batch_size: int | None = None,
        shuffle: bool = False,
        rng: Any = None,
        tol: float | None = None,
        patience: int = 10,
        class_weight: Any = None,
        validation_data: tuple[Any, ...] | None = None,
        validation_split: float = 0.0,
        metrics: Sequence[Any] = (),
        callbacks: Any = (),
        restore_best_weights: bool = False,
        monitor: str | None = None,
        verbose: Any = False,
    ) -> History:
        """One pass over ``X``, ``Y`` (a chunk of a stream), continuing the optimizer's state.

        Full batch by default, without shuffling: :meth:`fit` with ``epochs=1``.
        """
        return self.fit(
            X, Y, optimizer, 1, batch_size, shuffle, rng, tol, patience,
            sample_weight=sample_weight, class_weight=class_weight,
            validation_data=validation_data, validation_split=validation_split, metrics=metrics,
            callbacks=callbacks, restore_best_weights=restore_best_weights, monitor=monitor,
            verbose=verbose,
        )  # fmt: skip

    def get_weights(self) -> list[np.ndarray]:
        """Copies of every parameter value, layer by layer."""
        return [p.value.copy() for p in self.all_parameters()]

    def set_weights(self, values: Sequence[Any]) -> None:
        """Set every parameter from ``values`` (as returned by :meth:`get_weights`)."""
        parameters = self.all_parameters()
        if len(values) != len(parameters):
            raise ValueError(f"expected {len(parameters)} arrays, got {len(values)}")
        for parameter, value in zip(parameters, values, strict=True):
            array = as_float_array(
                value, parameter.name or "value", self.dtype, ndim=parameter.value.ndim
            )
            if array.shape != parameter.shape:
                raise ValueError(
                    f"{parameter.name} must have shape {parameter.shape}, got {array.shape}"
                )
            parameter.value[...] = array

    def __repr__(self) -> str:
        inner = ",\n".join(f"    {layer!r}" for layer in self.layers)
        return f"Network([\n{inner}\n], loss={self.loss_function!r})"
