"""Data-parallel training on a real two-process LocalCluster: equal to single-process training."""

from __future__ import annotations

import os
import pickle
import threading
from pathlib import Path

import numpy as np
import pytest

import glassnet as gn

da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("dask.distributed")
from glassnet import dask as gd  # noqa: E402 - after the optional imports

from .conftest import fail_renames_onto  # noqa: E402

TOLERANCE = 1e-10


def local_cluster(**options: object) -> object:
    """Two worker processes on loopback, no dashboard (its port may be taken on a shared host)."""
    return distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=":0",
        scheduler_kwargs={"dashboard": False},
        **options,
    )


@pytest.fixture(scope="module")
def client():
    cluster = local_cluster()
    with cluster, distributed.Client(cluster, timeout="30s") as connected:
        yield connected


def regression_data(n: int = 150) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 3))
    return x, x @ np.array([[1.0], [2.0], [-1.0]]) + 0.1 * rng.normal(size=(n, 1))


def regressor() -> gn.Network:
    return gn.Network(
        [gn.Dense(3, 5, "tanh", rng=1), gn.Dense(5, 1, "identity", rng=2)], loss="mse"
    )


def classifier() -> gn.Network:
    return gn.Network(
        [gn.Dense(3, 4, "relu", rng=3), gn.Dense(4, 3, "softmax", rng=4)],
        loss="categorical_cross_entropy",
    )


def optimizers() -> list[object]:
    found = [gn.SGD(0.05), gn.SGD(0.05, momentum=0.9, nesterov=True)]
    if hasattr(gn, "Adam"):  # issue 5 adds Adam; test it as soon as it is there
        found.append(gn.Adam(0.01))  # type: ignore[attr-defined]
    return found


def assert_same_network(a: gn.Network, b: gn.Network) -> None:
    for wa, wb in zip(a.get_weights(), b.get_weights(), strict=True):
        np.testing.assert_allclose(wa, wb, rtol=0, atol=TOLERANCE)


@pytest.mark.parametrize("optimizer", optimizers(), ids=repr)
def test_equals_single_process_training_with_the_same_batches(client, optimizer):
    x, y = regression_data()
    local, spread = regressor(), regressor()
    options = {"epochs": 3, "batch_size": 32, "rng": 7}
    expected = local.fit(x, y, optimizer=pickle.loads(pickle.dumps(optimizer)), **options)
    dx, dy = da.from_array(x, chunks=(40, 3)), da.from_array(y, chunks=(40, 1))
    history = gd.fit(spread, dx, dy, client, optimizer=optimizer, **options)
    assert_same_network(spread, local)
    np.testing.assert_allclose(history.loss, expected.loss, rtol=1e-12)
    assert history.loss[-1] < history.loss[0]


def test_classifier_from_integer_labels_full_batch_in_uneven_blocks(client):
    x, _ = regression_data(90)
    labels = (x[:, 0] > 0).astype(int) + (x[:, 1] > 0.5).astype(int)
    local, spread = classifier(), classifier()
    local.fit(x, labels, optimizer=gn.SGD(0.5), epochs=4, batch_size=None)
    chunks = (10, 50, 30)
    gd.fit(
        spread,
        da.from_array(x, chunks=(chunks, 3)),
        da.from_array(labels, chunks=(chunks,)),
        client,
        optimizer=gn.SGD(0.5),
        epochs=4,
        batch_size=None,
    )
    assert_same_network(spread, local)


def test_dask_dataframe_input_without_shuffling(client):
    x, y = regression_data(60)
    frame = dd.from_array(x, chunksize=25, columns=["a", "b", "c"])
    target = dd.from_array(y[:, 0], chunksize=25)
    local, spread = regressor(), regressor()
    local.fit(x, y[:, 0], optimizer=gn.SGD(0.1), epochs=2, batch_size=16, shuffle=False)
    gd.fit(spread, frame, target, client, optimizer=gn.SGD(0.1), epochs=2, batch_size=16,
           shuffle=False)  # fmt: skip
    assert_same_network(spread, local)


def test_killing_a_worker_mid_training_recomputes_the_step(client, tmp_path):
    """The third time a block is loaded, its worker process dies; training still ends equal."""
    x, y = regression_data(80)
    calls = tmp_path / "calls"
    blocks = [
        da.from_delayed(_load_or_die(x[i : i + 40], calls, 3), (40, 3), x.dtype) for i in (0, 40)
    ]
    local, spread = regressor(), regressor()
    local.fit(x, y, optimizer=gn.SGD(0.05), epochs=2, batch_size=40, rng=1)
    gd.fit(spread, da.concatenate(blocks), da.from_array(y, chunks=(40, 1)), client,
           optimizer=gn.SGD(0.05), epochs=2, batch_size=40, rng=1)  # fmt: skip
    assert len(calls.read_text()) > 3, "the block loader did not run past the kill"
    assert_same_network(spread, local)
    client.wait_for_workers(2, timeout=60)


