"""Periodic averaging, the options of single-machine training, out-of-core estimators and search
on a real two-process LocalCluster.

This module's client is not the default client, so that ``client=None`` can be tested; the
tests that rely on a default client (joblib, dask-ml) enter ``client.as_current()``.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import glassnet as gn
from glassnet.callbacks import Callback

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("dask.distributed")
from glassnet import dask as gd  # noqa: E402 - after the optional imports

from .test_dask import assert_same_network, local_cluster, regression_data, regressor  # noqa: E402


@pytest.fixture(scope="module")
def client():
    cluster = local_cluster()
    with cluster, distributed.Client(cluster, timeout="30s", set_as_default=False) as connected:
        yield connected


def chunked(x: np.ndarray, y: np.ndarray, w: np.ndarray | None, blocks: tuple[int, ...]):
    dx = da.from_array(x, chunks=(blocks, x.shape[1]))
    dy = da.from_array(y, chunks=(blocks, *y.shape[1:]))
    return dx, dy, None if w is None else da.from_array(w, chunks=(blocks,))


def weights(n: int) -> np.ndarray:
    """Positive weights, but zero on rows 0-24: the first block's share of a batch is often
    all zero, which must add nothing (not NaN) to the step."""
    w = np.random.default_rng(5).uniform(0.0, 3.0, size=n)
    w[:25] = 0.0
    return w


def copied(optimizer: object) -> object:
    return pickle.loads(pickle.dumps(optimizer))


# ------------------------------------------------------------------ periodic averaging
@pytest.mark.parametrize(
    ("optimizer", "weighted"),
    [(gn.SGD(0.05), False), (gn.SGD(0.05, momentum=0.9, nesterov=True), True)],
    ids=["sgd", "nesterov-sample_weight"],
)
def test_averaging_after_every_step_with_sgd_is_single_process_training(
    client, optimizer, weighted
):
    """K = 1 with SGD: the average of the replicas' steps is the step on the averaged gradient."""
    x, y = regression_data(120)
    w = weights(120) if weighted else None
    local, spread = regressor(), regressor()
    options = {"epochs": 3, "batch_size": 32, "rng": 7}
    expected = local.fit(x, y, optimizer=copied(optimizer), sample_weight=w, **options)
    dx, dy, dw = chunked(x, y, w, (30, 50, 40))
    history = gd.fit_averaged(spread, dx, dy, client, local_steps=1, optimizer=optimizer,
                              sample_weight=dw, **options)  # fmt: skip
    assert_same_network(spread, local)
    np.testing.assert_allclose(history.loss, expected.loss, rtol=1e-12)


def test_averaging_one_replica_continues_adam_exactly_across_rounds(client):
    """One block: every round hands Adam's moments and step count back and forth; the run must
    be single-process Adam, which it is only if the optimizer state travels intact."""
    x, y = regression_data(90)
    local, spread = regressor(), regressor()
    options = {"epochs": 2, "batch_size": 10, "rng": 2}
    local.fit(x, y, optimizer=gn.Adam(0.01), **options)
    dx, dy, _ = chunked(x, y, None, (90,))
    gd.fit_averaged(spread, dx, dy, client, local_steps=4, optimizer=gn.Adam(0.01), **options)
    assert_same_network(spread, local)
    assert spread.optimizer.iterations == local.optimizer.iterations == 18


def test_averaging_with_local_steps_takes_another_path_downhill(client):
    x, y = regression_data(120)
    dx, dy, _ = chunked(x, y, None, (60, 60))
    options = {"epochs": 4, "batch_size": 20, "rng": 1}
    synchronous, averaged = regressor(), regressor()
    gd.fit(synchronous, dx, dy, client, optimizer=gn.Adam(0.02), **options)
    history = gd.fit_averaged(averaged, dx, dy, client, local_steps=3, optimizer=gn.Adam(0.02),
                              **options)  # fmt: skip
    assert history.loss[-1] < 0.5 * history.loss[0]
    difference = max(
        np.abs(a - b).max()
        for a, b in zip(synchronous.get_weights(), averaged.get_weights(), strict=True)
    )
    assert difference > 1e-4  # K = 3 is not synchronous training


