"""What a saved estimator needs to continue training exactly as if it had never been saved.

:mod:`glassnet.estimators.files` writes it beside the parameters and the fitted attributes, under
``"training_state"`` in the estimator's JSON and as extra tensors (see :mod:`glassnet.io`):

- the optimizer's state (:meth:`glassnet.optimizers.Optimizer.state_dict`): each buffer as the
  tensor ``optimizer/{parameter}/{buffer}`` (``optimizer/layers.0.weights/m``), and in the JSON
  the optimizer's class, its step count and its current learning rate (which ``invscaling``
  and ``adaptive`` change between epochs);
- scikit-learn's count of epochs without improvement, ``_no_improvement_count``;
- the random generators: a ``RandomState`` given as ``random_state`` (its 624-word MT19937 key
  as the uint32 tensor ``random_state/key``; ``pos``, ``has_gauss`` and ``cached_gaussian`` in
  the JSON), and the generator of each Dropout layer, which draws the masks (PCG64: its 128-bit
  state and increment as decimal text). An int seed needs nothing: every ``fit`` and
  ``partial_fit`` seeds its shuffling afresh from it. ``None`` draws from NumPy's global
  generator, which no file can hold.

Reading checks every entry (``ValueError`` naming the file and the entry). A file written before
this state existed loads as it always did: further training starts a fresh optimizer.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..checks import check_int, check_real, describe
from ..layers import Dropout
from ..parameters import Parameter
from .stochastic import make_optimizer

OPTIMIZER = "optimizer/"
KEY = "random_state/key"  # the MT19937 key: 624 words
_WORDS = 624


def training_state(est: Any) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The JSON part and the tensors of the training state of the fitted ``est``."""
    tensors: dict[str, np.ndarray] = {}
    document = {
        "no_improvement_count": int(getattr(est, "_no_improvement_count", 0)),
        "optimizer": _save_optimizer(est, tensors),
        "random_state": _save_random_state(est.random_state, tensors),
        "dropout": [_generator_state(layer.rng) for layer in _dropouts(est.network_)],
    }
    return document, tensors


def restore_training_state(
    est: Any, document: Any, extra: dict[str, np.ndarray], source: Any
) -> None:
    """Give the freshly loaded ``est`` the state :func:`training_state` saved; ``document`` is
    None for a file without it. ``ValueError`` naming ``source`` for anything malformed."""
    extra = dict(extra)
    try:
        if document is None:  # an older file: a fresh optimizer, as before
            est._no_improvement_count = 0
        else:
            _restore(est, document, extra)
        if extra:
            raise ValueError(f"unexpected tensors {sorted(extra)}")
    except (KeyError, TypeError, ValueError) as error:
        reason = f"missing entry {error}" if isinstance(error, KeyError) else str(error)
        raise ValueError(f"{source}: the saved training state is malformed ({reason})") from None


def _restore(est: Any, document: Any, extra: dict[str, np.ndarray]) -> None:
    if not isinstance(document, dict):
        raise TypeError(f"training_state must be a JSON object, got {describe(document)}")
    count = document["no_improvement_count"]
    est._no_improvement_count = check_int(count, "no_improvement_count", minimum=0)
    if document["optimizer"] is not None:
        est._optimizer = _load_optimizer(est, document["optimizer"], extra)
    if document["random_state"] is not None:
        generator = _load_random_state(document["random_state"], extra.pop(KEY, None))
        est.random_state = est._random_state = generator
    _load_generators(est.network_, document["dropout"])


# ----------------------------------------------------------------------------- optimizer
def _named_parameters(network: Any) -> list[tuple[str, Parameter]]:
    """The optimizer's parameters (``network.parameters()``) with their tensor names."""
    names = {
        id(p): f"layers.{i}.{p.name}" for i, layer in enumerate(network.layers)
        for p in layer.parameters()
    }  # fmt: skip
    return [(names[id(p)], p) for p in network.parameters()]


def _fresh_optimizer(est: Any) -> Any:
    """The optimizer ``est``'s parameters make now; None for lbfgs (which keeps no state) and
    for parameters that make none (which ``fit`` would refuse)."""
    if est.solver == "lbfgs":
        return None
    try:
        return make_optimizer(est)
    except (KeyError, TypeError, ValueError):
        return None


def _settings(optimizer: Any) -> dict[str, Any]:
    """The optimizer's fixed hyperparameters (momentum, betas, ...), not what training changes."""
    changing = ("_state", "iterations", "learning_rate")
    return {k: v for k, v in vars(optimizer).items() if k not in changing}


def _save_optimizer(est: Any, tensors: dict[str, np.ndarray]) -> dict[str, Any] | None:
    optimizer, fresh = getattr(est, "_optimizer", None), _fresh_optimizer(est)
    if optimizer is None or type(optimizer) is not type(fresh):
        return None  # lbfgs, or a solver changed by set_params since: training starts afresh
    if _settings(optimizer) != _settings(fresh):
        return None  # e.g. momentum changed by set_params: the loaded one cannot take it
    named = _named_parameters(est.network_)
    state = optimizer.state_dict([p for _, p in named])
    for (name, _), buffers in zip(named, state["buffers"], strict=True):
        for buffer, array in buffers.items():
            tensors[f"{OPTIMIZER}{name}/{buffer}"] = array
    return {
        "class": type(optimizer).__name__,
        "iterations": state["iterations"],
        "learning_rate": state["learning_rate"],
    }


