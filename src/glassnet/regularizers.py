"""Weight penalties added to the loss (L1, L2, both) and the max-norm constraint.

A penalty goes in ``Network(layers, loss, penalties=[L2(1e-4)])``. It adds
``value(network, batch)`` to every batch loss (step 3) and, in step 4,
``add_gradient(network, batch, recorder)`` adds its gradient to each regularized parameter's
``grad`` (weights, not biases: see ``Parameter.regularized``) and reports that share to the
recorder, so the learner's trace shows how much of each gradient is the penalty. ``batch``
(:class:`glassnet.batches.Batch`) is the batch's size and sample weights, for a penalty scaled
by them; these ignore it. The formulas are Keras' (no factor ½)::

    L1(l1):      l1 · Σ|w|          gradient  l1 · sign(w)
    L2(l2):      l2 · Σ w²          gradient  2 · l2 · w

scikit-learn's MLP ``alpha`` is ``L2(0.5 * alpha / n_batch)``.

``glassnet.save_network`` keeps L1, L2 and L1L2 (name and coefficients, :func:`penalty_specs`)
and refuses any other penalty, so a loaded network trains on with the same loss.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ._workspace import Workspace
from .callbacks import Callback
from .checks import check_in_range, check_positive, describe
from .recording import NO_RECORDER, Recorder

if TYPE_CHECKING:
    from .batches import Batch
    from .network import Network


class L1L2:
    """``l1 · Σ|w| + l2 · Σ w²`` over every regularized parameter; gradient
    ``l1 · sign(w) + 2 · l2 · w``.

    Examples
    --------
    >>> import glassnet as gn
    >>> net = gn.Network([gn.Dense(2, 1, weights=[[1.0], [-2.0]])], penalties=[L1L2(0.1, 0.01)])
    >>> round(net.penalties[0].value(net, None), 6)   # 0.1 * 3 + 0.01 * 5
    0.35
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        self.l1 = check_in_range(l1, "l1", 0.0, np.inf)
        self.l2 = check_in_range(l2, "l2", 0.0, np.inf)
        self._workspace = Workspace()

    def value(self, network: Network, batch: Batch | None = None) -> float:
        """The penalty at the current weights (``batch`` is not used)."""
        total = 0.0
        for parameter in _regularized(network):
            w = parameter.value
            if self.l1:
                total += self.l1 * float(np.abs(w).sum())
            if self.l2:
                total += self.l2 * float(np.vdot(w, w))
        return total

    def add_gradient(
        self, network: Network, batch: Batch | None = None, recorder: Recorder = NO_RECORDER
    ) -> None:
        """Add the penalty's gradient to each regularized ``parameter.grad`` (``batch`` is not
        used)."""
        for index, parameter in enumerate(_regularized(network)):
            w = parameter.value
            grad = self._workspace.get(str(index), w.shape, w.dtype)  # reused: no allocation
            if self.l1:
                np.sign(w, out=grad)
                grad *= self.l1
            else:
                grad.fill(0.0)
            if self.l2:
                grad += (2.0 * self.l2) * w
            parameter.grad += grad
            recorder.penalty(parameter, grad)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(l1={self.l1}, l2={self.l2})"


class L1(L1L2):
    """``l1 · Σ|w|``; gradient ``l1 · sign(w)`` (0 at w = 0)."""

    def __init__(self, l1: float = 0.01) -> None:
        super().__init__(l1=check_positive(l1, "l1"))

    def __repr__(self) -> str:
        return f"L1({self.l1})"


class L2(L1L2):
    """``l2 · Σ w²``; gradient ``2 · l2 · w``."""

    def __init__(self, l2: float = 0.01) -> None:
        super().__init__(l2=check_positive(l2, "l2"))

    def __repr__(self) -> str:
        return f"L2({self.l2})"


class MaxNorm(Callback):
    """After every update, rescale each neuron's incoming weights to norm at most ``max_value``.

    For a weight matrix ``W`` of shape ``(n_inputs, n_outputs)``, column ``j`` becomes
    ``W[:, j] · min(1, max_value / ‖W[:, j]‖)`` (Srivastava et al.'s constraint for dropout).
    It is a callback, run at the end of each batch: ``fit(..., callbacks=[MaxNorm(3.0)])``.
    """

    def __init__(self, max_value: float = 3.0) -> None:
        self.max_value = check_positive(max_value, "max_value")

    def on_batch_end(self, state: Any) -> None:
        self.apply(state.network)

    def apply(self, network: Network) -> None:
        """Project every regularized 2-D parameter onto the max-norm ball, in place."""
        for parameter in _regularized(network):
            w = parameter.value
            if w.ndim != 2:
                continue
            norms = np.sqrt(np.einsum("ij,ij->j", w, w))
            scale = np.minimum(1.0, self.max_value / np.maximum(norms, 1e-300))
            w *= scale.astype(w.dtype, copy=False)

    def __repr__(self) -> str:
        return f"MaxNorm({self.max_value})"


# ------------------------------------------------------------- in a model file
# The penalties a model file can hold: data only (their coefficients), rebuilt by name. A
# subclass or any other object may hold code or state a file cannot, so it is never one of them.
_SAVEABLE: dict[str, tuple[type, tuple[str, ...]]] = {
    "L1": (L1, ("l1",)),
    "L2": (L2, ("l2",)),
    "L1L2": (L1L2, ("l1", "l2")),
}


def penalty_specs(penalties: list[Any]) -> list[dict[str, Any]]:
    """``penalties`` as JSON data, ``[{"type": "L2", "l2": 0.01}, ...]``; ``TypeError``
    naming the first one that is not exactly L1, L2 or L1L2 (it is never silently dropped)."""
    specs = []
    for index, penalty in enumerate(penalties):
        found = [k for k, (cls, _) in _SAVEABLE.items() if type(penalty) is cls]
        if not found:
            raise TypeError(
                f"penalties[{index}] cannot be saved in a model file: {describe(penalty)} "
                f"({type(penalty).__name__}) is not one of {', '.join(_SAVEABLE)}; save without "
                "penalties with glassnet.io.save_network(path, network, with_penalties=False) "
                "(an estimator's network_: save the estimator)"
            )
        names = _SAVEABLE[found[0]][1]
        specs.append({"type": found[0], **{name: getattr(penalty, name) for name in names}})
    return specs


def penalties_from_specs(specs: Any) -> list[Any]:
    """The penalties :func:`penalty_specs` described; ``ValueError`` for anything else."""
    if not isinstance(specs, list):
        raise ValueError(f"penalties must be a list, got {describe(specs)}")
    penalties = []
    for index, spec in enumerate(specs):
        kind = spec.get("type") if isinstance(spec, dict) else None
        if not isinstance(kind, str) or kind not in _SAVEABLE:
            raise ValueError(
                f"penalties[{index}] is not one of {', '.join(_SAVEABLE)}: {describe(spec)}"
            )
        cls, names = _SAVEABLE[kind]
        if set(spec) != {"type", *names}:
            raise ValueError(
                f"penalties[{index}] ({kind}) must hold exactly {names}: {describe(spec)}"
            )
        try:
            penalties.append(cls(**{name: spec[name] for name in names}))
        except (TypeError, ValueError) as error:
            raise ValueError(f"penalties[{index}] ({kind}) is malformed: {error}") from None
    return penalties


def _regularized(network: Network) -> list[Any]:
    return [p for p in network.parameters() if p.regularized]
