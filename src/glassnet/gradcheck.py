"""Numerical gradients by central differences, to check backpropagation (for tests and learners).

``∂L/∂θ ≈ (L(θ + ε) - L(θ - ε)) / 2ε`` for every entry θ of every parameter, in float64. The
relative error ``‖g_analytic - g_numeric‖ / (‖g_analytic‖ + ‖g_numeric‖)`` is typically below
1e-7 when backpropagation is right, and far larger when it is wrong.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .network import Network


@dataclass
class GradientCheck:
    """The comparison for one parameter."""

    name: str
    analytic: np.ndarray
    numeric: np.ndarray
    relative_error: float


def numerical_gradients(
    network: Network, X: Any, Y: Any, sample_weight: Any = None, epsilon: float = 1e-6
) -> list[np.ndarray]:
    """Central-difference gradient of ``network.loss(X, Y)`` for every parameter, in float64."""
    net = _float64_copy(network)
    gradients = []
    for parameter in net.all_parameters():
        grad = np.empty_like(parameter.value)
        flat_value, flat_grad = parameter.value.reshape(-1), grad.reshape(-1)
        for i in range(flat_value.size):
            original = flat_value[i]
            flat_value[i] = original + epsilon
            plus = net.loss(X, Y, sample_weight)
            flat_value[i] = original - epsilon
            minus = net.loss(X, Y, sample_weight)
            flat_value[i] = original
            flat_grad[i] = (plus - minus) / (2.0 * epsilon)
        gradients.append(grad)
    return gradients


def gradcheck(
    network: Network, X: Any, Y: Any, sample_weight: Any = None, epsilon: float = 1e-6
) -> list[GradientCheck]:
    """Compare backpropagation with central differences for every parameter (in float64).

    Examples
    --------
    >>> import glassnet as gn
    >>> net = gn.Network([gn.Dense(3, 4, "tanh", rng=0), gn.Dense(4, 2, "sigmoid", rng=1)])
    >>> X, Y = np.random.default_rng(2).normal(size=(5, 3)), np.full((5, 2), 0.5)
    >>> max(check.relative_error for check in gradcheck(net, X, Y)) < 1e-7
    True
    """
    net = _float64_copy(network)
    net.gradients(X, Y, sample_weight)
    numeric = numerical_gradients(net, X, Y, sample_weight, epsilon)
    checks = []
    index = 0
    for layer_index, layer in enumerate(net.layers):
        for parameter in layer.parameters():
            analytic = parameter.grad.copy()
            approx = numeric[index]
            index += 1
            scale = np.linalg.norm(analytic) + np.linalg.norm(approx)
            error = float(np.linalg.norm(analytic - approx) / scale) if scale > 0 else 0.0
            checks.append(
                GradientCheck(f"layers[{layer_index}].{parameter.name}", analytic, approx, error)
            )
    return checks


def _float64_copy(network: Network) -> Network:
    net = copy.deepcopy(network)
    for layer in net.layers:
        if hasattr(layer, "astype"):
            layer.astype(np.float64)
    return net