def test_averaging_stops_on_a_non_finite_loss_with_the_last_finite_parameters(client):
    x, y = regression_data(60)
    dx, dy, _ = chunked(x, y, None, (30, 30))
    network = regressor()
    before = network.get_weights()
    with pytest.raises(gn.TrainingDiverged, match="the loss became"):
        gd.fit_averaged(network, dx, dy * 1e200, client, optimizer=gn.SGD(0.1), batch_size=20,
                        local_steps=2)  # fmt: skip
    for a, b in zip(network.get_weights(), before, strict=True):
        np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------------ options of glassnet.fit
def test_sample_weight_equals_single_process_weighted_training(client):
    x, y = regression_data(100)
    w = weights(100)
    local, spread = regressor(), regressor()
    options = {"epochs": 2, "batch_size": 25, "rng": 4}
    expected = local.fit(x, y, optimizer=gn.Adam(0.01), sample_weight=w, **options)
    dx, dy, dw = chunked(x, y, w, (50, 50))
    history = gd.fit(spread, dx, dy, client, optimizer=gn.Adam(0.01), sample_weight=dw, **options)
    assert_same_network(spread, local)
    np.testing.assert_allclose(history.loss, expected.loss, rtol=1e-12)


@pytest.mark.parametrize("scheme", ["fit", "fit_averaged"])
def test_stopping_rule_and_history_are_those_of_single_process_training(client, scheme):
    x, y = regression_data(60)
    local, spread = regressor(), regressor()
    options = {"epochs": 40, "batch_size": None, "tol": 1e-2, "patience": 2}
    expected = local.fit(x, y, optimizer=gn.SGD(0.2), **options)
    dx, dy, _ = chunked(x, y, None, (30, 30))
    extra = {"local_steps": 1} if scheme == "fit_averaged" else {}
    history = getattr(gd, scheme)(spread, dx, dy, client, optimizer=gn.SGD(0.2), **options,
                                  **extra)  # fmt: skip
    assert expected.stopped_early and history.stopped_early
    assert history.epochs == expected.epochs < 40
    assert history.planned_epochs == 40
    assert history.learning_rate == expected.learning_rate
    np.testing.assert_allclose(history.loss, expected.loss, rtol=1e-12)
    assert_same_network(spread, local)


class Counting(Callback):
    """Counts hook calls and halves the learning rate after the first epoch."""

    def __init__(self) -> None:
        self.events: dict[str, int] = {}

    def count(self, event: str) -> None:
        self.events[event] = self.events.get(event, 0) + 1

    def on_train_begin(self, state) -> None:
        self.count("train_begin")

    def on_epoch_end(self, state) -> None:
        self.count("epoch_end")
        state.optimizer.learning_rate = 0.025

    def on_batch_end(self, state) -> None:
        self.count("batch_end")


@pytest.mark.parametrize(("scheme", "steps"), [("fit", 4), ("fit_averaged", 2)])
def test_callbacks_and_progress_bar(client, capsys, scheme, steps):
    """Batch hooks run once per step (synchronous) or per round (averaging, K = 2)."""
    x, y = regression_data(80)
    dx, dy, _ = chunked(x, y, None, (40, 40))
    callback = Counting()
    extra = {"local_steps": 2} if scheme == "fit_averaged" else {}
    history = getattr(gd, scheme)(regressor(), dx, dy, client, optimizer=gn.SGD(0.05), epochs=2,
                                  batch_size=20, rng=0, callbacks=[callback], verbose=True,
                                  **extra)  # fmt: skip
    assert callback.events == {"train_begin": 1, "epoch_end": 2, "batch_end": 2 * steps}
    assert history.learning_rate == [0.05, 0.025]
    assert "2/2" in capsys.readouterr().err  # tqdm's bar over epochs, finished


