"""Callbacks: early stopping on a constructed sequence, best checkpoint, schedules, progress."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.callbacks import (
    Callback,
    EarlyStopping,
    LearningRateScheduler,
    ReduceLROnPlateau,
    TrainingState,
    as_callbacks,
    overrides_batch_hooks,
)
from glassnet.io import ProgressBar
from glassnet.io.checkpoint import BestCheckpoint
from glassnet.training import History

from .conftest import fail_renames_onto


def replay(callback, values, network=None):
    """Feed a constructed ``val_loss`` sequence; the weights of epoch i are all equal to i."""
    network = network or gn.Network([gn.Dense(1, 1)])
    state = TrainingState(network, gn.SGD(0.1), History())
    callback.on_train_begin(state)
    stopped = None
    for epoch, value in enumerate(values):
        state.epoch = epoch
        callback.on_epoch_begin(state)
        network.set_weights([np.full((1, 1), float(epoch)), np.full(1, float(epoch))])
        state.logs = {"loss": 1.0, "val_loss": value}
        callback.on_epoch_end(state)
        if state.stop_training:
            stopped = epoch
            break
    callback.on_train_end(state)
    return stopped, network, state


def test_early_stopping_stops_at_the_right_epoch_and_restores_the_best():
    values = [1.0, 0.8, 0.5, 0.55, 0.52, 0.51, 0.4]
    stopped, network, _ = replay(EarlyStopping(patience=3, restore_best_weights=True), values)
    assert stopped == 5  # best at epoch 2, then 3 epochs without improvement
    assert network.get_weights()[0][0, 0] == 2.0


def test_min_delta_counts_small_gains_as_no_improvement():
    values = [1.0, 0.95, 0.91, 0.9]
    stopped, network, _ = replay(EarlyStopping(min_delta=0.1, patience=2), values)
    assert stopped == 2
    assert network.get_weights()[0][0, 0] == 2.0  # not restored


def test_best_checkpoint_keeps_and_writes_the_best(tmp_path):
    path = tmp_path / "best.npz"
    checkpoint = BestCheckpoint(path=path)
    replay(checkpoint, [0.9, 0.3, 0.7])
    assert checkpoint.best_epoch == 1 and checkpoint.best == 0.3
    assert checkpoint.best_weights[0][0, 0] == 1.0
    with np.load(path) as saved:
        assert saved["arr_0"][0, 0] == 1.0
    assert not (tmp_path / "best.npz.tmp").exists()


def test_a_failed_checkpoint_write_keeps_the_old_file_and_leaves_no_temporary(
    tmp_path, monkeypatch
):
    path = tmp_path / "best.npz"
    path.write_bytes(b"the previous checkpoint")
    fail_renames_onto(path, monkeypatch)
    with pytest.raises(OSError, match="disk full"):
        replay(BestCheckpoint(path=path), [0.9])
    assert path.read_bytes() == b"the previous checkpoint"
    assert [p.name for p in tmp_path.iterdir()] == ["best.npz"]


def test_best_checkpoint_writes_exactly_the_given_name(tmp_path):
    path = tmp_path / "best"  # np.savez given a name would have added ".npz"
    replay(BestCheckpoint(path=path), [0.9])
    assert [p.name for p in tmp_path.iterdir()] == ["best"]
    with np.load(path) as saved:
        assert saved["arr_0"][0, 0] == 0.0


def test_reduce_on_plateau_changes_the_learning_rate():
    callback = ReduceLROnPlateau(factor=0.5, patience=2, min_delta=0.0, min_lr=0.03)
    _, _, state = replay(callback, [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    assert state.optimizer.learning_rate == 0.03  # 0.1 -> 0.05 -> 0.03 (floor)


def test_scheduler_sets_the_rate_recorded_in_history():
    net = gn.Network([gn.Dense(2, 1, rng=0)], loss="mse")
    X, y = np.ones((4, 2)), np.zeros((4, 1))
    history = net.fit(
        X,
        y,
        optimizer=gn.SGD(0.1),
        epochs=3,
        callbacks=[LearningRateScheduler(lambda e: 0.1 / (e + 1))],
    )
    assert history.learning_rate == pytest.approx([0.1, 0.05, 0.1 / 3])


def test_unknown_monitor_is_named():
    with pytest.raises(ValueError, match="monitor 'val_acc' is not recorded"):
        replay(EarlyStopping(monitor="val_acc"), [1.0])


def test_batch_hooks_are_called_only_when_overridden():
    class Counter(Callback):
        batches = 0

        def on_batch_end(self, state):
            self.batches += 1

        def on_epoch_end(self, state):
            if state.epoch == 1:
                state.stop_training = True

    assert overrides_batch_hooks(Counter()) and not overrides_batch_hooks(EarlyStopping())
    counter = Counter()
    net = gn.Network([gn.Dense(2, 1, rng=0)], loss="mse")
    history = net.fit(np.ones((10, 2)), np.zeros(10), epochs=5, batch_size=4, callbacks=[counter])
    assert counter.batches == 6 and history.epochs == 2 and history.stopped_early


def test_progress_bar_writes_loss_and_speed(capsys):
    net = gn.Network([gn.Dense(2, 1, rng=0)], loss="mse")
    net.fit(
        np.ones((8, 2)),
        np.zeros(8),
        epochs=2,
        validation_split=0.25,
        rng=0,
        callbacks=[ProgressBar(mininterval=0)],
    )
    err = capsys.readouterr().err
    assert "val_loss" in err and "samples/s" in err and "2/2" in err


class StopAtFirst(Callback):
    def on_epoch_end(self, state):
        state.stop_training = True


def test_one_callback_rule_for_fit_and_the_estimators():
    one = StopAtFirst()
    assert as_callbacks(None) == [] and as_callbacks(one) == [one]
    assert as_callbacks((one, one)) == [one, one]
    net = gn.Network([gn.Dense(2, 1, rng=0)], loss="mse")
    x, y = np.ones((8, 2)), np.zeros(8)
    assert net.fit(x, y, epochs=5, callbacks=one).epochs == 1  # a single Callback is a list
    estimator = gn.MLPRegressor(
        hidden_layer_sizes=(2,), max_iter=5, random_state=0, callbacks=StopAtFirst()
    )
    assert estimator.fit(x, y).n_iter_ == 1

    class HookShaped:  # has the hooks' names but is no Callback: refused by both
        def on_epoch_end(self, state): ...

    message = "callbacks must be None, a Callback or a list of Callback objects, got"
    with pytest.raises(TypeError, match=message):
        net.fit(x, y, callbacks=[HookShaped()])
    with pytest.raises(TypeError, match=message):
        gn.MLPRegressor(hidden_layer_sizes=(2,), max_iter=5, callbacks=[HookShaped()]).fit(x, y)


@pytest.mark.parametrize("factor", [0.0, 1.0, -0.5])
def test_reduce_lr_factor_is_in_the_open_interval_at_both_ends(factor):
    with pytest.raises(ValueError, match=rf"factor must be in \(0.0, 1.0\), got {factor}"):
        ReduceLROnPlateau(factor=factor)


@pytest.mark.parametrize("verbose", [True, 1, 2])
def test_verbose_prints_one_line_per_epoch_with_the_standard_library(capsys, verbose):
    """fit's own progress: ``epoch k/N: loss ..., val_loss ..., metrics ..., seconds``."""
    net = gn.Network([gn.Dense(2, 1, rng=0)], loss="mse")
    x, y = np.arange(16.0).reshape(8, 2) / 16, np.ones(8)
    history = net.fit(x, y, epochs=3, validation_split=0.25, metrics=["mae"], rng=0,
                      verbose=verbose)  # fmt: skip
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(":")[0] for line in lines] == ["epoch 1/3", "epoch 2/3", "epoch 3/3"]
    assert lines[2].startswith(f"epoch 3/3: loss {history.loss[2]:.4g}, ")
    assert f"val_loss {history.val_loss[2]:.4g}" in lines[2]
    assert f"val_mae {history.metrics['val_mae'][2]:.4g}" in lines[2] and lines[2].endswith(" s")


@pytest.mark.parametrize("verbose", [False, 0, np.False_])
def test_silent_by_default_and_with_verbose_0(capsys, verbose):
    gn.Network([gn.Dense(2, 1, rng=0)], loss="mse").fit(np.ones((4, 2)), np.ones(4), epochs=2,
                                                         verbose=verbose)  # fmt: skip
    assert capsys.readouterr().err == ""


def test_verbose_takes_kerass_levels_only():
    net = gn.Network([gn.Dense(2, 1, rng=0)], loss="mse")
    with pytest.raises(ValueError, match="^verbose must be True, False, 0, 1 or 2, got 3$"):
        net.fit(np.ones((4, 2)), np.ones(4), verbose=3)
    with pytest.raises(TypeError, match="^verbose must be True, False, 0, 1 or 2, got str 'y'$"):
        net.fit(np.ones((4, 2)), np.ones(4), verbose="y")
