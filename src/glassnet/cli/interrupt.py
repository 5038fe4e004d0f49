"""What Ctrl-C does to ``glassnet train``: never lose training, never pass off an untrained model.

The policy, whatever loop trains the network:

- before the first epoch completes (start-up, reading the data, the first epoch): nothing is
  written, and the message says so (:data:`NOTHING_WRITTEN`); exit 130;
- after a completed epoch, at any moment (training, the final metrics, the save, the plot):
  the kept model is written where a normal run writes it (``--out``, else
  ``model.safetensors``), and one line says which epoch it is and why that one
  (:func:`kept_message`); exit 130. Ctrl-C during the metrics skips them (the line says so);
  during the save it is deferred until the file is complete (:func:`sigint_deferred`); during
  the loss plot it skips the plot (the model is written by then).
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

NOTHING_WRITTEN = "interrupted before the first epoch completed: no model written"


def kept_message(history: dict[str, Any], early_stopping: bool, out: str, notes: list[str]) -> str:
    """One line: which epoch's model was written to ``out``, and why that epoch.

    ``history["best_epoch"]`` is the kept epoch (1-based); ``notes`` are what the interrupt
    skipped ("no metrics", ...).
    """
    epoch = history["best_epoch"]
    reason = "the lowest held-out loss" if early_stopping else "the last completed epoch"
    completed = len(history["loss"])
    line = (
        f"interrupted after {completed} completed epoch{'s' if completed != 1 else ''}: "
        f"wrote the model of epoch {epoch} ({reason}) to {out}"
    )
    return "; ".join([line, *notes])


@contextmanager
def sigint_deferred(then_raise: bool = False) -> Iterator[list[int]]:
    """Hold Ctrl-C until the body is done (a file half saved is no file); yields the list of
    signals received meanwhile, and raises ``KeyboardInterrupt`` after the body if one came
    and ``then_raise``. Outside the main thread, where handlers cannot be set, the body runs
    unprotected."""
    received: list[int] = []

    def note(signum: int, frame: Any) -> None:
        received.append(signum)

    try:
        previous = signal.signal(signal.SIGINT, note)
    except ValueError:  # not the main thread
        yield received
        return
    try:
        yield received
    finally:
        signal.signal(signal.SIGINT, previous)
    if received and then_raise:
        raise KeyboardInterrupt


@contextmanager
def first_sigint_only() -> Iterator[list[int]]:
    """Inside the body, the first Ctrl-C raises ``KeyboardInterrupt`` as usual (training stops
    at once); any later one is only noted (yielded list), so a second press cannot tear the
    weights while the loop puts back the kept epoch. Outside the main thread: no change."""
    received: list[int] = []

    def first_only(signum: int, frame: Any) -> None:
        received.append(signum)
        if len(received) == 1:
            raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGINT, first_only)
    except ValueError:  # not the main thread
        yield received
        return
    if previous == signal.SIG_IGN:  # Ctrl-C was ignored (a job run with "&"): it stays so
        signal.signal(signal.SIGINT, previous)
    try:
        yield received
    finally:
        signal.signal(signal.SIGINT, previous)
