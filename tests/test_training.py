"""fit(): validation, metrics, stopping, class weights, divergence, reruns, partial_fit."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.heldout import class_weight_to_sample_weight, split_indices


def blobs(n_major=200, n_minor=20, seed=0):
    rng = np.random.default_rng(seed)
    X = np.vstack([rng.normal(0.0, 1.0, (n_major, 2)), rng.normal(1.5, 1.0, (n_minor, 2))])
    y = np.r_[np.zeros(n_major, int), np.ones(n_minor, int)]
    return X, y


def classifier(seed=0):
    return gn.Network(
        [gn.Dense(2, 8, "tanh", rng=seed), gn.Dense(8, 2, "softmax", rng=seed + 1)],
        loss="categorical_cross_entropy",
    )


def test_validation_split_is_stratified_and_reproducible():
    labels = np.r_[np.zeros(90, int), np.ones(10, int)]
    train, held = split_indices(100, 0.2, labels, np.random.default_rng(0))
    assert held.size == 20 and (labels[held] == 1).sum() == 2
    assert np.intersect1d(train, held).size == 0 and train.size + held.size == 100
    again, _ = split_indices(100, 0.2, labels, np.random.default_rng(0))
    np.testing.assert_array_equal(train, again)


def test_history_has_validation_and_metric_curves():
    X, y = blobs()
    history = classifier().fit(
        X, y, optimizer=gn.Adam(0.01), epochs=4, validation_split=0.25, metrics=["accuracy"], rng=0
    )
    assert len(history.loss) == len(history.val_loss) == 4
    assert len(history.metrics["accuracy"]) == len(history.metrics["val_accuracy"]) == 4
    assert all(0.0 <= a <= 1.0 for a in history.metrics["val_accuracy"])
    assert history.learning_rate == [0.01] * 4
    assert history.val_loss[-1] < history.val_loss[0]


def test_validation_data_is_scored_as_given():
    X, y = blobs()
    net = classifier()
    history = net.fit(X, y, epochs=1, validation_data=(X[:50], y[:50]), rng=0)
    assert history.val_loss[0] == pytest.approx(net.loss(X[:50], y[:50]), rel=1e-12)


def test_restore_best_weights_from_fit():
    X, y = blobs()
    net = classifier()
    history = net.fit(
        X,
        y,
        optimizer=gn.SGD(3.0, momentum=0.9),
        epochs=15,
        validation_split=0.3,
        rng=1,
        restore_best_weights=True,
    )
    best = int(np.argmin(history.val_loss))
    assert best < 14  # a too-large rate: the best epoch is not the last one
    _, held = split_indices(X.shape[0], 0.3, y, np.random.default_rng(1))
    # the split drew from the same generator first, so it is reproduced; the best loss is back
    assert net.loss(X[held], y[held]) == pytest.approx(history.val_loss[best], rel=1e-12)


def test_tol_stops_on_training_loss_by_default():
    net = gn.Network([gn.Dense(1, 1, rng=0)], loss="mse")
    X = np.linspace(-1, 1, 20).reshape(-1, 1)
    history = net.fit(X, 2 * X, optimizer=gn.SGD(0.5), epochs=500, tol=1e-6, patience=3)
    assert history.stopped_early and history.epochs < 500


def test_balanced_class_weight_improves_minority_recall():
    X, y = blobs()
    recalls = []
    for weight in (None, "balanced"):
        net = classifier()
        net.fit(X, y, optimizer=gn.Adam(0.02), epochs=30, class_weight=weight, rng=0)
        predicted = net.predict(X).argmax(axis=1)
        recalls.append((predicted[y == 1] == 1).mean())
    assert recalls[1] > recalls[0] + 0.2


def test_balanced_weights_formula_and_bad_classes():
    labels = np.array([0, 0, 0, 1])
    np.testing.assert_allclose(
        class_weight_to_sample_weight("balanced", labels, 2), [4 / 6] * 3 + [2.0]
    )
    np.testing.assert_allclose(class_weight_to_sample_weight({1: 5.0}, labels, 2), [1, 1, 1, 5])
    X, y = blobs()
    with pytest.raises(ValueError, match="class_weight has unknown class 7; classes are 0 to 1"):
        classifier().fit(X, y, class_weight={7: 2.0})


def test_bad_validation_arguments():
    X, y = blobs(n_major=3, n_minor=1)
    with pytest.raises(
        ValueError, match=r"validation_split=0.1 of 4 samples leaves 4 for training"
    ):
        classifier().fit(X, y, validation_split=0.1)
    with pytest.raises(ValueError, match=r"validation_split must be in \[0.0, 1.0\), got 1.0"):
        classifier().fit(X, y, validation_split=1.0)
    with pytest.raises(ValueError, match="validation_data must be"):
        classifier().fit(X, y, validation_data=X)
    with pytest.raises(ValueError, match="unknown metric 'f1'"):
        classifier().fit(X, y, metrics=["f1"])


def test_divergence_keeps_finite_parameters():
    net = gn.Network([gn.Dense(1, 1, rng=0)], loss="mse")
    X = np.linspace(-10, 10, 20).reshape(-1, 1)
    with pytest.raises(gn.TrainingDiverged, match="lower the learning rate"):
        net.fit(X, 100 * X, optimizer=gn.SGD(10.0), epochs=200, batch_size=4)
    assert all(np.isfinite(w).all() for w in net.get_weights())


def test_seeded_runs_repeat_bit_for_bit():
    X, y = blobs()
    runs = []
    for _ in range(2):
        net = classifier()
        history = net.fit(
            X, y, optimizer=gn.Adam(0.01), epochs=3, batch_size=16, rng=7, validation_split=0.2
        )
        runs.append((history.loss, history.val_loss, net.get_weights()))
    assert runs[0][0] == runs[1][0] and runs[0][1] == runs[1][1]
    for a, b in zip(runs[0][2], runs[1][2], strict=True):
        np.testing.assert_array_equal(a, b)


def test_fit_again_continues_the_optimizer_state():
    X, y = blobs()
    once, twice = classifier(), classifier()
    once.fit(X, y, optimizer=gn.Adam(0.01), epochs=2, shuffle=False, batch_size=None)
    optimizer = gn.Adam(0.01)
    twice.fit(X, y, optimizer=optimizer, epochs=1, shuffle=False, batch_size=None)
    twice.fit(X, y, epochs=1, shuffle=False, batch_size=None)
    assert optimizer.iterations == 2
    for a, b in zip(once.get_weights(), twice.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_partial_fit_is_one_pass_over_each_chunk():
    X, y = blobs()
    streamed, whole = classifier(), classifier()
    optimizer = gn.SGD(0.1, momentum=0.5)
    for chunk in np.array_split(np.arange(X.shape[0]), 4):
        history = streamed.partial_fit(X[chunk], y[chunk], optimizer=optimizer)
        assert history.epochs == 1
    whole.fit(X, y, optimizer=gn.SGD(0.1, momentum=0.5), epochs=1, batch_size=55, shuffle=False)
    assert optimizer.iterations == 4
    for a, b in zip(streamed.get_weights(), whole.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_schedule_in_optimizer_is_recorded_per_epoch():
    net = gn.Network([gn.Dense(2, 1, rng=0)], loss="mse")
    schedule = gn.schedules.StepDecay(0.1, step_size=2, gamma=0.5)
    history = net.fit(
        np.ones((4, 2)), np.zeros(4), optimizer=gn.SGD(schedule), epochs=3, batch_size=2
    )
    assert history.learning_rate == pytest.approx([0.1, 0.05, 0.025])


def test_monitoring_validation_without_validation_data_is_refused():
    X, y = blobs()
    with pytest.raises(ValueError, match="monitor='val_loss' needs validation_data"):
        classifier().fit(X, y, tol=0.0, monitor="val_loss")


def test_class_weight_leaves_the_validation_loss_unweighted():
    X, y = blobs()
    net = classifier()
    history = net.fit(X, y, epochs=1, validation_data=(X, y), class_weight={1: 50.0}, rng=0)
    assert history.val_loss[0] == pytest.approx(net.loss(X, y), rel=1e-12)


def test_divergence_with_restore_best_weights_ends_on_the_best_epoch():
    X = np.linspace(-1, 1, 20).reshape(-1, 1)
    net = gn.Network([gn.Dense(1, 1, rng=0)], loss="mse")
    losses = []

    class Blowup(gn.callbacks.Callback):
        def on_epoch_end(self, state):
            losses.append((state.history.loss[-1], net.get_weights()))
            if state.epoch == 2:  # spoil the weights: epoch 3 is worse than epoch 2
                net.set_weights([np.full((1, 1), 50.0), np.full(1, 50.0)])
            if state.epoch == 3:  # then diverge
                state.optimizer.learning_rate = 1e6

    with pytest.raises(gn.TrainingDiverged):
        net.fit(
            X,
            3 * X,
            optimizer=gn.SGD(0.1),
            epochs=50,
            restore_best_weights=True,
            callbacks=[Blowup()],
            batch_size=5,
            shuffle=False,
        )
    assert losses[3][0] > losses[2][0]
    best = min(losses, key=lambda item: item[0])[1]
    assert not np.array_equal(best[0], losses[-1][1][0])  # not the last finite parameters
    for a, b in zip(net.get_weights(), best, strict=True):
        np.testing.assert_array_equal(a, b)


def test_adam_matches_scikit_learn():
    from sklearn.neural_network._stochastic_optimizers import AdamOptimizer

    rng = np.random.default_rng(3)
    ours = [gn.Parameter(rng.normal(size=(3, 2))), gn.Parameter(rng.normal(size=2))]
    theirs = [p.value.copy() for p in ours]
    reference = AdamOptimizer(theirs, learning_rate_init=0.01)
    adam = gn.Adam(0.01)
    for _ in range(30):
        grads = [rng.normal(size=p.shape) for p in ours]
        for p, g in zip(ours, grads, strict=True):
            p.grad[...] = g
        adam.step(ours)
        reference.update_params(theirs, grads)
    for p, t in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(p.value, t, rtol=0, atol=1e-12)


def test_an_update_that_overflows_stops_training_with_finite_parameters():
    """The loss of the step is finite (1e300), but lr · gradient overflows the weight to -inf:
    fit used to return normally with an infinite weight."""
    net = gn.Network([gn.Dense(1, 1, weights=[[1.0]], bias=0.0)], loss="mse")
    X, Y = np.array([[1e150]]), np.array([[0.0]])
    with pytest.raises(gn.TrainingDiverged, match="parameters became infinite or NaN"):
        net.fit(X, Y, optimizer=gn.SGD(1e10), epochs=1, batch_size=1)
    np.testing.assert_array_equal(net.get_weights()[0], [[1.0]])  # the epoch's start, finite
    np.testing.assert_array_equal(net.get_weights()[1], [0.0])


def test_an_update_that_overflows_is_divergence_even_when_validation_sees_it_first():
    """With validation data, the epoch's validation pass meets the infinite weights first: it
    used to say "X is too large for this network" and leave the weights at -inf."""
    net = gn.Network([gn.Dense(1, 1, weights=[[1.0]], bias=0.0)], loss="mse")
    X, Y = np.array([[1e150]]), np.array([[0.0]])
    with pytest.raises(gn.TrainingDiverged, match="parameters became infinite or NaN"):
        net.fit(X, Y, optimizer=gn.SGD(1e10), epochs=1, batch_size=1, validation_data=(X, Y))
    np.testing.assert_array_equal(net.get_weights()[0], [[1.0]])


def test_huge_inputs_with_finite_parameters_still_name_x():
    """Outputs that overflow on finite parameters are the inputs' fault, and say so."""
    net = gn.Network([gn.Dense(1, 1, weights=[[1e10]], bias=0.0)], loss="mse")
    X, Y, X_val = np.array([[1e-12]]), np.array([[0.0]]), np.array([[1e300]])
    with pytest.raises(ValueError, match="X is too large"):
        net.fit(X, Y, optimizer=gn.SGD(1e-3), epochs=1, batch_size=1, validation_data=(X_val, Y))
    assert np.isfinite(net.get_weights()[0]).all()


def test_an_overflow_in_one_epoch_caught_in_the_next_keeps_that_epochs_start():
    """The overflow ends epoch 1 (finite loss); epoch 2's loss is infinite: the parameters
    kept are epoch 1's start, the last finite ones, not epoch 2's (infinite) start."""
    net = gn.Network([gn.Dense(1, 1, weights=[[1.0]], bias=0.0)], loss="mse")
    X, Y = np.array([[1e150]]), np.array([[0.0]])
    with pytest.raises(gn.TrainingDiverged, match="lower the learning rate"):
        net.fit(X, Y, optimizer=gn.SGD(1e10), epochs=3, batch_size=1)
    np.testing.assert_array_equal(net.get_weights()[0], [[1.0]])
