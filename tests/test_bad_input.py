"""Bad input gets a clear ValueError/TypeError naming the argument, never a NumPy traceback."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn

from .conftest import worked_example_network

X = np.array([[0.05, 0.10]])
Y = np.array([[0.01, 0.99]])


@pytest.mark.parametrize(
    ("X_bad", "error", "message"),
    [
        (np.ones((1, 3)), ValueError, "X has 3 features per sample; the network expects 2"),
        (np.ones(3), ValueError, "X has 3 values; the network expects 2 features"),
        (np.empty((0, 2)), ValueError, "X must not be empty"),
        (np.array([[np.nan, 1.0]]), ValueError, "X must contain only finite numbers, got 1 NaN"),
        (np.array([[np.inf, 1.0]]), ValueError, "finite"),
        (np.array([["a", "b"]]), TypeError, "X must hold real numbers"),
        ([[1.0, 2.0], [3.0]], ValueError, "X must be a rectangular array"),
        (np.ones((1, 2, 1)), ValueError, "X must be a 1-D or 2-D array, got shape"),
        (np.array([[1e300, 1.0]]), None, None),
    ],
)
def test_bad_inputs_to_predict(X_bad: object, error: type | None, message: str | None) -> None:
    net = worked_example_network()
    if error is None:
        net.predict(X_bad)  # large but finite in float64: a correct result
        return
    for call in (
        lambda: net.predict(X_bad),
        lambda: net.loss(X_bad, Y),
        lambda: net.gradients(X_bad, Y),
        lambda: net.fit(X_bad, Y),
    ):
        with pytest.raises(error, match=message):
            call()


def test_float32_overflow_reported_as_not_finite() -> None:
    net = gn.Network([gn.Dense(2, 1, rng=0)], dtype=np.float32)
    with pytest.raises(ValueError, match="X must contain only finite numbers"):
        net.predict(np.array([[1e300, 1.0]]))


def test_mismatched_sample_counts_and_outputs() -> None:
    net = worked_example_network()
    with pytest.raises(ValueError, match="Y has 2 samples but X has 1"):
        net.loss(X, np.ones((2, 2)))
    with pytest.raises(ValueError, match="Y has 3 outputs per sample; the network has 2"):
        net.fit(X, np.ones((1, 3)))
    with pytest.raises(ValueError, match="sample_weight has 2 entries but X has 1"):
        net.loss(X, Y, sample_weight=[1.0, 2.0])
    with pytest.raises(ValueError, match="sample_weight must be >= 0"):
        net.loss(X, Y, sample_weight=[-1.0])


def test_bad_hyperparameters() -> None:
    net = worked_example_network()
    with pytest.raises(ValueError, match="learning_rate must be > 0, got 0"):
        gn.SGD(learning_rate=0)
    with pytest.raises(ValueError, match="learning_rate must be > 0, got -0.5"):
        gn.SGD(learning_rate=-0.5)
    with pytest.raises(TypeError, match="learning_rate must be a real number"):
        gn.SGD(learning_rate="fast")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"momentum must be in \[0.0, 1.0\), got 1.0"):
        gn.SGD(momentum=1.0)
    with pytest.raises(ValueError, match="epochs must be >= 1, got 0"):
        net.fit(X, Y, epochs=0)
    with pytest.raises(ValueError, match="batch_size must be >= 1, got 0"):
        net.fit(X, Y, batch_size=0)
    with pytest.raises(TypeError, match="optimizer must be an optimizer object"):
        net.fit(X, Y, optimizer="sgd")
    with pytest.raises(ValueError, match=r"tol must be in \[0.0, inf\), got -1"):
        net.fit(X, Y, tol=-1)  # named as the caller wrote it, not as the callback calls it
    with pytest.raises(ValueError, match="patience must be >= 1, got 0"):
        net.fit(X, Y, tol=1e-3, patience=0)
    with pytest.raises(ValueError, match=r"tol must be in \[0.0, inf\), got -1"):
        gn.Plateau(tol=-1)  # the stopping rule words it as fit does


def test_bad_layer_constructors() -> None:
    with pytest.raises(ValueError, match="unknown activation 'sigmoidal'; known activations: elu"):
        gn.Dense(2, 2, activation="sigmoidal")
    with pytest.raises(ValueError, match="n_inputs must be >= 1, got 0"):
        gn.Dense(0, 2)
    with pytest.raises(TypeError, match="n_outputs must be an integer, got float 2.5"):
        gn.Dense(2, 2.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"weights must have shape \(2, 2\), got \(2, 3\)"):
        gn.Dense(2, 2, weights=np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"bias must have shape \(2,\), got \(3,\)"):
        gn.Dense(2, 2, bias=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="weights must contain only finite numbers"):
        gn.Dense(1, 1, weights=[[np.nan]])
    with pytest.raises(TypeError, match="rng must be None, an int seed"):
        gn.Dense(1, 1, rng="seed")
    with pytest.raises(ValueError, match="dtype must be float32 or float64, got int64"):
        gn.Dense(1, 1, dtype=np.int64)


def test_bad_network_constructors() -> None:
    with pytest.raises(ValueError, match="layers must be a non-empty list"):
        gn.Network([])
    with pytest.raises(TypeError, match=r"layers\[0\] must be a layer"):
        gn.Network([42])
    with pytest.raises(
        ValueError, match=r"layers\[1\] expects 3 inputs but layers\[0\] produces 2"
    ):
        gn.Network([gn.Dense(2, 2), gn.Dense(3, 1)])
    with pytest.raises(ValueError, match="unknown loss 'l2'; known losses:"):
        gn.Network([gn.Dense(2, 2)], loss="l2")
    with pytest.raises(ValueError, match="share one dtype"):
        gn.Network([gn.Dense(2, 2, dtype=np.float32), gn.Dense(2, 1)])


def test_bad_class_labels_and_targets() -> None:
    net = gn.Network([gn.Dense(2, 3, "softmax", rng=0)], loss="categorical_cross_entropy")
    with pytest.raises(
        ValueError, match=r"class labels must be integers in \[0, 3\), got values from 0 to 5"
    ):
        net.loss(np.ones((2, 2)), np.array([0, 5]))
    with pytest.raises(ValueError, match="rows must be one-hot or probabilities summing to 1"):
        net.loss(np.ones((1, 2)), np.array([[1.0, 1.0, 0.0]]))


def test_huge_finite_inputs_are_accepted_although_their_sum_overflows() -> None:
    net = gn.Network([gn.Dense(2, 1, rng=0)], dtype=np.float32)
    huge = np.full((4, 2), 3e38, dtype=np.float32)  # finite, but their float32 sum is inf
    assert net.check_inputs(huge) is huge
    huge[1, 0] = np.nan
    with pytest.raises(ValueError, match="1 NaN or infinite"):
        net.check_inputs(huge)
