"""A saved estimator continues training bit for bit: the training state in its model file
(optimizer buffers and step count, learning rate, stopping count, random generators)."""

from __future__ import annotations

import copy
import json
import re
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from safetensors import safe_open
from safetensors.numpy import load_file, save_file
from sklearn.exceptions import ConvergenceWarning

from glassnet import MLPClassifier, MLPRegressor
from glassnet.io.model_files import read_model_file

rng = np.random.default_rng(0)
X = rng.normal(size=(40, 3))
TARGETS = {MLPClassifier: (X[:, 0] + X[:, 1] > 0).astype(int), MLPRegressor: X @ [1.0, -1, 0.5]}
RANDOM_STATE = "a RandomState"  # replaced by a fresh np.random.RandomState(7) in each test

# tol=10: no epoch counts as an improvement, so the stopping count is > 0 when saved
SETTINGS = {
    "sgd-nesterov": dict(solver="sgd", momentum=0.9, nesterovs_momentum=True),
    "sgd-momentum": dict(solver="sgd", momentum=0.9, nesterovs_momentum=False),
    "sgd-no-momentum": dict(solver="sgd", momentum=0.0, random_state=RANDOM_STATE),
    "sgd-invscaling": dict(solver="sgd", learning_rate="invscaling", learning_rate_init=0.1),
    "sgd-adaptive": dict(solver="sgd", learning_rate="adaptive", n_iter_no_change=1),
    "adam": dict(solver="adam"),
    "adam-l1": dict(solver="adam", alpha=0.01, l1=0.01),  # the estimator's penalties, re-made
    "adam-dropout-float32": dict(solver="adam", dropout=0.3, dtype="float32"),
    "adamw": dict(solver="adamw", random_state=RANDOM_STATE),
    "rmsprop": dict(solver="rmsprop"),
    "adagrad": dict(solver="adagrad"),
    "adadelta": dict(solver="adadelta", dropout=0.2),
    "adam-early-stopping": dict(solver="adam", early_stopping=True),
    "lbfgs": dict(solver="lbfgs", tol=1e-4),
}


def _estimator(cls, setting):
    params = dict(hidden_layer_sizes=(5,), max_iter=4, batch_size=8, random_state=0, tol=10.0,
                  n_iter_no_change=2, learning_rate_init=0.01) | setting  # fmt: skip
    if params["random_state"] == RANDOM_STATE:
        params["random_state"] = np.random.RandomState(7)
    return cls(**params)


def _quietly(method, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return method(*args)


def _continue(estimator, how, y):
    if how == "warm_start":
        estimator.set_params(warm_start=True)
        _quietly(estimator.fit, X, y)
    else:
        _quietly(estimator.partial_fit, X, y)


def assert_same_training(a, b):
    for p, q in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_, strict=True):
        assert p.dtype == q.dtype and np.array_equal(p, q)
    assert a.loss_curve_ == b.loss_curve_ and a.n_iter_ == b.n_iter_ and a.t_ == b.t_
    assert a.best_loss_ == b.best_loss_ and a.validation_scores_ == b.validation_scores_
    assert a._no_improvement_count == b._no_improvement_count


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
@pytest.mark.parametrize("name", list(SETTINGS))
def test_loading_then_training_on_is_bit_identical_to_training_on(tmp_path, cls, name):
    y = TARGETS[cls]
    saved = _quietly(_estimator(cls, SETTINGS[name]).fit, X, y)
    saved.save(tmp_path / "m.safetensors")
    loaded = cls.load(tmp_path / "m.safetensors")
    incremental = name not in ("lbfgs", "adam-early-stopping")  # partial_fit refuses these
    steps = ["partial_fit", "partial_fit", "warm_start"] if incremental else ["warm_start"] * 2
    for how in steps:
        _continue(saved, how, y)
        _continue(loaded, how, y)
        assert_same_training(saved, loaded)


