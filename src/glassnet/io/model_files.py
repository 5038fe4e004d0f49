"""The model file: parameters as safetensors tensors, everything else as JSON metadata.

A glassnet model file is a plain `safetensors <https://huggingface.co/docs/safetensors>`_
file. Its tensors are the parameters, named ``layers.{i}.weights`` and ``layers.{i}.bias``;
its metadata holds one JSON document under the key ``"glassnet"``::

    {"format": "glassnet", "format_version": 2,
     "architecture": {"dtype": "float64", "loss": {"name": "binary_cross_entropy"},
                      "layers": [{"type": "Dense", "n_inputs": 30, "n_outputs": 64,
                                  "activation": "relu", "train_bias": true}, ...],
                      "penalties": [{"type": "L2", "l2": 0.0001}]},
     "metadata": {...whatever the caller adds: preprocessing, classes, history...}}

``"penalties"`` (:func:`glassnet.regularizers.penalty_specs`) is there only when the network
has any, so a file without it (every file written before) loads with none, as it always did.

A front end may keep more arrays beside the model: tensors whose name holds a ``/``, such as an
estimator's optimizer state ``optimizer/layers.0.weights/m``. They are no part of the network:
:func:`load_network` skips them and :func:`read_model_file` returns them too.

Format versions (``"format_version"``; this glassnet reads 1 and 2):

* 1: the parameters, the architecture without ``"penalties"``, the metadata.
* 2: version 1 plus either of what a glassnet reading only version 1 cannot read: a
  ``"penalties"`` entry (it would drop it silently) or tensors whose name holds a ``/`` (it
  would refuse them as not matching the architecture).

Saving writes 2 exactly when the file holds either, else 1, so a plain model stays readable by
an older glassnet. Loading refuses any other version in one line that says to upgrade glassnet.

Why this format: loading a safetensors file reads numbers and text only, so a model from a
stranger cannot run code (a pickle can). Loading checks every tensor's name, shape and dtype
against the architecture before building the network, and reads a bounded header first, so a
truncated or tampered file is refused with one line. Saving writes a temporary file beside the
target and renames it, so an interrupted save never leaves a half-written model.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from ..activations import get_activation
from ..checks import describe
from ..layers import Dense, Dropout
from ..losses import LOSSES, get_loss
from ..network import Network
from ..regularizers import penalties_from_specs, penalty_specs
from .atomic import atomic_write_bytes
from .safetensors_checks import check_memory, loads, read_checked_header

FORMAT = "glassnet"
FORMAT_VERSION = 2  # the newest this glassnet writes; see the module docstring
READABLE_VERSIONS = (1, 2)
CHECKPOINT = "glassnet.dask_checkpoint"  # the key of a Dask checkpoint's JSON document
_LOSS_OPTIONS = ("delta", "from_logits")  # constructor arguments a loss may carry


# ----------------------------------------------------------------------------- saving
def save_network(
    path: str | os.PathLike[str],
    network: Network,
    metadata: Any = None,
    extra_tensors: dict[str, np.ndarray] | None = None,
    with_penalties: bool = True,
) -> None:
    """Write ``network`` (and JSON-serializable ``metadata``) to the model file ``path``.

    ``extra_tensors`` are arrays kept beside the model, each named with a ``/``
    (``"optimizer/layers.0.weights/m"``). The write is atomic: a temporary file in the same
    folder is renamed over ``path`` only when complete. Raises ``TypeError`` if ``metadata``
    is not JSON-serializable, or if a penalty is not one a file can hold (L1, L2, L1L2);
    ``with_penalties=False`` leaves them out, for a front end that re-creates its own (the
    estimators: their ``alpha`` and ``l1`` are saved as parameters).
    """
    from safetensors.numpy import save

    tensors, architecture = architecture_of(network, with_penalties)
    for name, array in (extra_tensors or {}).items():
        if not isinstance(name, str) or "/" not in name or not isinstance(array, np.ndarray):
            raise ValueError(
                f"extra_tensors must map names holding a '/' to arrays, got {name!r}: "
                f"{type(array).__name__}"
            )
        tensors[name] = np.ascontiguousarray(array)
    document = {
        "format": FORMAT,
        # 2 only for what a version-1 reader cannot read (see the module docstring)
        "format_version": 2 if extra_tensors or "penalties" in architecture else 1,
        "architecture": architecture,
        "metadata": {} if metadata is None else metadata,
    }
    try:
        text = json.dumps(document, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise TypeError(f"metadata must be JSON-serializable, got {error}") from None
    atomic_write_bytes(path, save(tensors, metadata={FORMAT: text}))


def architecture_of(
    network: Network, with_penalties: bool = True
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The parameters by tensor name and the architecture (as a model file stores it) of
    ``network``; ``TypeError`` for a layer, loss or penalty no file can hold."""
    tensors, architecture = _describe(network)
    if with_penalties and network.penalties:
        architecture["penalties"] = penalty_specs(network.penalties)
    return tensors, architecture


