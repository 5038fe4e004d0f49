"""Steps 2 and 4 for one layer: the affine map, its activation, and their backward pass.

Every layer has ``forward(x, training) -> a``, ``backward(grad_a, need_input_grad) -> grad_x``
and ``parameters()``. A layer keeps what its backward needs: ``Dense`` keeps its input ``x``,
the weighted sums ``net`` (``z``) and the activations ``out`` (``a``) of the last forward pass,
under the tutorials' names so that a learner can read them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._workspace import Workspace
from .activations import Activation, get_activation, ones
from .checks import as_dtype, as_float_array, as_rng, check_bool, check_int
from .initializers import get_initializer
from .parameters import Parameter
from .sparse import is_sparse


class Dense:
    """A fully connected layer: ``z = x @ W + b``, ``a = activation(z)``.

    Parameters
    ----------
    n_inputs, n_outputs : int
        ``W`` has shape ``(n_inputs, n_outputs)``: column ``j`` holds the weights into neuron ``j``.
    activation : str or Activation
        ``"sigmoid"``, ``"tanh"``, ``"relu"``, ``"leaky_relu"``, ``"elu"``, ``"softplus"``,
        ``"softmax"``, ``"identity"`` or an activation object.
    weights : array-like of shape (n_inputs, n_outputs), optional
        Explicit starting weights; overrides ``weight_init``.
    bias : float or array-like of shape (n_outputs,), optional
        Explicit starting bias; a scalar fills the layer. Overrides ``bias_init``.
    weight_init, bias_init : str or callable
        Initializers (see :mod:`glassnet.initializers`) used when no explicit value is given.
    train_bias : bool
        ``False`` keeps the bias fixed, as the published worked example does.
    rng : int, Generator or None
        Seed or generator for the random initialization.
    dtype : float32 or float64

    Examples
    --------
    >>> import glassnet as gn
    >>> layer = gn.Dense(2, 2, "sigmoid", weights=[[0.15, 0.25], [0.20, 0.30]], bias=0.35)
    >>> layer.forward(np.array([[0.05, 0.10]])).round(9)
    array([[0.59326999, 0.59688438]])
    """

    def __init__(
        self,
        n_inputs: int,
        n_outputs: int,
        activation: str | Activation = "identity",
        weights: Any = None,
        bias: Any = None,
        weight_init: Any = "glorot_uniform",
        bias_init: Any = "zeros",
        train_bias: bool = True,
        rng: Any = None,
        dtype: Any = np.float64,
    ) -> None:
        self.n_inputs = check_int(n_inputs, "n_inputs")
        self.n_outputs = check_int(n_outputs, "n_outputs")
        self.activation = get_activation(activation)
        dtype = as_dtype(dtype)
        shape = (self.n_inputs, self.n_outputs)
        generator = as_rng(rng)
        if weights is None:
            w = np.asarray(get_initializer(weight_init)(shape, generator, dtype), dtype=dtype)
        else:
            w = _explicit(weights, "weights", shape, dtype)
        if bias is None:
            b = np.asarray(
                get_initializer(bias_init)((self.n_outputs,), generator, dtype), dtype=dtype
            )
        else:
            b = _explicit(bias, "bias", (self.n_outputs,), dtype)
        self.weights = Parameter(np.ascontiguousarray(w), "weights")
        trainable = check_bool(train_bias, "train_bias")
        self.bias = Parameter(
            np.ascontiguousarray(b), "bias", trainable=trainable, regularized=False
        )
        self._workspace = Workspace()
        self._x: np.ndarray | None = None
        self._z: np.ndarray | None = None
        self._a: np.ndarray | None = None
        self._delta: np.ndarray | None = None

    @property
    def dtype(self) -> np.dtype:
        return self.weights.dtype

    @property
    def net(self) -> np.ndarray | None:
        """The weighted sums ``z`` of the last forward pass, ``(n_samples, n_outputs)``."""
        return self._z

    @property
    def out(self) -> np.ndarray | None:
        """The activations ``a`` of the last forward pass, ``(n_samples, n_outputs)``."""
        return self._a

    @property
    def delta(self) -> np.ndarray | None:
        """``δ = ∂L/∂net`` of the last backward pass, ``(n_samples, n_outputs)``."""
        return self._delta

    def parameters(self) -> list[Parameter]:
        """Every parameter, trainable or not: ``[weights, bias]``."""
        return [self.weights, self.bias]

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """``z = x @ W + b``, ``a = activation(z)``; returns ``a`` (a buffer reused next call).

        ``x`` may be a SciPy sparse matrix (:mod:`glassnet.sparse`): its own ``@`` gives a
        dense ``z``, and the data is never densified.
        """
        weights = self.weights.value
        if x.dtype != weights.dtype:  # np.dot, unlike np.matmul, writes only its own dtype
            x = x.astype(weights.dtype)
        z = self._workspace.get("z", (x.shape[0], self.n_outputs), weights.dtype)
        if is_sparse(x):
            z[...] = x @ weights  # sparse times dense: dense
        else:
            np.dot(x, weights, out=z)  # matmul's BLAS call, half its fixed cost on tiny arrays
        z += self.bias.value
        a = self.activation.forward(z, self._workspace.get("a", z.shape, z.dtype))
        self._x, self._z, self._a = x, z, a
        return a

    def backward(self, grad_a: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        """Chain ``dL/da`` through the activation, then :meth:`backward_net`."""
        if self._z is None or self._a is None:
            raise RuntimeError("Dense.backward called before forward")
        grad_z = self._workspace.get("grad_z", grad_a.shape, self._z.dtype)
        grad_z = self.activation.backward(self._z, self._a, grad_a, grad_z)
        return self.backward_net(grad_z, need_input_grad)

    def backward_net(self, grad_z: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        """Store ``dL/dW = xᵀ δ``, ``dL/db = Σ_samples δ`` (δ = ``dL/dz``); return ``dL/dx = δ Wᵀ``.

        The first layer's input gradient is never used, so the network asks for it only
        where there is a layer below.
        """
        x = self._x
        if x is None:
            raise RuntimeError("Dense.backward called before forward")
        if grad_z.dtype != x.dtype:
            grad_z = grad_z.astype(x.dtype)
        self._delta = grad_z
        n_samples = grad_z.shape[0]
        if is_sparse(x):  # xᵀ δ: sparse times dense, dense; nothing is densified
            self.weights.grad[...] = x.T @ grad_z
        elif n_samples == 1 and x.dtype != np.float32:
            # An outer product. OpenBLAS's float64 kernel for AVX-512 is up to 2.3 times slower
            # than NumPy's broadcast product with an inner dimension of 1; its float32 kernels
            # are twice as fast as it (np.matmul is 7 times slower: it does not call BLAS here).
            np.multiply(x.T, grad_z, out=self.weights.grad)
        else:
            np.dot(x.T, grad_z, out=self.weights.grad)
        # Σ over samples as the product 1ᵀ δ: BLAS is 3-5 times faster than δ.sum(axis=0) here
        np.dot(ones(n_samples, grad_z.dtype), grad_z, out=self.bias.grad)
        if not need_input_grad:
            return None
        grad_x = self._workspace.get("grad_x", (n_samples, self.n_inputs), grad_z.dtype)
        return np.dot(grad_z, self.weights.value.T, out=grad_x)

    def astype(self, dtype: Any) -> Dense:
        """Convert the parameters to ``dtype`` in place; returns the layer."""
        dtype = as_dtype(dtype)
        for parameter in self.parameters():
            parameter.value = parameter.value.astype(dtype)
            parameter.grad = np.zeros_like(parameter.value)
        self._workspace.clear()
        return self

    def __repr__(self) -> str:
        fixed = ", train_bias=False" if not self.bias.trainable else ""
        return (
            f"Dense({self.n_inputs}, {self.n_outputs}, activation={self.activation.name!r}{fixed})"
        )


def _explicit(values: Any, name: str, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    array = as_float_array(values, name, dtype, ndim=(0, 1, 2))
    if array.ndim == 0:
        return np.full(shape, array, dtype=dtype)
    if array.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {array.shape}")
    return array.copy()


class Dropout:
    """Inverted dropout: in training, zero each input with probability ``rate`` and scale the
    others by ``1 / (1 - rate)``, so the expected output equals the input; at prediction time,
    the identity.

    ``forward``: ``a = x · m`` with ``m = [u ≥ rate] / (1 - rate)``, ``u ~ Uniform[0, 1)`` drawn
    for every entry of ``x``, shape ``(n_samples, n_features)``; backward: ``∂L/∂x = ∂L/∂a · m``.

    Parameters
    ----------
    rate : float in [0, 1)
        Probability of dropping each input.
    rng : int, Generator or None
        The source of the masks. When None, :func:`glassnet.fit` hands the layer its run's
        generator, so a seeded run repeats bit for bit.

    Examples
    --------
    >>> layer = Dropout(0.5, rng=0)
    >>> layer.forward(np.ones((1, 4)), training=False)
    array([[1., 1., 1., 1.]])
    """

    def __init__(self, rate: float, rng: Any = None) -> None:
        from .checks import check_in_range  # imported here: Dense owns the header

        self.rate = check_in_range(rate, "rate", 0.0, 1.0)
        self.rng: np.random.Generator | None = None if rng is None else as_rng(rng)
        self._own_rng = rng is not None
        self._workspace = Workspace()
        self._m: np.ndarray | None = None

    @property
    def mask(self) -> np.ndarray | None:
        """``m`` of the last forward pass, ``(n_samples, n_features)``: ``0`` where an input was
        dropped, ``1 / (1 - rate)`` where it was kept; None when the pass was the identity."""
        return self._m

    def parameters(self) -> list[Parameter]:
        return []

    def use_rng(self, rng: np.random.Generator) -> None:
        """Draw masks from the run's generator ``rng``, unless the layer was given its own."""
        if not self._own_rng:
            self.rng = rng

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """``x · m`` in training (a fresh mask ``m`` per call), ``x`` otherwise."""
        if not training or self.rate == 0.0:
            self._m = None
            return x
        if self.rng is None:
            self.rng = np.random.default_rng()
        m = self._workspace.get("m", x.shape, x.dtype)
        self.rng.random(out=m, dtype=x.dtype)
        np.greater_equal(m, self.rate, out=m)  # 1.0 where kept, 0.0 where dropped
        m *= 1.0 / (1.0 - self.rate)
        self._m = m
        return np.multiply(x, m, out=self._workspace.get("a", x.shape, x.dtype))

    def backward(self, grad_a: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        """``∂L/∂x = ∂L/∂a · m`` (the mask of the last forward pass)."""
        if self._m is None:
            return grad_a
        return np.multiply(
            grad_a, self._m, out=self._workspace.get("g", grad_a.shape, grad_a.dtype)
        )

    def __repr__(self) -> str:
        return f"Dropout({self.rate})"