# ------------------------------------------------------------------ errors at the door
@pytest.mark.parametrize(
    ("w", "match"),
    [
        (da.ones(60, chunks=20), "row blocks of X"),
        (da.from_array(np.r_[-1.0, np.ones(59)], chunks=30), ">= 0"),
        (np.ones(60), "sample_weight must be a dask array"),
    ],
    ids=["chunking", "negative", "numpy"],
)
def test_bad_sample_weight_is_refused_before_training(client, w, match):
    x, y = regression_data(60)
    dx, dy, _ = chunked(x, y, None, (30, 30))
    network = regressor()
    before = network.get_weights()
    with pytest.raises((ValueError, TypeError), match=match):
        gd.fit(network, dx, dy, client, sample_weight=w)
    for a, b in zip(network.get_weights(), before, strict=True):
        np.testing.assert_array_equal(a, b)


class StatelessStep:
    """Steps like an optimizer but keeps no state fit_averaged could average."""

    def step(self, parameters) -> None:
        for parameter in parameters:
            parameter.value -= 0.1 * parameter.grad


def test_averaging_needs_a_first_order_glassnet_optimizer_and_local_steps(client):
    dx, dy, _ = chunked(*regression_data(20), None, (10, 10))
    network = regressor()
    with pytest.raises(TypeError, match="needs a glassnet first-order optimizer"):
        gd.fit_averaged(network, dx, dy, client, optimizer=StatelessStep())
    assert not hasattr(network, "optimizer")  # refused before the network was touched
    with pytest.raises(ValueError, match="local_steps"):
        gd.fit_averaged(regressor(), dx, dy, client, local_steps=0)


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"tol": -1}, ValueError, r"tol must be in \[0.0, inf\), got -1"),  # was "min_delta"
        ({"tol": 0.1, "patience": 0}, ValueError, "patience must be >= 1, got 0"),
        ({"callbacks": [print]}, TypeError, "callbacks must be None, a Callback or a list"),
    ],
)
def test_stopping_and_callbacks_are_checked_by_fits_rules(client, options, error, match):
    dx, dy, _ = chunked(*regression_data(20), None, (10, 10))
    for train in (gd.fit, gd.fit_averaged):
        with pytest.raises(error, match=match):
            train(regressor(), dx, dy, client, **options)


def test_no_running_client_is_a_clear_error(client):
    dx, dy, _ = chunked(*regression_data(20), None, (10, 10))
    for train in (gd.fit, gd.fit_averaged):
        with pytest.raises(ValueError, match="client: no Dask client is running"):
            train(regressor(), dx, dy)


# ------------------------------------------------------------------ estimators on the cluster
def test_incremental_partial_fit_over_a_100k_row_dask_array_improves_each_pass(client):
    """dask-ml's Incremental calls MLPClassifier.partial_fit block by block (out of core)."""
    wrappers = pytest.importorskip("dask_ml.wrappers")
    x = da.random.default_rng(0).normal(size=(100_000, 4), chunks=(10_000, 4))
    y = (x[:, 0] + 0.5 * x[:, 1] ** 2 - x[:, 2] > 0.5).astype(int)
    estimator = gn.MLPClassifier(hidden_layer_sizes=(16,), solver="sgd", learning_rate_init=0.01,
                                 batch_size=2000, random_state=0)  # fmt: skip
    model = wrappers.Incremental(estimator, scoring="accuracy", shuffle_blocks=False)
    scores = []
    with client.as_current():
        x, y = client.persist([x, y])
        for _ in range(3):
            model.partial_fit(x, y, classes=[0, 1])  # one pass over the 10 blocks
            scores.append(model.score(x, y))
    assert scores[0] < scores[1] < scores[2]
    assert scores[2] > 0.9
    assert model.estimator_.t_ == 3 * 100_000  # every row seen once per pass


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # short fits
def test_randomized_search_on_the_dask_backend_finds_the_local_best(client):
    joblib = pytest.importorskip("joblib")
    model_selection = pytest.importorskip("sklearn.model_selection")
    stats = pytest.importorskip("scipy.stats")
    x, _ = regression_data(120)
    labels = (x[:, 0] - x[:, 2] > 0).astype(int)
    space = {"alpha": stats.loguniform(1e-5, 10.0), "hidden_layer_sizes": [(2,), (8,)]}
    estimator = gn.MLPClassifier(max_iter=50, random_state=0)

    def search() -> object:
        return model_selection.RandomizedSearchCV(
            estimator, space, n_iter=4, cv=3, random_state=0
        ).fit(x, labels)

    local = search()
    with client.as_current(), joblib.parallel_backend("dask"):
        spread = search()
    assert spread.best_params_ == local.best_params_
    np.testing.assert_allclose(
        spread.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"], atol=1e-12
    )
    assert len(set(local.cv_results_["mean_test_score"])) > 1  # the search had a choice to make


