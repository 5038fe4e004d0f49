"""Losses: values, gradients against central differences, stability, properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import glassnet as gn
from glassnet.losses import LOSSES, get_loss

# each loss with its usual output activation and a target generator
CASES = {
    "half_squared_error": "identity",
    "mean_squared_error": "identity",
    "mean_absolute_error": "identity",
    "huber": "identity",
    "binary_cross_entropy": "sigmoid",
    "categorical_cross_entropy": "softmax",
    "half_poisson_deviance": "exp",
}


def targets(name: str, rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    if name == "categorical_cross_entropy":
        return np.eye(shape[1])[rng.integers(0, shape[1], shape[0])]
    if name == "binary_cross_entropy":
        return rng.integers(0, 2, shape).astype(float)
    if name == "half_poisson_deviance":  # counts, zeros included
        return rng.poisson(1.5, shape).astype(float)
    return rng.normal(size=shape)


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("weighted", [False, True])
def test_network_gradient_with_each_loss(name: str, weighted: bool) -> None:
    rng = np.random.default_rng(3)
    net = gn.Network([gn.Dense(3, 4, "tanh", rng=1), gn.Dense(4, 3, CASES[name], rng=2)], loss=name)
    X = rng.normal(size=(6, 3))
    Y = targets(name, rng, (6, 3))
    w = rng.uniform(0.5, 2.0, size=6) if weighted else None
    assert max(c.relative_error for c in gn.gradcheck(net, X, Y, w)) < 1e-7


@pytest.mark.parametrize("name", sorted(CASES))
def test_loss_gradient_matches_central_differences(name: str) -> None:
    rng = np.random.default_rng(4)
    loss = get_loss(name)
    y = targets(name, rng, (5, 3))
    p = rng.uniform(0.1, 0.9, size=(5, 3))
    if name == "categorical_cross_entropy":
        p /= p.sum(axis=1, keepdims=True)
    analytic = loss.gradient(p, y)
    numeric = np.empty_like(p)
    for index in np.ndindex(p.shape):
        plus, minus = p.copy(), p.copy()
        plus[index] += 1e-6
        minus[index] -= 1e-6
        numeric[index] = (loss.value(plus, y) - loss.value(minus, y)) / 2e-6
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", ["binary_cross_entropy", "categorical_cross_entropy"])
def test_from_logits_gradient(name: str) -> None:
    rng = np.random.default_rng(5)
    net = gn.Network(
        [gn.Dense(3, 4, "relu", rng=1), gn.Dense(4, 3, "identity", rng=2)],
        loss=LOSSES[name](from_logits=True),
    )
    X = rng.normal(size=(6, 3))
    assert max(c.relative_error for c in gn.gradcheck(net, X, targets(name, rng, (6, 3)))) < 1e-7


def test_poisson_gradient_through_another_positive_output() -> None:
    """Without its exp link (softplus here) the deviance goes through ``∂L/∂p = 1 - y/p``."""
    rng = np.random.default_rng(6)
    net = gn.Network(
        [gn.Dense(3, 4, "tanh", rng=1), gn.Dense(4, 2, "softplus", rng=2)],
        loss="half_poisson_deviance",
    )
    assert not net.uses_logits
    X, Y = rng.normal(size=(6, 3)), rng.poisson(1.5, (6, 2)).astype(float)
    w = rng.uniform(0.5, 2.0, size=6)
    assert max(c.relative_error for c in gn.gradcheck(net, X, Y, w)) < 1e-7


def test_poisson_value_is_scikit_learns_half_deviance() -> None:
    from sklearn.neural_network._base import poisson_loss

    rng = np.random.default_rng(7)
    y, p = rng.poisson(2.0, (20, 3)).astype(float), rng.uniform(0.2, 4.0, (20, 3))
    w = rng.uniform(0.5, 2.0, 20)
    loss = get_loss("poisson")
    assert loss.value(p, y) == pytest.approx(poisson_loss(y, p), rel=1e-13)
    assert loss.value(p, y, w) == pytest.approx(poisson_loss(y, p, w), rel=1e-13)


def test_poisson_refuses_negative_targets() -> None:
    net = gn.Network([gn.Dense(2, 1, "exp", rng=0)], loss="half_poisson_deviance")
    with pytest.raises(ValueError, match=r"Y must be >= 0 for half_poisson_deviance"):
        net.loss(np.ones((2, 2)), [1.0, -1.0])


def test_half_squared_error_is_the_tutorials_loss() -> None:
    loss = get_loss("half_squared_error")
    assert loss.value(
        np.array([[0.75136507, 0.772928465]]), np.array([[0.01, 0.99]])
    ) == pytest.approx(0.298371109, abs=1e-9)


def test_batch_loss_is_mean_over_samples_and_weighted_mean_with_weights() -> None:
    loss = get_loss("mean_absolute_error")
    p = np.array([[1.0], [3.0]])
    y = np.zeros((2, 1))
    assert loss.value(p, y) == 2.0
    assert loss.value(p, y, np.array([3.0, 1.0])) == pytest.approx((3 * 1 + 1 * 3) / 4)


def test_softmax_cross_entropy_finite_on_huge_logits() -> None:
    net = gn.Network(
        [gn.Dense(2, 3, "softmax", weights=[[1e4, -1e4, 0.0], [0.0, 0.0, 1e4]], bias=0.0)],
        loss="categorical_cross_entropy",
    )
    X = np.array([[1.0, 0.0], [0.0, 1.0]])
    Y = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    value = net.loss(X, Y)
    assert np.isfinite(value) and value == pytest.approx(0.5 * 2e4)
    grads = net.gradients(X, Y)
    assert all(np.isfinite(g).all() for pair in grads for g in pair)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("gap", [3.0, 200.0, 2000.0])
@pytest.mark.parametrize("weighted", [False, True])
def test_softmax_cross_entropy_value_is_the_definition(dtype, gap, weighted) -> None:  # type: ignore[no-untyped-def]
    # From the softmax output while every probability is a normal number, from the logits once
    # one underflows (gap 200 in float32, 2000 in both): the same value, -Σ y log-softmax(z).
    rng = np.random.default_rng(6)
    z = (rng.normal(size=(5, 4)) * gap / 3).astype(dtype)
    z[:, 0] = gap  # each row's true class is far above the others
    y = np.zeros((5, 4), dtype=dtype)
    y[np.arange(5), [0, 1, 2, 3, 0]] = 1.0
    w = rng.uniform(0.5, 2.0, size=5).astype(dtype) if weighted else None
    z64 = z.astype(np.float64)
    log_softmax = z64 - z64.max(axis=1, keepdims=True)
    log_softmax -= np.log(np.exp(log_softmax).sum(axis=1, keepdims=True))
    per_sample = -(y * log_softmax).sum(axis=1)
    expected = np.average(per_sample, weights=w)
    loss = get_loss("categorical_cross_entropy")
    a = gn.Softmax().forward(z)
    rtol = 1e-6 if dtype == np.float32 else 1e-12
    assert loss.logits_value(z, y, w, a=a) == pytest.approx(expected, rel=rtol)
    assert loss.logits_value(z, y, w) == pytest.approx(expected, rel=rtol)


def test_cross_entropy_from_logits_finite_on_huge_logits() -> None:
    for name in ("binary_cross_entropy", "categorical_cross_entropy"):
        loss = LOSSES[name](from_logits=True)
        z = np.array([[1e5, -1e5, 0.0]])
        y = np.array([[0.0, 1.0, 0.0]])
        assert np.isfinite(loss.value(z, y))
        assert np.isfinite(loss.gradient(z, y)).all()


@given(arrays(np.float64, (4, 3), elements=st.floats(-10, 10)))
def test_regression_losses_zero_at_perfect_prediction(y: np.ndarray) -> None:
    for name in ("half_squared_error", "mean_squared_error", "mean_absolute_error", "huber"):
        assert get_loss(name).value(y, y) == 0.0


def test_huber_matches_its_definition() -> None:
    loss = gn.Huber(delta=1.0)
    p = np.array([[0.5, 3.0]])
    y = np.zeros((1, 2))
    assert loss.value(p, y) == pytest.approx((0.5 * 0.25 + 1.0 * (3.0 - 0.5)) / 2)


def test_unknown_loss_lists_known_ones() -> None:
    with pytest.raises(ValueError, match="unknown loss 'hinge'.*half_squared_error"):
        get_loss("hinge")
