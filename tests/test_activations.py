"""Activations: values, derivatives against central differences, and properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import glassnet as gn
from glassnet.activations import ACTIVATIONS, get_activation

NAMES = ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "softmax", "identity"]
finite = st.floats(-50, 50, allow_nan=False, allow_infinity=False)


def numeric_backward(
    activation: gn.activations.Activation, z: np.ndarray, grad_a: np.ndarray
) -> np.ndarray:
    """Central differences of ``Σ grad_a · f(z)`` with respect to ``z``."""
    eps = 1e-6
    result = np.empty_like(z)
    for index in np.ndindex(z.shape):
        plus, minus = z.copy(), z.copy()
        plus[index] += eps
        minus[index] -= eps
        result[index] = (
            np.sum(grad_a * activation.forward(plus)) - np.sum(grad_a * activation.forward(minus))
        ) / (2 * eps)
    return result


@pytest.mark.parametrize("name", NAMES)
def test_backward_matches_central_differences(name: str) -> None:
    rng = np.random.default_rng(0)
    z = rng.normal(0, 2, size=(4, 5))
    z[np.abs(z) < 1e-3] = 0.5  # keep away from the ReLU kink
    grad_a = rng.normal(size=z.shape)
    activation = get_activation(name)
    a = activation.forward(z).copy()
    analytic = activation.backward(z, a, grad_a)
    numeric = numeric_backward(activation, z, grad_a)
    error = np.linalg.norm(analytic - numeric) / (
        np.linalg.norm(analytic) + np.linalg.norm(numeric)
    )
    assert error < 1e-7, error


@pytest.mark.parametrize("name", [n for n in NAMES if n != "softmax"])
def test_derivative_is_the_elementwise_slope(name: str) -> None:
    z = np.linspace(-3, 3, 13).reshape(1, -1) + 0.01
    activation = get_activation(name)
    a = activation.forward(z).copy()
    grad_a = np.ones_like(z)
    np.testing.assert_allclose(
        activation.derivative(z, a), activation.backward(z, a, grad_a), rtol=1e-12
    )


def test_known_values() -> None:
    z = np.array([[-1.0, 0.0, 2.0]])
    np.testing.assert_allclose(gn.Sigmoid().forward(z), 1 / (1 + np.exp(-z)))
    np.testing.assert_allclose(gn.ReLU().forward(z), [[0, 0, 2]])
    np.testing.assert_allclose(gn.LeakyReLU(0.1).forward(z), [[-0.1, 0, 2]])
    np.testing.assert_allclose(gn.ELU().forward(z), [[np.expm1(-1), 0, 2]])
    np.testing.assert_allclose(gn.Softplus().forward(z), np.log1p(np.exp(z)))
    np.testing.assert_allclose(gn.Tanh().forward(z), np.tanh(z))
    np.testing.assert_allclose(gn.Softmax().forward(z), np.exp(z) / np.exp(z).sum())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_is_overflow_safe(dtype: type) -> None:
    z = np.array([[-1e4, -800.0, -100.0, 0.0, 100.0, 1e4]], dtype=dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        a = gn.Sigmoid().forward(z)
    assert a.dtype == dtype
    assert np.all((a >= 0) & (a <= 1))
    assert a[0, 3] == 0.5 and a[0, -1] == 1.0
    assert a[0, 0] < 1e-37


def test_softmax_stable_on_huge_logits() -> None:
    z = np.array([[1e6, 0.0, -1e6], [1000.0, 1000.0, 1000.0]])
    a = gn.Softmax().forward(z)
    np.testing.assert_allclose(a, [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3]])


@given(arrays(np.float64, (3, 4), elements=finite))
def test_sigmoid_in_unit_interval(z: np.ndarray) -> None:
    a = gn.Sigmoid().forward(z)
    assert np.all((a > 0) & (a <= 1))


@given(arrays(np.float64, (3, 4), elements=finite), st.floats(-100, 100))
def test_softmax_rows_sum_to_one_and_shift_invariant(z: np.ndarray, shift: float) -> None:
    a = gn.Softmax().forward(z)
    np.testing.assert_allclose(a.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(gn.Softmax().forward(z + shift), a, atol=1e-12)


@pytest.mark.parametrize("rows", [3, 70, 5000])  # small, argmax-sized, beyond the cache bound
def test_relu_and_softmax_routes_agree_with_their_definitions(rows: int) -> None:
    rng = np.random.default_rng(7)
    z = rng.normal(size=(rows, 128))
    z[0, :3] = [np.nan, -0.0, 0.0]
    for out in (None, np.full_like(z, 5.0)):
        np.testing.assert_array_equal(gn.ReLU().forward(z, out), np.maximum(z, 0.0))
    in_place = z.copy()
    assert gn.ReLU().forward(in_place, in_place) is in_place
    np.testing.assert_array_equal(in_place, np.maximum(z, 0.0))
    logits = rng.normal(size=(rows, 10)) * 30
    expected = np.exp(logits - logits.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(gn.Softmax().forward(logits), expected, rtol=1e-12, atol=1e-300)


def test_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match="unknown activation 'swish'.*sigmoid"):
        get_activation("swish")
    with pytest.raises(TypeError, match="activation must be a name"):
        get_activation(42)


def test_registry_names_resolve() -> None:
    for name in ACTIVATIONS:
        assert get_activation(name).forward(np.zeros((1, 2))).shape == (1, 2)
