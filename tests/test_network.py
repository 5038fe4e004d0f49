"""Whole networks: gradients, learning, determinism, precision."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
XOR_Y = np.array([[0], [1], [1], [0]], dtype=float)

ARCHITECTURES = [
    [("identity", 3)],
    [("tanh", 5), ("sigmoid", 2)],
    [("relu", 6), ("elu", 4), ("identity", 2)],
    [("softplus", 4), ("leaky_relu", 5), ("tanh", 3), ("softmax", 3)],
]


def build(
    spec: list[tuple[str, int]], n_inputs: int = 3, seed: int = 0, loss: str = "half_squared_error"
) -> gn.Network:
    rng = np.random.default_rng(seed)
    layers = []
    for activation, size in spec:
        layers.append(gn.Dense(n_inputs, size, activation, bias_init="normal", rng=rng))
        n_inputs = size
    return gn.Network(layers, loss=loss)


@pytest.mark.parametrize("spec", ARCHITECTURES, ids=lambda s: "-".join(a for a, _ in s))
@pytest.mark.parametrize("batch", [1, 7])
def test_whole_network_gradients_match_central_differences(
    spec: list[tuple[str, int]], batch: int
) -> None:
    rng = np.random.default_rng(1)
    net = build(spec)
    X = rng.normal(size=(batch, 3))
    Y = rng.uniform(size=(batch, spec[-1][1]))
    if spec[-1][0] == "softmax":
        Y /= Y.sum(axis=1, keepdims=True)
        net = build(spec, loss="categorical_cross_entropy")
    checks = gn.gradcheck(net, X, Y)
    assert len(checks) == 2 * len(spec)
    assert max(c.relative_error for c in checks) < 1e-7, [
        (c.name, c.relative_error) for c in checks
    ]


@pytest.mark.parametrize("batch", [1, 7])
def test_float32_gradients_agree_with_float64(batch: int) -> None:
    # float32 takes other routes than float64 (BLAS for the one-sample outer product xᵀδ, the
    # bias gradient as 1ᵀδ): same gradients to float32 precision.
    rng = np.random.default_rng(2)
    spec = ARCHITECTURES[3]
    net64 = build(spec, loss="categorical_cross_entropy")
    net32 = build(spec, loss="categorical_cross_entropy")
    net32 = gn.Network(net32.layers, loss="categorical_cross_entropy", dtype=np.float32)
    net32.set_weights(net64.get_weights())
    X = rng.normal(size=(batch, 3))
    Y = np.eye(3)[rng.integers(0, 3, batch)]
    for (w64, b64), (w32, b32) in zip(net64.gradients(X, Y), net32.gradients(X, Y), strict=True):
        assert w32.dtype == b32.dtype == np.float32
        np.testing.assert_allclose(w32, w64, rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(b32, b64, rtol=1e-4, atol=1e-6)


def test_gradients_do_not_change_parameters() -> None:
    net = build(ARCHITECTURES[1])
    before = net.get_weights()
    net.gradients(np.ones((2, 3)), np.zeros((2, 2)))
    for old, new in zip(before, net.get_weights(), strict=True):
        np.testing.assert_array_equal(old, new)


def test_gradient_check_catches_a_wrong_gradient() -> None:
    net = build(ARCHITECTURES[1])

    class WrongTanh(gn.Tanh):
        def derivative(self, z, a, out=None):  # type: ignore[no-untyped-def]
            return super().derivative(z, a, out) * 1.1

    net.layers[0].activation = WrongTanh()
    assert (
        max(c.relative_error for c in gn.gradcheck(net, np.ones((2, 3)), np.zeros((2, 2)))) > 1e-3
    )


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_learns_xor(seed: int) -> None:
    rng = np.random.default_rng(seed)
    net = gn.Network(
        [gn.Dense(2, 8, "tanh", rng=rng), gn.Dense(8, 1, "sigmoid", rng=rng)],
        loss="binary_cross_entropy",
    )
    net.fit(XOR_X, XOR_Y, optimizer=gn.SGD(0.5, momentum=0.9), epochs=500, batch_size=4, rng=seed)
    assert np.array_equal(net.predict(XOR_X) > 0.5, XOR_Y > 0.5)


@pytest.mark.parametrize("batch_size", [1, 16, None])
def test_online_minibatch_and_full_batch_reduce_the_loss(batch_size: int | None) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 4))
    Y = np.sin(X.sum(axis=1, keepdims=True))
    net = build([("tanh", 8), ("identity", 1)], n_inputs=4)
    before = net.loss(X, Y)
    history = net.fit(X, Y, optimizer=gn.SGD(0.05), epochs=30, batch_size=batch_size, rng=0)
    assert history.epochs == 30 and not history.stopped_early
    assert net.loss(X, Y) < 0.5 * before
    assert history.loss[-1] < history.loss[0]


def test_same_seed_gives_bit_identical_network_and_run() -> None:
    def run() -> list[np.ndarray]:
        rng = np.random.default_rng(42)
        X = rng.normal(size=(50, 3))
        Y = rng.normal(size=(50, 2))
        net = gn.Network([gn.Dense(3, 6, "relu", rng=7), gn.Dense(6, 2, rng=8)])
        net.fit(X, Y, optimizer=gn.SGD(0.01, momentum=0.9), epochs=5, batch_size=8, rng=9)
        return net.get_weights()

    for a, b in zip(run(), run(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_float32_trains_without_upcasting() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3)).astype(np.float32)
    Y = rng.integers(0, 3, 40)
    net = gn.Network(
        [gn.Dense(3, 8, "relu", rng=1), gn.Dense(8, 3, "softmax", rng=2)],
        loss="categorical_cross_entropy",
        dtype=np.float32,
    )
    before = net.loss(X, Y)
    net.fit(X, Y, optimizer=gn.SGD(0.1), epochs=20, batch_size=8, rng=0)
    assert net.loss(X, Y) < before
    assert all(p.value.dtype == np.float32 and p.grad.dtype == np.float32 for p in net.parameters())
    assert net.predict(X).dtype == np.float32
    assert net.layers[0].out.dtype == np.float32


def test_tol_stops_early_and_no_rule_runs_every_epoch() -> None:
    X = np.zeros((4, 1))
    Y = np.zeros((4, 1))
    net = gn.Network([gn.Dense(1, 1, weights=[[0.0]], bias=0.0)])
    assert net.fit(X, Y, epochs=25).epochs == 25
    history = net.fit(X, Y, epochs=25, tol=1e-4, patience=3)
    # epoch 1 improves on "no loss yet"; epochs 2, 3, 4 do not: patience 3 runs out after epoch 4
    assert history.stopped_early and history.epochs == 4


def test_fit_continues_with_the_previous_optimizer_state() -> None:
    X = np.linspace(-1, 1, 20).reshape(-1, 1)
    Y = 3 * X
    net = gn.Network([gn.Dense(1, 1, weights=[[0.0]], bias=0.0)])
    optimizer = gn.SGD(0.05, momentum=0.9)
    net.fit(X, Y, optimizer=optimizer, epochs=2, batch_size=5, shuffle=False)
    net.fit(X, Y, epochs=2, batch_size=5, shuffle=False)
    assert net.optimizer is optimizer and optimizer.iterations == 16

    fresh = gn.Network([gn.Dense(1, 1, weights=[[0.0]], bias=0.0)])
    fresh.fit(X, Y, optimizer=gn.SGD(0.05, momentum=0.9), epochs=4, batch_size=5, shuffle=False)
    np.testing.assert_array_equal(net.get_weights()[0], fresh.get_weights()[0])


def test_predict_returns_a_fresh_array_and_handles_large_inputs() -> None:
    net = build(ARCHITECTURES[1])
    X = np.random.default_rng(0).normal(size=(20000, 3))
    out = net.predict(X)
    first = net.predict(X[:5])
    np.testing.assert_allclose(out[:5], first)
    np.testing.assert_allclose(out[-5:], net.predict(X[-5:]))


def test_integer_labels_are_one_hot_encoded() -> None:
    net = gn.Network([gn.Dense(2, 3, "softmax", rng=0)], loss="categorical_cross_entropy")
    X = np.ones((3, 2))
    assert net.loss(X, np.array([0, 1, 2])) == pytest.approx(net.loss(X, np.eye(3)))


def test_divergence_stops_with_a_clear_error_and_keeps_finite_parameters() -> None:
    X = np.array([[1e3], [-1e3]])
    Y = np.array([[1e3], [-1e3]])
    net = gn.Network([gn.Dense(1, 1, weights=[[0.5]], bias=0.0)])
    with pytest.raises(gn.TrainingDiverged, match="lower the learning rate"):
        net.fit(X, Y, optimizer=gn.SGD(10.0), epochs=1000, batch_size=1, shuffle=False)
    assert all(np.isfinite(w).all() for w in net.get_weights())


def test_repr_and_parameter_array() -> None:
    layer = gn.Dense(2, 3, "relu", rng=0)
    assert repr(layer) == "Dense(2, 3, activation='relu')"
    assert np.asarray(layer.weights).shape == (2, 3)
    assert "Dense(2, 3" in repr(gn.Network([layer]))


def test_fit_and_partial_fit_show_the_parameters_of_training_fit():
    """`help(Network.fit)` lists the options (not `**options`), the same names and defaults as
    glassnet.training.fit, so the two cannot drift apart."""
    import inspect

    from glassnet import training

    def parameters(function, skip):
        return [(p.name, p.default) for p in inspect.signature(function).parameters.values()
                if p.name not in skip]  # fmt: skip

    engine = parameters(training.fit, {"network"})
    assert parameters(gn.Network.fit, {"self"}) == engine
    assert not any(
        p.kind is p.VAR_KEYWORD for p in inspect.signature(gn.Network.fit).parameters.values()
    )
    partial = dict(parameters(gn.Network.partial_fit, {"self"}))
    expected = dict(engine) | {"batch_size": None, "shuffle": False}
    del expected["epochs"]  # one pass
    assert partial == expected
