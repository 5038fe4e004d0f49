"""The loss at the output layer: which pairings take the logits shortcut, and that train_step's
``y_pred`` flows from forward to the loss and its gradient into backward."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.output_loss import LogitsLoss, OutputLoss, output_loss
from glassnet.recording import Recorder


def network(activation: str, loss: object, n_outputs: int = 3, scale: float = 1.0) -> gn.Network:
    net = gn.Network(
        [gn.Dense(4, 5, "tanh", rng=0), gn.Dense(5, n_outputs, activation, rng=1)], loss=loss
    )
    net.layers[-1].weights.value *= scale
    return net


DATA = np.random.default_rng(7)
X = DATA.normal(size=(6, 4))
LABELS = np.array([0, 2, 1, 1, 0, 2])
ONE_HOT = np.eye(3)[LABELS]


@pytest.mark.parametrize(
    ("activation", "loss", "shortcut"),
    [
        ("softmax", gn.CategoricalCrossEntropy(), True),
        ("sigmoid", gn.BinaryCrossEntropy(), True),
        ("softmax", gn.CategoricalCrossEntropy(from_logits=True), False),
        ("identity", gn.BinaryCrossEntropy(from_logits=True), False),
        ("sigmoid", gn.CategoricalCrossEntropy(), False),
        ("sigmoid", gn.HalfSquaredError(), False),
        ("softmax", gn.MeanSquaredError(), False),
    ],
)
def test_only_a_cross_entropy_after_its_own_activation_takes_the_logits(
    activation: str, loss: gn.losses.Loss, shortcut: bool
) -> None:
    net = network(activation, loss)
    head = output_loss(loss, net.layers[-1])
    assert type(head) is (LogitsLoss if shortcut else OutputLoss)
    assert net.uses_logits is shortcut and net.output_loss.from_logits is shortcut


def test_the_choice_follows_a_loss_replaced_after_construction() -> None:
    net = network("softmax", "categorical_cross_entropy")
    assert net.uses_logits
    net.loss_function = gn.losses.get_loss("half_squared_error")  # as a warm start may do
    assert not net.uses_logits and net.output_loss.loss is net.loss_function


def test_the_step_passes_y_pred_from_forward_to_the_loss_and_its_gradient_to_backward() -> None:
    net = network("tanh", "half_squared_error")
    y_pred = net.forward(X, training=True)
    assert net.loss_value(y_pred, ONE_HOT) == net.loss(X, ONE_HOT)
    grad = net.loss_gradient(y_pred, ONE_HOT)
    np.testing.assert_allclose(grad, (y_pred - ONE_HOT) / X.shape[0], rtol=1e-15)  # ∂(½Σr²/n)
    net.backward(grad)
    expected = network("tanh", "half_squared_error").gradients(X, ONE_HOT)
    for layer, (w_grad, b_grad) in zip(net.layers, expected, strict=True):
        np.testing.assert_array_equal(layer.weights.grad, w_grad)
        np.testing.assert_array_equal(layer.bias.grad, b_grad)


def test_with_the_shortcut_backward_starts_from_delta_at_the_logits() -> None:
    net = network("softmax", "categorical_cross_entropy")
    seen: list[object] = []

    class Watch(Recorder):
        def layer_backward(self, index, layer, grad_out, grad_in):  # type: ignore[no-untyped-def]
            seen.append((index, grad_out))

    y_pred = net.forward(X, training=True)
    delta = net.loss_gradient(y_pred, ONE_HOT)
    np.testing.assert_allclose(delta, (y_pred - ONE_HOT) / X.shape[0], rtol=1e-15)
    net.backward(delta, Watch())
    np.testing.assert_array_equal(net.layers[-1].delta, delta)  # not through softmax's backward
    assert seen[0] == (1, None)  # the output layer received no ∂L/∂a


@pytest.mark.parametrize(
    ("activation", "loss", "targets"),
    [
        ("softmax", "categorical_cross_entropy", ONE_HOT),
        ("sigmoid", "binary_cross_entropy", ONE_HOT),
    ],
)
def test_huge_logits_give_a_finite_loss_and_gradient(activation, loss, targets) -> None:  # type: ignore[no-untyped-def]
    net = network(activation, loss, scale=1e6)  # logits of order 1e6: a saturates to 0 and 1
    before = net.get_weights()
    value = gn.train_step(net, gn.SGD(1e-9), X, targets)
    assert np.isfinite(value) and value > 1e3  # confidently wrong somewhere: a large loss
    for layer in net.layers:
        assert np.isfinite(layer.weights.grad).all() and np.isfinite(layer.bias.grad).all()
    assert all(np.isfinite(w).all() for w in net.get_weights())
    assert any(not np.array_equal(a, b) for a, b in zip(before, net.get_weights(), strict=True))
