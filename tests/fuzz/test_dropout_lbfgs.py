"""Fuzz the dropout-aware trace over generated networks, and ``fit`` with ``LBFGS``.

- ``trace``: small networks with Dropout layers anywhere below a Dense layer, at any rate,
  with or without a generator of their own, traced with generated ``rng``, optimizer,
  ``dry_run`` and ``iterations``. Allowed: a trace, or ValueError / TypeError (one line,
  naming the argument) / ``TrainingDiverged``. A trace must show each mask as the engine drew
  it (0 or 1/(1 - p)), equal ``fit``'s first full-batch step with the same ``rng``, and a dry
  run must leave the network, and so the next step's masks, as they were.
- ``fit(optimizer=LBFGS(...))``: generated ``LBFGS`` options and ``fit`` options (those of the
  epoch loop are refused, the others allowed). Allowed: a history of finite losses, one per
  iteration, or ValueError / TypeError naming the option / ``TrainingDiverged``.
"""

from __future__ import annotations

import copy
from itertools import pairwise
from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import glassnet as gn
from glassnet.lbfgs import LBFGS

from ._strategies import ANY_FLOAT, check_outcome, junk, matrices
from .conftest import count, fuzz, no_hang
from .test_engine import FIT_NAMES, NETWORKS, make_optimizer

OUTPUTS = {
    "regression": ("identity", "mean_squared_error"),
    "binary": ("sigmoid", "binary_cross_entropy"),
    "multiclass": ("softmax", "categorical_cross_entropy"),
}