# ------------------------------------------------------------------ dropout on the workers
def dropout_network() -> gn.Network:
    return gn.Network(
        [gn.Dense(3, 8, "tanh", rng=1), gn.Dropout(0.5), gn.Dense(8, 1, "identity", rng=2)],
        loss="mse",
    )


def test_a_workers_dropout_masks_follow_the_step_seed():
    x, y = regression_data(40)
    network = dropout_network()

    def gradient(seed: tuple[int, ...]) -> list[np.ndarray]:
        return gd.block_gradient(network, network.get_weights(), x, y, slice(0, 40), None, seed)[1]

    for first, again in zip(gradient((7, 0, 0)), gradient((7, 0, 0)), strict=True):
        np.testing.assert_array_equal(first, again)  # a retried task draws the same masks
    first_step, next_step = gradient((7, 0, 0)), gradient((7, 1, 0))
    assert any(not np.array_equal(a, b) for a, b in zip(first_step, next_step, strict=True))


@pytest.mark.parametrize("scheme", ["fit", "fit_averaged"])
def test_dropout_training_on_the_cluster_is_reproducible_from_the_seed(client, scheme):
    x, y = regression_data(80)
    dx, dy, _ = chunked(x, y, None, (40, 40))
    trained = []
    for _ in range(2):
        network = dropout_network()
        getattr(gd, scheme)(network, dx, dy, client, optimizer=gn.SGD(0.05), epochs=2,
                            batch_size=20, rng=0)  # fmt: skip
        trained.append(network)
    assert_same_network(*trained)
    assert not np.allclose(trained[0].get_weights()[0], dropout_network().get_weights()[0])


def test_a_round_ending_with_an_infinite_optimizer_state_stops_as_one_process_does(client):
    """Round 1 has a finite loss but leaves the velocity infinite; round 2 sends that state to
    the replicas and must end in TrainingDiverged on the driver, not a refusal on a worker."""
    network = gn.Network([gn.Dense(1, 1, weights=[[1.0]], bias=0.0)], loss="mse")
    dx, dy, _ = chunked(np.full((2, 1), 1e150), np.zeros((2, 1)), None, (2,))
    with pytest.raises(gn.TrainingDiverged, match="the loss became nan"):
        gd.fit_averaged(network, dx, dy, client, optimizer=gn.SGD(1e10, momentum=0.9),
                        batch_size=1, local_steps=1, shuffle=False)  # fmt: skip
    np.testing.assert_array_equal(network.get_weights()[0], [[1.0]])


@pytest.mark.parametrize("scheme", ["fit", "fit_averaged"])
def test_an_update_that_overflows_stops_with_the_epochs_finite_start(client, scheme):
    """A finite loss (1e300) whose update overflows the weights: as Network.fit, the run
    stops with TrainingDiverged and the parameters of the epoch's start."""
    network = gn.Network([gn.Dense(1, 1, weights=[[1.0]], bias=0.0)], loss="mse")
    dx, dy, _ = chunked(np.full((2, 1), 1e150), np.zeros((2, 1)), None, (1, 1))
    with pytest.raises(gn.TrainingDiverged, match="parameters became infinite or NaN"):
        getattr(gd, scheme)(network, dx, dy, client, optimizer=gn.SGD(1e10), epochs=1,
                            batch_size=None)  # fmt: skip
    np.testing.assert_array_equal(network.get_weights()[0], [[1.0]])


