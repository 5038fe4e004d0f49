"""Dropout in the learner's trace: this step's mask, its scaling and its chain-rule factor.

Inverted dropout (:class:`~glassnet.Dropout`, rate ``p``) multiplies the values it receives by
a mask drawn for the step, ``drop = out · m`` with ``m = [u ≥ p] / (1 − p)``, ``u ~ U[0, 1)``.
Going back, its chain-rule factor is ``∂drop/∂out = m``: ``0`` for a dropped unit, so nothing
below it learns through it from this sample, and ``1/(1 − p)`` for a kept one. The recorder
copies the engine's own mask (``Dropout.mask``) and gradients: nothing here draws or recomputes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..checks import as_rng, describe
from ..layers import Dropout

if TYPE_CHECKING:
    from .recorder import Trace
    from .steps import Steps


@dataclass
class DropoutRecord:
    """What one Dropout layer did in the step; arrays have shape ``(n_samples, n_units)``."""

    index: int  # its place in network.layers
    level: int  # the values it masks: 0 the inputs, k the k-th Dense layer's out
    rate: float  # p
    scale: float  # 1 / (1 - p): the factor of a kept unit
    x: np.ndarray  # the values it received
    mask: np.ndarray  # m: 0 where dropped, 1/(1 - p) where kept
    out: np.ndarray  # x · m, what the layer above received
    grad_out: np.ndarray | None = None  # ∂E_s/∂(x · m) per sample
    grad_in: np.ndarray | None = None  # ∂E_s/∂x = ∂E_s/∂(x · m) · m per sample

    @property
    def kept(self) -> np.ndarray:
        return self.mask != 0


# ---------------------------------------------------------------- at the door and recording
def check_layers(network: Any) -> None:
    """The trace shows Dense layers neuron by neuron, with at most one Dropout between two of
    them (or on the inputs); refuse anything else at the door."""
    previous = None
    for index, layer in enumerate(network.layers):
        dense = hasattr(layer, "weights") and hasattr(layer, "activation")
        if not dense and not isinstance(layer, Dropout):
            raise ValueError(
                "trace shows networks of Dense and Dropout layers only; "
                f"layers[{index}] is {describe(layer)} (trace a copy of the network without it)"
            )
        if isinstance(layer, Dropout) and isinstance(previous, Dropout):
            raise ValueError(
                f"trace shows one Dropout between two Dense layers; layers[{index}] is "
                f"{describe(layer)} after layers[{index - 1}] {describe(previous)}"
            )
        previous = layer
    if isinstance(previous, Dropout):
        raise ValueError(
            f"trace needs a Dense output layer; the last layer is {describe(previous)}"
        )


def record_forward(
    trace: Trace, index: int, layer: Dropout, x: np.ndarray, out: np.ndarray
) -> None:
    """Keep the layer's input, the engine's mask (ones at rate 0, the identity) and output."""
    scale = 1.0 / (1.0 - layer.rate)  # the engine's factor for a kept unit
    mask = np.ones_like(x) if layer.mask is None else layer.mask.copy()
    record = DropoutRecord(index, len(trace.layers), layer.rate, scale, x.copy(), mask, out.copy())
    trace.dropouts.append(record)


def record_backward(
    trace: Trace, index: int, grad_out: np.ndarray, grad_in: np.ndarray | None
) -> None:
    """Keep ``∂E_s/∂out`` and ``∂E_s/∂x`` per sample (the batch gradient divided by ``c_s``)."""
    record = next(d for d in trace.dropouts if d.index == index)
    scale = trace.sample_scale[:, np.newaxis]
    record.grad_out = grad_out / scale
    record.grad_in = None if grad_in is None else grad_in / scale


def hand_rng(network: Any, rng: Any) -> None:
    """As ``fit(rng=...)`` does: Dropout layers without a generator of their own draw from
    ``rng``. None leaves every layer's generator as it is."""
    if rng is None:
        return
    generator = as_rng(rng)
    for layer in network.layers:
        if isinstance(layer, Dropout):
            layer.use_rng(generator)


def save_generators(network: Any) -> list[tuple[Dropout, Any, Any]]:
    """Each Dropout layer's generator and its state, so that a dry run can put them back."""
    return [
        (layer, layer.rng, None if layer.rng is None else layer.rng.bit_generator.state)
        for layer in network.layers
        if isinstance(layer, Dropout)
    ]


