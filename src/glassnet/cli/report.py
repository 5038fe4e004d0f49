"""What ``glassnet train`` says it did: the data, the task and why, the split, the network,
the optimizer, the epochs run and kept, the time, and the scores beside a linear baseline.

:func:`training_report` gathers it as one JSON-ready dict (``--json`` prints it whole);
:func:`report_lines` is the same for a person.
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np
import pandas as pd

from ..io.tables import MAX_CLASSES
from .loop import Trained


def task_reason(y: pd.Series, task: str, given: bool) -> str:
    """Why ``task``: the option, or what the target's values look like."""
    if given:
        return "--task"
    distinct = int(y.nunique())
    if pd.api.types.is_bool_dtype(y):
        return "the target is true/false"
    if not pd.api.types.is_numeric_dtype(y):
        if task == "classification":
            return f"the target is text ({distinct} distinct values)"
        return f"the target holds numbers written as text ({distinct} distinct values)"
    if task == "classification":
        return f"the target has {distinct} distinct whole numbers (at most {MAX_CLASSES})"
    whole = bool(np.all(np.mod(y.to_numpy(dtype=float), 1) == 0))
    kind = "whole numbers" if whole else "numbers, not all whole"
    return f"the target has {distinct} distinct {kind}"


def data_report(
    source: str, n_rows: int, used: list[str], dropped: dict[str, str], target: str
) -> dict[str, Any]:
    return {
        "source": source,
        "rows": n_rows,
        "target": target,
        "columns_used": used,
        "columns_dropped": dropped,
    }


def network_report(network: Any, activation: str, metadata: dict[str, Any]) -> dict[str, Any]:
    dense = [layer for layer in network.layers if hasattr(layer, "weights")]
    sizes = [network.n_inputs, *(layer.weights.value.shape[1] for layer in dense)]
    penalties = [
        {"name": type(p).__name__, "l2": float(getattr(p, "l2", 0.0))} for p in network.penalties
    ]
    return {
        "layers": "-".join(str(n) for n in sizes),
        "hidden_activation": activation,
        "loss": type(network.loss_function).__name__,
        "penalties": penalties,
        "parameters": int(sum(p.value.size for p in network.parameters())),
    }


def task_report(y: pd.Series, metadata: dict[str, Any], given: bool) -> dict[str, Any]:
    """The task, why, and for classification the classes and the positive class (the second
    class of two: the one precision, recall and ROC AUC are about)."""
    task = metadata["task"]
    report: dict[str, Any] = {"kind": task, "reason": task_reason(y, task, given)}
    if task == "classification":
        classes = metadata["classes"]
        report["classes"] = classes
        report["positive_class"] = classes[1] if len(classes) == 2 else None
    return report


def training_report(
    args: argparse.Namespace,
    prepared: dict[str, Any],
    trained: Trained,
    results: dict[str, Any],
    seconds: float,
) -> dict[str, Any]:
    """The whole report: ``prepared`` (data, task, split, network), the optimizer, the epochs,
    the time and ``results`` (metrics, baseline, model), JSON-ready."""
    kept = trained.history["best_epoch"]
    why = (
        "interrupted" if trained.interrupted
        else "early stopping: no better held-out loss for --patience epochs"
        if trained.stopped_early
        else "--epochs reached"
    )  # fmt: skip
    default_rate = 0.01 if args.optimizer == "sgd" else 0.001
    rate = float(args.lr) if args.lr is not None else default_rate
    return prepared | {
        "optimizer": {"name": args.optimizer, "learning_rate": rate, "batch_size": args.batch_size},
        "epochs": {
            "max": args.epochs, "run": len(trained.history["loss"]), "kept": kept, "why": why,
            "kept_because": "lowest held-out loss" if args.early_stopping else "last epoch",
        },
        "time_seconds": seconds,
        **results,
        "interrupted": trained.interrupted,
        "epoch": kept,  # the kept epoch at the top level, as before
    }  # fmt: skip


def report_lines(report: dict[str, Any]) -> list[str]:
    """The report for a person: a few lines before the scores."""
    data, task, split = report["data"], report["task"], report["split"]
    network, optimizer, epochs = report["network"], report["optimizer"], report["epochs"]
    dropped = ", ".join(f"{c} ({why})" for c, why in data["columns_dropped"].items())
    lines = [
        f"data: {data['source']}: {data['rows']} rows, {len(data['columns_used'])} feature "
        f"columns, target {data['target']!r}" + (f"; dropped {dropped}" if dropped else ""),
        f"task: {task['kind']} ({task['reason']})" + _classes(task),
        f"split: {split['train']} train ({split['validation']} of them held out for early "
        f"stopping), {split['test']} test",
        f"network: {network['layers']} {network['hidden_activation']}, {network['loss']}"
        + "".join(f", {p['name']}({p['l2']:.3g})" for p in network["penalties"])
        + f"; {optimizer['name']} lr {optimizer['learning_rate']:g}, "
        f"batch {optimizer['batch_size']}",
        f"epochs: {epochs['run']} run of at most {epochs['max']} ({epochs['why']}); "
        f"kept epoch {epochs['kept']}; {report['time_seconds']:.1f} s",
    ]
    return lines


def baseline_line(report: dict[str, Any]) -> str | None:
    """The network's test score beside the baseline's, or None without a baseline."""
    baseline = report.get("baseline")
    if not baseline or baseline.get("test") is None:
        return None
    metric = baseline["metric"]
    ours = (report["metrics"].get("test") or {}).get(metric)
    if ours is None:
        return None
    return (
        f"baseline: {baseline['model']} on the same split: test {metric} "
        f"{baseline['test']:.4f}; the network: {ours:.4f} ({ours - baseline['test']:+.4f})"
    )


def _classes(task: dict[str, Any]) -> str:
    classes = task.get("classes")
    if not classes:
        return ""
    shown = ", ".join(map(str, classes[:10])) + (", ..." if len(classes) > 10 else "")
    positive = task.get("positive_class")
    return f"; classes {shown}" + (f" (positive: {positive})" if positive is not None else "")