@settings(max_examples=25, deadline=None)
@given(
    cls=st.sampled_from([MLPClassifier, MLPRegressor]),
    solver=st.sampled_from(["sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta"]),
    momentum=st.sampled_from([0.0, 0.5, 0.9]),
    nesterov=st.booleans(),
    learning_rate=st.sampled_from(["constant", "invscaling", "adaptive"]),
    tol=st.sampled_from([1e-4, 1e-2, 10.0]),
    epochs=st.integers(1, 4),
    steps=st.lists(st.sampled_from(["partial_fit", "warm_start"]), min_size=1, max_size=3),
)
def test_resuming_matches_for_any_solver_and_schedule(
    tmp_path_factory, cls, solver, momentum, nesterov, learning_rate, tol, epochs, steps
):
    setting = dict(solver=solver, momentum=momentum, nesterovs_momentum=nesterov, tol=tol,
                   learning_rate=learning_rate, max_iter=epochs, n_iter_no_change=1)  # fmt: skip
    y = TARGETS[cls]
    saved = _quietly(_estimator(cls, setting).fit, X, y)
    path = tmp_path_factory.mktemp("resume") / "m.safetensors"
    saved.save(path)
    loaded = cls.load(path)
    for how in steps:
        _continue(saved, how, y)
        _continue(loaded, how, y)
    assert_same_training(saved, loaded)


def test_the_file_holds_the_state_and_a_loaded_estimator_saves_the_same_file(tmp_path):
    clf = _quietly(_estimator(MLPClassifier, SETTINGS["adamw"] | {"dropout": 0.1}).fit, X,
                   TARGETS[MLPClassifier])  # fmt: skip
    clf.save(tmp_path / "a.safetensors")
    _, metadata, tensors = read_model_file(tmp_path / "a.safetensors")
    state = metadata["estimator"]["training_state"]
    assert state["optimizer"] == {"class": "AdamW", "iterations": 20, "learning_rate": 0.01}
    assert state["no_improvement_count"] == clf._no_improvement_count > 0
    assert sorted(tensors) == ["optimizer/layers.0.bias/m", "optimizer/layers.0.bias/v",
                               "optimizer/layers.0.weights/m", "optimizer/layers.0.weights/v",
                               "optimizer/layers.2.bias/m", "optimizer/layers.2.bias/v",
                               "optimizer/layers.2.weights/m", "optimizer/layers.2.weights/v",
                               "random_state/key"]  # fmt: skip
    v = clf._optimizer._state[clf.network_.layers[2].weights]["v"]
    assert np.array_equal(tensors["optimizer/layers.2.weights/v"], v)
    key = clf.random_state.get_state()[1]
    assert tensors["random_state/key"].dtype == np.uint32 and np.array_equal(
        tensors["random_state/key"], key
    )
    assert state["random_state"]["pos"] == clf.random_state.get_state()[2]
    loaded = MLPClassifier.load(tmp_path / "a.safetensors")
    assert loaded.random_state is loaded._random_state
    assert all(
        np.array_equal(a, b) if isinstance(a, np.ndarray) else a == b
        for a, b in zip(loaded.random_state.get_state(), clf.random_state.get_state(), strict=True)
    )
    loaded.save(tmp_path / "b.safetensors")
    assert (tmp_path / "a.safetensors").read_bytes() == (tmp_path / "b.safetensors").read_bytes()


def _rewrite(path, change):
    """Edit the training state and the tensors of the model file ``path`` in place."""
    tensors = load_file(path)
    with safe_open(path, "np") as file:
        document = json.loads(file.metadata()["glassnet"])
    estimator = document["metadata"]["estimator"]
    change(estimator, tensors)
    save_file(tensors, path, metadata={"glassnet": json.dumps(document)})


def _state(edit):
    return lambda estimator, tensors: edit(estimator["training_state"])


def _tensors(edit):
    return lambda estimator, tensors: edit(tensors)


