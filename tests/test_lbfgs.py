"""fit with L-BFGS: every fit option is either honoured or refused at the door, never ignored.

Honoured: validation data (given or split), metrics, sample and class weights, logged per
L-BFGS iteration like an epoch's logs; each logged value is checked against an independent
computation at that iteration's parameters. Refused: the epoch loop's options, each with a
one-line ``ValueError`` naming it and saying what to do instead.
"""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.lbfgs import LBFGS

RNG = np.random.default_rng(5)
X = RNG.normal(size=(40, 3))
Y = (X[:, :1] + 0.5 * X[:, 1:2] > 0).astype(float)
X_VAL = RNG.normal(size=(15, 3))
Y_VAL = (X_VAL[:, :1] + 0.5 * X_VAL[:, 1:2] > 0).astype(float)


def _classifier() -> gn.Network:
    return gn.Network(
        [gn.Dense(3, 4, "tanh", rng=0), gn.Dense(4, 1, "sigmoid", rng=1)],
        loss="binary_cross_entropy",
        penalties=[gn.L2(0.01)],
    )


def _regressor() -> gn.Network:
    return gn.Network([gn.Dense(3, 5, "tanh", rng=0), gn.Dense(5, 1, rng=1)], loss="mse")


@pytest.mark.parametrize(
    ("option", "value", "instead"),
    [
        ("epochs", 50, r"L-BFGS has no epochs .* LBFGS\(max_iter=...\) instead"),
        ("batch_size", 16, "every L-BFGS step uses all samples; leave batch_size out or pass None"),
        ("tol", 1e-3, r"fit's tol stops its epoch loop .* LBFGS\(tol=...\) is L-BFGS's own"),
        ("tol", 0.0, r"LBFGS\(tol=...\)"),
        ("patience", 3, r"patience counts epochs for fit's tol"),
        ("restore_best_weights", True, "train with an epoch-based optimizer such as Adam"),
        ("monitor", "val_loss", "L-BFGS uses neither; leave monitor out"),
        ("monitor", "loss", "leave monitor out"),
        ("verbose", True, r"read history.loss or optimizer.result afterwards"),
    ],
)
def test_epoch_loop_options_are_refused_before_training(option, value, instead):
    net = _classifier()
    before = net.get_weights()
    optimizer = LBFGS(max_iter=5)
    with pytest.raises(ValueError) as caught:
        net.fit(X, Y, optimizer=optimizer, validation_split=0.2, **{option: value})
    message = str(caught.value)
    assert message.startswith(f"{option}={value!r} does not apply to the full-batch optimizer ")
    assert "LBFGS(max_iter=5" in message and "\n" not in message
    assert caught.match(instead)
    assert optimizer.result is None  # SciPy never ran
    for a, b in zip(before, net.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_bad_values_are_still_checked_first():
    """The usual checks run before the refusal: a bad epochs is a TypeError about its type."""
    with pytest.raises(TypeError, match="epochs must be an integer, got str 'x'"):
        _classifier().fit(X, Y, optimizer=LBFGS(), epochs="x")
    with pytest.raises(ValueError, match="batch_size must be >= 1, got 0"):
        _classifier().fit(X, Y, optimizer=LBFGS(), batch_size=0)


def test_default_values_and_full_batch_options_train_as_without_them():
    """fit's defaults, batch_size=None and either shuffle are accepted, and change nothing:
    the same parameters bit for bit as a fit with no options."""
    plain = _classifier()
    plain.fit(X, Y, optimizer=LBFGS(max_iter=15))
    for options in (
        dict(epochs=1, batch_size=32, tol=None, patience=10, restore_best_weights=False,
             monitor=None, verbose=False, callbacks=None, shuffle=True),
        dict(batch_size=None, shuffle=False, rng=3),
    ):  # fmt: skip
        net = _classifier()
        net.fit(X, Y, optimizer=LBFGS(max_iter=15), **options)
        for a, b in zip(plain.get_weights(), net.get_weights(), strict=True):
            np.testing.assert_array_equal(a, b)


def _iterates(make, max_iter: int, **options) -> list[gn.Network]:
    """The network after 1, 2, ..., ``max_iter`` L-BFGS iterations: L-BFGS is deterministic,
    so a run stopped by ``max_iter=k`` ends at the k-th iterate of a longer run."""
    networks = []
    for k in range(1, max_iter + 1):
        net = make()
        optimizer = LBFGS(max_iter=k)
        net.fit(X, Y, optimizer=optimizer, **options)
        assert optimizer.result.nit == k
        networks.append(net)
    return networks


def test_validation_loss_and_metrics_are_logged_at_every_iterate():
    """history.loss, val_loss and each metric have one entry per iteration, each equal to
    the value computed independently (net.loss, numpy) at that iteration's parameters."""
    net = _classifier()
    optimizer = LBFGS(max_iter=4)

    def error_rate(y_pred, y):
        return float(np.mean((y_pred >= 0.5) != (y >= 0.5)))

    history = net.fit(
        X, Y, optimizer=optimizer, validation_data=(X_VAL, Y_VAL), metrics=["accuracy", error_rate]
    )
    assert optimizer.result.nit == 4 and history.epochs == 4
    assert len(history.val_loss) == 4
    assert set(history.metrics) == {"accuracy", "error_rate", "val_accuracy", "val_error_rate"}
    assert all(len(values) == 4 for values in history.metrics.values())
    for k, at in enumerate(_iterates(_classifier, 4)):
        assert history.loss[k] == pytest.approx(at.loss(X, Y), rel=1e-12)  # with the penalty
        assert history.val_loss[k] == pytest.approx(at.loss(X_VAL, Y_VAL), rel=1e-12)
        right = (at.predict(X) >= 0.5) == (Y >= 0.5)
        right_val = (at.predict(X_VAL) >= 0.5) == (Y_VAL >= 0.5)
        assert history.metrics["accuracy"][k] == np.mean(right)
        assert history.metrics["val_accuracy"][k] == np.mean(right_val)
        assert history.metrics["error_rate"][k] == np.mean(~right)
        assert history.metrics["val_error_rate"][k] == np.mean(~right_val)
    # the last entry is the trained network itself
    assert history.val_loss[-1] == net.loss(X_VAL, Y_VAL)
    assert history.loss[-1] == net.loss(X, Y)


def test_validation_split_holds_out_the_rows_drawn_with_rng():
    """For a regressor the split is unstratified: the first round(0.25 · 40) = 10 rows of a
    permutation drawn with ``rng``. Training on the rest with those rows as validation_data
    gives the same parameters and logs bit for bit."""
    split = _regressor()
    history = split.fit(X, Y, optimizer=LBFGS(max_iter=30), validation_split=0.25, rng=7)
    held = np.sort(np.random.default_rng(7).permutation(40)[:10])
    rest = np.setdiff1d(np.arange(40), held)
    given = _regressor()
    expected = given.fit(
        X[rest], Y[rest], optimizer=LBFGS(max_iter=30), validation_data=(X[held], Y[held])
    )
    for a, b in zip(split.get_weights(), given.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert history.loss == expected.loss and history.val_loss == expected.val_loss
    assert history.val_loss[-1] == split.loss(X[held], Y[held])
    assert len(history.val_loss) == len(history.loss) > 1


def test_weighted_validation_and_class_weight_are_honoured():
    """Validation sample weights weigh val_loss; class_weight weighs the training loss that
    L-BFGS minimizes (its logged loss is the weighted one)."""
    w_val = np.linspace(0.1, 2.0, 15)
    net = _classifier()
    history = net.fit(
        X, Y, optimizer=LBFGS(max_iter=10), validation_data=(X_VAL, Y_VAL, w_val),
        class_weight={0: 1.0, 1: 3.0},
    )  # fmt: skip
    assert history.val_loss[-1] == net.loss(X_VAL, Y_VAL, w_val)
    assert history.val_loss[-1] != net.loss(X_VAL, Y_VAL)
    weights = np.where(Y[:, 0] == 1, 3.0, 1.0)
    assert history.loss[-1] == pytest.approx(net.loss(X, Y, weights), rel=1e-12)
    assert history.loss[-1] != pytest.approx(net.loss(X, Y), rel=1e-6)


def test_a_run_with_no_iteration_logs_the_final_parameters_once():
    """Started at a minimum, L-BFGS stops before its first iteration (SciPy calls no
    callback): the history still holds one entry, at the unchanged parameters."""
    net = _regressor()
    net.fit(X, Y, optimizer=LBFGS(max_iter=500, tol=1e-3))
    before = net.get_weights()
    optimizer = LBFGS(tol=1e-3)
    history = net.fit(X, Y, optimizer=optimizer, validation_data=(X_VAL, Y_VAL), metrics="mse")
    assert optimizer.result.nit == 0
    for a, b in zip(before, net.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert history.loss == [net.loss(X, Y)] and history.val_loss == [net.loss(X_VAL, Y_VAL)]
    assert history.metrics["val_mse"] == [np.mean((net.predict(X_VAL) - Y_VAL) ** 2)]
