"""Render a :class:`~glassnet.trace.Trace`: the seven-step text, plain dicts, HTML tables.

Numbers print with a fixed number of decimals (default 9, the published precision), so that
0.751365070 shows the tutorials' 0.75136507 digit for digit; very small or large numbers
switch to scientific notation. Negative numbers use the minus sign ``−``.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .dropout import to_dicts as dropout_dicts

if TYPE_CHECKING:
    from .recorder import Trace

# The tutorials' seven steps, as numbered everywhere in glassnet; step 4 in two parts.
HEADINGS = (
    "Step 1. Initialization: the starting parameters",
    "Step 2. Forward propagation",
    "Step 3. The loss",
    "Step 4. Backpropagation: the output layer",
    "Step 4. Backpropagation: the hidden layers",
    "Step 5. The update",
    "Step 6. Checking convergence",
    "Step 7. The iteration",
)


def fmt(value: Any, precision: int) -> str:
    """``value`` with ``precision`` decimals, or in scientific notation when it would vanish."""
    value = float(value) + 0.0  # -0.0 (a negative number times a dropped unit's 0) prints as 0
    small = value != 0 and abs(value) < 10.0 ** -max(precision - 1, 0)
    text = f"{value:.{precision}e}" if small or abs(value) >= 1e6 else f"{value:.{precision}f}"
    return "−" + text[1:] if text.startswith("-") else text


class Names:
    """The tutorials' names (i1, h1, o1, w1, b1) or matrix names (layer[0].weights[0, 1]).

    Keys count Dense layers only (``k`` is the k-th Dense layer); matrix names show the
    layer's place in ``network.layers``, which a Dropout layer shifts.
    """

    def __init__(self, trace: Trace) -> None:
        self.tutorial = trace.names == "tutorial"
        self.indices = [layer.index for layer in trace.layers]  # place in network.layers
        self.position = {index: k for k, index in enumerate(self.indices)}
        self.dropped = {d.level for d in trace.dropouts}  # levels passed on through a Dropout
        sizes = [trace.x.shape[1]] + [layer.out.shape[1] for layer in trace.layers]
        self.neurons = [self._level(level, size, len(sizes)) for level, size in enumerate(sizes)]
        self.weights: dict[tuple[int, ...], str] = {}
        counter = 0
        for level in range(1, len(sizes)):
            for j in range(sizes[level]):
                for i in range(sizes[level - 1]):
                    counter += 1
                    matrix = f"layer[{self.indices[level - 1]}].weights[{i}, {j}]"
                    self.weights[(level - 1, i, j)] = f"w{counter}" if self.tutorial else matrix

    def _level(self, level: int, size: int, n_levels: int) -> list[str]:
        if not self.tutorial:
            index = self.indices[level - 1] if level else 0
            return [f"x[{j}]" if level == 0 else f"layer[{index}][{j}]" for j in range(size)]
        if level == 0 or level == n_levels - 1:
            prefix = "i" if level == 0 else "o"
        else:
            prefix = "h" if n_levels == 3 else f"h{level}_"
        return [f"{prefix}{j + 1}" for j in range(size)]

    def value(self, level: int, i: int) -> str:
        """The symbol of the i-th input of the layer above ``level``: i1, out_h1, or drop_h1
        when a Dropout layer sits in between."""
        name = self.neurons[level][i]
        if level in self.dropped:
            return f"drop_{name}"
        return name if level == 0 else f"out_{name}"

    def bias(self, layer: int, j: int | None) -> str:
        """``b{layer+1}`` for the shared fixed bias of the Dense layer ``layer`` (j None), else one
        neuron's bias."""
        index = self.indices[layer]
        if j is None:
            return f"b{layer + 1}" if self.tutorial else f"layer[{index}].bias"
        return f"b_{self.neurons[layer + 1][j]}" if self.tutorial else f"layer[{index}].bias[{j}]"


def shared_bias(record: Any) -> bool:
    """A fixed bias with one value for the whole layer is shown per layer, as published."""
    return not record.trainable and bool(np.all(record.before == record.before.flat[0]))


def to_dict(trace: Trace, names: Names | None = None) -> dict[str, Any]:
    """Plain lists, floats and strings: ``json.dumps(trace.to_dict())`` works. ``names``: the
    trace's :class:`Names` when the caller has them (building them is most of the time)."""
    names = Names(trace) if names is None else names
    parameters = []
    for p in trace.parameters:
        parameters.append(
            {
                "layer": p.layer, "kind": p.kind, "trainable": p.trainable,
                "before": _plain(p.before), "gradient": _plain(p.grad),
                "penalty_gradient": _plain(p.penalty_grad), "after": _plain(p.after),
            }
        )  # fmt: skip
    layers = [
        {
            "layer": layer.index, "activation": layer.activation, "net": _plain(layer.net),
            "out": _plain(layer.out), "dE_dout": _plain(layer.grad_out),
            "dout_dnet": _plain(layer.dout_dnet), "delta": _plain(layer.delta),
        }
        for layer in trace.layers
    ]  # fmt: skip
    return {
        "names": trace.names,
        "neurons": names.neurons,
        "weight_names": {name: list(key) for key, name in names.weights.items()},
        "x": _plain(trace.x), "y": _plain(trace.y), "sample_scale": _plain(trace.sample_scale),
        "loss_function": trace.loss_name, "uses_logits": trace.uses_logits,
        "optimizer": trace.optimizer, "learning_rate": trace.learning_rate,
        "layers": layers, "parameters": parameters,
        "dropouts": dropout_dicts(trace, names.neurons),
        "loss": trace.loss, "data_loss": trace.data_loss,
        "loss_per_output": _plain(trace.loss_per_output), "loss_after": trace.loss_after,
        "loss_no_dropout": trace.loss_no_dropout,
        "history": [[done, loss] for done, loss in trace.history],
        "final_outputs": _plain(trace.final_outputs), "dry_run": trace.dry_run,
    }  # fmt: skip


