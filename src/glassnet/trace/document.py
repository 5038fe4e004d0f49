"""The versioned JSON document of a trace: what the glass view draws.

:func:`glassnet.trace.render.to_dict` gives every recorded number; this module adds what a
reader of the document needs beyond them: the ``schema_version`` (bumped when a field changes
meaning or goes away; new fields may appear without a bump), every bias's name, the
gradients of the data loss alone (a weight penalty's share taken out, as the walk-through
shows them), the finite-difference check of the gradients, and the walk-through text cut into
the seven steps (the lines ``glassnet explain`` prints). docs/view.md lists the fields.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import numpy as np

from ..gradcheck import numerical_gradients
from ..layers import Dropout

if TYPE_CHECKING:
    from .recorder import Trace
    from .render import Names

SCHEMA_VERSION = 1
GRADCHECK_MAX_PARAMETERS = 300  # above this, the trace keeps no finite-difference check

# a walk-through heading's step in the view's numbering, found by a word of the heading
# (first match wins: "Convergence check: the loss" is step 6, not step 3)
STEP_WORDS = (
    ("initialization", 1),
    ("forward", 2),
    ("backpropagation", 4),
    ("update", 5),
    ("convergence", 6),
    ("iteration", 7),
    ("iterat", 7),
    ("loss", 3),
)


def extras(trace: Trace, names: Names) -> dict[str, Any]:
    """The fields the document has beyond the trace's own numbers."""
    from .render import render_text, shared_bias

    biases = [p for p in trace.parameters if p.kind == "bias"]
    bias_names = [
        [names.bias(k, None if shared_bias(b) else j) for j in range(b.before.size)]
        for k, b in enumerate(biases)
    ]
    from .steps import data_grad

    numeric = trace.numeric_gradients
    note, sections = walkthrough(render_text(trace, trace.precision))
    return {
        "schema_version": SCHEMA_VERSION,
        "bias_names": bias_names,
        "plain_sgd": trace.plain_sgd,
        "precision": trace.precision,
        "data_gradients": [_plain(data_grad(p)) for p in trace.parameters],
        "numeric_gradients": None if numeric is None else [_plain(g) for g in numeric],
        "walkthrough_note": note,
        "walkthrough": sections,
    }


def gradient_check(network: Any, x: Any, y: Any, w: Any) -> list[np.ndarray] | None:
    """Central differences of the loss before the step, to show beside backpropagation's.

    Only for small networks (each entry costs two forward passes) without Dropout (its masks
    make the training loss differ from ``network.loss``, which has no mask).
    """
    parameters = network.all_parameters()
    if sum(p.value.size for p in parameters) > GRADCHECK_MAX_PARAMETERS:
        return None
    if any(isinstance(layer, Dropout) for layer in network.layers):
        return None
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return numerical_gradients(network, x, y, w)


def walkthrough(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Cut the walk-through into its headed sections: ``(text before them, sections)``."""
    lines = text.splitlines()
    starts = [
        i
        for i in range(len(lines) - 1)
        if lines[i] and set(lines[i + 1]) == {"-"} and len(lines[i + 1]) == len(lines[i])
    ]
    note = "\n".join(lines[: starts[0]] if starts else lines).strip()
    sections = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        body = [line[2:] if line.startswith("  ") else line for line in lines[start + 2 : end]]
        while body and not body[-1].strip():
            body.pop()
        sections.append({"step": step_of(lines[start]), "heading": lines[start], "lines": body})
    return note, sections


def step_of(heading: str) -> int:
    """The view's step (1-7) of a walk-through heading."""
    lower = heading.lower()
    for word, step in STEP_WORDS:
        if word in lower:
            return step
    match = re.match(r"step (\d+)", lower)
    return int(match.group(1)) if match else 0


def _plain(array: Any) -> Any:
    return np.asarray(array, dtype=float).tolist()