# ------------------------------------------------------------------ the one epoch loop
class InterruptIn(Callback):
    """Ctrl-C in the middle of epoch ``epoch`` (after its first step); keeps the History."""

    def __init__(self, epoch: int) -> None:
        self.epoch, self.history = epoch, None

    def on_batch_end(self, state) -> None:
        self.history = state.history
        if state.epoch == self.epoch:
            raise KeyboardInterrupt


@pytest.mark.parametrize("scheme", ["fit", "fit_averaged"])
def test_ctrl_c_keeps_the_last_epoch_and_the_same_call_resumes_the_run(client, tmp_path, scheme):
    """issue 16: the Dask path runs the engine's loop, so Ctrl-C is handled as in Network.fit
    (the parameters of the last completed epoch, History.interrupted); its checkpoint of that
    epoch then resumes to the network of an uninterrupted run."""
    x, y = regression_data(80)
    dx, dy, _ = chunked(x, y, None, (40, 40))
    train = getattr(gd, scheme)
    options = {"optimizer": gn.SGD(0.05, momentum=0.5), "batch_size": 20, "rng": 6}
    straight = regressor()
    expected = train(straight, dx, dy, client, epochs=3, **options)
    one_epoch = regressor()
    train(one_epoch, dx, dy, client, epochs=1, **options)
    path, stopper, interrupted = tmp_path / "run.ckpt", InterruptIn(1), regressor()
    with pytest.raises(KeyboardInterrupt):
        train(interrupted, dx, dy, client, epochs=3, checkpoint=path, callbacks=[stopper],
              **options)  # fmt: skip
    assert stopper.history.interrupted and len(stopper.history.loss) == 1
    assert all(np.array_equal(a, b) for a, b in
               zip(interrupted.get_weights(), one_epoch.get_weights(), strict=True))  # fmt: skip
    resumed = regressor()
    history = train(resumed, dx, dy, client, epochs=3, checkpoint=path, **options)
    assert history.loss == expected.loss  # bit for bit
    assert all(np.array_equal(a, b) for a, b in
               zip(resumed.get_weights(), straight.get_weights(), strict=True))  # fmt: skip


@pytest.mark.parametrize("scheme", ["fit", "fit_averaged"])
def test_a_diverging_run_writes_no_checkpoint_of_infinite_parameters(client, tmp_path, scheme):
    """The first epoch's update overflows with a finite loss: its end is no checkpoint, and the
    next epoch's infinite loss stops the run with the first epoch's finite start."""
    network = gn.Network([gn.Dense(1, 1, weights=[[1.0]], bias=0.0)], loss="mse")
    dx, dy, _ = chunked(np.full((2, 1), 1e150), np.zeros((2, 1)), None, (1, 1))
    path = tmp_path / "run.ckpt"
    with pytest.raises(gn.TrainingDiverged, match="lower the learning rate"):
        getattr(gd, scheme)(network, dx, dy, client, optimizer=gn.SGD(1e10), epochs=2,
                            batch_size=None, checkpoint=path)  # fmt: skip
    np.testing.assert_array_equal(network.get_weights()[0], [[1.0]])
    assert not path.exists()


def test_an_update_that_overflows_mid_epoch_stops_as_one_process_does(client):
    """The first of two steps overflows the weights with a finite loss. The second step sent
    them to the workers, whose set_weights refused them: a ValueError from the cluster, and the
    network left infinite. Now: TrainingDiverged and the epoch's finite start."""
    network = gn.Network([gn.Dense(1, 1, weights=[[1.0]], bias=0.0)], loss="mse")
    dx, dy, _ = chunked(np.full((2, 1), 1e150), np.zeros((2, 1)), None, (2,))
    with pytest.raises(gn.TrainingDiverged, match="parameters became infinite or NaN"):
        gd.fit(network, dx, dy, client, optimizer=gn.SGD(1e10), batch_size=1, shuffle=False)
    np.testing.assert_array_equal(network.get_weights()[0], [[1.0]])