def _load_or_die(block: np.ndarray, calls: Path, die_at: int):
    from dask import delayed

    return delayed(_load_block, pure=False)(block, str(calls), die_at)


def _load_block(block: np.ndarray, calls: str, die_at: int) -> np.ndarray:
    with threading.Lock(), open(calls, "a") as file:
        file.write("x")
    if len(Path(calls).read_text()) == die_at:
        os._exit(1)  # a real worker death, in the middle of a step
    return block


def test_checkpoint_and_resume_continue_exactly(client, tmp_path):
    x, y = regression_data(60)
    dx, dy = da.from_array(x, chunks=(30, 3)), da.from_array(y, chunks=(30, 1))
    options = {"batch_size": 20, "rng": 3}
    straight = regressor()
    expected = gd.fit(straight, dx, dy, client, optimizer=gn.SGD(0.05, momentum=0.5), epochs=4,
                      **options)  # fmt: skip
    path = tmp_path / "train.ckpt"
    gd.fit(regressor(), dx, dy, client, optimizer=gn.SGD(0.05, momentum=0.5), epochs=2,
           checkpoint=path, **options)  # fmt: skip
    resumed = regressor()
    history = gd.fit(resumed, dx, dy, client, epochs=4, checkpoint=path, **options)
    assert history.loss == pytest.approx(expected.loss, rel=1e-12)
    assert_same_network(resumed, straight)
    assert [p.name for p in tmp_path.iterdir()] == ["train.ckpt"]  # no temporary left behind


def test_resuming_a_run_with_dropout_draws_the_same_masks(client, tmp_path):
    """The workers' dropout seed is in the checkpoint (it is drawn once per run)."""
    x, y = regression_data(60)
    dx, dy = da.from_array(x, chunks=(30, 3)), da.from_array(y, chunks=(30, 1))

    def dropped() -> gn.Network:
        return gn.Network([gn.Dense(3, 5, "tanh", rng=1), gn.Dropout(0.3),
                           gn.Dense(5, 1, "identity", rng=2)], loss="mse")  # fmt: skip

    options = {"batch_size": 20, "rng": 3}
    straight = dropped()
    expected = gd.fit(straight, dx, dy, client, optimizer=gn.Adam(0.01), epochs=3, **options)
    path = tmp_path / "train.ckpt"
    gd.fit(dropped(), dx, dy, client, optimizer=gn.Adam(0.01), epochs=1, checkpoint=path,
           **options)  # fmt: skip
    resumed = dropped()
    history = gd.fit(resumed, dx, dy, client, epochs=3, checkpoint=path, **options)
    assert history.loss == expected.loss  # bit for bit
    assert all(np.array_equal(a, b) for a, b in
               zip(resumed.get_weights(), straight.get_weights(), strict=True))  # fmt: skip


def test_a_crafted_pickle_checkpoint_is_refused_without_running_it(client, tmp_path):
    """issue 15: ``fit(..., checkpoint="run.ckpt")`` unpickled the file: a crafted one ran code."""
    marker = tmp_path / "ran"
    path = tmp_path / "run.ckpt"
    path.write_bytes(pickle.dumps(_Touch(str(marker))))
    network = regressor()
    before = network.get_weights()
    x = da.zeros((4, 3), chunks=2)
    with pytest.raises(ValueError, match="is a pickle, not a safetensors checkpoint"):
        gd.fit(network, x, x[:, :1], client, checkpoint=path)
    assert not marker.exists()
    assert_same_network(network, _with_weights(before))


def test_a_checkpoint_of_another_network_is_refused_naming_the_difference(client, tmp_path):
    """issue 15: a checkpoint of another network silently replaced the caller's network."""
    x, y = regression_data(60)
    dx, dy = da.from_array(x, chunks=(30, 3)), da.from_array(y, chunks=(30, 1))
    path = tmp_path / "run.ckpt"
    gd.fit(regressor(), dx, dy, client, epochs=1, checkpoint=path)
    other = gn.Network([gn.Dense(3, 7, "relu", rng=1), gn.Dense(7, 1, "identity", rng=2)],
                       loss="mse")  # fmt: skip
    before = other.get_weights()
    with pytest.raises(ValueError, match=r"layers\[0\].activation: 'tanh' saved, 'relu' now"):
        gd.fit_averaged(other, dx, dy, client, epochs=2, checkpoint=path)
    assert all(np.array_equal(a, b) for a, b in zip(other.get_weights(), before, strict=True))


