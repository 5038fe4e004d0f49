"""The learner's trace: one real training step with every number kept, then rendered.

:class:`TraceRecorder` is a :class:`~glassnet.recording.Recorder`: it is passed to the same
:func:`~glassnet.step.train_step` that ``fit`` runs, and copies what the engine computes at
each hook (``net``, ``out``, ``δ``, gradients, values before and after the update). Nothing is
recomputed here, so the trace cannot drift from training. The only derived numbers are the
chain-rule factors ``∂out/∂net``, taken from ``activation.derivative``, the function the
backward pass itself uses. A :class:`~glassnet.Dropout` layer shows the mask the engine drew
for the step, ``drop = out · m``, and ``m`` as its factor going back (see
:mod:`glassnet.trace.dropout`).

For a batch, the loss is the (weighted) mean of the per-sample losses ``E_s``, so every
gradient is ``Σ_s c_s ∂E_s/∂θ`` with ``c_s = 1/n`` (or ``w_s / Σ w``). The trace stores the
per-sample factors ``∂E_s/∂out = grad_out[s] / c_s`` and shows the gradient as their mean.

Examples
--------
>>> import glassnet as gn
>>> net = gn.Network([gn.Dense(2, 1, "sigmoid", rng=0)])
>>> trace = gn.trace_step(net, [[0.05, 0.10]], [[0.01]], optimizer=gn.SGD(learning_rate=0.5))
>>> trace.loss_after < trace.loss
True
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..checks import check_int, describe
from ..layers import Dropout
from ..optimizers import SGD, as_optimizer
from ..recording import Recorder
from ..training import TrainingDiverged, train_step
from . import dropout
from .document import extras, gradient_check
from .dropout import DropoutRecord
from .render import Names, render_html, to_dict
from .steps import render_text

TUTORIAL_MAX_WEIGHTS = 20  # above this, names="auto" uses matrix names


@dataclass
class LayerRecord:
    """What one Dense layer saw in the step; arrays have shape ``(n_samples, n_outputs)``."""

    index: int
    activation: str
    net: np.ndarray
    out: np.ndarray
    grad_out: np.ndarray | None = None  # ∂E_s/∂out per sample; None when δ came from logits
    dout_dnet: np.ndarray | None = None  # activation.derivative(net, out); None if not element-wise
    delta: np.ndarray | None = None  # δ_s = ∂E_s/∂net per sample


@dataclass
class ParameterRecord:
    """One parameter (a weight matrix or a bias vector) through the step."""

    layer: int
    kind: str  # "weights" or "bias"
    trainable: bool
    before: np.ndarray
    grad: np.ndarray | None = None
    penalty_grad: np.ndarray | None = None
    after: np.ndarray | None = None


@dataclass
class Trace:
    """The record of one training step (and optionally the iterations that followed).

    ``str(trace)`` is the seven-step walk-through, ``to_dict()`` plain JSON-ready data, and in
    Jupyter the trace shows as HTML tables.
    """

    x: np.ndarray
    y: np.ndarray
    sample_scale: np.ndarray  # c_s: each sample's share of the batch loss, shape (n_samples,)
    loss_name: str
    loss_reduction: str  # how one sample's outputs combine: "sum" or "mean"
    uses_logits: bool
    optimizer: str
    plain_sgd: bool  # the update is exactly old - η·grad
    names: str  # "tutorial" or "matrix"
    layers: list[LayerRecord] = field(default_factory=list)
    parameters: list[ParameterRecord] = field(default_factory=list)
    dropouts: list[DropoutRecord] = field(default_factory=list)
    loss: float = float("nan")
    data_loss: float = float("nan")
    loss_per_output: np.ndarray | None = None  # E_s,j, shape (n_samples, n_outputs)
    learning_rate: float = float("nan")
    loss_after: float = float("nan")
    loss_no_dropout: float | None = None  # E before the update with dropout off (predicting)
    history: list[tuple[int, float]] = field(default_factory=list)  # (iterations done, loss)
    final_outputs: np.ndarray | None = None
    precision: int = 9
    dry_run: bool = False
    numeric_gradients: list[np.ndarray] | None = None  # central differences, small networks only

    def to_text(self, precision: int | None = None, max_weights: int = 200) -> str:
        """The seven-step walk-through, numbers with ``precision`` decimals."""
        return render_text(self, self.precision if precision is None else precision, max_weights)

    def to_dict(self) -> dict[str, Any]:
        """Every number as plain lists and floats (``json.dumps`` accepts it).

        The document is versioned (``schema_version``); docs/view.md lists its fields. It is
        what the glass view draws (:meth:`to_html`).
        """
        names = Names(self)  # once: on a 784-128-10 network it is most of the time
        return {**extras(self, names), **to_dict(self, names)}

    def to_html(self, path: Any) -> None:
        """Write the glass view of this step to ``path``: one self-contained HTML file.

        Everything is inlined (script, style, this trace's document): it opens offline by
        double-click, steps through the seven steps and replays the recorded iterations.
        Editing needs the engine, so it is off in the file (``glassnet view`` has it).
        """
        from ..view import write_page

        write_page(path, self.to_dict(), title="glassnet: one training step")

    def __str__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        """The glass view in an iframe (static, no kernel needed), then the numbers as tables
        for renderers that run no script."""
        from ..view import iframe

        tables = render_html(self, self.precision)
        summary = "<summary>the numbers as tables</summary>"
        return f"{iframe(self.to_dict())}<details>{summary}{tables}</details>"


class TraceRecorder(Recorder):
    """Copies every value of a :func:`train_step` into a :class:`Trace`."""

    def __init__(self, trace: Trace, network: Any) -> None:
        self.trace = trace
        self.network = network
        self._parameters: dict[int, ParameterRecord] = {}

    def batch(self, x: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None) -> None:
        for index, layer in enumerate(self.network.layers):
            for parameter in layer.parameters():
                record = ParameterRecord(
                    index, parameter.name, parameter.trainable, parameter.value.copy()
                )
                self._parameters[id(parameter)] = record
                self.trace.parameters.append(record)

    def layer_forward(self, index: int, layer: Any, x: np.ndarray, out: np.ndarray) -> None:
        if isinstance(layer, Dropout):
            dropout.record_forward(self.trace, index, layer, x, out)
            return
        net = getattr(layer, "net", None)
        name = getattr(getattr(layer, "activation", None), "name", "")
        self.trace.layers.append(LayerRecord(index, name, _copy(net, out), out.copy()))

    def loss(self, value: float, data_loss: float) -> None:
        self.trace.loss, self.trace.data_loss = float(value), float(data_loss)
        output = self.trace.layers[-1].out
        self.trace.loss_per_output = self.network.loss_function.elementwise(output, self.trace.y)

    def layer_backward(
        self, index: int, layer: Any, grad_out: np.ndarray | None, grad_in: np.ndarray | None
    ) -> None:
        if isinstance(layer, Dropout):
            dropout.record_backward(self.trace, index, grad_out, grad_in)  # type: ignore[arg-type]
            return
        record = next(r for r in self.trace.layers if r.index == index)
        scale = self.trace.sample_scale[:, np.newaxis]
        if grad_out is not None:
            record.grad_out = grad_out / scale
            activation = layer.activation
            if getattr(activation, "elementwise", True):
                record.dout_dnet = activation.derivative(record.net, record.out)
        delta = getattr(layer, "delta", None)
        record.delta = None if delta is None else delta / scale
        for parameter in layer.parameters():
            self._parameters[id(parameter)].grad = parameter.grad.copy()

    def penalty(self, parameter: Any, grad: np.ndarray) -> None:
        record = self._parameters[id(parameter)]
        previous = 0.0 if record.penalty_grad is None else record.penalty_grad
        record.penalty_grad = previous + np.asarray(grad)

    def before_update(self, optimizer: Any, parameters: list[Any]) -> None:
        self.trace.learning_rate = float(getattr(optimizer, "current_learning_rate", np.nan))
        for parameter in parameters:  # penalties may have changed grad after layer_backward
            self._parameters[id(parameter)].grad = parameter.grad.copy()

    def after_update(self, optimizer: Any, parameters: list[Any]) -> None:
        for record, parameter in zip(
            self.trace.parameters, self.network.all_parameters(), strict=True
        ):
            record.after = parameter.value.copy()


def trace_step(
    network: Any,
    X: Any,
    Y: Any,
    optimizer: Any = None,
    sample_weight: Any = None,
    dry_run: bool = False,
    iterations: int = 1,
    names: str = "auto",
    precision: int = 9,
    rng: Any = None,
) -> Trace:
    """Run one real training step of ``network`` on ``X``, ``Y`` and return its :class:`Trace`.

    Parameters
    ----------
    X : array-like, shape (n_samples, n_inputs)
    Y : array-like, shape (n_samples, n_outputs)
    optimizer : Optimizer, optional
        Default: the network's optimizer from a previous ``fit``, else ``SGD(learning_rate=0.5)``
        (the tutorials' η).
    dry_run : bool
        Restore the parameters, their gradients, the optimizer's state and the Dropout
        layers' generators afterwards (the next step draws the same masks). A Dropout layer
        without a generator (no ``rng`` of its own, never fitted, none passed here) is left
        without one, so its masks are unseeded and the next step draws others: pass ``rng``
        to preview the masks of a step.
    iterations : int
        Full-batch steps in all; the first is traced, the loss of the others is tabulated.
    names : {"auto", "tutorial", "matrix"}
        ``"auto"`` uses the tutorials' names (i1, h1, o1, w1...) up to 20 weights.
    precision : int
        Decimals printed by ``str(trace)``.
    rng : int, Generator or None
        As ``fit``'s ``rng``: Dropout layers without a generator of their own draw their masks
        from it, so the traced step equals ``fit``'s first full-batch step with the same
        ``rng``. None keeps each layer's generator.
    """
    dropout.check_layers(network)
    x = network.check_inputs(X)
    y = network.check_targets(Y, x.shape[0])
    w = network.check_sample_weight(sample_weight, x.shape[0])
    iterations = check_int(iterations, "iterations")
    precision = check_int(precision, "precision", minimum=0)
    names = _resolve_names(network, names)
    if optimizer is None:
        optimizer = getattr(network, "optimizer", None) or SGD(learning_rate=0.5)
    optimizer = as_optimizer(optimizer)
    generators = dropout.save_generators(network)
    if dry_run:  # the step runs on a copy of the optimizer that shares the parameters
        saved = [(p.value.copy(), p.grad.copy()) for p in network.all_parameters()]
        optimizer = copy.deepcopy(optimizer, {id(p): p for p in network.all_parameters()})
    dropout.hand_rng(network, rng)
    trace = _new_trace(network, optimizer, x, y, w, names, precision, dry_run)
    trace.numeric_gradients = gradient_check(network, x, y, w)  # before the step changes it
    try:  # as in fit, overflow shows up as TrainingDiverged rather than as warnings
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            _run(trace, network, optimizer, x, y, w, iterations)
    finally:  # a dry run restores the parameters even when training diverged
        if dry_run:  # ... and the dropout generators, so the next step draws the same masks
            for parameter, (value, grad) in zip(network.all_parameters(), saved, strict=True):
                parameter.value[...], parameter.grad[...] = value, grad
            dropout.restore_generators(generators)
    return trace


def _run(trace: Trace, network: Any, optimizer: Any, x: Any, y: Any, w: Any, n: int) -> None:
    """The traced step, then ``n - 1`` plain steps with the loss kept at checkpoints."""
    recorder = TraceRecorder(trace, network)
    if any(isinstance(layer, Dropout) for layer in network.layers):
        trace.loss_no_dropout = network.loss(x, y, w)  # a forward pass that draws no mask
    done = 0  # updates made: a divergence names the iteration whose update broke the loss
    try:
        trace.history.append((0, train_step(network, optimizer, x, y, w, recorder)))
        for done in range(1, n):
            loss = train_step(network, optimizer, x, y, w)
            if _is_checkpoint(done, n):
                trace.history.append((done, loss))
        done = n
        trace.loss_after = network.loss(x, y, w)
        if not np.isfinite(trace.loss_after):
            raise TrainingDiverged(f"the loss became {trace.loss_after}")
    except TrainingDiverged:
        if not done:
            raise TrainingDiverged(
                "the loss is not finite before the first update: the inputs, targets or "
                "weights are too large"
            ) from None
        raise TrainingDiverged(
            f"the loss stopped being finite after iteration {done}; lower the learning rate"
        ) from None
    trace.history.append((n, trace.loss_after))
    trace.final_outputs = network.predict(x)


def _new_trace(
    network: Any, optimizer: Any, x: Any, y: Any, w: Any, names: str, precision: int, dry: bool
) -> Trace:
    scale = np.full(x.shape[0], 1.0 / x.shape[0]) if w is None else w / w.sum()
    plain = type(optimizer) is SGD and not optimizer.momentum
    loss = network.loss_function
    return Trace(
        x.copy(), y.copy(), scale, getattr(loss, "name", type(loss).__name__),
        getattr(loss, "reduction", "sum"),
        network.uses_logits, repr(optimizer), plain, names, precision=precision, dry_run=dry,
    )  # fmt: skip


def _resolve_names(network: Any, names: str) -> str:
    if names not in ("auto", "tutorial", "matrix"):
        raise ValueError(f"names must be 'auto', 'tutorial' or 'matrix', got {describe(names)}")
    if names != "auto":
        return names
    n_weights = sum(p.value.size for p in network.all_parameters() if p.name == "weights")
    return "tutorial" if n_weights <= TUTORIAL_MAX_WEIGHTS else "matrix"


def _is_checkpoint(done: int, total: int) -> bool:
    """1, 2, 5, 10, 20, 50, ... iterations: a log-spaced table of the loss."""
    magnitude = 10 ** (len(str(done)) - 1)
    return done % magnitude == 0 and done // magnitude in (1, 2, 5)


def _copy(net: np.ndarray | None, out: np.ndarray) -> np.ndarray:
    return (out if net is None else net).copy()
