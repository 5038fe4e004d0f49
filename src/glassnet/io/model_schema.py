"""The one schema of a model file's metadata, checked against the network it describes.

:func:`glassnet.io.read_model_file` calls :func:`check_metadata` on every model file it reads,
so ``glassnet predict``, ``evaluate``, ``info``, ``plot`` and ``explain``, ``load_network`` and
the estimators' ``load`` all refuse an edited file the same way: one ``ValueError`` naming the
file and the field (``model.safetensors: metadata field 'classes': 3 classes make 3 outputs,
but the network has 2``).

The metadata is whatever the writer added; two writers give it a meaning checked here:

- ``glassnet train`` (the metadata holds ``"task"``): ``task``, ``target``, ``classes``
  (classification) or ``target_scaling`` (regression), ``preprocessing`` (the entries of
  :meth:`glassnet.io.tables.Preprocessor.to_json`, whose width must be the network's inputs),
  ``history``, ``metrics`` and ``training``;
- the estimators (``"estimator"``): its ``class``, ``params`` and ``fitted`` attributes, their
  sizes against the network (the training state is checked by
  :mod:`glassnet.estimators.state`, the params against the network by
  :mod:`glassnet.estimators.architecture`).

Other metadata (a user's own, through ``save_network``) must be a JSON object; its contents
are the user's. Sizes are bounded by the network, whose tensors are bounded by the file and the
machine's memory (:mod:`glassnet.io.safetensors_checks`).
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from ..checks import describe
from .safetensors_checks import memory_problem

TASKS = ("classification", "regression")
CELL_BYTES = 100  # a pandas object cell: a pointer and a short str


class SchemaError(ValueError):
    """A field of the metadata that does not fit; ``field`` names it."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"metadata field {field!r}: {problem}")
        self.field = field


def check_metadata(metadata: Any, network: Any, source: Any) -> None:
    """Refuse ``metadata`` (of the model file ``source``, holding ``network``) if any field
    breaks the schema: ``ValueError`` naming ``source`` and the field."""
    try:
        if not isinstance(metadata, dict):
            raise SchemaError("metadata", f"must be a JSON object, got {describe(metadata)}")
        if "task" in metadata:
            check_train_metadata(metadata, network)
        if "estimator" in metadata:
            document = metadata["estimator"]
            _require(isinstance(document, dict), "estimator", "a JSON object", document)
            check_estimator_document(document, network)
    except SchemaError as error:
        raise ValueError(f"{source}: {error}") from None


def _require(condition: bool, field: str, expected: str, value: Any) -> None:
    if not condition:
        raise SchemaError(field, f"must be {expected}, got {describe(value, 60)}")