M = "optimizer/layers.0.weights/m"
MALFORMED = {
    "buffer-shape": (_tensors(lambda t: t.__setitem__(M, np.zeros((1, 1)))),
                     r"\['m'\] must be a float64 array of shape \(3, 5\)"),
    "buffer-dtype": (_tensors(lambda t: t.__setitem__(M, t[M].astype(np.float32))),
                     r"\['m'\] must be a float64 array of shape \(3, 5\)"),
    "buffer-missing": (_tensors(lambda t: t.pop(M)), r"must hold the buffers \['m', 'v'\]"),
    "buffer-nan": (_tensors(lambda t: t[M].__setitem__((0, 0), np.nan)), "NaN or infinite"),
    "buffer-unknown": (_tensors(lambda t: t.__setitem__("optimizer/layers.9.weights/m", t[M])),
                       r"unexpected tensors \['optimizer/layers.9.weights/m'\]"),
    "tensor-unknown": (_tensors(lambda t: t.__setitem__("misc/x", np.zeros(2))),
                       "unexpected tensors"),
    "key-short": (_tensors(lambda t: t.__setitem__("random_state/key", t["random_state/key"][1:])),
                  "random_state/key must hold 624 uint32 words, got array of shape .623,."),
    "key-int64": (_tensors(lambda t: t.__setitem__("random_state/key",
                                                   t["random_state/key"].astype(np.int64))),
                  r"624 uint32 words, got array of shape \(624,\) \(int64\)"),
    "key-missing": (_tensors(lambda t: t.pop("random_state/key")), "624 uint32 words, got None"),
    "pos": (_state(lambda s: s["random_state"].__setitem__("pos", 625)), "pos must be <= 624"),
    "has-gauss": (_state(lambda s: s["random_state"].__setitem__("has_gauss", 2)),
                  "has_gauss 0 or 1"),
    "gaussian": (_state(lambda s: s["random_state"].__setitem__("cached_gaussian", "x")),
                 "cached_gaussian must be a real number"),
    "iterations": (_state(lambda s: s["optimizer"].__setitem__("iterations", -1)),
                   "iterations'] must be >= 0"),
    "learning-rate": (_state(lambda s: s["optimizer"].__setitem__("learning_rate", "fast")),
                      "learning_rate'] must be a real number"),
    "optimizer-class": (_state(lambda s: s["optimizer"].__setitem__("class", "SGD")),
                        "optimizer state of 'SGD', but solver='adam' uses Adam"),
    "dropout-count": (_state(lambda s: s.__setitem__("dropout", [])),
                      "dropout must list 1 generator states, got"),
    "dropout-state": (_state(lambda s: s["dropout"][0].__setitem__("inc", "12x")),
                      "inc must be a 128-bit integer as text"),
    "dropout-state-above-2**128": (
        _state(lambda s: s["dropout"][0].__setitem__("state", str(2**128))),
        "state must be a 128-bit integer as text"),
    "count-missing": (_state(lambda s: s.pop("no_improvement_count")),
                      "missing entry 'no_improvement_count'"),
    "count-negative": (_state(lambda s: s.__setitem__("no_improvement_count", -3)),
                       "no_improvement_count must be >= 0"),
    "state-a-list": (lambda e, t: e.__setitem__("training_state", []),
                     "training_state must be a JSON object"),
    "lbfgs-with-optimizer": (lambda e, t: e["params"].__setitem__("solver", "lbfgs"),
                             "optimizer state of 'Adam', but solver='lbfgs' uses no optimizer"),
    # the parameters cannot make the optimizer: say why (it said "solver='adam' uses no
    # optimizer", or for an unknown solver "solver='no' uses no optimizer")
    "params-make-no-optimizer": (lambda e, t: e["params"].__setitem__("beta_1", "x"),
                                 "the saved parameters make none: beta_1 must be a real number"),
    "unknown-solver": (lambda e, t: e["params"].__setitem__("solver", "no"),
                       "the saved parameters make none: solver='no' is unknown"),
    # lbfgs keeps no optimizer: a state naming none was an AttributeError on None
    "lbfgs-no-optimizer": (lambda e, t: (e["params"].__setitem__("solver", "lbfgs"),
                                         e["training_state"]["optimizer"].__setitem__(
                                             "class", "no optimizer")),
                           "optimizer state of 'no optimizer', but solver='lbfgs' uses no opt"),
}  # fmt: skip