def restore_generators(saved: list[tuple[Dropout, Any, Any]]) -> None:
    for layer, generator, state in saved:
        layer.rng = generator
        if generator is not None:
            generator.bit_generator.state = state


def to_dicts(trace: Trace, neurons: list[list[str]]) -> list[dict[str, Any]]:
    """The dropout records as plain lists (``json.dumps`` accepts them)."""

    def plain(array: np.ndarray | None) -> Any:
        return None if array is None else np.asarray(array, dtype=float).tolist()

    return [
        {
            "layer": d.index, "level": d.level, "units": neurons[d.level], "rate": d.rate,
            "scale": d.scale, "x": plain(d.x), "mask": plain(d.mask), "kept": d.kept.tolist(),
            "out": plain(d.out), "dE_dout": plain(d.grad_out), "dE_dx": plain(d.grad_in),
        }
        for d in trace.dropouts
    ]  # fmt: skip


# ---------------------------------------------------------------- the text of the steps
def introduce(st: Steps, d: DropoutRecord) -> None:
    """Step 1: what the layer does in training and when predicting."""
    units = ", ".join(st.n.neurons[d.level])
    st.say(f"dropout on {units} (layer[{d.index}]): rate p = {d.rate:g}; in a training "
           f"step each value is dropped (× 0) with probability p, the others are scaled by "
           f"1/(1 − p) = {st.f(d.scale)}; when predicting it is the identity")  # fmt: skip


def forward(st: Steps, d: DropoutRecord, s: int) -> None:
    """Step 2: this step's mask for sample ``s``, and the values passed on."""
    names = st.n.neurons[d.level]
    if s == 0:
        st.say(f"dropout (layer[{d.index}]): the mask of this step, m = [u ≥ p] / (1 − p) with "
               "u ~ U[0, 1) drawn by the layer, as in fit")  # fmt: skip
    marks = [f"m_{name} = {st.f(d.mask[s, j])} ({_state(d, s, j)})" for j, name in enumerate(names)]
    st.say(", ".join(marks), s)
    for j, name in enumerate(names):
        source = name if d.level == 0 else f"out_{name}"
        numbers = f"{st.f(d.x[s, j])} × {st.f(d.mask[s, j])}"
        dropped = "" if d.kept[s, j] else " (dropped)"
        st.say(f"drop_{name} = {source} × m_{name} = {numbers} = {st.f(d.out[s, j])}{dropped}", s)


def backward(st: Steps, d: DropoutRecord, s: int, j: int, name: str, grad_out: float) -> None:
    """Step 4: ``∂E/∂out = ∂E/∂drop × m``, the mask as a chain-rule factor."""
    g, m = st.f(d.grad_out[s, j]), st.f(d.mask[s, j])  # type: ignore[index]
    why = "kept: 1/(1 − p)" if d.kept[s, j] else f"dropped: nothing flows back to {name}"
    st.say(f"∂drop_{name}/∂out_{name} = m_{name} = {m} ({why})", s)
    st.say(f"∂E/∂out_{name} = ∂E/∂drop_{name} × ∂drop_{name}/∂out_{name} = {g} × {m} = "
           f"{st.f(grad_out)}", s)  # fmt: skip


def chain(st: Steps, d: DropoutRecord, s: int, j: int, name: str) -> tuple[str, str]:
    """The mask's place in a weight's product: ``∂E/∂drop × ∂drop/∂out`` and its numbers."""
    factors = f"∂E/∂drop_{name} × ∂drop_{name}/∂out_{name}"
    return factors, f"{st.f(d.grad_out[s, j])} × {st.f(d.mask[s, j])}"  # type: ignore[index]


def losses(st: Steps) -> None:
    """Step 6: the loss with this step's mask, and the loss with dropout off before and after
    the update (the two that compare; predictions use dropout off)."""
    t, done = st.t, st.t.history[-1][0]
    st.say(f"E before the update = {st.f(t.loss)} (with this step's dropout mask)")
    st.say(f"E before the update, dropout off (as when predicting) = {st.f(t.loss_no_dropout)}")
    st.say(f"E after {done} update(s), dropout off = {st.f(t.loss_after)}")
    if len(t.history) > 2:
        st.say("in the table, the loss of each step is taken with that step's mask, the last "
               "with dropout off")  # fmt: skip


def _state(d: DropoutRecord, s: int, j: int) -> str:
    return "kept" if d.kept[s, j] else "dropped"
