"""Numerical faults: learning rates that diverge, inputs of 1e30, constant columns, one class.

The promise: training stops with ``TrainingDiverged`` (the engine), a ``ValueError`` (the
estimators, scikit-learn's convention) or one ``glassnet: error:`` line (the CLI), or it
finishes; the parameters are finite either way, and nothing floods the terminal: no NumPy
warning at all, and at most one line per kind of data warning.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import ConvergenceWarning

import glassnet as gn
from glassnet.cli.command import main
from glassnet.io.model_files import load_network
from glassnet.lbfgs import LBFGS

OPTIMIZERS = {
    "SGD": lambda lr: gn.SGD(lr),
    "momentum": lambda lr: gn.SGD(lr, momentum=0.9),
    "Nesterov": lambda lr: gn.SGD(lr, momentum=0.9, nesterov=True),
    "RMSprop": gn.RMSprop,
    "Adagrad": gn.Adagrad,
    "Adadelta": gn.Adadelta,
    "Adam": gn.Adam,
    "AdamW": gn.AdamW,
    "LBFGS": lambda lr: LBFGS(max_iter=50),
}
RNG = np.random.default_rng(0)
X = RNG.normal(size=(64, 3))
Y = (X[:, :1] > 0).astype(float)


def _network() -> gn.Network:
    return gn.Network(
        [gn.Dense(3, 8, "relu", rng=0), gn.Dense(8, 1, "sigmoid", rng=1)],
        loss="binary_cross_entropy",
    )


def _finite(network: gn.Network) -> bool:
    return all(np.isfinite(p.value).all() for p in network.all_parameters())


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
@pytest.mark.parametrize(("scale", "lr"), [(1.0, 1e6), (1e30, 0.01), (1e30, 1e6)])
def test_engine_stops_or_finishes_with_finite_parameters(name, scale, lr) -> None:
    network = _network()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            epochs = {} if name == "LBFGS" else {"epochs": 10}  # L-BFGS refuses epochs
            history = network.fit(X * scale, Y, optimizer=OPTIMIZERS[name](lr), **epochs)
        except gn.TrainingDiverged as error:
            assert "lower the learning rate" in str(error)
        else:
            assert all(np.isfinite(history.loss))
    assert not caught, [str(w.message) for w in caught]
    assert _finite(network)


def test_engine_constant_columns_and_one_class_train_normally() -> None:
    x = np.column_stack([X[:, 0], np.full(64, 5.0), np.zeros(64)])
    network = _network()
    history = network.fit(x, np.zeros((64, 1)), optimizer=gn.Adam(0.01), epochs=20)
    assert history.loss[-1] < history.loss[0] and _finite(network)
    assert network.predict(x).max() < 0.5  # it learned the only class


@pytest.mark.parametrize("solver", ["sgd", "adam", "rmsprop", "adagrad", "adadelta", "lbfgs"])
@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_estimators_refuse_or_finish_finite(solver, kind) -> None:
    cls = gn.MLPClassifier if kind == "classifier" else gn.MLPRegressor
    for scale, lr in [(1.0, 1e6), (1e30, 1e-3)]:
        estimator = cls(solver=solver, learning_rate_init=lr, max_iter=10, random_state=0)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                estimator.fit(X * scale, Y.ravel())
            except ValueError as error:
                assert "Solver" in str(error)
        unexpected = [w for w in caught if not issubclass(w.category, ConvergenceWarning)]
        assert not unexpected, [str(w.message) for w in unexpected]
        assert len(caught) <= 1  # at most scikit-learn's one ConvergenceWarning
        assert all(np.isfinite(p.value).all() for p in estimator.network_.parameters())


def test_estimator_with_one_class_predicts_it() -> None:
    with pytest.warns(ConvergenceWarning):
        clf = gn.MLPClassifier(max_iter=5, random_state=0).fit(X, np.full(64, "only"))
    assert set(clf.predict(X)) == {"only"}


def _table(tmp_path, **columns) -> str:
    path = tmp_path / "d.csv"
    pd.DataFrame(columns).to_csv(path, index=False)
    return str(path)


def _train(tmp_path, capsys, data, *options) -> tuple[int, list[str]]:
    out = tmp_path / "m.safetensors"
    argv = ["train", data, "--target", "label", "--quiet", "--epochs", "5", "--out", str(out)]
    code = main([*argv, "--plot", str(tmp_path / "loss.png"), *options])
    return code, capsys.readouterr().err.splitlines()


def test_cli_diverging_learning_rate_is_one_line(tmp_path, capsys) -> None:
    data = _table(tmp_path, a=X[:, 0], b=X[:, 1], label=Y[:, 0].astype(int))
    for optimizer in ("sgd", "adam", "rmsprop", "adagrad", "adamw"):
        code, err = _train(tmp_path, capsys, data, "--optimizer", optimizer, "--lr", "1e300")
        assert len(err) <= 1, err
        if code == 0:  # an adaptive method may take the huge steps and stay finite
            network, _ = load_network(tmp_path / "m.safetensors")
            assert all(np.isfinite(p.value).all() for p in network.all_parameters())
        else:
            assert code == 2 and err[0].startswith("glassnet: error: training diverged")


def test_cli_inputs_of_1e30_and_constant_columns_train_quietly(tmp_path, capsys) -> None:
    data = _table(tmp_path, big=X[:, 0] * 1e30, flat=np.full(64, 3.0), label=Y[:, 0].astype(int))
    code, err = _train(tmp_path, capsys, data, "--epochs", "40", "--lr", "0.01")
    assert code == 0 and err == []
    network, metadata = load_network(tmp_path / "m.safetensors")
    assert all(np.isfinite(p.value).all() for p in network.all_parameters())
    assert metadata["metrics"]["train"]["accuracy"] > 0.5


def test_cli_one_class_is_refused_in_one_line(tmp_path, capsys) -> None:
    data = _table(tmp_path, a=X[:, 0], label=np.ones(64, dtype=int))
    code, err = _train(tmp_path, capsys, data)
    assert code == 2 and err == ["glassnet: error: target 'label' has a single class ('1')"]


def test_cli_data_warnings_are_one_line_each_not_one_per_row(tmp_path, capsys) -> None:
    n = 2000
    a = RNG.normal(size=n)
    a[::2] = np.nan  # 1000 gaps
    colour = RNG.choice(["red", "blue"], n).astype(object)
    colour[1::2] = None
    data = _table(tmp_path, a=a, colour=colour, label=(RNG.normal(size=n) > 0).astype(int))
    code, err = _train(tmp_path, capsys, data)
    assert code == 0 and len(err) == 1 and err[0].startswith("glassnet: warning: missing values")
    assert (
        main(["predict", str(tmp_path / "m.safetensors"), data, "-o", str(tmp_path / "p.csv")]) == 0
    )
    assert len(capsys.readouterr().err.splitlines()) == 1


def test_outputs_overflowing_from_huge_parameters_blame_the_parameters_not_the_inputs():
    """A learning rate of 1e300 left finite but huge weights; predict's overflow said "X is too
    large ... scale the inputs" although |X| was 1.37 (found by the fuzz run of issue 15's final
    commit). The message now names the parameters, and in training it is divergence."""
    import glassnet as gn

    net = gn.Network([gn.Dense(1, 4, "relu", rng=0), gn.Dense(4, 1, "sigmoid", rng=1)],
                     loss="binary_cross_entropy")  # fmt: skip
    x = np.array([[0.5], [-1.37]])
    net.layers[0].weights.value[...] = 1e300
    net.layers[1].weights.value[...] = 1e300
    with pytest.raises(ValueError, match="parameters are too large") as caught:
        net.predict(x)
    assert "scale the inputs" not in str(caught.value)
    small = gn.Network([gn.Dense(1, 1, rng=0)])
    small.layers[0].weights.value[...] = 10.0
    with pytest.raises(ValueError, match="X is too large"):  # here the inputs are the large part
        small.predict(np.array([[1e308]]))
