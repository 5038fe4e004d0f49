"""What ``fit`` returns: the loss, validation loss, metrics and learning rate of each epoch."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class History:
    """What happened during ``fit``: one entry per epoch (with a full-batch optimizer such as
    :class:`glassnet.lbfgs.LBFGS`, per iteration, each measured at that iteration's parameters).

    Attributes
    ----------
    loss : list of float
        Training loss of each epoch: the mean of its batch losses, weighted by batch size
        (each batch loss is computed before that batch's update).
    val_loss : list of float
        Loss on the validation data after each epoch (empty without validation data).
    metrics : dict of str to list of float
        Each metric after each epoch, on the training data (``"accuracy"``) and on the
        validation data (``"val_accuracy"``).
    learning_rate : list of float
        The learning rate in force at the start of each epoch.
    stopped_early : bool
        True when a stopping rule or a callback ended training before ``epochs``.
    planned_epochs : int
        The ``epochs`` asked for.
    interrupted : bool
        True when a ``KeyboardInterrupt`` stopped training; the parameters are then those of
        the last completed epoch (see :mod:`glassnet.loop`).
    """

    loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    metrics: dict[str, list[float]] = field(default_factory=dict)
    learning_rate: list[float] = field(default_factory=list)
    stopped_early: bool = False
    planned_epochs: int = 0
    interrupted: bool = False

    def record(self, logs: dict[str, float]) -> None:
        """Append one epoch's values: ``loss``, ``val_loss`` and metrics by name."""
        for name, value in logs.items():
            if name in ("loss", "val_loss"):
                getattr(self, name).append(value)
            else:
                self.metrics.setdefault(name, []).append(value)

    @property
    def epochs(self) -> int:
        return len(self.loss)
