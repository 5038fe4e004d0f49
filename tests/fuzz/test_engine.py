"""Fuzz the engine's doors: constructors, predict, loss, gradients, fit, trace.

Allowed outcomes: a correct result (checked), or ValueError / TypeError with a one-line
message naming the argument; ``fit`` and ``trace`` may also raise ``TrainingDiverged``
(documented) when the loss stops being finite. Any other exception, any NumPy warning, or a
hang fails.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import glassnet as gn
from glassnet.lbfgs import LBFGS

from ._strategies import ANY_FLOAT, check_outcome, junk, matrices
from .conftest import count, fuzz, no_hang

NUMBER = st.one_of(ANY_FLOAT, st.integers(-5, 5), junk())
OPTIMIZERS: dict[str, tuple[type, tuple[str, ...]]] = {
    "SGD": (gn.SGD, ("learning_rate", "momentum", "nesterov")),
    "RMSprop": (gn.RMSprop, ("learning_rate", "rho", "epsilon")),
    "Adagrad": (gn.Adagrad, ("learning_rate", "initial_accumulator_value", "epsilon")),
    "Adadelta": (gn.Adadelta, ("learning_rate", "rho", "epsilon")),
    "Adam": (gn.Adam, ("learning_rate", "beta_1", "beta_2", "epsilon")),
    "AdamW": (gn.AdamW, ("learning_rate", "beta_1", "beta_2", "epsilon", "weight_decay")),
    "LBFGS": (LBFGS, ("max_iter", "max_fun", "tol")),
}


@fuzz(80)
@given(name=st.sampled_from(sorted(OPTIMIZERS)), data=st.data())
def test_optimizer_constructors(name: str, data: st.DataObject) -> None:
    cls, parameters = OPTIMIZERS[name]
    chosen = data.draw(st.lists(st.sampled_from(parameters), unique=True, max_size=3))
    kwargs = {p: data.draw(NUMBER, label=p) for p in chosen}
    count("optimizer constructors")
    with no_hang(10):
        check_outcome(lambda: cls(**kwargs), names=chosen or ["?"])


@fuzz(80)
@given(
    n_inputs=st.one_of(st.integers(-2, 4), junk()),
    n_outputs=st.one_of(st.integers(-2, 4), junk()),
    activation=st.one_of(st.sampled_from(["relu", "softmax", "tanh", "sigmoid"]), junk()),
    weights=st.one_of(st.none(), matrices(2), junk()),
    bias=st.one_of(st.none(), ANY_FLOAT, junk()),
    init=st.one_of(st.sampled_from(["glorot_uniform", "he_normal", "zeros"]), junk()),
    rng=st.one_of(st.none(), st.integers(-3, 10**30), junk()),
    dtype=st.one_of(st.sampled_from([np.float32, np.float64, "float32", None]), junk()),
    train_bias=st.one_of(st.booleans(), junk()),
)
def test_dense_constructor(
    n_inputs, n_outputs, activation, weights, bias, init, rng, dtype, train_bias
):
    count("Dense / Dropout / Network constructors")
    kwargs = dict(
        weights=weights, bias=bias, weight_init=init, rng=rng, dtype=dtype, train_bias=train_bias
    )
    names = [
        "n_inputs",
        "n_outputs",
        "activation",
        "weights",
        "bias",
        "initializer",
        "rng",
        "dtype",
        "seed",
        "train_bias",
    ]
    with no_hang(10):
        layer = check_outcome(
            lambda: gn.Dense(n_inputs, n_outputs, activation, **kwargs), names=names
        )
    if layer is not None:
        assert layer.weights.value.shape == (layer.n_inputs, layer.n_outputs)
        assert np.isfinite(layer.weights.value).all() and np.isfinite(layer.bias.value).all()


@fuzz(40)
@given(
    layers=st.one_of(
        junk(), st.lists(st.one_of(junk(), st.sampled_from(["dense", "dropout"])), max_size=3)
    ),
    loss=st.one_of(st.sampled_from(["mean_squared_error", "binary_cross_entropy"]), junk()),
    dtype=st.one_of(st.none(), junk()),
    rate=st.one_of(ANY_FLOAT, junk()),
)
def test_network_and_dropout_constructors(layers: Any, loss: Any, dtype: Any, rate: Any) -> None:
    count("Dense / Dropout / Network constructors")
    check_outcome(lambda: gn.Dropout(rate), names=["rate"])
    if isinstance(layers, list):
        made = {"dense": gn.Dense(2, 2, rng=0), "dropout": gn.Dropout(0.5)}
        layers = [made.get(item, item) if isinstance(item, str) else item for item in layers]
    with no_hang(10):
        check_outcome(
            lambda: gn.Network(layers, loss=loss, dtype=dtype), names=["layers", "loss", "dtype"]
        )


NETWORKS = {
    "regression": lambda dtype: gn.Network(
        [gn.Dense(3, 4, "tanh", rng=0), gn.Dense(4, 1, "identity", rng=1)],
        loss="mean_squared_error",
        dtype=dtype,
    ),
    "binary": lambda dtype: gn.Network(
        [gn.Dense(3, 4, "relu", rng=0), gn.Dropout(0.3), gn.Dense(4, 1, "sigmoid", rng=1)],
        loss="binary_cross_entropy",
        dtype=dtype,
    ),
    "multiclass": lambda dtype: gn.Network(
        [gn.Dense(3, 4, "elu", rng=0), gn.Dense(4, 3, "softmax", rng=1)],
        loss="categorical_cross_entropy",
        dtype=dtype,
    ),
}
TARGETS = st.one_of(
    matrices(1),
    matrices(3),
    st.lists(st.integers(-2, 4), min_size=0, max_size=6).map(np.array),
)
SAMPLE_WEIGHT = st.one_of(st.none(), st.lists(ANY_FLOAT, max_size=6), junk())
DATA_NAMES = ["X", "Y", "sample_weight", "class label", "categorical_cross_entropy"]


def _network(kind: str, dtype: Any) -> gn.Network:
    return NETWORKS[kind](dtype)


def _check_finite_parameters(network: gn.Network) -> None:
    for parameter in network.all_parameters():
        assert np.isfinite(parameter.value).all(), "a parameter became NaN or infinite"


@fuzz(80)
@given(
    kind=st.sampled_from(sorted(NETWORKS)),
    dtype=st.sampled_from([np.float32, np.float64]),
    X=matrices(3),
    Y=TARGETS,
    w=SAMPLE_WEIGHT,
)
def test_predict_loss_gradients(kind: str, dtype: Any, X: Any, Y: Any, w: Any) -> None:
    network = _network(kind, dtype)
    count("Network.predict / loss / gradients")
    with no_hang(10):
        out = check_outcome(lambda: network.predict(X), names=DATA_NAMES)
        if out is not None:
            assert out.shape == (np.asarray(X).reshape(-1, 3).shape[0], network.n_outputs)
            assert out.dtype == network.dtype
        value = check_outcome(lambda: network.loss(X, Y, sample_weight=w), names=DATA_NAMES)
        if value is not None:
            assert isinstance(value, float)
        grads = check_outcome(lambda: network.gradients(X, Y, sample_weight=w), names=DATA_NAMES)
        if grads is not None:
            dense = [layer for layer in network.layers if hasattr(layer, "weights")]
            assert [g[0].shape for g in grads] == [layer.weights.shape for layer in dense]


FIT_OPTIONS = st.fixed_dictionaries(
    {},
    optional={
        "epochs": st.one_of(st.integers(-1, 3), junk()),
        "batch_size": st.one_of(st.none(), st.integers(-1, 8), junk()),
        "shuffle": st.booleans(),
        "rng": st.one_of(st.integers(0, 5), junk()),
        "tol": st.one_of(st.none(), ANY_FLOAT),
        "validation_split": st.one_of(st.floats(0, 0.9), ANY_FLOAT, junk()),
        "class_weight": st.one_of(st.none(), st.just("balanced"), junk()),
        "metrics": st.one_of(st.just(("accuracy",)), st.just(("mse", "mae")), junk()),
        "restore_best_weights": st.booleans(),
    },
)
FIT_NAMES = [
    *DATA_NAMES,
    "epochs",
    "batch_size",
    "rng",
    "tol",
    "validation",
    "class_weight",
    "metric",
    "monitor",
    "seed",
    "patience",
    "shuffle",
    "restore_best_weights",
]
OPTIMIZER_CHOICES = st.sampled_from(
    [
        None,
        "SGD",
        "momentum",
        "nesterov",
        "RMSprop",
        "Adagrad",
        "Adadelta",
        "Adam",
        "AdamW",
        "LBFGS",
    ]
)


def make_optimizer(name: str | None, learning_rate: float) -> Any:
    """An optimizer by name, with ``learning_rate`` (LBFGS has none)."""
    if name is None:
        return None
    if name == "LBFGS":
        return LBFGS(max_iter=5)
    if name in ("momentum", "nesterov"):
        return gn.SGD(learning_rate, momentum=0.9, nesterov=name == "nesterov")
    return getattr(gn, name)(learning_rate)


@fuzz(80)
@given(
    kind=st.sampled_from(sorted(NETWORKS)),
    dtype=st.sampled_from([np.float32, np.float64]),
    X=matrices(3),
    Y=TARGETS,
    w=SAMPLE_WEIGHT,
    options=FIT_OPTIONS,
    optimizer=OPTIMIZER_CHOICES,
    learning_rate=st.sampled_from([1e-3, 0.1, 10.0, 1e6]),
)
def test_fit(kind, dtype, X, Y, w, options, optimizer, learning_rate) -> None:
    network = _network(kind, dtype)
    count("Network.fit")
    opt = make_optimizer(optimizer, learning_rate)
    with no_hang(20):
        history = check_outcome(
            lambda: network.fit(X, Y, optimizer=opt, sample_weight=w, **options),
            allowed=(ValueError, TypeError, gn.TrainingDiverged),
            names=[*FIT_NAMES, "loss"],
        )
    _check_finite_parameters(network)
    if history is not None:
        assert all(np.isfinite(history.loss))


@fuzz(40)
@given(
    kind=st.sampled_from(sorted(NETWORKS)),
    X=matrices(3),
    Y=TARGETS,
    w=SAMPLE_WEIGHT,
    optimizer=OPTIMIZER_CHOICES.filter(lambda n: n != "LBFGS"),
    learning_rate=st.sampled_from([1e-3, 0.5, 1e6]),
    options=st.fixed_dictionaries(
        {},
        optional={
            "dry_run": st.booleans(),
            "iterations": st.one_of(st.integers(-1, 3), junk()),
            "names": st.one_of(st.sampled_from(["auto", "tutorial", "matrix"]), junk()),
            "precision": st.one_of(st.integers(-1, 12), junk()),
            "rng": st.one_of(st.none(), st.integers(-1, 5), junk()),
        },
    ),
)
def test_trace(kind, X, Y, w, optimizer, learning_rate, options) -> None:
    network = _network(kind, np.float64)
    count("Network.trace")
    opt = make_optimizer(optimizer, learning_rate)
    names = [*DATA_NAMES, "iterations", "names", "precision", "loss", "optimizer", "layers", "rng"]
    with no_hang(20):
        trace = check_outcome(
            lambda: gn.trace_step(network, X, Y, optimizer=opt, sample_weight=w, **options),
            allowed=(ValueError, TypeError, gn.TrainingDiverged),
            names=names,
        )
        if trace is not None:
            assert isinstance(trace.to_text(), str) and isinstance(trace.to_dict(), dict)
    _check_finite_parameters(network)