def is_real(value: Any) -> bool:
    """A JSON number (not true/false)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _finite(value: Any) -> bool:
    return is_real(value) and math.isfinite(value)


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | bool) or is_real(value)


def _plain(value: Any) -> bool:
    """A scalar or a list of scalars: what a command-line option or a count is."""
    return _scalar(value) or (isinstance(value, list) and all(map(_scalar, value)))


# ----------------------------------------------------------------------------- glassnet train
def check_train_metadata(metadata: dict[str, Any], network: Any) -> None:
    """The fields ``glassnet train`` writes, against ``network``."""
    task = metadata["task"]
    _require(task in TASKS, "task", " or ".join(TASKS), task)
    for name in ("target", "preprocessing"):
        if name not in metadata:
            raise SchemaError(name, "is missing (every `glassnet train` model has it)")
    _require(isinstance(metadata["target"], str), "target", "a column name", metadata["target"])
    if task == "classification":
        _check_classes(metadata.get("classes"), network)
    else:
        _check_scaling(metadata.get("target_scaling"), network)
    _check_preprocessing(metadata["preprocessing"], network)
    _check_history(metadata.get("history", {}))
    _check_metrics(metadata.get("metrics", {}), len(metadata.get("classes") or []))
    training = metadata.get("training", {})
    _require(isinstance(training, dict), "training", "a JSON object", training)
    for key, value in training.items():
        _require(_plain(value), f"training.{key}", "a number, text or a list of them", value)


def _check_classes(classes: Any, network: Any) -> None:
    ok = isinstance(classes, list) and len(classes) >= 2 and all(map(_scalar, classes))
    _require(ok, "classes", "a list of at least two labels", classes)
    if len({str(c) for c in classes}) != len(classes):  # predictions are matched as text
        raise SchemaError("classes", f"lists a label twice: {describe(classes, 60)}")
    outputs = 1 if len(classes) == 2 else len(classes)
    if outputs != network.n_outputs:
        raise SchemaError(
            "classes",
            f"{len(classes)} classes make {outputs} output(s), but the network has "
            f"{network.n_outputs}",
        )


def _check_scaling(scaling: Any, network: Any) -> None:
    ok = isinstance(scaling, dict) and set(scaling) == {"mean", "scale"}
    _require(ok, "target_scaling", "an object of mean and scale", scaling)
    _require(_finite(scaling["mean"]), "target_scaling.mean", "a number", scaling["mean"])
    scale = scaling["scale"]
    _require(_finite(scale) and scale > 0, "target_scaling.scale", "a positive number", scale)
    if network.n_outputs != 1:
        raise SchemaError("target_scaling", f"needs 1 output, the network has {network.n_outputs}")


_NUMERIC_KEYS = {"column", "median", "mean", "scale"}
_CATEGORICAL_KEYS = {"column", "most_frequent", "categories"}


def _check_preprocessing(preprocessing: Any, network: Any) -> None:
    ok = isinstance(preprocessing, dict) and set(preprocessing) == {"numeric", "categorical"}
    _require(ok, "preprocessing", "an object of numeric and categorical", preprocessing)
    width, columns = 0, []
    for kind, keys in (("numeric", _NUMERIC_KEYS), ("categorical", _CATEGORICAL_KEYS)):
        entries = preprocessing[kind]
        _require(isinstance(entries, list), f"preprocessing.{kind}", "a list", entries)
        for index, entry in enumerate(entries):
            field = f"preprocessing.{kind}[{index}]"
            _require(isinstance(entry, dict) and set(entry) == keys, field,
                     f"an object of {', '.join(sorted(keys))}", entry)  # fmt: skip
            column = entry["column"]
            named = isinstance(column, str) or (type(column) is int)  # a Parquet name may be 0
            _require(named, f"{field}.column", "a column name", column)
            columns.append(entry["column"])
            width += _check_column(entry, field) if kind == "categorical" else 1
            if kind == "numeric":
                for key in ("median", "mean", "scale"):
                    _require(_finite(entry[key]), f"{field}.{key}", "a number", entry[key])
                _require(entry["scale"] > 0, f"{field}.scale", "positive", entry["scale"])
    if len(set(columns)) != len(columns):
        raise SchemaError("preprocessing", "names a column twice")
    categories = [len(c["categories"]) for c in preprocessing["categorical"]]
    # rebuilding the encoder fits it on a frame of (most categories) x (columns) cells
    cells = max(categories, default=2) * len(columns)
    problem = memory_problem(CELL_BYTES * cells, f"rebuilding it ({cells} cells)")
    if problem:
        raise SchemaError("preprocessing", problem)
    if width != network.n_inputs:
        raise SchemaError(
            "preprocessing",
            f"makes {width} features, but the network has {network.n_inputs} inputs",
        )


def _check_column(entry: dict[str, Any], field: str) -> int:
    """A categorical entry's width: its number of categories."""
    categories = entry["categories"]
    ok = isinstance(categories, list) and all(isinstance(c, str) for c in categories)
    _require(ok and len(set(categories)) == len(categories), f"{field}.categories",
             "a list of distinct texts", categories)  # fmt: skip
    most = entry["most_frequent"]
    _require(isinstance(most, str), f"{field}.most_frequent", "text", most)
    return len(categories)


def _check_history(history: Any) -> None:
    """``loss`` and ``val_loss`` curves, ``best_epoch``; any other entry (a later glassnet's)
    a plain value or a list of them."""
    _require(isinstance(history, dict), "history", "a JSON object", history)
    for key, value in history.items():
        if key == "best_epoch":
            ok = value is None or (type(value) is int and value >= 1)
            _require(ok, "history.best_epoch", "an epoch number or null", value)
        elif key in ("loss", "val_loss"):
            curve = isinstance(value, list) and all(v is None or is_real(v) for v in value)
            _require(curve, f"history.{key}", "a list of numbers", value)
        else:
            _require(_plain(value), f"history.{key}", "a number, text or a list of them", value)