def mostly(good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``good`` four times in five, else ``bad`` (``st.one_of`` would flatten ``junk()``'s
    thirteen branches and draw junk nearly always)."""
    return st.integers(0, 4).flatmap(lambda i: bad if i == 0 else good)


RATE = st.one_of(st.sampled_from([0.0, 0.5, 0.99]), st.floats(0.0, 0.999))


@st.composite
def dropout_networks(draw: st.DrawFn) -> tuple[gn.Network, str]:
    """A network of 1-2 hidden Dense layers with a Dropout layer (or none) below each Dense."""
    kind = draw(st.sampled_from(sorted(OUTPUTS)))
    activation, loss = OUTPUTS[kind]
    sizes = draw(st.lists(st.integers(1, 3), min_size=2, max_size=3))
    sizes.append(draw(st.integers(2, 3)) if kind == "multiclass" else 1)
    layers: list[Any] = []
    for index, (n_in, n_out) in enumerate(pairwise(sizes)):
        if draw(st.booleans()):
            own = draw(st.one_of(st.none(), st.integers(0, 9)))
            layers.append(gn.Dropout(draw(RATE), rng=own))
        last = index == len(sizes) - 2
        hidden = draw(st.sampled_from(["relu", "tanh", "sigmoid", "elu"]))
        layers.append(gn.Dense(n_in, n_out, activation if last else hidden, rng=index))
    return gn.Network(layers, loss=loss), kind


def _data(kind: str, n_inputs: int, n_outputs: int, seed: int, n: int) -> tuple[Any, Any]:
    generator = np.random.default_rng(seed)
    X = generator.normal(size=(n, n_inputs))
    if kind == "regression":
        return X, generator.normal(size=(n, 1))
    labels = generator.integers(0, max(n_outputs, 2), size=n)
    return X, (labels.reshape(-1, 1) if kind == "binary" else np.eye(n_outputs)[labels])


def _snapshot(network: gn.Network) -> list[np.ndarray]:
    return [value.copy() for value in network.get_weights()]


TRACE_NAMES = ["X", "Y", "sample_weight", "iterations", "names", "rng", "optimizer", "loss"]


@fuzz(30)
@given(
    built=dropout_networks(),
    seed=st.integers(0, 3),
    n=st.integers(1, 5),
    rng=mostly(
        st.one_of(st.none(), st.integers(0, 5), st.integers(0, 5).map(np.random.default_rng)),
        junk(),
    ),
    optimizer=st.sampled_from(["SGD", "momentum", "nesterov", "RMSprop", "Adagrad", "Adam"]),
    learning_rate=st.sampled_from([1e-3, 0.5, 1e6]),
    dry_run=st.booleans(),
    # a huge count is valid input asking for that many steps: work, not a hang to find
    iterations=mostly(
        st.one_of(st.integers(1, 3)), junk().filter(lambda v: not (isinstance(v, int) and v > 9))
    ),
)
def test_trace_dropout(built, seed, n, rng, optimizer, learning_rate, dry_run, iterations) -> None:
    network, kind = built
    count("Network.trace (generated networks with Dropout)")
    X, Y = _data(kind, network.n_inputs, network.n_outputs, seed, n)
    before, twin = _snapshot(network), copy.deepcopy(network)
    options = dict(rng=rng, dry_run=dry_run, iterations=iterations)
    opt = make_optimizer(optimizer, learning_rate)
    with no_hang(20):
        trace = check_outcome(
            lambda: gn.trace_step(network, X, Y, optimizer=opt, **options),
            allowed=(ValueError, TypeError, gn.TrainingDiverged),
            names=TRACE_NAMES,
        )
        if trace is None:
            return
        assert isinstance(trace.to_text(), str) and isinstance(trace.to_dict(), dict)
        for record in trace.dropouts:  # each mask is 0 (dropped) or 1/(1 - p) (kept)
            assert np.isin(record.mask, [0.0, record.scale]).all()
            np.testing.assert_allclose(record.out, record.x * record.mask)
        if dry_run:  # nothing changed, so a second dry run draws the same masks
            assert all(map(np.array_equal, before, network.get_weights()))
            seeded = all(d.rng is not None for d in network.layers if isinstance(d, gn.Dropout))
            if isinstance(rng, int) or (rng is None and seeded):  # unseeded masks differ
                again = gn.trace_step(
                    network, X, Y, optimizer=make_optimizer(optimizer, learning_rate), **options
                )
                assert again.to_text() == trace.to_text()
        elif iterations == 1 and isinstance(rng, int) and not isinstance(rng, bool):
            _check_equals_fit(network, twin, X, Y, optimizer, learning_rate, rng)


def _check_equals_fit(network, twin, X, Y, optimizer, learning_rate, rng) -> None:
    """The traced step is fit's first full-batch step with the same ``rng`` on ``twin``, a
    copy of the network taken before the trace (generators included)."""
    opt = make_optimizer(optimizer, learning_rate)
    history = check_outcome(
        lambda: twin.fit(X, Y, optimizer=opt, epochs=1, batch_size=None, shuffle=False, rng=rng),
        allowed=(gn.TrainingDiverged,),
    )
    if history is not None:
        for traced, fitted in zip(network.get_weights(), twin.get_weights(), strict=True):
            np.testing.assert_array_equal(traced, fitted)


LBFGS_OPTION = mostly(
    st.one_of(st.integers(-1, 30), st.sampled_from([10**9, 2**31, 2**63])), junk()
)
FIT_OPTIONS = st.fixed_dictionaries(
    {},
    optional={
        "epochs": mostly(st.one_of(st.integers(0, 3)), junk()),
        "batch_size": mostly(st.one_of(st.none(), st.integers(-1, 8)), junk()),
        "shuffle": mostly(st.one_of(st.booleans()), junk()),
        "rng": mostly(st.one_of(st.integers(0, 5)), junk()),
        "tol": st.one_of(st.none(), ANY_FLOAT),
        "patience": mostly(st.one_of(st.integers(-1, 12)), junk()),
        "validation_split": mostly(st.one_of(st.floats(0, 0.9)), junk()),
        "class_weight": mostly(st.one_of(st.none(), st.just("balanced")), junk()),
        "metrics": mostly(st.one_of(st.just(("accuracy",)), st.just(("mse", "mae"))), junk()),
        "callbacks": mostly(
            st.one_of(st.none(), st.builds(lambda: [gn.callbacks.EarlyStopping()])), junk()
        ),
        "restore_best_weights": mostly(st.one_of(st.booleans()), junk()),
        "monitor": mostly(st.one_of(st.none(), st.sampled_from(["loss", "val_loss"])), junk()),
        "verbose": mostly(st.one_of(st.booleans()), junk()),
    },
)


@fuzz(40)
@given(
    kind=st.sampled_from(sorted(NETWORKS)),
    dtype=st.sampled_from([np.float32, np.float64]),
    good=st.booleans(),
    X=matrices(3),
    seed=st.integers(0, 3),
    lbfgs=st.fixed_dictionaries(
        {},
        optional={
            "max_iter": LBFGS_OPTION,
            "max_fun": LBFGS_OPTION,
            "tol": mostly(st.floats(0, 1), ANY_FLOAT),
        },
    ),
    options=FIT_OPTIONS,
)
def test_fit_lbfgs(kind, dtype, good, X, seed, lbfgs, options) -> None:
    network = NETWORKS[kind](dtype)
    count("Network.fit with LBFGS")
    good_X, Y = _data(kind, 3, network.n_outputs, seed, 6)
    names = [*FIT_NAMES, "max_iter", "max_fun", "tol", "loss", "callbacks", "verbose", "LBFGS"]
    optimizer = check_outcome(lambda: LBFGS(**lbfgs), names=[*lbfgs, "?"])
    if optimizer is None:
        return
    with no_hang(30):
        history = check_outcome(
            lambda: network.fit(good_X if good else X, Y, optimizer=optimizer, **options),
            allowed=(ValueError, TypeError, gn.TrainingDiverged),
            names=names,
        )
    for parameter in network.all_parameters():
        assert np.isfinite(parameter.value).all(), "a parameter became NaN or infinite"
    if history is not None:
        assert 1 <= len(history.loss) <= max(optimizer.max_iter, 1)
        assert np.isfinite(history.loss).all()