def _describe(network: Network) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    tensors: dict[str, np.ndarray] = {}
    layers = []
    for index, layer in enumerate(network.layers):
        kind = type(layer).__name__
        if isinstance(layer, Dense):
            layers.append(
                {
                    "type": "Dense",
                    "n_inputs": layer.n_inputs,
                    "n_outputs": layer.n_outputs,
                    "activation": layer.activation.name,
                    "train_bias": layer.bias.trainable,
                }
            )
            tensors[f"layers.{index}.weights"] = np.ascontiguousarray(layer.weights.value)
            tensors[f"layers.{index}.bias"] = np.ascontiguousarray(layer.bias.value)
        elif isinstance(layer, Dropout):
            layers.append({"type": "Dropout", "rate": float(layer.rate)})
        else:
            raise TypeError(f"network.layers[{index}] cannot be saved: unsupported layer {kind}")
    return tensors, {
        "dtype": network.dtype.name,
        "loss": _describe_loss(network.loss_function),
        "layers": layers,
    }


def _describe_loss(loss: Any) -> dict[str, Any]:
    names = [name for name, cls in LOSSES.items() if cls is type(loss)]
    if not names:
        raise TypeError(f"the network's loss cannot be saved: unsupported loss {loss!r}")
    options = {k: getattr(loss, k) for k in _LOSS_OPTIONS if hasattr(loss, k)}
    return {"name": names[0], **options}


# ----------------------------------------------------------------------------- loading
def load_network(path: str | os.PathLike[str]) -> tuple[Network, dict[str, Any]]:
    """Read a model file written by :func:`save_network`; return ``(network, metadata)``.

    Raises ``ValueError`` (one line, naming ``path``) for anything that is not an intact
    glassnet model file: a missing or truncated file, a pickle, a tampered header, tensors whose
    names, shapes or dtypes disagree with the stored architecture.
    """
    network, metadata, _ = read_model_file(path)
    return network, metadata


def read_model_file(
    path: str | os.PathLike[str],
) -> tuple[Network, dict[str, Any], dict[str, np.ndarray]]:
    """:func:`load_network`, plus the extra tensors (names holding a ``/``) by name; the
    caller checks those (only their names and the file's integrity are checked here).

    The metadata is checked against the network by :func:`glassnet.io.model_schema.check_metadata`.
    """
    from .model_schema import check_metadata

    source = Path(path)
    document, tensors = read_glassnet_file(source, FORMAT, "model file")
    network = _build(document["architecture"], tensors, source)
    metadata = document.get("metadata", {})
    check_metadata(metadata, network, source)
    extra = {name: array for name, array in tensors.items() if "/" in name}
    return network, metadata, extra