@pytest.mark.parametrize("name", list(MALFORMED))
def test_a_malformed_training_state_is_refused_in_one_line_naming_the_file(tmp_path, name):
    clf = _estimator(MLPClassifier, dict(solver="adam", dropout=0.1, random_state=RANDOM_STATE))
    _quietly(clf.fit, X, TARGETS[MLPClassifier])
    path = tmp_path / "m.safetensors"
    clf.save(path)
    change, message = MALFORMED[name]
    _rewrite(path, change)
    with pytest.raises(ValueError, match=message) as caught:
        MLPClassifier.load(path)
    text = str(caught.value)
    assert text.startswith(f"{path}: the saved training state is malformed (") and "\n" not in text
    assert caught.value.__suppress_context__  # no NumPy traceback chained to it


def test_a_file_written_before_the_training_state_loads_and_trains_as_before(tmp_path):
    y = TARGETS[MLPClassifier]
    clf = _quietly(_estimator(MLPClassifier, dict(solver="adam")).fit, X, y)
    path = tmp_path / "old.safetensors"
    clf.save(path)

    def as_before(estimator, tensors):  # the file the earlier glassnet wrote
        del estimator["training_state"]
        for name in [name for name in tensors if "/" in name]:
            del tensors[name]

    _rewrite(path, as_before)
    assert not read_model_file(path)[2]
    loaded = MLPClassifier.load(path)
    assert not hasattr(loaded, "_optimizer") and loaded._no_improvement_count == 0
    fresh = copy.deepcopy(clf)  # what loading always gave: a fresh optimizer, a zero count
    del fresh._optimizer
    fresh._no_improvement_count = 0
    for estimator in (clf, fresh, loaded):
        _quietly(estimator.partial_fit, X, y)
    assert_same_training(fresh, loaded)
    assert not np.array_equal(clf.coefs_[0], loaded.coefs_[0])  # the state did matter
    _rewrite(path, lambda e, t: t.__setitem__(M, np.zeros((3, 5))))
    with pytest.raises(ValueError, match=re.escape(f"unexpected tensors ['{M}']")):
        MLPClassifier.load(path)


@pytest.mark.parametrize(
    "change", [dict(momentum=0.0), dict(solver="adam"), dict(solver="lbfgs"), dict(solver="no")]
)
def test_an_optimizer_its_parameters_no_longer_describe_is_not_saved(tmp_path, change):
    y = TARGETS[MLPRegressor]
    reg = _quietly(_estimator(MLPRegressor, SETTINGS["sgd-momentum"]).fit, X, y)
    reg.set_params(**change)  # partial_fit would go on with the old SGD; a loaded one cannot
    reg.save(tmp_path / "m.safetensors")
    loaded = MLPRegressor.load(tmp_path / "m.safetensors")
    assert not hasattr(loaded, "_optimizer") and not read_model_file(tmp_path / "m.safetensors")[2]
    assert loaded._no_improvement_count == reg._no_improvement_count > 0


def test_a_random_state_holding_a_cached_gaussian_continues_its_stream(tmp_path):
    generator = np.random.RandomState(5)
    clf = _quietly(_estimator(MLPClassifier, dict(random_state=generator)).fit, X,
                   TARGETS[MLPClassifier])  # fmt: skip
    generator.standard_normal()  # draws two, returns one and caches the other: has_gauss = 1
    clf.save(tmp_path / "m.safetensors")
    state = read_model_file(tmp_path / "m.safetensors")[1]["estimator"]["training_state"]
    assert state["random_state"]["has_gauss"] == 1
    loaded = MLPClassifier.load(tmp_path / "m.safetensors").random_state
    assert loaded.standard_normal(3).tolist() == generator.standard_normal(3).tolist()
