"""A tqdm progress bar over epochs: the front ends' (the command line, the Dask path).

The engine's own progress, ``fit(verbose=1)``, is one printed line per epoch
(:class:`glassnet.callbacks.ProgressLog`, standard library only); this bar is the same
callback drawn with tqdm, which the engine does not import.
"""

from __future__ import annotations

import time
from typing import Any

from ..callbacks import Callback, TrainingState


class ProgressBar(Callback):
    """A tqdm bar over epochs showing the loss, the validation loss and samples per second.

    tqdm is imported when training begins; ``tqdm_options`` go to ``tqdm.auto.tqdm``.
    """

    def __init__(self, **tqdm_options: Any) -> None:
        self.options = tqdm_options

    def on_train_begin(self, state: TrainingState) -> None:
        from tqdm.auto import tqdm

        self.bar = tqdm(total=state.history.planned_epochs, unit="epoch", **self.options)

    def on_epoch_begin(self, state: TrainingState) -> None:
        self.started = time.perf_counter()

    def on_epoch_end(self, state: TrainingState) -> None:
        seconds = max(time.perf_counter() - self.started, 1e-9)
        shown = {k: f"{v:.4g}" for k, v in state.logs.items() if k in ("loss", "val_loss")}
        shown["samples/s"] = f"{state.n_samples / seconds:.3g}"
        self.bar.set_postfix(shown, refresh=False)
        self.bar.update(1)

    def on_train_end(self, state: TrainingState) -> None:
        self.bar.close()
