"""The Dask checkpoint: a safetensors file with JSON metadata, like a model file; no pickle.

Tensors: the parameters (``layers.{i}.weights``, ``layers.{i}.bias``, as in a model file),
the optimizer's buffers (``optimizer/{parameter}/{buffer}``, as an estimator file keeps them)
and the History's curves (``history/loss``, ``history/val_loss``, ``history/learning_rate``,
``history/metrics/{k}``: float64, so a resumed run continues with exactly the saved numbers).
JSON, under the metadata key ``"glassnet.dask_checkpoint"``::

    {"format": "glassnet.dask_checkpoint", "format_version": 1,
     "architecture": {...as in a model file...},
     "optimizer": {"class": "SGD", "settings": {"learning_rate": 0.05, "momentum": 0.5, ...},
                   "iterations": 8, "learning_rate": 0.05},
     "history": {"metrics": ["accuracy"], "stopped_early": false, "planned_epochs": 4},
     "epoch": 2, "rng": {...numpy's bit_generator.state...}, "dropout_seed": null,
     "data": {"n_samples": 60, "n_features": 3}}

Reading goes through :func:`glassnet.io.read_glassnet_file` (the header, the tensors against
the architecture, the memory they need), then checks the checkpoint against the call that
resumes: the same architecture, optimizer (class and settings; the learning rate continues from
the checkpoint's) and data shape, else one ``ValueError`` naming what differs. The saved values
are then copied into the caller's network, which is never replaced.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..history import History
from ..io.atomic import atomic_write_bytes
from ..io.model_files import CHECKPOINT, architecture_of, read_glassnet_file
from .optimizer_spec import build_optimizer, differences, optimizer_spec

if TYPE_CHECKING:
    from ..network import Network
    from ..optimizers import Optimizer

OPTIMIZER, HISTORY = "optimizer/", "history/"
_CURVES = ("loss", "val_loss", "learning_rate")
_BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")


def check_saveable(network: Network, optimizer: Any) -> None:
    """``TypeError`` now, before training, for what a checkpoint could not hold."""
    architecture_of(network)
    optimizer_spec(optimizer)


def save(state: Any, path: str | os.PathLike[str], n_samples: int) -> None:
    """Write ``state`` (a :class:`glassnet.distributed.driver.State`) to ``path``, atomically."""
    from safetensors.numpy import save as to_bytes

    network, optimizer, history = state.network, state.optimizer, state.history
    tensors, architecture = architecture_of(network)
    saved = optimizer.state_dict(network.parameters())
    for (name, _), buffers in zip(_named(network), saved["buffers"], strict=True):
        for buffer, array in buffers.items():
            tensors[f"{OPTIMIZER}{name}/{buffer}"] = np.ascontiguousarray(array)
    for curve in _CURVES:
        tensors[HISTORY + curve] = np.asarray(getattr(history, curve), dtype=np.float64)
    names = list(history.metrics)
    for index, name in enumerate(names):
        tensors[f"{HISTORY}metrics/{index}"] = np.asarray(history.metrics[name], np.float64)
    document = {
        "format": CHECKPOINT,
        "format_version": 1,
        "architecture": architecture,
        "optimizer": optimizer_spec(optimizer)
        | {"iterations": saved["iterations"], "learning_rate": saved["learning_rate"]},
        "history": {
            "metrics": names,
            "stopped_early": bool(history.stopped_early),
            "planned_epochs": int(history.planned_epochs),
        },
        "epoch": int(state.epoch),
        "rng": _plain(state.rng.bit_generator.state),
        "dropout_seed": state.seed,
        "data": {"n_samples": int(n_samples), "n_features": int(network.n_inputs)},
    }
    text = json.dumps(document, allow_nan=False)
    atomic_write_bytes(path, to_bytes(tensors, metadata={CHECKPOINT: text}))


def _named(network: Network) -> list[tuple[str, Any]]:
    """The trainable parameters (``network.parameters()``, in order) with their tensor names."""
    names = {
        id(p): f"layers.{i}.{p.name}" for i, layer in enumerate(network.layers)
        for p in layer.parameters()
    }  # fmt: skip
    return [(names[id(p)], p) for p in network.parameters()]


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value.tolist() if isinstance(value, np.ndarray) else value


class Resumed:
    """A checked checkpoint: the training state, and the parameter values to copy in."""

    def __init__(self, optimizer: Optimizer, history: History, rng: np.random.Generator,
                 epoch: int, seed: int | None, values: dict[str, np.ndarray]) -> None:  # fmt: skip
        self.optimizer, self.history, self.rng = optimizer, history, rng
        self.epoch, self.seed, self.values = epoch, seed, values

    def apply(self, network: Network) -> None:
        """Copy the saved parameter values into ``network`` (checked to fit it)."""
        for index, layer in enumerate(network.layers):
            for parameter in layer.parameters():
                parameter.value[...] = self.values[f"layers.{index}.{parameter.name}"]


def load(path: Any, network: Network, optimizer: Any, n_samples: int) -> Resumed:
    """Read and check the checkpoint at ``path`` for resuming ``network`` on ``n_samples``
    rows with ``optimizer`` (None: the saved one); nothing is changed yet (see
    :meth:`Resumed.apply`). ``ValueError`` naming ``path`` for any file that does not fit."""
    source = Path(path)
    document, tensors = read_glassnet_file(source, CHECKPOINT, "checkpoint")
    try:
        _check_fits(document, network, optimizer, n_samples)
        return _resumed(document, tensors, network, optimizer)
    except (KeyError, TypeError, ValueError) as error:
        reason = f"missing entry {error}" if isinstance(error, KeyError) else str(error)
        raise ValueError(f"checkpoint {source}: {reason.splitlines()[0]}") from None


def _check_fits(document: dict[str, Any], network: Network, optimizer: Any, rows: int) -> None:
    """Refuse a checkpoint of another run, naming every difference."""
    found = differences(document["architecture"], architecture_of(network)[1], "architecture")
    data = {"n_samples": rows, "n_features": network.n_inputs}
    found += differences(document["data"], data, "data")
    if optimizer is not None:
        saved = {k: document["optimizer"][k] for k in ("class", "settings")}
        current = optimizer_spec(optimizer)
        if isinstance(saved["settings"], dict) and not isinstance(
            saved["settings"].get("learning_rate"), dict
        ):  # a number continues from the checkpoint's (a callback may have lowered it)
            current["settings"]["learning_rate"] = saved["settings"].get("learning_rate")
        found += differences(saved, current, "optimizer")
    if found:
        raise ValueError(
            f"saved by another run ({'; '.join(found[:3])}); pass another checkpoint path, or "
            "delete this one to start afresh"
        )


def _resumed(
    document: dict[str, Any], tensors: dict[str, np.ndarray], network: Network, optimizer: Any
) -> Resumed:
    tensors = dict(tensors)
    values = {name: tensors.pop(name) for name in list(tensors) if "/" not in name}
    saved = document["optimizer"]
    optimizer = build_optimizer(saved) if optimizer is None else optimizer
    buffers = []
    for name, _ in _named(network):
        prefix = f"{OPTIMIZER}{name}/"
        buffers.append(
            {k[len(prefix) :]: tensors.pop(k) for k in list(tensors) if k.startswith(prefix)}
        )
    state = {"iterations": saved["iterations"], "learning_rate": saved["learning_rate"]}
    optimizer.load_state_dict(network.parameters(), {**state, "buffers": buffers})
    history, epoch = _history(document, tensors), document["epoch"]
    if type(epoch) is not int or epoch != len(history.loss):
        raise ValueError(f"epoch {epoch!r} disagrees with its {len(history.loss)} losses")
    if tensors:
        raise ValueError(f"unexpected tensors {sorted(tensors)[:3]}")
    seed = document["dropout_seed"]
    if seed is not None and not (type(seed) is int and 0 <= seed < 2**63):
        raise ValueError(f"dropout_seed must be null or an integer, got {seed!r:.40}")
    return Resumed(optimizer, history, _rng(document["rng"]), epoch, seed, values)


def _history(document: dict[str, Any], tensors: dict[str, np.ndarray]) -> History:
    saved, history = document["history"], History()
    for curve in _CURVES:
        setattr(history, curve, _curve(tensors.pop(HISTORY + curve), curve))
    names = saved["metrics"]
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ValueError("history metrics must be a list of names")
    for index, name in enumerate(names):
        history.metrics[name] = _curve(tensors.pop(f"{HISTORY}metrics/{index}"), name)
    history.stopped_early = saved["stopped_early"] is True
    planned = saved["planned_epochs"]
    history.planned_epochs = planned if type(planned) is int else 0
    return history


def _curve(array: np.ndarray, name: str) -> list[float]:
    if array.dtype != np.float64 or array.ndim != 1:
        raise ValueError(
            f"history {name} must be a float64 vector, got {array.dtype} {array.shape}"
        )
    return [float(v) for v in array]


def _rng(state: Any) -> np.random.Generator:
    """The run's generator, from its ``bit_generator.state``."""
    name = state.get("bit_generator") if isinstance(state, dict) else None
    if name not in _BIT_GENERATORS:
        raise ValueError(f"rng is not a NumPy bit generator's state: {str(name)[:40]!r}")
    bit_generator = getattr(np.random, name)()
    try:
        bit_generator.state = state
    except (TypeError, ValueError, KeyError, OverflowError) as error:
        raise ValueError(f"rng state is malformed ({error!r:.80})") from None
    return np.random.Generator(bit_generator)