def _load_optimizer(est: Any, saved: Any, extra: dict[str, np.ndarray]) -> Any:
    try:
        optimizer = None if est.solver == "lbfgs" else make_optimizer(est)
    except (KeyError, TypeError, ValueError) as error:  # say why, not "uses no optimizer"
        reason = f"solver={est.solver!r} is unknown" if isinstance(error, KeyError) else error
        message = f"an optimizer state, but the saved parameters make none: {reason}"
        raise ValueError(message) from None
    kind = type(optimizer).__name__ if optimizer is not None else "no optimizer"
    if optimizer is None or not isinstance(saved, dict) or saved.get("class") != kind:
        found = saved.get("class") if isinstance(saved, dict) else describe(saved)
        raise ValueError(f"optimizer state of {found!r}, but solver={est.solver!r} uses {kind}")
    named = _named_parameters(est.network_)
    buffers = []
    for name, _ in named:
        prefix = f"{OPTIMIZER}{name}/"
        keys = [key for key in extra if key.startswith(prefix)]
        buffers.append({key[len(prefix) :]: extra.pop(key) for key in keys})
    state = {k: saved[k] for k in ("iterations", "learning_rate")}
    optimizer.load_state_dict([p for _, p in named], {**state, "buffers": buffers})
    return optimizer


# ----------------------------------------------------------------------------- generators
def _save_random_state(seed: Any, tensors: dict[str, np.ndarray]) -> dict[str, Any] | None:
    if not isinstance(seed, np.random.RandomState):
        return None  # an int seeds every fit afresh; None is NumPy's global generator
    state = seed.get_state(legacy=False)
    if state["bit_generator"] != "MT19937":
        return None  # a RandomState on another bit generator: saved as None, as before
    tensors[KEY] = np.array(state["state"]["key"], dtype=np.uint32)
    return {
        "pos": int(state["state"]["pos"]),
        "has_gauss": int(state["has_gauss"]),
        "cached_gaussian": float(state["gauss"]),
    }


def _load_random_state(saved: Any, key: Any) -> np.random.RandomState:
    if not isinstance(key, np.ndarray) or key.dtype != np.uint32 or key.shape != (_WORDS,):
        raise ValueError(f"tensor {KEY} must hold {_WORDS} uint32 words, got {describe(key)}")
    if not isinstance(saved, dict):
        raise TypeError(f"random_state must be a JSON object, got {describe(saved)}")
    pos = check_int(saved["pos"], "random_state pos", minimum=0)
    has_gauss = check_int(saved["has_gauss"], "random_state has_gauss", minimum=0)
    gauss = check_real(saved["cached_gaussian"], "random_state cached_gaussian")
    if pos > _WORDS or has_gauss > 1:
        raise ValueError(
            f"random_state pos must be <= {_WORDS} and has_gauss 0 or 1, got {describe(saved)}"
        )
    generator = np.random.RandomState(0)
    generator.set_state(("MT19937", key, pos, has_gauss, gauss))
    return generator


def _dropouts(network: Any) -> list[Dropout]:
    return [layer for layer in network.layers if isinstance(layer, Dropout)]


def _generator_state(rng: np.random.Generator | None) -> dict[str, Any] | None:
    """A Dropout layer's PCG64 state as JSON (128-bit integers as text); None before its
    first mask is drawn by a layer that has no generator of its own."""
    if rng is None:
        return None
    state = rng.bit_generator.state
    if state["bit_generator"] != "PCG64":
        raise TypeError(f"a Dropout layer's generator must be PCG64 to be saved, got {rng!r}")
    words = {k: str(v) for k, v in state["state"].items()}
    return {**words, "has_uint32": int(state["has_uint32"]), "uinteger": int(state["uinteger"])}


def _load_generators(network: Any, saved: Any) -> None:
    """Give each Dropout layer its saved generator (a new layer of the same rate)."""
    indices = [i for i, layer in enumerate(network.layers) if isinstance(layer, Dropout)]
    if not isinstance(saved, list) or len(saved) != len(indices):
        raise ValueError(
            f"dropout must list {len(indices)} generator states, got {describe(saved)}"
        )
    for index, state in zip(indices, saved, strict=True):
        if state is not None:
            generator = np.random.Generator(_pcg64(state))
            network.layers[index] = Dropout(network.layers[index].rate, rng=generator)


def _pcg64(saved: Any) -> np.random.PCG64:
    if not isinstance(saved, dict):
        raise TypeError(f"a Dropout generator state must be a JSON object, got {describe(saved)}")
    words = {}
    for name in ("state", "inc"):
        text = saved[name]
        digits = isinstance(text, str) and text.isascii() and text.isdigit() and len(text) <= 39
        if not digits or int(text) >= 2**128:
            raise ValueError(f"a Dropout generator's {name} must be a 128-bit integer as text")
        words[name] = int(text)
    has_uint32 = check_int(saved["has_uint32"], "has_uint32", minimum=0)
    uinteger = check_int(saved["uinteger"], "uinteger", minimum=0)
    if has_uint32 > 1 or uinteger >= 2**32:
        raise ValueError(
            f"a Dropout generator's has_uint32/uinteger are out of range: {describe(saved)}"
        )
    state: Any = {"state": words, "has_uint32": has_uint32, "uinteger": uinteger}
    bit_generator = np.random.PCG64(0)
    bit_generator.state = state | {"bit_generator": "PCG64"}
    return bit_generator
