"""Penalties (value, gradient by central differences), max-norm, and the Dropout layer."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.recording import Recorder


def net_with(penalties, rng=0):
    return gn.Network(
        [gn.Dense(3, 4, "tanh", rng=rng), gn.Dense(4, 2, "sigmoid", rng=rng + 1)],
        loss="binary_cross_entropy",
        penalties=penalties,
    )


DATA = np.random.default_rng(5)
X = DATA.normal(size=(6, 3))
Y = (DATA.uniform(size=(6, 2)) > 0.5).astype(float)


@pytest.mark.parametrize("penalty", [gn.L1(0.05), gn.L2(0.1), gn.L1L2(0.02, 0.03)], ids=repr)
def test_penalty_gradients_pass_central_differences(penalty):
    checks = gn.gradcheck(net_with([penalty]), X, Y)
    assert max(c.relative_error for c in checks) < 1e-7, [
        (c.name, c.relative_error) for c in checks
    ]


def test_penalty_value_and_gradient_restate_the_formula():
    net = net_with([gn.L1L2(0.1, 0.2)])
    plain = net_with([])
    w = [layer.weights.value for layer in net.layers]
    expected = sum(0.1 * np.abs(v).sum() + 0.2 * (v**2).sum() for v in w)
    assert net.loss(X, Y) == pytest.approx(plain.loss(X, Y) + expected, rel=1e-12)
    (gw, gb), _ = net.gradients(X, Y)
    (pw, pb), _ = plain.gradients(X, Y)
    np.testing.assert_allclose(gw - pw, 0.1 * np.sign(w[0]) + 0.4 * w[0], atol=1e-14)
    np.testing.assert_array_equal(gb, pb)  # biases are not penalized


def test_recorder_sees_the_penalty_share():
    seen = []

    class Watch(Recorder):
        def penalty(self, parameter, grad):
            seen.append((parameter.name, grad.copy()))

    net = net_with([gn.L2(0.5)])
    y_pred = net.forward(X)
    net.backward(net.loss_gradient(y_pred, Y), Watch())
    assert [name for name, _ in seen] == ["weights", "weights"]
    np.testing.assert_allclose(seen[0][1], 1.0 * net.layers[0].weights.value)


def test_bad_penalties():
    with pytest.raises(ValueError, match="l1 must be > 0, got -1"):
        gn.L1(-1)
    with pytest.raises(ValueError, match=r"l2 must be in \[0.0, inf\), got -0.5"):
        gn.L1L2(l2=-0.5)
    with pytest.raises(ValueError, match="max_value must be > 0"):
        gn.MaxNorm(0)


def test_max_norm_projects_columns():
    net = gn.Network([gn.Dense(2, 2, weights=[[3.0, 0.1], [4.0, 0.1]], bias=7.0)])
    gn.MaxNorm(2.0).apply(net)
    w = net.layers[0].weights.value
    np.testing.assert_allclose(np.linalg.norm(w, axis=0), [2.0, np.sqrt(0.02)])
    np.testing.assert_allclose(w[:, 0], [1.2, 1.6])
    assert (net.layers[0].bias.value == 7.0).all()


def test_max_norm_as_callback_during_fit():
    net = gn.Network([gn.Dense(3, 1, rng=0)], loss="mse")
    y = X @ np.array([[30.0], [-20.0], [10.0]])
    net.fit(X, y, optimizer=gn.SGD(0.05), epochs=20, rng=0, callbacks=[gn.MaxNorm(1.0)])
    assert np.linalg.norm(net.layers[0].weights.value) <= 1.0 + 1e-12


def test_dropout_is_identity_at_prediction_and_scales_in_training():
    layer = gn.Dropout(0.25, rng=0)
    x = np.ones((2000, 50))
    assert layer.forward(x) is x
    a = layer.forward(x, training=True)
    kept = a != 0
    assert set(np.unique(a)) == {0.0, 1.0 / 0.75}
    assert kept.mean() == pytest.approx(0.75, abs=0.01)
    grad = layer.backward(np.full_like(x, 2.0))
    np.testing.assert_array_equal(grad, np.where(kept, 2.0 / 0.75, 0.0))
    np.testing.assert_array_equal(layer.mask, np.where(kept, 1.0 / 0.75, 0.0))  # m, for the trace
    layer.forward(x)
    assert layer.mask is None  # predicting, no mask


def test_dropout_rate_is_validated():
    with pytest.raises(ValueError, match=r"rate must be in \[0.0, 1.0\), got 1.0"):
        gn.Dropout(1.0)


def dropout_net():
    return gn.Network(
        [gn.Dense(3, 8, "relu", rng=0), gn.Dropout(0.5), gn.Dense(8, 2, "sigmoid", rng=1)],
        loss="binary_cross_entropy",
    )


def test_dropout_network_predicts_deterministically_and_reruns_bit_for_bit():
    first, second = dropout_net(), dropout_net()
    h1 = first.fit(X, Y, optimizer=gn.Adam(0.01), epochs=5, batch_size=2, rng=42)
    h2 = second.fit(X, Y, optimizer=gn.Adam(0.01), epochs=5, batch_size=2, rng=42)
    assert h1.loss == h2.loss
    for a, b in zip(first.get_weights(), second.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(first.predict(X), first.predict(X))
    third = dropout_net()
    third.fit(X, Y, optimizer=gn.Adam(0.01), epochs=5, batch_size=2, rng=43)
    assert not np.array_equal(third.get_weights()[0], first.get_weights()[0])


def test_dropout_gradient_matches_central_differences_for_a_fixed_mask():
    net = dropout_net()
    net.layers[1].rng = np.random.default_rng(3)
    x = np.random.default_rng(4).normal(size=(4, 3))
    y = net.check_targets(Y[:4], 4)
    y_pred = net.forward(x, training=True)
    mask = net.layers[1]._m.copy()
    net.backward(net.loss_gradient(y_pred, y))
    analytic = net.layers[0].weights.grad.copy()
    w = net.layers[0].weights.value
    numeric = np.empty_like(w)
    for i in np.ndindex(w.shape):
        values = []
        for sign in (1, -1):
            w[i] += sign * 1e-6
            hidden = np.maximum(x @ w + net.layers[0].bias.value, 0) * mask
            values.append(net.loss_value(net.layers[2].forward(hidden), y))
            w[i] -= sign * 1e-6
        numeric[i] = (values[0] - values[1]) / 2e-6
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9)


def test_penalties_receive_the_batch_size_and_weights_from_the_engine():
    """The network hands every penalty the batch it is added to (steps 3 and 4): its rows and
    sample weights, whose sum a penalty such as scikit-learn's alpha divides by."""
    seen = []

    class Watch:
        def value(self, network, batch):
            seen.append(("value", batch.n_samples, batch.sample_weight, batch.weight_sum))
            return 0.0

        def add_gradient(self, network, batch, recorder):
            seen.append(("gradient", batch.n_samples, batch.sample_weight, batch.weight_sum))

    net = net_with([Watch()])
    w = np.array([0.5, 1.0, 2.0, 0.25, 1.0, 3.0])
    gn.train_step(net, gn.SGD(0.1), X, Y, w)
    assert [(kind, n, s) for kind, n, _, s in seen] == [("value", 6, 7.75), ("gradient", 6, 7.75)]
    assert all(weights is w for _, _, weights, _ in seen)
    seen.clear()
    net.loss(X[:4], Y[:4])
    assert seen == [("value", 4, None, 4.0)]


def test_engine_penalties_ignore_the_batch():
    net, w = net_with([gn.L1L2(0.1, 0.2)]), np.linspace(0.5, 3.0, 6)
    unweighted = net_with([gn.L1L2(0.1, 0.2)])
    assert net.loss(X, Y, w) - net_with([]).loss(X, Y, w) == pytest.approx(
        unweighted.loss(X, Y) - net_with([]).loss(X, Y), rel=1e-12
    )