def _plain(array: Any) -> Any:
    return None if array is None else np.asarray(array, dtype=float).tolist()


def render_html(trace: Trace, precision: int) -> str:
    """Three tables for Jupyter: forward values, the loss, and each parameter's update."""
    names, f = Names(trace), (lambda v: html.escape(fmt(v, precision)))
    drops = {d.level: d for d in trace.dropouts}
    forward = []
    for level in range(len(trace.layers) + 1):
        if level:
            layer = trace.layers[level - 1]
            forward += [(name, f(layer.net[0, j]), f(layer.out[0, j]))
                        for j, name in enumerate(names.neurons[level])]  # fmt: skip
        if level in drops:  # a Dropout's row: its mask in the net column
            d = drops[level]
            forward += [(f"drop_{name}", f"× {f(d.mask[0, j])}", f(d.out[0, j]))
                        for j, name in enumerate(names.neurons[level])]  # fmt: skip
    updates = []
    for p in trace.parameters:
        k = names.position[p.layer]
        for index in np.ndindex(p.before.shape):
            if p.kind == "weights":
                name = names.weights[(k, *index)]
            else:
                name = names.bias(k, index[0])
            after = p.after[index] if p.after is not None else p.before[index]
            grad = p.grad[index] if p.grad is not None else np.nan
            updates.append((name, f(p.before[index]), f(grad), f(after)))
    losses = [("E (batch)", f(trace.loss)), ("E after the update", f(trace.loss_after))]
    return (
        _table("Forward pass (first sample)", ("neuron", "net", "out"), forward)
        + _table("Loss", ("", "value"), losses)
        + _table(
            f"Update, η = {f(trace.learning_rate)}", ("parameter", "old", "∂E/∂", "new"), updates
        )
    )


def _table(caption: str, header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><caption>{html.escape(caption)}</caption><tr>{head}</tr>{body}</table>"


def _norm(array: np.ndarray | None) -> float:
    return float("nan") if array is None else float(np.linalg.norm(array))


MASKED = " (with the step's dropout mask)"


def _summary_losses(trace: Trace, f: Callable[[float], str]) -> list[str]:
    """Step 6 of the summary: the loss table; with dropout, which losses had a mask (each
    step's own) and which had none (the last, and the first again, as when predicting)."""
    if trace.loss_no_dropout is None:
        return [f"after {done} iterations: E = {f(loss)}" for done, loss in trace.history]
    *masked, (done, loss) = trace.history
    return [
        *(f"after {k} iterations: E = {f(value)}{MASKED}" for k, value in masked),
        f"after 0 iterations, dropout off (as when predicting): E = {f(trace.loss_no_dropout)}",
        f"after {done} iterations, dropout off: E = {f(loss)}",
    ]


def _summary_outputs(trace: Trace, f: Callable[[float], str]) -> list[str]:
    """Step 7 of the summary: where the iterations took the outputs."""
    done, out = trace.history[-1][0], trace.final_outputs
    if out is None:
        return []
    return [f"the outputs after {done} update(s): from {f(out.min())} to {f(out.max())}"]


def render_summary(trace: Trace, precision: int, n_weights: int) -> str:
    """The seven steps with one line per layer, for networks too large to print in full."""

    def f(value: float) -> str:
        return fmt(value, precision)

    trained = [p for p in trace.parameters if p.trainable and p.after is not None]
    steps = [
        [f"layer[{p.layer}].{p.kind}: shape {p.before.shape}, |θ| = {f(_norm(p.before))}"
         for p in trace.parameters],
        [f"layer[{r.index}] ({r.activation}): out from {f(r.out.min())} to {f(r.out.max())}"
         for r in trace.layers]
        + [f"layer[{d.index}] (dropout, p = {d.rate:g}): {int((~d.kept).sum())} of {d.mask.size}"
           f" values dropped, the others × {f(d.scale)}" for d in trace.dropouts],
        [f"E = {f(trace.loss)}" + ("" if trace.loss_no_dropout is None else MASKED)],
        [f"layer[{trace.layers[-1].index}]: |δ| = {f(_norm(trace.layers[-1].delta))}"],
        [f"layer[{r.index}]: |δ| = {f(_norm(r.delta))}" for r in trace.layers[:-1]],
        [f"η = {f(trace.learning_rate)}"]
        + [f"layer[{p.layer}].{p.kind}: |∂E/∂θ| = {f(_norm(p.grad))}, "
           f"|change| = {f(_norm(p.after - p.before))}" for p in trained],
        _summary_losses(trace, f),
        _summary_outputs(trace, f),
    ]  # fmt: skip
    lines = [
        f"{n_weights} weights and {trace.x.shape[0]} samples: too many to print one by one; "
        "use trace.to_dict() or `glassnet explain --json` for every number.",
        "",
    ]
    for heading, step in zip(HEADINGS, steps, strict=True):
        lines += [heading, "-" * len(heading), *(f"  {line}" for line in step), ""]
    return "\n".join(lines).rstrip() + "\n"
