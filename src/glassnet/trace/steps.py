"""The seven-step walk-through of a :class:`~glassnet.trace.Trace`, formulas with numbers.

Every printed number is one the engine computed (copied by the recorder); the products shown
in the chain rule are the factors whose product backpropagation formed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from . import dropout
from .render import HEADINGS, Names, fmt, render_summary, shared_bias

if TYPE_CHECKING:
    from .recorder import LayerRecord, ParameterRecord, Trace

MAX_TERMS = 6
FORMULAS = {  # a loss's per-output formula, for the text; others show as name(target, out)
    "half_squared_error": "½(target − out_{o})²",
    "mean_squared_error": "(target − out_{o})²",
    "mean_absolute_error": "|target − out_{o}|",
}  # sums with more terms print only their value


class Steps:
    """Builds the text of the seven steps, one method per step."""

    def __init__(self, trace: Trace, names: Names, precision: int) -> None:
        self.t, self.n, self.p = trace, names, precision
        self.lines: list[str] = []
        self.weights = [p for p in trace.parameters if p.kind == "weights"]
        self.biases = [p for p in trace.parameters if p.kind == "bias"]
        self.batched = trace.x.shape[0] > 1
        self.drops = {d.level: d for d in trace.dropouts}  # Dropout layers by the level they mask

    def f(self, value: Any) -> str:
        return fmt(value, self.p)

    def text(self) -> str:
        steps = (self.init, self.forward, self.loss, self.output, self.hidden, self.update,
                 self.convergence, self.iteration)  # fmt: skip
        for heading, step in zip(HEADINGS, steps, strict=True):
            self.lines += [heading, "-" * len(heading)]
            step()
            self.lines.append("")
        return "\n".join(self.lines).rstrip() + "\n"

    def say(self, line: str, s: int | None = None) -> None:
        prefix = f"sample {s + 1}: " if s is not None and self.batched else ""
        self.lines.append(f"  {prefix}{line}")

    def inputs(self, k: int) -> np.ndarray:
        """The inputs of the k-th layer: x, or the previous layer's out (through any Dropout)."""
        if k in self.drops:
            return self.drops[k].out
        return self.t.x if k == 0 else self.t.layers[k - 1].out

    # ---------------------------------------------------------------- steps 1-3
    def init(self) -> None:
        sizes = "-".join(str(len(level)) for level in self.n.neurons)
        acts = [layer.activation for layer in self.t.layers]
        for d in sorted(self.t.dropouts, key=lambda d: -d.level):
            acts.insert(d.level, f"dropout {d.rate:g}")
        self.say(f"a {sizes} network ({', '.join(acts)}), loss {self.t.loss_name}, "
                 f"{self.t.optimizer}")  # fmt: skip
        for d in self.t.dropouts:
            dropout.introduce(self, d)
        for w in self.weights:
            for i, j in entries(w.before.shape):
                name = self.n.weights[(self.n.position[w.layer], i, j)]
                entry = f"layer[{w.layer}].weights[{i}, {j}]"
                label = f"{name} = {entry}" if name != entry else name
                self.say(f"{label} = {self.f(w.before[i, j])}")
        for b in self.biases:
            fixed = "" if b.trainable else " (held fixed)"
            k = self.n.position[b.layer]
            if shared_bias(b):
                name, entry = self.n.bias(k, None), f"layer[{b.layer}].bias"
                label = f"{name} = {entry}" if name != entry else name
                self.say(f"{label} (every neuron) = {self.f(b.before[0])}{fixed}")
                continue
            for j in range(b.before.size):
                self.say(f"{self.n.bias(k, j)} = {self.f(b.before[j])}{fixed}")

    def bias_name(self, k: int, j: int) -> str:
        return self.n.bias(k, None if shared_bias(self.biases[k]) else j)

    def forward(self) -> None:
        t, n = self.t, self.n
        for s in range(t.x.shape[0]):
            self.say(
                ", ".join(f"{a} = {self.f(v)}" for a, v in zip(n.neurons[0], t.x[s], strict=True)),
                s,
            )
            if 0 in self.drops:
                dropout.forward(self, self.drops[0], s)
            for k, layer in enumerate(t.layers):
                a, w = self.inputs(k)[s], self.weights[k].before
                for j, name in enumerate(n.neurons[k + 1]):
                    terms = [f"{n.weights[(k, i, j)]}·{n.value(k, i)}" for i in range(a.size)]
                    nums = [f"{self.f(w[i, j])} × {self.f(a[i])}" for i in range(a.size)]
                    b = f"{self.f(self.biases[k].before[j])}"
                    sub = f" = {' + '.join(nums)} + {b}" if a.size <= MAX_TERMS else ""
                    formula = " + ".join([*terms, self.bias_name(k, j)])
                    self.say(f"net_{name} = {formula}{sub} = {self.f(layer.net[s, j])}", s)
                    out = f"{layer.activation}(net_{name})"
                    self.say(f"out_{name} = {out} = {self.f(layer.out[s, j])}", s)
                if k + 1 in self.drops:
                    dropout.forward(self, self.drops[k + 1], s)

    def loss(self) -> None:
        t, outputs = self.t, self.n.neurons[-1]
        per_output = t.loss_per_output
        for s in range(t.x.shape[0]):
            for j, name in enumerate(outputs):
                target, out = self.f(t.y[s, j]), self.f(t.layers[-1].out[s, j])
                value = self.f(per_output[s, j]) if per_output is not None else "?"
                formula = FORMULAS.get(t.loss_name, t.loss_name + "(target, out_{o})")
                numbers = formula.format(o=name).replace(f"out_{name}", out)
                numbers = numbers.replace("target", target)
                self.say(f"E_{name} = {formula.format(o=name)} = {numbers} = {value}", s)
            if per_output is not None:
                combine = " + " if t.loss_reduction == "sum" else ", "
                how = "" if t.loss_reduction == "sum" else "mean of "
                total = per_output[s].sum() if t.loss_reduction == "sum" else per_output[s].mean()
                terms = combine.join(f"E_{name}" for name in outputs)
                self.say(f"E_total = {how}{terms} = {self.f(total)}", s)
        if self.batched:
            self.say(f"E = {self._mean_word()} of the samples' E_total = {self.f(t.data_loss)}")
        if t.loss != t.data_loss:
            penalty = t.loss - t.data_loss
            self.say(f"E with the weight penalty = {self.f(t.data_loss)} + {self.f(penalty)} "
                     f"= {self.f(t.loss)}")  # fmt: skip

    def _mean_word(self) -> str:
        scale = self.t.sample_scale
        return "mean" if np.all(scale == scale[0]) else "weighted mean (sample_weight)"

    # ---------------------------------------------------------------- step 4
    def output(self) -> None:
        self.layer_backward(len(self.t.layers) - 1)

    def hidden(self) -> None:
        if len(self.t.layers) == 1:
            self.say("the network has no hidden layer: nothing to propagate further")
        for k in range(len(self.t.layers) - 2, -1, -1):
            self.layer_backward(k)

    def layer_backward(self, k: int) -> None:
        layer = self.t.layers[k]
        for s in range(self.t.x.shape[0]):
            for j, name in enumerate(self.n.neurons[k + 1]):
                if k < len(self.t.layers) - 1:
                    self.hidden_sum(k, s, j, name)
                self.delta(layer, s, j, name)
        self.gradients(k)

    def hidden_sum(self, k: int, s: int, j: int, name: str) -> None:
        above, w = self.t.layers[k + 1], self.weights[k + 1].before
        is_output = k + 1 == len(self.t.layers) - 1
        value_of, d = self.n.value(k + 1, j), self.drops.get(k + 1)  # out_h1, or drop_h1
        terms = []
        for m, upper in enumerate(self.n.neurons[k + 2]):
            value = above.delta[s, m] * w[j, m]  # type: ignore[index]
            label = (
                f"∂E_{upper}/∂{value_of}"
                if is_output
                else f"δ_{upper}·{self.n.weights[(k + 1, j, m)]}"
            )
            if len(self.n.neurons[k + 2]) <= MAX_TERMS:
                self.say(f"{label} = δ_{upper} × {self.n.weights[(k + 1, j, m)]} = "
                         f"{self.f(above.delta[s, m])} × {self.f(w[j, m])} = {self.f(value)}", s)  # type: ignore[index]  # fmt: skip
            terms.append(self.f(value))
        grad_out = layer_grad(self.t.layers[k], s, j)
        total = grad_out if d is None else d.grad_out[s, j]  # type: ignore[index]
        shown = " + ".join(terms) + " = " if len(terms) <= MAX_TERMS else ""
        self.say(f"∂E/∂{value_of} = {shown}{self.f(total)}", s)
        if d is not None:  # the mask's factor: ∂drop/∂out = m
            dropout.backward(self, d, s, j, name, grad_out)

    def delta(self, layer: LayerRecord, s: int, j: int, name: str) -> None:
        d = self.f(layer.delta[s, j])  # type: ignore[index]
        if layer.grad_out is None:
            out, target = self.f(layer.out[s, j]), self.f(self.t.y[s, j])
            if s == j == 0:
                note = (
                    "the loss is taken from the logits, so ∂E/∂out × ∂out/∂net is δ = out − target"
                )
                self.say(f"{layer.activation} with {self.t.loss_name}: {note}")
            self.say(f"δ_{name} = ∂E/∂net_{name} = out_{name} − target = {out} − {target} = {d}", s)
            return
        if layer is self.t.layers[-1]:
            self.say(f"∂E/∂out_{name} = {self.f(layer.grad_out[s, j])}", s)
        if layer.dout_dnet is None:
            self.say(f"δ_{name} = ∂E/∂net_{name} = ({layer.activation} Jacobian)·∂E/∂out = {d}", s)
            return
        g, dd = self.f(layer.grad_out[s, j]), self.f(layer.dout_dnet[s, j])
        self.say(f"∂out_{name}/∂net_{name} = {layer.activation}′(net_{name}) = {dd}", s)
        self.say(f"δ_{name} = ∂E/∂out_{name} × ∂out_{name}/∂net_{name} = {g} × {dd} = {d}", s)

    def gradients(self, k: int) -> None:
        w = self.weights[k]
        for i, j in entries(w.before.shape):
            name = self.n.weights[(k, i, j)]
            for s in range(self.t.x.shape[0]):
                self.say(self.product(k, s, i, j), s)
            if self.batched:
                self.say(f"∂E/∂{name} = {self._mean_word()} of the samples = "
                         f"{self.f(data_grad(w)[i, j])}")  # fmt: skip
        b = self.biases[k]
        if shared_bias(b):
            self.say(f"{self.n.bias(k, None)} is held fixed (∂E/∂{self.n.bias(k, None)} = "
                     f"Σ δ = {self.f(data_grad(b).sum())} is not used)")  # fmt: skip
            return
        for j in range(b.before.size):
            self.say(f"∂E/∂{self.n.bias(k, j)} = δ_{self.n.neurons[k + 1][j]} × 1"
                     f"{' (mean of the samples)' if self.batched else ''} = "
                     f"{self.f(data_grad(b)[j])}")  # fmt: skip

    def product(self, k: int, s: int, i: int, j: int) -> str:
        layer, name = self.t.layers[k], self.n.weights[(k, i, j)]
        target, a = self.n.neurons[k + 1][j], self.inputs(k)[s, i]
        lhs = f"∂E_s/∂{name}" if self.batched else f"∂E/∂{name}"
        d = layer.delta[s, j]  # type: ignore[index]
        # one sample: the engine's own gradient; a batch: this sample's term of the mean
        value = self.f(d * a if self.batched else data_grad(self.weights[k])[i, j])
        dnet = f"∂net_{target}/∂{name}"
        if layer.grad_out is None or layer.dout_dnet is None:
            return f"{lhs} = δ_{target} × {dnet} = {self.f(d)} × {self.f(a)} = {value}"
        g, dd = self.f(layer.grad_out[s, j]), self.f(layer.dout_dnet[s, j])
        first = f"∂E/∂out_{target}"
        if k + 1 in self.drops:  # ∂E/∂out = ∂E/∂drop × m: the mask is a factor of the product
            first, g = dropout.chain(self, self.drops[k + 1], s, j, target)
        chain = f"{first} × ∂out_{target}/∂net_{target} × {dnet}"
        return f"{lhs} = {chain} = {g} × {dd} × {self.f(a)} = {value}"

    # ---------------------------------------------------------------- steps 5-7
    def update(self) -> None:
        t = self.t
        self.say(f"learning rate η = {self.f(t.learning_rate)} ({t.optimizer})")
        for p in t.parameters:
            if not p.trainable:
                continue
            for index in entries(p.before.shape):
                self.say(self.update_line(p, index))
        fixed = sorted({self.n.bias(k, None) for k, b in enumerate(self.biases) if shared_bias(b)})
        if fixed:
            self.say(f"{', '.join(fixed)} held fixed (train_bias=False)")
        if t.dry_run:
            self.say("dry run: the parameters and the optimizer were restored afterwards")

    def update_line(self, p: ParameterRecord, index: tuple[int, ...]) -> str:
        k = self.n.position[p.layer]
        name = self.n.weights[(k, *index)] if p.kind == "weights" else self.n.bias(k, index[0])
        old, grad, new = p.before[index], p.grad[index], p.after[index]  # type: ignore[index]
        share = ""
        if p.penalty_grad is not None:
            share = f"  (of ∂E/∂{name}, the penalty's share is {self.f(p.penalty_grad[index])})"
        if self.t.plain_sgd:
            eta = self.f(self.t.learning_rate)
            return (f"{name} = {name} − η × ∂E/∂{name} = {self.f(old)} − {eta} × {self.f(grad)} "
                    f"= {self.f(new)}{share}")  # fmt: skip
        change = self.f(new - old)  # momentum or adaptive rates: not simply −η·gradient
        return (f"{name}: old {self.f(old)}, ∂E/∂{name} = {self.f(grad)}, change {change}, "
                f"new {self.f(new)}{share}")  # fmt: skip

    def convergence(self) -> None:
        """The loss before and after the update(s): what a stopping rule compares."""
        t = self.t
        if t.loss_no_dropout is not None:
            dropout.losses(self)
        else:
            self.say(f"E before the update = {self.f(t.loss)}")
            self.say(f"E after {t.history[-1][0]} update(s) = {self.f(t.loss_after)}")
        if len(t.history) > 2:
            self.say("iterations | loss")
            for done, loss in t.history:
                self.say(f"{done:>10} | {self.f(loss)}")

    def iteration(self) -> None:
        """Where the iterations took the outputs."""
        t = self.t
        predicting = "" if t.loss_no_dropout is None else " (predictions: dropout off)"
        self.say(f"steps 2-5 ran {t.history[-1][0]} time(s) on this batch; the outputs now"
                 f"{predicting}:")  # fmt: skip
        if t.final_outputs is not None:
            for s in range(t.x.shape[0]):
                outs = zip(self.n.neurons[-1], t.final_outputs[s], t.y[s], strict=True)
                self.say(
                    ", ".join(f"out_{o} = {self.f(v)} (target {self.f(y)})" for o, v, y in outs), s
                )


def render_text(trace: Trace, precision: int, max_weights: int = 200) -> str:
    """The seven steps with every number; a summary when the network or batch is too large."""
    n_weights = sum(p.before.size for p in trace.parameters if p.kind == "weights")
    if n_weights > max_weights or trace.x.shape[0] > 10:
        return render_summary(trace, precision, n_weights)
    return Steps(trace, Names(trace), precision).text()


def entries(shape: tuple[int, ...]) -> list[tuple[int, ...]]:
    """Indices in the tutorials' order: all weights into neuron 1 (w1, w2), then neuron 2."""
    return [index[::-1] for index in np.ndindex(shape[::-1])]


def layer_grad(layer: LayerRecord, s: int, j: int) -> float:
    return float(layer.grad_out[s, j]) if layer.grad_out is not None else float("nan")


def data_grad(p: ParameterRecord) -> np.ndarray:
    """The gradient of the data loss alone (the penalty's part is shown at the update)."""
    grad: Any = p.grad if p.grad is not None else np.zeros_like(p.before)
    return grad if p.penalty_grad is None else grad - p.penalty_grad
