"""Dropout in the learner's trace: the engine's mask, a real fit step, and the mask's factor."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet.gradcheck import numerical_gradients
from glassnet.trace.render import fmt

# (layers, loss, n_samples): Dropout after a hidden layer, twice, on the inputs, with logits
ARCHITECTURES = [
    ("2-3-d.5-1", "half_squared_error", 1),
    ("3-4-d.4-3-d.3-2", "mean_squared_error", 5),
    ("3-d.25-4-2", "mean_squared_error", 3),
    ("2-4-d.5-3", "categorical_cross_entropy", 4),
]
ACTIVATIONS = ["tanh", "sigmoid", "relu"]


def make_network(spec: str, loss: str, dropout_rng: Any = None) -> gn.Network:
    """``"3-4-d.4-2"``: the input size, then Dense sizes and ``d<rate>`` Dropout layers."""
    parts = spec.split("-")
    layers: list[Any] = []
    n_in, n_dense = int(parts[0]), sum(not part.startswith("d") for part in parts[1:])
    for part in parts[1:]:
        if part.startswith("d"):
            layers.append(gn.Dropout(float("0" + part[1:]), rng=dropout_rng))
            continue
        k = sum(isinstance(layer, gn.Dense) for layer in layers)
        last = "softmax" if "categorical" in loss else "identity"
        activation = last if k == n_dense - 1 else ACTIVATIONS[k]
        layers.append(gn.Dense(n_in, int(part), activation, rng=10 + k, bias_init="normal"))
        n_in = int(part)
    return gn.Network(layers, loss=loss)


def data(net: gn.Network, loss: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(n)
    x = rng.normal(size=(n, net.n_inputs))
    if loss == "categorical_cross_entropy":
        return x, np.eye(net.n_outputs)[rng.integers(0, net.n_outputs, n)]
    return x, rng.uniform(size=(n, net.n_outputs))


class FixedMask:
    """A layer multiplying by a given mask, in training and predicting: dropout held fixed."""

    def __init__(self, mask: np.ndarray) -> None:
        self.mask = mask

    def parameters(self) -> list[Any]:
        return []

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        return x * self.mask

    def backward(self, grad: np.ndarray, need_input_grad: bool = True) -> np.ndarray:
        return grad * self.mask


def test_the_architectures_are_built_as_written() -> None:
    net = make_network("3-d.25-4-2", "mean_squared_error")
    assert [type(layer).__name__ for layer in net.layers] == ["Dropout", "Dense", "Dense"]
    assert net.n_inputs == 3 and net.layers[2].activation.name == "identity"
    net = make_network("3-4-d.4-3-d.3-2", "mean_squared_error")
    rates = [getattr(layer, "rate", None) for layer in net.layers]
    assert rates == [None, 0.4, None, 0.3, None]


@pytest.mark.parametrize(("spec", "loss", "n"), ARCHITECTURES)
def test_trace_equals_one_fit_step_with_the_same_rng(spec: str, loss: str, n: int) -> None:
    reference, traced = make_network(spec, loss), make_network(spec, loss)
    x, y = data(reference, loss, n)
    weights = np.linspace(0.5, 2.0, n)
    reference.fit(x, y, optimizer=gn.SGD(0.3), epochs=1, batch_size=None, shuffle=False, rng=7,
                  sample_weight=weights)  # fmt: skip
    trace = gn.trace_step(traced, x, y, optimizer=gn.SGD(0.3), rng=7, sample_weight=weights)
    for record, after in zip(trace.parameters, reference.get_weights(), strict=True):
        np.testing.assert_allclose(record.after, after, rtol=1e-12, atol=1e-12)
    assert len(trace.dropouts) == spec.count("d")
    for d in trace.dropouts:  # the values passed on are the received ones times the mask
        np.testing.assert_array_equal(d.out, d.x * d.mask)
        np.testing.assert_allclose(d.grad_in, d.grad_out * d.mask, rtol=1e-15, atol=0)
        assert set(np.unique(d.mask)) <= {0.0, 1.0 / (1.0 - d.rate)}


@pytest.mark.parametrize(("spec", "loss", "n"), ARCHITECTURES)
def test_gradients_equal_central_differences_with_the_mask_held_fixed(
    spec: str, loss: str, n: int
) -> None:
    net = make_network(spec, loss)
    x, y = data(net, loss, n)
    trace = gn.trace_step(net, x, y, rng=3, dry_run=True)
    masks = iter(d.mask for d in trace.dropouts)
    fixed = make_network(spec, loss)
    fixed.layers = [
        FixedMask(next(masks)) if isinstance(layer, gn.Dropout) else layer for layer in fixed.layers
    ]
    for record, numeric in zip(trace.parameters, numerical_gradients(fixed, x, y), strict=True):
        np.testing.assert_allclose(record.grad, numeric, rtol=1e-6, atol=1e-8)


def test_the_mask_is_the_layers_own_draw_and_dropped_units_learn_nothing() -> None:
    net = make_network("2-3-d.5-1", "half_squared_error")
    trace = gn.trace_step(net, [[0.05, 0.10]], [[0.01]], rng=0, dry_run=True)
    u = np.random.default_rng(0).random((1, 3))  # Dropout: m = [u >= p] / (1 - p)
    d = trace.dropouts[0]
    np.testing.assert_array_equal(d.mask, (u >= 0.5) / 0.5)
    assert d.index == 1 and d.level == 1 and d.scale == 2.0
    assert d.kept.any() and not d.kept.all()  # this seed keeps some units and drops others
    w_in, w_out = trace.parameters[0].grad, trace.parameters[2].grad
    assert np.all(w_in[:, ~d.kept[0]] == 0) and np.all(w_in[:, d.kept[0]] != 0)
    assert np.all(w_out[~d.kept[0]] == 0) and np.all(w_out[d.kept[0]] != 0)


def test_text_shows_the_mask_its_scaling_and_its_factor() -> None:
    net = make_network("2-3-d.5-1", "half_squared_error")
    trace = gn.trace_step(net, [[0.05, 0.10]], [[0.01]], optimizer=gn.SGD(0.5), rng=0)
    text, d, h1 = trace.to_text(), trace.dropouts[0], trace.layers[0]
    f = lambda v: fmt(v, 9)  # noqa: E731
    assert "a 2-3-1 network (tanh, dropout 0.5, identity)" in text
    assert "scaled by 1/(1 − p) = 2.000000000; when predicting it is the identity" in text
    marks = [f"m_h{j + 1} = {f(m)} ({'kept' if m else 'dropped'})" for j, m in enumerate(d.mask[0])]
    assert ", ".join(marks) in text
    assert (
        f"drop_h1 = out_h1 × m_h1 = {f(d.x[0, 0])} × {f(d.mask[0, 0])} = {f(d.out[0, 0])}" in text
    )
    assert "net_o1 = w7·drop_h1 + w8·drop_h2 + w9·drop_h3 + b_o1" in text
    chain = "∂E/∂drop_h1 × ∂drop_h1/∂out_h1 × ∂out_h1/∂net_h1 × ∂net_h1/∂w1"
    numbers = f"{f(d.grad_out[0, 0])} × {f(d.mask[0, 0])} × {f(h1.dout_dnet[0, 0])} × 0.050000000"
    assert f"∂E/∂w1 = {chain} = {numbers} = {f(trace.parameters[0].grad[0, 0])}" in text
    for j in np.flatnonzero(~d.kept[0]):
        assert f"m_h{j + 1} = 0.000000000 (dropped: nothing flows back to h{j + 1})" in text
    assert "−0.000000000" not in text  # a negative number times a dropped unit's 0 prints as 0
    assert f"E before the update = {f(trace.loss)} (with this step's dropout mask)" in text
    assert f"dropout off (as when predicting) = {f(trace.loss_no_dropout)}" in text


def test_loss_with_dropout_off_is_the_networks_loss_before_the_update() -> None:
    net = make_network("3-4-d.4-3-d.3-2", "mean_squared_error")
    x, y = data(net, "mean_squared_error", 5)
    before = net.loss(x, y)
    trace = gn.trace_step(net, x, y, rng=1)
    assert trace.loss_no_dropout == before and trace.loss_after == net.loss(x, y)
    assert (
        gn.trace_step(
            make_network("2-3-1", "mean_squared_error"), [[1.0, 2.0]], [[0.0]]
        ).loss_no_dropout
        is None
    )


def test_json_round_trips_with_the_dropout_fields() -> None:
    net = make_network("3-4-d.4-3-d.3-2", "mean_squared_error")
    x, y = data(net, "mean_squared_error", 2)
    trace = gn.trace_step(net, x, y, rng=5, names="tutorial")
    document = trace.to_dict()
    assert json.loads(json.dumps(document)) == document
    first = document["dropouts"][0]
    assert first["layer"] == 1 and first["level"] == 1 and first["rate"] == 0.4
    assert first["units"] == ["h1_1", "h1_2", "h1_3", "h1_4"]
    np.testing.assert_array_equal(first["mask"], trace.dropouts[0].mask)
    assert first["kept"] == trace.dropouts[0].kept.tolist()
    np.testing.assert_array_equal(first["dE_dx"], trace.dropouts[0].grad_in)
    assert document["loss_no_dropout"] == trace.loss_no_dropout
    assert [p["layer"] for p in document["parameters"]] == [0, 0, 2, 2, 4, 4]


def test_a_dry_run_puts_the_generators_back() -> None:
    net = make_network(
        "2-4-d.5-1", "mean_squared_error", dropout_rng=4
    )  # the layer's own generator
    x, y = np.ones((3, 2)), np.zeros((3, 1))
    first = gn.trace_step(net, x, y, dry_run=True).dropouts[0].mask
    again = gn.trace_step(net, x, y, dry_run=True).dropouts[0].mask
    np.testing.assert_array_equal(first, again)
    stepped = gn.trace_step(net, x, y).dropouts[0].mask  # not a dry run: the generator moves on
    np.testing.assert_array_equal(stepped, first)
    assert not np.array_equal(gn.trace_step(net, x, y, dry_run=True).dropouts[0].mask, first)
    plain = make_network("2-4-d.5-1", "mean_squared_error")
    gn.trace_step(plain, x, y, dry_run=True)
    assert plain.layers[1].rng is None  # a dry run leaves no generator behind


def test_rate_zero_is_the_identity_with_a_mask_of_ones() -> None:
    net = make_network("2-3-d0-1", "mean_squared_error")
    trace = gn.trace_step(net, [[1.0, 2.0]], [[0.5]], rng=0)
    d = trace.dropouts[0]
    np.testing.assert_array_equal(d.mask, np.ones((1, 3)))
    np.testing.assert_array_equal(d.out, trace.layers[0].out)


def test_matrix_names_count_the_dropout_layers() -> None:
    net = make_network("2-3-d.5-1", "mean_squared_error")
    text = gn.trace_step(net, [[1.0, 2.0]], [[0.5]], rng=0, names="matrix").to_text()
    assert "net_layer[2][0] = layer[2].weights[0, 0]·drop_layer[0][0]" in text
    assert "layer[2].bias[0] = layer[2].bias[0] − η" in text


def test_html_and_summary_show_the_dropout() -> None:
    net = make_network("2-3-d.5-1", "mean_squared_error")
    trace = gn.trace_step(net, [[1.0, 2.0]], [[0.5]], rng=0)
    html = trace._repr_html_()
    assert html.count("<table>") == 3 and "drop_h1" in html and "× 2.000000000" in html
    big = make_network("30-10-d.5-2", "mean_squared_error")
    x, y = data(big, "mean_squared_error", 2)
    summary = gn.trace_step(big, x, y, rng=0, dry_run=True).to_text()
    dropped = int((gn.trace_step(big, x, y, rng=0, dry_run=True).dropouts[0].mask == 0).sum())
    assert f"layer[1] (dropout, p = 0.5): {dropped} of 20 values dropped, the others × 2" in summary


@pytest.mark.parametrize(
    ("layers", "message"),
    [
        ([gn.Dense(2, 3), gn.Dropout(0.1), gn.Dropout(0.2), gn.Dense(3, 1)],
         r"one Dropout between two Dense layers; layers\[2\] is Dropout\(0.2\) after layers\[1\]"),
        ([gn.Dense(2, 3), gn.Dense(3, 1), gn.Dropout(0.2)],
         r"trace needs a Dense output layer; the last layer is Dropout\(0.2\)"),
    ],
)  # fmt: skip
def test_what_the_trace_cannot_show_is_refused_at_the_door(layers: list[Any], message: str) -> None:
    net = gn.Network(layers)
    before = net.get_weights()
    with pytest.raises(ValueError, match=message):
        gn.trace_step(net, np.ones((1, 2)), np.ones((1, 1)))
    for a, b in zip(before, net.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_the_summary_says_which_losses_had_a_mask() -> None:
    """The summary of a large network shows the losses as the full text does: each step's
    with its mask, the last (and the first again) with dropout off. It used to list them as
    one table, so 'after 0' (masked) and 'after 1' (dropout off) looked like the update's effect."""
    net = make_network("30-10-d.5-2", "mean_squared_error")
    x, y = data(net, "mean_squared_error", 2)
    trace = gn.trace_step(net, x, y, rng=0, iterations=2)
    text = trace.to_text()
    f = lambda v: fmt(v, 9)  # noqa: E731
    (_, first), (_, second), (_, last) = trace.history
    assert f"E = {f(trace.loss)} (with the step's dropout mask)" in text
    assert f"after 0 iterations: E = {f(first)} (with the step's dropout mask)" in text
    assert f"after 1 iterations: E = {f(second)} (with the step's dropout mask)" in text
    off = f"after 0 iterations, dropout off (as when predicting): E = {f(trace.loss_no_dropout)}"
    assert off in text and f"after 2 iterations, dropout off: E = {f(last)}" in text
    plain = gn.trace_step(
        make_network("30-10-2", "mean_squared_error"), x, y, iterations=2
    ).to_text()
    assert "dropout" not in plain and "after 2 iterations: E = " in plain
