"""An optimizer as plain data, for the Dask checkpoint: its class and settings, never code.

A checkpoint holds glassnet's first-order optimizers (:data:`glassnet.optimizers.OPTIMIZERS`)
with a number or a :mod:`glassnet.schedules` schedule as learning rate: what their constructors
take, read back from their attributes. Anything else (a custom optimizer, a lambda as learning
rate) could only be saved as code, so a checkpointed run refuses it before training starts.
"""

from __future__ import annotations

import inspect
from typing import Any

from .. import schedules
from ..checks import describe
from ..optimizers import OPTIMIZERS, Optimizer

_OPTIMIZERS = {cls.__name__: cls for cls in OPTIMIZERS.values() if isinstance(cls, type)}
_SCHEDULES = {
    name: cls
    for name, cls in vars(schedules).items()
    if isinstance(cls, type)
    and issubclass(cls, schedules.Schedule)
    and cls is not schedules.Schedule
}


def _settings(obj: Any) -> dict[str, Any]:
    """The constructor's arguments, as the object keeps them."""
    names = [n for n in inspect.signature(type(obj).__init__).parameters if n != "self"]
    return {name: getattr(obj, name) for name in names}


def optimizer_spec(optimizer: Any) -> dict[str, Any]:
    """``{"class": "SGD", "settings": {...}}``; ``TypeError`` for one a checkpoint cannot hold."""
    kind = type(optimizer).__name__
    if _OPTIMIZERS.get(kind) is not type(optimizer):
        raise TypeError(
            f"checkpoint: a checkpoint holds glassnet's optimizers ({', '.join(_OPTIMIZERS)}) "
            f"as data, never code; got {describe(optimizer, 60)}"
        )
    settings = _settings(optimizer)
    rate = settings["learning_rate"]
    if isinstance(rate, schedules.Schedule) and _SCHEDULES.get(type(rate).__name__) is type(rate):
        settings["learning_rate"] = {"schedule": type(rate).__name__, **_settings(rate)}
    elif callable(rate):
        raise TypeError(
            "checkpoint: a checkpoint holds a number or a glassnet.schedules schedule as "
            f"learning rate, never code; got {describe(rate, 60)}"
        )
    return {"class": kind, "settings": settings}


def build_optimizer(spec: Any) -> Optimizer:
    """The optimizer :func:`optimizer_spec` described; ``ValueError`` for anything else."""
    try:
        settings = dict(spec["settings"])
        rate = settings["learning_rate"]
        if isinstance(rate, dict):
            rate = dict(rate)
            settings["learning_rate"] = _SCHEDULES[rate.pop("schedule")](**rate)
        optimizer: Optimizer = _OPTIMIZERS[spec["class"]](**settings)
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"its optimizer is malformed ({error!r:.120})") from None
    return optimizer


def differences(saved: Any, current: Any, where: str = "") -> list[str]:
    """Where two specs (plain data) differ, as ``"layers[1].n_outputs: 4 saved, 5 now"``."""
    if isinstance(saved, dict) and isinstance(current, dict):
        found = []
        for key in sorted(set(saved) | set(current), key=str):
            place = f"{where}.{key}" if where else str(key)
            found += differences(saved.get(key), current.get(key), place)
        return found
    if isinstance(saved, list) and isinstance(current, list) and len(saved) == len(current):
        found = []
        for index, (a, b) in enumerate(zip(saved, current, strict=True)):
            found += differences(a, b, f"{where}[{index}]")
        return found
    if saved == current and isinstance(saved, bool) == isinstance(current, bool):
        return []
    if isinstance(saved, list) and isinstance(current, list):
        return [f"{where}: {len(saved)} saved, {len(current)} now"]
    return [f"{where}: {describe(saved, 40)} saved, {describe(current, 40)} now"]