def _check_metrics(metrics: Any, n_classes: int) -> None:
    _require(isinstance(metrics, dict), "metrics", "a JSON object", metrics)
    for split, scores in metrics.items():
        _require(isinstance(scores, dict), f"metrics.{split}", "a JSON object", scores)
        for name, value in scores.items():
            field = f"metrics.{split}.{name}"
            if name != "confusion_matrix":
                _require(value is None or is_real(value), field, "a number or null", value)
                continue
            size = max(n_classes, 1)
            square = isinstance(value, list) and len(value) == size and all(
                isinstance(row, list) and len(row) == size
                and all(type(n) is int and n >= 0 for n in row)
                for row in value
            )  # fmt: skip
            _require(square, field, f"{size} rows of {size} counts", value)


# ----------------------------------------------------------------------------- estimators
FITTED = (
    "n_iter_",
    "t_",
    "n_outputs_",
    "out_activation_",
    "n_features_in_",
    "loss_",
    "best_loss_",
    "best_validation_score_",
    "loss_curve_",
    "validation_scores_",
    "validation_loss_curve_",
)
NUMBERS = {"loss_", "best_loss_", "best_validation_score_"}  # may be ±inf: saved as text
_LABEL_KINDS = ("binary", "multiclass", "multilabel-indicator")


def check_estimator_document(document: dict[str, Any], network: Any) -> None:
    """The ``"estimator"`` entry an estimator's ``save`` writes, against ``network``."""
    _require(isinstance(document.get("class"), str), "estimator.class", "text",
             document.get("class"))  # fmt: skip
    for name in ("params", "fitted"):
        entry = document.get(name)
        _require(isinstance(entry, dict), f"estimator.{name}", "a JSON object", entry)
    fitted = document["fitted"]
    classifier = document["class"] == "MLPClassifier"
    for name in (*FITTED, "classes_", "y_type_") if classifier else FITTED:
        if name not in fitted:
            raise SchemaError(f"estimator.fitted.{name}", "is missing")
    sizes = {"n_features_in_": network.n_inputs, "n_outputs_": network.n_outputs}
    for name, minimum in (("n_iter_", 0), ("t_", 0), ("n_features_in_", 1), ("n_outputs_", 1)):
        value = fitted[name]
        ok = type(value) is int and value >= minimum
        _require(ok, f"estimator.fitted.{name}", f"an integer >= {minimum}", value)
        if name in sizes and value != sizes[name]:
            raise SchemaError(
                f"estimator.fitted.{name}", f"is {value}, but the network has {sizes[name]}"
            )
    _check_fitted_values(fitted)
    if classifier:
        _check_labels(fitted, network)
    else:
        flag = fitted.get("y_was_1d", True)
        _require(isinstance(flag, bool), "estimator.fitted.y_was_1d", "true or false", flag)


def _check_fitted_values(fitted: dict[str, Any]) -> None:
    name = "out_activation_"
    _require(isinstance(fitted[name], str), f"estimator.fitted.{name}", "text", fitted[name])
    for name in ("loss_curve_", "validation_scores_", "validation_loss_curve_"):
        curve = fitted[name]  # the validation curves are None without early stopping
        ok = (curve is not None or name != "loss_curve_") and (
            curve is None or (isinstance(curve, list) and all(map(is_real, curve)))
        )
        _require(ok, f"estimator.fitted.{name}", "a list of numbers", curve)
    for name in NUMBERS:
        number = fitted[name]
        ok = number is None or is_real(number) or number in ("inf", "-inf", "nan")
        _require(ok, f"estimator.fitted.{name}", "a number", number)
    names = fitted.get("feature_names_in_")
    if names is not None:
        ok = isinstance(names, list) and all(isinstance(n, str) for n in names)
        _require(ok and len(names) == fitted["n_features_in_"], "estimator.fitted."
                 "feature_names_in_", "one name per feature", names)  # fmt: skip


def _check_labels(fitted: dict[str, Any], network: Any) -> None:
    """The number of labels must match the outputs (one output for two classes, else one
    per class or label)."""
    classes, kind = fitted["classes_"], fitted["y_type_"]
    _require(kind in _LABEL_KINDS, "estimator.fitted.y_type_", " or ".join(_LABEL_KINDS), kind)
    ok = isinstance(classes, list) and len(classes) >= 1 and all(map(_scalar, classes))
    _require(ok, "estimator.fitted.classes_", "a list of labels", classes)
    outputs = len(classes) if kind == "multilabel-indicator" or len(classes) > 2 else 1
    if outputs != network.n_outputs:
        raise SchemaError(
            "estimator.fitted.classes_",
            f"{len(classes)} classes ({kind}) make {outputs} output(s), but the network has "
            f"{network.n_outputs}",
        )
