"""A full-batch method in ``fit``: one that trains on all samples at once, to its own rule.

The engine knows such a method by what it does, not by its name: an object with
``fit_full_batch(network, train, validation, metrics) -> History`` (:class:`FullBatchMethod`;
:class:`glassnet.lbfgs.LBFGS` is one, a front end because it runs SciPy). ``fit`` checks the
data at its door and hands it over; what ``fit`` refuses for such a method is decided here:
the options of the epoch loop, which it does not have, and callbacks, which it cannot call.
A method may say why in its own terms (``epoch_option_reasons``, a dict like
:data:`EPOCH_OPTIONS`); the engine's words are the default.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, TypeGuard

from .checks import describe

if TYPE_CHECKING:
    from .heldout import Data, Metric
    from .history import History
    from .network import Network


class FullBatchMethod(Protocol):
    """Trains ``network`` on ``train`` (checked arrays ``(x, y, sample_weight)``), logging each
    of its iterations as an epoch (loss, and on ``validation`` the validation loss and
    ``metrics``, as :func:`glassnet.heldout.epoch_logs` measures them)."""

    def fit_full_batch(
        self,
        network: Network,
        train: Data,
        validation: Data | None,
        metrics: dict[str, Metric],
    ) -> History: ...


def is_full_batch(optimizer: Any) -> TypeGuard[FullBatchMethod]:
    """True when ``optimizer`` trains on the whole data set itself (duck typing)."""
    return callable(getattr(optimizer, "fit_full_batch", None))


# fit's options that only its epoch loop uses: why each cannot apply, and what to do instead
EPOCH_OPTIONS = {
    "epochs": "a full-batch method has no epochs and runs to its own stopping rule",
    "batch_size": "every step of a full-batch method uses all samples; leave batch_size out or "
    "pass None",
    "tol": "fit's tol stops its epoch loop and a full-batch method has no epochs",
    "patience": "patience counts epochs for fit's tol and a full-batch method has no epochs",
    "restore_best_weights": "a full-batch method has no epochs to restore; train with an "
    "epoch-based optimizer such as Adam to keep the best parameters",
    "monitor": "only fit's tol and restore_best_weights watch it; leave monitor out",
    "verbose": "verbose reports epochs and a full-batch method has no epochs; read "
    "history.loss afterwards",
}


def refuse_callbacks(optimizer: Any, callbacks: list[Any]) -> None:
    """``ValueError`` if ``fit`` was given callbacks for a full-batch ``optimizer``.

    Such a method runs to its own stopping rule: there are no epochs or batches to call hooks
    around, and a callback could not stop it or change its step. Skipping the callbacks
    silently would let a user believe that, say, early stopping or a checkpoint ran.
    """
    if callbacks:
        names = ", ".join(type(callback).__name__ for callback in callbacks)
        raise ValueError(
            f"callbacks are not called by the full-batch optimizer {optimizer!r}, which runs "
            f"to its own stopping rule; got {names}. Pass no callbacks, or train with an "
            "epoch-based optimizer such as Adam"
        )


def refuse_epoch_options(optimizer: Any, options: dict[str, tuple[Any, Any]]) -> None:
    """``ValueError`` if an option of ``fit``'s epoch loop is set for a full-batch ``optimizer``.

    ``options`` maps each name in :data:`EPOCH_OPTIONS` to ``(value, fit's default)``; a value
    other than the default is refused (``batch_size=None``, full batch, is what the method
    does). Ignoring it would let a user believe that, say, early stopping or 100 epochs
    happened. An explicitly passed default (``batch_size=32``) cannot be told from an omitted
    one.
    """
    reasons = EPOCH_OPTIONS | getattr(optimizer, "epoch_option_reasons", {})
    for name, (value, default) in options.items():
        is_default = type(value) is type(default) and value == default
        if not is_default and not (name == "batch_size" and value is None):
            raise ValueError(
                f"{name}={describe(value)} does not apply to the full-batch optimizer "
                f"{optimizer!r}: {reasons[name]}"
            )