def read_glassnet_file(
    source: Path, key: str, what: str
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The JSON document under ``key`` and the tensors of the safetensors file ``source``,
    after checking the header (:mod:`glassnet.io.safetensors_checks`), the document's format and
    version, the tensors against its ``"architecture"``, and that they fit in memory.
    ``what`` names the kind of file in messages ("model file", "checkpoint")."""
    if not source.is_file():
        kind = "is a directory" if source.is_dir() else "is not a regular file"
        problem = kind if source.exists() else "does not exist"
        raise ValueError(f"{what} {str(source)!r} {problem}")
    header = read_checked_header(source, what)
    document = _glassnet_document(header, source, key, what)
    architecture = document.get("architecture")
    if not isinstance(architecture, dict):
        raise ValueError(f"{source}: the model's architecture is missing")
    expected = _expected_tensors(architecture, source)
    found = {k: v for k, v in header.items() if k != "__metadata__"}
    _check_tensors(expected, found, source)
    values = sum(math.prod(shape) for _, shape in expected.values())
    itemsize = 4 if architecture["dtype"] == "float32" else 8
    # the values, their gradients and a copy while building: three times the parameters
    check_memory(3 * values * itemsize, f"the architecture's {values} parameters", source)
    from safetensors.numpy import load_file

    try:
        tensors = load_file(source)
    except Exception as error:  # safetensors raises its own error types
        raise ValueError(f"{source}: corrupt {what} ({_first_line(error)})") from None
    return document, tensors


def _glassnet_document(header: dict[str, Any], source: Path, key: str, what: str) -> dict[str, Any]:
    metadata = header.get("__metadata__")
    text = metadata.get(key) if isinstance(metadata, dict) else None
    if not isinstance(text, str):
        other = {FORMAT: "model file", CHECKPOINT: "Dask checkpoint"}
        held = [other[k] for k in other if isinstance(metadata, dict) and k in metadata]
        kind = f"a glassnet {held[0]}" if held else "a safetensors file"
        raise ValueError(f"{source} is {kind}, not a glassnet {what}")
    try:
        document = loads(text, "the glassnet metadata")
    except json.JSONDecodeError:
        raise ValueError(f"{source}: the glassnet metadata is not valid JSON") from None
    except ValueError as error:
        raise ValueError(f"{source}: {error}") from None
    if not isinstance(document, dict) or document.get("format") != key:
        raise ValueError(f"{source}: the glassnet metadata is malformed")
    version = document.get("format_version")
    readable = READABLE_VERSIONS if key == FORMAT else (1,)
    if type(version) is not int or version not in readable:  # JSON true is no 1
        newer = type(version) is int and version > readable[-1]
        raise ValueError(
            f"{source} has {what.split()[0]} format version {version!r}; this glassnet reads "
            f"versions {' and '.join(map(str, readable))}"
            + (" (a newer glassnet wrote it: upgrade glassnet to load it)" if newer else "")
        )
    return document


def _expected_tensors(architecture: dict[str, Any], source: Path) -> dict[str, tuple]:
    """``name -> (dtype, shape)`` implied by the architecture."""
    name = architecture.get("dtype")
    dtype = {"float32": "F32", "float64": "F64"}.get(name) if isinstance(name, str) else None
    layers = architecture.get("layers")
    if dtype is None or not isinstance(layers, list) or not layers:
        raise ValueError(f"{source}: the model's architecture is malformed")
    expected: dict[str, tuple] = {}
    for index, spec in enumerate(layers):
        if not isinstance(spec, dict) or spec.get("type") not in ("Dense", "Dropout"):
            raise ValueError(f"{source}: layer {index} has an unknown type")
        if spec["type"] == "Dense":
            shape = [spec.get("n_inputs"), spec.get("n_outputs")]
            if not all(isinstance(n, int) and n > 0 for n in shape):
                raise ValueError(f"{source}: layer {index} has malformed sizes")
            expected[f"layers.{index}.weights"] = (dtype, shape)
            expected[f"layers.{index}.bias"] = (dtype, shape[1:])
    return expected


def _check_tensors(expected: dict[str, tuple], found: dict[str, Any], source: Path) -> None:
    model = {name for name in found if "/" not in name}  # the others are extra tensors
    if set(expected) != model:  # the file's names shown in one line ("\n" is a valid name)
        odd = ", ".join(_shown(name) for name in sorted(set(expected) ^ model))
        raise ValueError(f"{source}: tensors do not match the architecture ({odd})")
    for name, (dtype, shape) in expected.items():
        info = found[name]
        if not isinstance(info, dict) or info.get("dtype") != dtype or info.get("shape") != shape:
            raise ValueError(
                f"{source}: tensor {name} should be {dtype} {shape}, the file has "
                f"{_shown(info.get('dtype')) if isinstance(info, dict) else '?'} "
                f"{_shown(info.get('shape')) if isinstance(info, dict) else '?'}"
            )


def _shown(value: Any) -> str:
    """A value read from the file, for a one-line message: printable text as it is, anything
    else (a name holding a newline, a list) by its short repr."""
    return value if isinstance(value, str) and value.isprintable() else describe(value, 40)


def _build(architecture: dict[str, Any], tensors: dict[str, np.ndarray], source: Path) -> Network:
    layers: list[Any] = []
    try:
        for index, spec in enumerate(architecture["layers"]):
            if spec["type"] == "Dropout":
                layers.append(Dropout(spec["rate"]))
                continue
            layers.append(
                Dense(
                    spec["n_inputs"],
                    spec["n_outputs"],
                    get_activation(spec["activation"]),
                    weights=tensors[f"layers.{index}.weights"],
                    bias=tensors[f"layers.{index}.bias"],
                    train_bias=bool(spec.get("train_bias", True)),
                    dtype=architecture["dtype"],
                )
            )
        loss_spec = dict(architecture["loss"])
        loss = get_loss(LOSSES[loss_spec.pop("name")](**loss_spec))
        penalties = penalties_from_specs(architecture.get("penalties", []))
        return Network(layers, loss=loss, penalties=penalties)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ValueError(f"{source}: the model's architecture is invalid ({error!r})") from None


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__