class _Touch:
    """Unpickling this creates a file: the proof that a loader ran a pickle."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (f"touch {self.path}",))


def test_a_failed_checkpoint_write_keeps_the_last_checkpoint(client, tmp_path, monkeypatch):
    x, y = regression_data(60)
    dx, dy = da.from_array(x, chunks=(30, 3)), da.from_array(y, chunks=(30, 1))
    path = tmp_path / "train.ckpt"
    gd.fit(regressor(), dx, dy, client, optimizer=gn.SGD(0.05), epochs=1, checkpoint=path)
    saved = path.read_bytes()
    fail_renames_onto(path, monkeypatch)
    with pytest.raises(OSError, match="disk full"):
        gd.fit(regressor(), dx, dy, client, epochs=2, checkpoint=path)
    assert path.read_bytes() == saved
    assert [p.name for p in tmp_path.iterdir()] == ["train.ckpt"]


@pytest.mark.parametrize(
    ("x", "y", "error", "match"),
    [
        (np.zeros((4, 3)), np.zeros((4, 1)), TypeError, "X must be a dask array"),
        (da.zeros((4, 3), chunks=2), da.zeros((4, 1), chunks=4), ValueError, "same row blocks"),
        (da.zeros((4, 3), chunks=2), da.zeros((6, 1), chunks=2), ValueError, "same row blocks"),
        (da.zeros((4, 2), chunks=2), da.zeros((4, 1), chunks=2), ValueError, r"\(n_samples, 3\)"),
    ],
    ids=["numpy", "chunking", "lengths", "features"],
)  # fmt: skip
def test_bad_data_is_refused_before_training(client, x, y, error, match):
    network = regressor()
    before = network.get_weights()
    with pytest.raises(error, match=match):
        gd.fit(network, x, y, client)
    assert_same_network(network, _with_weights(before))


def test_unknown_block_lengths_are_refused(client):
    x = da.from_array(np.arange(12.0).reshape(4, 3), chunks=2)
    kept = x[x[:, 0] > 3]
    with pytest.raises(ValueError, match="unknown length; call X.compute_chunk_sizes"):
        gd.fit(regressor(), kept, kept[:, :1], client)


def test_a_model_that_cannot_be_pickled_is_refused(client):
    network = regressor()
    network.note = threading.Lock()  # type: ignore[attr-defined]
    x = da.zeros((4, 3), chunks=2)
    with pytest.raises(TypeError, match="network: the model cannot be pickled"):
        gd.fit(network, x, x[:, :1], client)


def test_an_unreachable_scheduler_is_reported(client):
    with pytest.raises(ValueError, match="client: cannot reach a Dask scheduler"):
        gd.fit(regressor(), da.zeros((4, 3), chunks=2), da.zeros((4, 1), chunks=2),
               "tcp://127.0.0.1:9", connect_timeout=1)  # fmt: skip


def _with_weights(weights: list[np.ndarray]) -> gn.Network:
    network = regressor()
    network.set_weights(weights)
    return network


def test_data_larger_than_a_workers_memory_trains_without_losing_the_worker():
    """400 MB of rows, generated block by block inside the gradient tasks, on workers limited
    to 350 MB each: nothing is persisted, so every step holds one 16 MB block at a time."""
    cluster = local_cluster(memory_limit="350MB")
    with cluster, distributed.Client(cluster, timeout="30s") as small:
        workers = set(small.scheduler_info()["workers"])
        x = da.random.default_rng(0).normal(size=(5_000_000, 10), chunks=(200_000, 10))
        y = x[:, :1] - 0.5 * x[:, 1:2]
        assert x.nbytes > 350e6
        network = gn.Network([gn.Dense(10, 1, "identity", rng=0)], loss="mse")
        history = gd.fit(network, x, y, small, optimizer=gn.SGD(0.5), epochs=2, batch_size=None)
        assert history.loss[1] < history.loss[0]
        assert set(small.scheduler_info()["workers"]) == workers  # none killed and replaced


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # short fits
def test_grid_search_on_the_dask_backend_finds_the_local_best(client):
    joblib = pytest.importorskip("joblib")
    model_selection = pytest.importorskip("sklearn.model_selection")
    x, _ = regression_data(120)
    labels = (x[:, 0] + x[:, 1] > 0).astype(int)
    grid = {"alpha": [1e-4, 1.0], "hidden_layer_sizes": [(2,), (8,)]}
    estimator = gn.MLPClassifier(max_iter=60, random_state=0)

    def search() -> object:
        return model_selection.GridSearchCV(estimator, grid, cv=3).fit(x, labels)

    local = search()
    with joblib.parallel_backend("dask"):
        spread = search()
    assert spread.best_params_ == local.best_params_
    np.testing.assert_allclose(
        spread.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"], atol=1e-12
    )


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # short fits
def test_cross_validate_on_the_dask_backend_gives_the_local_scores(client):
    joblib = pytest.importorskip("joblib")
    model_selection = pytest.importorskip("sklearn.model_selection")
    x, y = regression_data(90)
    estimator = gn.MLPRegressor(hidden_layer_sizes=(4,), max_iter=40, random_state=0)
    local = model_selection.cross_validate(estimator, x, y[:, 0], cv=3)
    with joblib.parallel_backend("dask"):
        spread = model_selection.cross_validate(estimator, x, y[:, 0], cv=3)
    np.testing.assert_allclose(spread["test_score"], local["test_score"], rtol=0, atol=1e-12)
