"""Estimators in the model file format of Network.save: safetensors, no pickle, round trip."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_diabetes, load_iris, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning

import glassnet as gn
from glassnet import MLPClassifier, MLPRegressor
from glassnet.callbacks import Callback
from glassnet.io.model_files import load_network, read_model_file


def _fit(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y)


FITTED = ["n_iter_", "t_", "n_outputs_", "out_activation_", "n_features_in_", "loss_",
          "best_loss_", "best_validation_score_", "loss_curve_", "validation_scores_",
          "validation_loss_curve_"]  # fmt: skip


def assert_same_estimator(saved, loaded, X):
    assert type(loaded) is type(saved) and loaded.get_params() == saved.get_params()
    for a, b in zip(saved.coefs_ + saved.intercepts_, loaded.coefs_ + loaded.intercepts_,
                    strict=True):  # fmt: skip
        assert a.dtype == b.dtype and np.array_equal(a, b)
    for name in FITTED:
        assert getattr(loaded, name, "absent") == getattr(saved, name, "absent"), name
    assert np.array_equal(loaded.predict(X), saved.predict(X))


@pytest.mark.parametrize(
    "settings",
    [
        dict(solver="adam", early_stopping=True),
        dict(solver="sgd", class_weight={0: 2.0, 2: 0.5}, dtype="float32", l1=1e-3, dropout=0.1),
        dict(solver="lbfgs", activation=["tanh", "logistic"], hidden_layer_sizes=(5, 4)),
    ],
    ids=["adam-early-stopping", "sgd-extras", "lbfgs-per-layer"],
)
def test_classifier_round_trip_with_string_labels_and_feature_names(tmp_path, settings):
    X, y = load_iris(return_X_y=True)
    frame = pd.DataFrame(X, columns=["sl", "sw", "pl", "pw"])
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    if "class_weight" in settings:
        settings = dict(settings, class_weight={"setosa": 2.0, "virginica": 0.5})
    clf = _fit(MLPClassifier(**{"hidden_layer_sizes": (6,), "max_iter": 30, "random_state": 0,
                                **settings}), frame, labels)  # fmt: skip
    path = tmp_path / "clf.safetensors"
    clf.save(path)
    loaded = MLPClassifier.load(path)
    assert_same_estimator(clf, loaded, frame)
    assert list(loaded.classes_) == ["setosa", "versicolor", "virginica"]
    assert list(loaded.feature_names_in_) == ["sl", "sw", "pl", "pw"]
    np.testing.assert_array_equal(loaded.predict_proba(frame), clf.predict_proba(frame))
    assert loaded.score(frame, labels) == clf.score(frame, labels)
    assert b"pickle" not in path.read_bytes()[:8] and path.read_bytes()[8:9] == b"{"


def test_binary_and_multilabel_classifiers_round_trip(tmp_path):
    X, y = load_iris(return_X_y=True)
    binary = _fit(MLPClassifier((3,), max_iter=10, random_state=0), X, (y == 1).astype(int))
    Xm, Ym = make_multilabel_classification(n_samples=60, n_classes=3, random_state=0)
    multi = _fit(MLPClassifier((4,), max_iter=10, random_state=0), Xm, Ym)
    for estimator, data in ((binary, X), (multi, Xm)):
        estimator.save(tmp_path / "m.safetensors")
        loaded = MLPClassifier.load(tmp_path / "m.safetensors")
        assert_same_estimator(estimator, loaded, data)
        np.testing.assert_array_equal(loaded.predict_proba(data), estimator.predict_proba(data))


@pytest.mark.parametrize("targets", [1, 2], ids=["one-output", "two-outputs"])
def test_regressor_round_trip_keeps_the_output_shape(tmp_path, targets):
    X, y = load_diabetes(return_X_y=True)
    y = (y - y.mean()) / y.std()
    Y = y if targets == 1 else np.c_[y, -y]
    reg = _fit(MLPRegressor(hidden_layer_sizes=(5,), loss="huber", max_iter=20, random_state=0),
               X, Y)  # fmt: skip
    reg.save(tmp_path / "r.safetensors")
    loaded = MLPRegressor.load(tmp_path / "r.safetensors")
    assert_same_estimator(reg, loaded, X)
    assert loaded.predict(X).shape == reg.predict(X).shape


def test_the_file_is_a_network_file_and_training_continues_after_loading(tmp_path):
    X, y = load_iris(return_X_y=True)
    clf = _fit(MLPClassifier((4,), solver="sgd", max_iter=5, random_state=0), X, y)
    clf.save(tmp_path / "m.safetensors")
    network, metadata = load_network(tmp_path / "m.safetensors")  # the same format
    assert metadata["estimator"]["class"] == "MLPClassifier"
    np.testing.assert_array_equal(network.predict(X), clf.network_.predict(X))
    assert isinstance(gn.load_network(tmp_path / "m.safetensors")[0], gn.Network)
    loaded = MLPClassifier.load(tmp_path / "m.safetensors")
    before = [c.copy() for c in loaded.coefs_]
    loaded.partial_fit(X, y)
    assert loaded.t_ == clf.t_ + len(y)
    assert any(not np.array_equal(a, b) for a, b in zip(before, loaded.coefs_, strict=True))
    # the alpha penalty is back in the network: its loss is the estimator's definition
    assert loaded.network_.penalties and loaded.network_.penalties[0].alpha == clf.alpha


def test_what_cannot_be_saved_or_loaded_is_refused(tmp_path):
    X, y = load_iris(return_X_y=True)
    with pytest.raises(Exception, match="not fitted"):
        MLPClassifier().save(tmp_path / "never.safetensors")
    clf = _fit(MLPClassifier((3,), max_iter=3, random_state=0, callbacks=[Callback()]), X, y)
    with pytest.raises(TypeError, match="callbacks cannot be saved"):
        clf.save(tmp_path / "cb.safetensors")
    reg = _fit(MLPRegressor(hidden_layer_sizes=(3,), max_iter=3, random_state=0), X, y)
    reg.save(tmp_path / "reg.safetensors")
    with pytest.raises(ValueError, match="not a saved MLPClassifier .the file holds MLPRegressor"):
        MLPClassifier.load(tmp_path / "reg.safetensors")
    gn.save_network(tmp_path / "net.safetensors", gn.Network([gn.Dense(4, 1, rng=0)]))
    with pytest.raises(ValueError, match="not a saved MLPRegressor .the file holds no estimator"):
        MLPRegressor.load(tmp_path / "net.safetensors")
    (tmp_path / "p.safetensors").write_bytes(pickle.dumps(reg))
    with pytest.raises(ValueError, match="pickle"):
        MLPRegressor.load(tmp_path / "p.safetensors")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "net.safetensors", "p.safetensors", "reg.safetensors"
    ]  # fmt: skip


def test_a_numpy_integer_seed_is_saved_and_a_random_state_object_with_its_state(tmp_path):
    X, y = load_iris(return_X_y=True)
    clf = _fit(MLPClassifier((3,), max_iter=3, random_state=np.int64(3)), X, y)
    clf.save(tmp_path / "m.safetensors")
    assert MLPClassifier.load(tmp_path / "m.safetensors").random_state == 3
    other = _fit(MLPClassifier((3,), max_iter=3, random_state=np.random.RandomState(0)), X, y)
    other.save(tmp_path / "r.safetensors")
    loaded = MLPClassifier.load(tmp_path / "r.safetensors").random_state
    assert isinstance(loaded, np.random.RandomState) and loaded is not other.random_state
    assert np.array_equal(loaded.randint(2**31, size=5), other.random_state.randint(2**31, size=5))


def test_the_estimators_penalties_are_its_parameters_not_the_files(tmp_path):
    """The network's penalties (alpha's batch-scaled L2, l1) are the estimator's own objects,
    which no model file holds: the file leaves them out (rather than refusing to save), and
    loading re-creates them from ``alpha`` and ``l1``."""
    X, y = load_diabetes(return_X_y=True)
    reg = MLPRegressor(hidden_layer_sizes=(4,), alpha=0.5, l1=0.01, max_iter=3, random_state=0)
    reg = _fit(reg, X, y)
    path = tmp_path / "r.safetensors"
    reg.save(path)
    header = read_model_file(path)[1]
    assert header["estimator"]["params"]["l1"] == 0.01
    assert gn.load_network(path)[0].penalties == []  # the network alone: no penalties, as before
    loaded = MLPRegressor.load(path)
    kinds = [type(p).__name__ for p in loaded.network_.penalties]
    assert kinds == [type(p).__name__ for p in reg.network_.penalties] == ["BatchL2", "Remembered"]
    assert loaded.network_.penalties[1].penalty.l1 == 0.01
    assert loaded.network_.loss(X, y[:, None]) == reg.network_.loss(X, y[:, None])


def _edit_estimator(path, change):
    """Rewrite the estimator document of the model file ``path`` with ``change``."""
    import json

    from safetensors import safe_open
    from safetensors.numpy import load_file, save_file

    tensors = load_file(path)
    with safe_open(path, "np") as file:
        document = json.loads(file.metadata()["glassnet"])
    change(document["metadata"]["estimator"])
    save_file(tensors, path, metadata={"glassnet": json.dumps(document)})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda e: e.__setitem__("params", []), "'estimator.params': must be a JSON object, got"),
        (lambda e: e.__setitem__("fitted", []), "'estimator.fitted': must be a JSON object, got"),
        (lambda e: e.pop("fitted"), "'estimator.fitted': must be a JSON object, got None"),
        (lambda e: e["fitted"].pop("y_type_"), "'estimator.fitted.y_type_': is missing"),
        (lambda e: e["fitted"].__setitem__("classes_", 5), "classes_': must be a list of labels"),
        (lambda e: e["fitted"].__setitem__("t_", None), "t_': must be an integer >= 0, got None"),
        (lambda e: e["fitted"].__setitem__("n_iter_", "3"), "n_iter_': must be an integer >= 0"),
        (lambda e: e["fitted"].__setitem__("n_features_in_", 5),
         "n_features_in_': is 5, but the network has 4"),
        (lambda e: e["fitted"].__setitem__("loss_curve_", 5), "loss_curve_': must be a list of"),
        (lambda e: e["fitted"].__setitem__("validation_scores_", ["x"]), "scores_': must"),
        (lambda e: e["fitted"].__setitem__("best_loss_", "x"), "best_loss_': must be a number"),
        (lambda e: e["fitted"].__setitem__("loss_", [1.0]), "fitted.loss_': must be a"),
        (lambda e: e["fitted"].__setitem__("out_activation_", 1), "out_activation_': must be text"),
        # these loaded, then predict or training failed (AttributeError, AxisError, IndexError)
        (lambda e: e["fitted"].pop("t_"), "'estimator.fitted.t_': is missing"),
        (lambda e: e["fitted"].pop("classes_"), "'estimator.fitted.classes_': is missing"),
        (lambda e: e["fitted"].__setitem__("loss_curve_", None), "loss_curve_': must be a list"),
        (lambda e: e["fitted"].__setitem__("classes_", [0, 1, 2, 3]),
         r"4 classes \(multiclass\) make 4 output\(s\), but the network has 3"),
        (lambda e: e["fitted"].__setitem__("classes_", [0, 1]),
         r"2 classes \(multiclass\) make 1 output\(s\)"),
        (lambda e: e["fitted"].__setitem__("y_type_", "bogus"), "y_type_': must be binary"),
    ],
)  # fmt: skip
def test_a_malformed_estimator_document_is_one_value_error_naming_the_file(
    tmp_path, change, message
):
    """docs/reliability.md: the estimators' loaders raise one ValueError naming the file. A
    malformed 'fitted' part used to give a KeyError or scikit-learn's TypeError from deep in
    LabelBinarizer, or loaded and failed later in training (t_ None, a loss curve of 5)."""
    X, y = load_iris(return_X_y=True)
    path = tmp_path / "m.safetensors"
    _fit(MLPClassifier((3,), max_iter=2, random_state=0), X, y).save(path)
    _edit_estimator(path, change)
    with pytest.raises(ValueError, match=message) as caught:
        MLPClassifier.load(path)
    text = str(caught.value)
    assert text.startswith(f"{path}: metadata field 'estimator.") and "\n" not in text
    assert caught.value.__suppress_context__


def test_an_estimators_network_alone_is_refused_with_a_way_out(tmp_path):
    """``clf.network_.save`` saved before the penalties went into model files; now its
    batch-scaled penalties cannot be (they are the estimator's alpha and l1). The message names
    them readably (it showed '<...BatchL2 object at 0x7f...>') and says how to save."""
    X, y = load_iris(return_X_y=True)
    clf = _fit(MLPClassifier((3,), max_iter=2, random_state=0, l1=0.01), X, y)
    path = tmp_path / "net.safetensors"
    with pytest.raises(TypeError, match=r"BatchL2\(alpha=0.0001\) \(BatchL2\)") as caught:
        gn.save_network(path, clf.network_)
    assert "with_penalties=False" in str(caught.value) and " at 0x" not in str(caught.value)
    assert repr(clf.network_.penalties[1]) == "Remembered(L1(0.01))"
    gn.io.save_network(path, clf.network_, with_penalties=False)
    assert np.array_equal(gn.load_network(path)[0].predict(X), clf.network_.predict(X))


def _set(part, **values):
    return lambda e: e[part].update(values)


@pytest.mark.parametrize(
    ("cls", "settings", "change", "message"),
    [
        (MLPClassifier, {}, _set("params", hidden_layer_sizes=[4]),
         r"hidden_layer_sizes=\(4,\) makes the hidden layer sizes \[4\], but the file has \[3\]"),
        (MLPClassifier, {}, _set("params", hidden_layer_sizes=[3, 3]), r"sizes \[3, 3\], but"),
        (MLPClassifier, {}, _set("params", activation="tanh"),
         r"activation='tanh' makes the hidden activations \['tanh'\], but the file has \['relu'\]"),
        (MLPClassifier, {}, _set("params", output_activation="logistic"),
         r"output_activation='logistic' makes the out_activation_ \(saved\) 'logistic', but the "
         r"file has 'softmax'"),
        (MLPRegressor, {}, _set("params", output_activation="tanh"),
         r"output_activation='tanh' makes the out_activation_ \(saved\) 'tanh', but the file "
         r"has 'identity'"),
        (MLPRegressor, {},
         lambda e: (_set("params", output_activation="tanh")(e),
                    _set("fitted", out_activation_="tanh")(e)),
         r"output_activation='tanh' makes the output activation 'tanh', but the file has "
         r"'identity'"),
        (MLPClassifier, {}, _set("params", dropout=0.1),
         r"dropout=0.1 makes the layers \[Dense, Dropout, Dense\], but the file has \[Dense, "
         r"Dense\]"),
        (MLPClassifier, dict(dropout=0.1), _set("params", dropout=0.0), r"dropout=0.0 makes the"),
        (MLPClassifier, dict(dropout=0.1), _set("params", dropout=0.2),
         r"dropout=0.2 makes the dropout rates \[0.2\], but the file has \[0.1\]"),
        (MLPClassifier, {}, _set("params", dtype="float32"),
         "dtype='float32' makes the dtype 'float32', but the file has 'float64'"),
        (MLPClassifier, {}, _set("params", loss="squared_error"),
         "loss='squared_error' makes the loss 'half_squared_error', but the file has "
         "'categorical_cross_entropy'"),
        (MLPRegressor, {}, _set("params", loss="huber"),
         "loss='huber' makes the loss 'huber', but the file has 'half_squared_error'"),
    ],
)  # fmt: skip
def test_params_that_disagree_with_the_saved_network_are_refused(
    tmp_path, cls, settings, change, message
):
    """The loaded estimator trains on the file's network; params describing another network
    (edited by hand) loaded, and warm-start training ran on the file's network regardless."""
    X, y = load_iris(return_X_y=True)
    y = y if cls is MLPClassifier else X[:, 3]
    path = tmp_path / "m.safetensors"
    _fit(cls(hidden_layer_sizes=(3,), max_iter=2, random_state=0, **settings), X, y).save(path)
    cls.load(path)  # as saved, it loads
    _edit_estimator(path, change)
    with pytest.raises(ValueError, match=message) as caught:
        cls.load(path)
    text = str(caught.value)
    assert text.startswith(f"{path}: the saved estimator is malformed (the params disagree with")
    assert "\n" not in text
