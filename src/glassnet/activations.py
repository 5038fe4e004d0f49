"""Steps 2 and 4: activation functions ``a = f(z)`` and their derivatives.

An activation is a pure function object with no state of its own (the layer holds ``z`` and
``a``), so one instance can serve many layers:

- ``forward(z, out=None) -> a``
- ``backward(z, a, grad_a, out=None) -> grad_z``, the chain rule ``dL/dz = dL/da · da/dz``
- ``derivative(z, a, out=None) -> da/dz`` for the element-wise ones (``elementwise = True``),
  the factor the learner's trace prints as ``∂out/∂net``.

``out`` lets the layer pass a buffer it reuses across steps; the result is written there.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from .checks import check_positive, resolve


def _out(out: np.ndarray | None, like: np.ndarray) -> np.ndarray:
    return np.empty_like(like) if out is None else out


class Activation:
    """Base class of the element-wise activations: ``backward = grad_a * derivative``."""

    name = "activation"
    elementwise = True

    def forward(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        raise NotImplementedError

    def derivative(self, z: np.ndarray, a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        raise NotImplementedError

    def backward(
        self, z: np.ndarray, a: np.ndarray, grad_a: np.ndarray, out: np.ndarray | None = None
    ) -> np.ndarray:
        grad_z = self.derivative(z, a, out)
        grad_z *= grad_a
        return grad_z

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and vars(self) == vars(other)

    def __hash__(self) -> int:
        return hash((type(self), tuple(sorted(vars(self).items()))))


class Sigmoid(Activation):
    """Logistic sigmoid ``a = 1 / (1 + exp(-z))``, ``da/dz = a (1 - a)``.

    Overflow-safe: ``z`` is first raised to the smallest value whose ``exp(-z)`` is finite in the
    array's dtype (-709 in float64, -88 in float32). Below that the true sigmoid is under 1e-38
    (float32) or 1e-307 (float64), and that is what is returned.
    """

    name = "sigmoid"

    def forward(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        a = np.maximum(z, _EXP_FLOOR.get(z.dtype, -709.0), out=_out(out, z))
        np.negative(a, out=a)
        np.exp(a, out=a)
        np.add(a, _ONE.get(a.dtype, 1.0), out=a)
        np.reciprocal(a, out=a)
        return a

    def derivative(self, z: np.ndarray, a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        slope = np.subtract(_ONE.get(a.dtype, 1.0), a, out=_out(out, a))
        slope *= a
        return slope


def _constants(value32: float, value64: float) -> dict[np.dtype, Any]:
    """A constant as a read-only 0-d array of each dtype: NumPy converts a Python float on every
    call (0.3 µs, all of the arithmetic on the worked example's arrays); a 0-d array of the
    array's own dtype it takes as is."""
    constants = {}
    for dtype, value in ((np.dtype(np.float32), value32), (np.dtype(np.float64), value64)):
        constant = np.array(value, dtype=dtype)
        constant.flags.writeable = False
        constants[dtype] = constant
    return constants


_IN_CACHE = 4 << 20  # bytes: arrays up to this size are assumed to stay in the CPU's caches
_ONE = _constants(1.0, 1.0)
_EXP_FLOOR = _constants(-88.0, -709.0)  # the smallest z whose exp(-z) is finite, per dtype


class Tanh(Activation):
    """Hyperbolic tangent ``a = tanh(z)``, ``da/dz = 1 - a²``."""

    name = "tanh"

    def forward(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        return np.tanh(z, out=_out(out, z))

    def derivative(self, z: np.ndarray, a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        slope = np.multiply(a, a, out=_out(out, a))
        np.subtract(1.0, slope, out=slope)
        return slope


class ReLU(Activation):
    """Rectified linear unit ``a = max(z, 0)``, ``da/dz = 1 if z > 0 else 0``."""

    name = "relu"

    def forward(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        a = _out(out, z)
        if a is z or a.nbytes > _IN_CACHE:
            return np.maximum(z, 0.0, out=a)
        # max(z, 0) against an array of zeros: NumPy's vectorised loop for maximum needs two
        # arrays; with a scalar 0 it is 2-4 times slower on a batch's activations. Filling the
        # zeros is a second pass over memory, which only pays while the array stays in cache.
        a.fill(0.0)
        return np.maximum(z, a, out=a)

    def derivative(self, z: np.ndarray, a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        return np.greater(z, 0.0, out=_out(out, z))

    def backward(
        self, z: np.ndarray, a: np.ndarray, grad_a: np.ndarray, out: np.ndarray | None = None
    ) -> np.ndarray:
        return np.multiply(grad_a, z > 0.0, out=_out(out, z))


class LeakyReLU(Activation):
    """``a = z if z > 0 else alpha·z``, ``da/dz = 1 if z > 0 else alpha``."""

    name = "leaky_relu"

    def __init__(self, alpha: float = 0.01) -> None:
        self.alpha = check_positive(alpha, "alpha")

    def forward(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        a = np.multiply(z, self.alpha, out=_out(out, z))
        return np.maximum(z, a, out=a) if self.alpha <= 1 else np.minimum(z, a, out=a)

    def derivative(self, z: np.ndarray, a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        slope = np.greater(z, 0.0, out=_out(out, z))
        slope *= 1.0 - self.alpha
        slope += self.alpha
        return slope

    def __repr__(self) -> str:
        return f"LeakyReLU(alpha={self.alpha})"


class ELU(Activation):
    """``a = z if z > 0 else alpha·(exp(z) - 1)``, ``da/dz = 1 if z > 0 else a + alpha``."""

    name = "elu"

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = check_positive(alpha, "alpha")

    def forward(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        a = np.minimum(z, 0.0, out=_out(out, z))  # exp only of the non-positive part: no overflow
        np.expm1(a, out=a)
        a *= self.alpha
        np.copyto(a, z, where=z > 0.0)
        return a

    def derivative(self, z: np.ndarray, a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        slope = np.add(a, self.alpha, out=_out(out, a))
        np.copyto(slope, 1.0, where=z > 0.0)
        return slope

    def __repr__(self) -> str:
        return f"ELU(alpha={self.alpha})"


class Softplus(Activation):
    """``a = log(1 + exp(z))``, as ``max(z, 0) + log1p(exp(-|z|))``; ``da/dz = sigmoid(z)``."""

    name = "softplus"

    def forward(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        a = np.abs(z, out=_out(out, z))
        np.negative(a, out=a)
        np.exp(a, out=a)
        np.log1p(a, out=a)
        a += np.maximum(z, 0.0)
        return a

    def derivative(self, z: np.ndarray, a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        return Sigmoid().forward(z, out)


class Identity(Activation):
    """``a = z``, ``da/dz = 1``; the output activation of regression networks."""

    name = "identity"

    def forward(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        return z

    def derivative(self, z: np.ndarray, a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        slope = _out(out, z)
        slope.fill(1.0)
        return slope

    def backward(
        self, z: np.ndarray, a: np.ndarray, grad_a: np.ndarray, out: np.ndarray | None = None
    ) -> np.ndarray:
        return grad_a


class Exp(Activation):
    """``a = exp(z)``, ``da/dz = a``: the log link of Poisson regression (positive outputs).

    Paired with the half Poisson deviance the network skips it and uses ``dL/dz = (a - y) / n``.
    """

    name = "exp"

    def forward(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        return np.exp(z, out=_out(out, z))

    def derivative(self, z: np.ndarray, a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        slope = _out(out, a)
        slope[...] = a
        return slope


class Softmax(Activation):
    """``a_j = exp(z_j) / Σ_k exp(z_k)`` over each row, computed after subtracting the row maximum.

    Not element-wise: each output depends on every input of its row. The chain rule is the
    Jacobian-vector product ``dL/dz_j = a_j (dL/da_j - Σ_k a_k dL/da_k)``. Paired with
    categorical cross-entropy the network skips it and uses ``dL/dz = (a - y) / n`` directly.
    """

    name = "softmax"
    elementwise = False

    def forward(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        a = shifted_logits(z, _out(out, z))
        np.exp(a, out=a)
        a /= row_sums(a)[:, np.newaxis]
        return a

    def derivative(self, z: np.ndarray, a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        raise TypeError("softmax has a Jacobian, not an element-wise derivative; use backward()")

    def backward(
        self, z: np.ndarray, a: np.ndarray, grad_a: np.ndarray, out: np.ndarray | None = None
    ) -> np.ndarray:
        grad_z = np.subtract(grad_a, (grad_a * a).sum(axis=1, keepdims=True), out=_out(out, a))
        grad_z *= a
        return grad_z


def shifted_logits(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``z_ij - max_k z_ik``: each row shifted so that its largest value is 0.

    The shift keeps ``exp`` finite in softmax and log-softmax and changes neither. ``z.max(axis=1)``
    runs one short loop per row, slow for the ~10 columns of an output layer; beyond a few dozen
    rows it is 4 times faster to find each row's largest column with ``argmax`` (vectorised
    across rows) and gather it.
    """
    n_rows, n_columns = z.shape
    if n_rows < 64:
        row_max = np.maximum.reduce(z, axis=1, keepdims=True)
    else:
        flat_index = z.argmax(axis=1)
        flat_index += np.arange(0, n_rows * n_columns, n_columns)
        row_max = np.take(z.reshape(-1), flat_index)[:, np.newaxis]
    return np.subtract(z, row_max, out=_out(out, z))


def row_sums(a: np.ndarray) -> np.ndarray:
    """``Σ_j a_ij`` for each row, shape ``(n_rows,)``, as the product ``a @ 1``.

    ``a.sum(axis=1)`` runs one short loop per row; BLAS's matrix-vector product is 5 times faster
    on an output layer's few columns.
    """
    return np.matmul(a, ones(a.shape[1], a.dtype))


@functools.lru_cache(maxsize=64)
def ones(n: int, dtype: np.dtype) -> np.ndarray:
    """A read-only vector of ``n`` ones, made once per size and dtype (for sums as products)."""
    vector = np.ones(n, dtype=dtype)
    vector.flags.writeable = False
    return vector


ACTIVATIONS: dict[str, type] = {
    "sigmoid": Sigmoid,
    "logistic": Sigmoid,
    "tanh": Tanh,
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "elu": ELU,
    "softplus": Softplus,
    "softmax": Softmax,
    "identity": Identity,
    "linear": Identity,
    "exp": Exp,
}


def get_activation(spec: Any) -> Activation:
    """Resolve a name from :data:`ACTIVATIONS` (``"sigmoid"``...) or accept an object."""
    if spec is None:
        return Identity()
    activation: Activation = resolve(spec, ACTIVATIONS, "activation", ("forward", "backward"))
    return activation


__all__ = [
    "ACTIVATIONS",
    "ELU",
    "Activation",
    "Exp",
    "Identity",
    "LeakyReLU",
    "ReLU",
    "Sigmoid",
    "Softmax",
    "Softplus",
    "Tanh",
    "get_activation",
]
