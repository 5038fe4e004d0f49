"""Step 5: the update, ``new value = old value - learning rate · gradient`` and its refinements.

An optimizer's ``step(parameters)`` changes each parameter's ``value`` in place from its
``grad``. All gradients of a step are computed before ``step`` is called, so every update uses
the parameters as they were before the step. State (velocities, averages) is kept per
parameter, keyed by the parameter object, so calling ``fit`` again continues where it stopped.
``state_dict(parameters)`` / ``load_state_dict(parameters, state)`` give that state as arrays in
parameter order and take it back (an estimator's model file keeps it this way).

The learning rate may be a number or a schedule: any callable ``schedule(iteration) -> rate``
(see :mod:`glassnet.schedules`), evaluated once per step with the number of steps taken so far.

What all optimizers share (the ``Optimizer`` base class and the adaptive methods' update
kernels) is in ``_optimizer_base.py``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from ._optimizer_base import LearningRate, Optimizer, moving_average, scaled_step
from .checks import check_bool, check_in_range, check_positive, describe
from .parameters import Parameter


class SGD(Optimizer):
    """Stochastic gradient descent, with optional (Nesterov) momentum.

    With ``momentum = 0``: ``value -= learning_rate * grad``.

    With momentum μ (the form of Keras and scikit-learn; PyTorch keeps ``v`` without the
    learning rate, which is the same trajectory while the rate is constant)::

        velocity = μ * velocity - learning_rate * grad
        value += velocity                                  # classical momentum
        value += μ * velocity - learning_rate * grad       # nesterov=True

    Parameters
    ----------
    learning_rate : float or schedule, default 0.01
    momentum : float in [0, 1), default 0
    nesterov : bool, default False

    Examples
    --------
    >>> opt = SGD(learning_rate=0.5)
    >>> p = Parameter(np.array([1.0])); p.grad[:] = 0.2
    >>> opt.step([p]); p.value
    array([0.9])
    """

    def __init__(
        self, learning_rate: LearningRate = 0.01, momentum: float = 0.0, nesterov: bool = False
    ) -> None:
        super().__init__(learning_rate)
        self.momentum = check_in_range(momentum, "momentum", 0.0, 1.0)
        self.nesterov = check_bool(nesterov, "nesterov")
        if self.nesterov and self.momentum == 0.0:
            raise ValueError("nesterov=True needs momentum > 0, got momentum=0.0")

    def init_state(self, parameter: Parameter) -> dict[str, np.ndarray]:
        state = super().init_state(parameter)
        if self.momentum:
            state["velocity"] = np.zeros_like(parameter.value)
        return state

    def update(
        self, parameter: Parameter, state: dict[str, np.ndarray], learning_rate: float
    ) -> None:
        step = np.multiply(parameter.grad, learning_rate, out=state["scratch"])  # lr * grad
        if not self.momentum:
            parameter.value -= step
            return
        velocity = state["velocity"]
        velocity *= self.momentum
        velocity -= step
        if self.nesterov:
            parameter.value -= step
            parameter.value += np.multiply(velocity, self.momentum, out=step)
        else:
            parameter.value += velocity

    def __repr__(self) -> str:
        return (
            f"SGD(learning_rate={self.learning_rate!r}, momentum={self.momentum}, "
            f"nesterov={self.nesterov})"
        )


class RMSprop(Optimizer):
    """Divide each step by a running root mean square of the gradient (Hinton's RMSprop).

    As coded (PyTorch's and Keras' form: ε outside the square root)::

        v = ρ * v + (1 - ρ) * grad²
        value -= learning_rate * grad / (sqrt(v) + ε)

    Parameters
    ----------
    learning_rate : float or schedule, default 0.001
    rho : float in [0, 1), default 0.9
    epsilon : float > 0, default 1e-8
    """

    def __init__(
        self, learning_rate: LearningRate = 0.001, rho: float = 0.9, epsilon: float = 1e-8
    ) -> None:
        super().__init__(learning_rate)
        self.rho = check_in_range(rho, "rho", 0.0, 1.0)
        self.epsilon = check_positive(epsilon, "epsilon")

    def init_state(self, parameter: Parameter) -> dict[str, np.ndarray]:
        return {**super().init_state(parameter), "v": np.zeros_like(parameter.value)}

    def update(
        self, parameter: Parameter, state: dict[str, np.ndarray], learning_rate: float
    ) -> None:
        v, scratch = state["v"], state["scratch"]
        moving_average(v, np.square(parameter.grad, out=scratch), self.rho, scratch)
        scaled_step(parameter, parameter.grad, v, scratch, learning_rate, self.epsilon)


class Adagrad(Optimizer):
    """Divide each step by the root of the sum of all squared gradients so far (Duchi et al.).

    As coded (PyTorch's form: ε outside the square root, accumulator starting at
    ``initial_accumulator_value``; Keras starts it at 0.1)::

        G += grad²
        value -= learning_rate * grad / (sqrt(G) + ε)

    Parameters
    ----------
    learning_rate : float or schedule, default 0.01
    initial_accumulator_value : float >= 0, default 0
    epsilon : float > 0, default 1e-10
    """

    def __init__(
        self,
        learning_rate: LearningRate = 0.01,
        initial_accumulator_value: float = 0.0,
        epsilon: float = 1e-10,
    ) -> None:
        super().__init__(learning_rate)
        self.initial_accumulator_value = check_in_range(
            initial_accumulator_value, "initial_accumulator_value", 0.0, np.inf
        )
        self.epsilon = check_positive(epsilon, "epsilon")

    def init_state(self, parameter: Parameter) -> dict[str, np.ndarray]:
        G = np.full_like(parameter.value, self.initial_accumulator_value)
        return {**super().init_state(parameter), "G": G}

    def update(
        self, parameter: Parameter, state: dict[str, np.ndarray], learning_rate: float
    ) -> None:
        G, scratch = state["G"], state["scratch"]
        G += np.square(parameter.grad, out=scratch)
        scaled_step(parameter, parameter.grad, G, scratch, learning_rate, self.epsilon)


class Adadelta(Optimizer):
    """Steps with the units of the parameter: a ratio of two running RMS (Zeiler, 2012).

    As coded (PyTorch's form; Keras uses ``rho=0.95``, ``epsilon=1e-7``, ``learning_rate=0.001``)::

        v = ρ * v + (1 - ρ) * grad²
        Δ = sqrt(u + ε) / sqrt(v + ε) * grad
        u = ρ * u + (1 - ρ) * Δ²
        value -= learning_rate * Δ

    Parameters
    ----------
    learning_rate : float or schedule, default 1.0
    rho : float in [0, 1), default 0.9
    epsilon : float > 0, default 1e-6
    """

    temporaries = ("scratch", "delta")  # Δ is recomputed by every update

    def __init__(
        self, learning_rate: LearningRate = 1.0, rho: float = 0.9, epsilon: float = 1e-6
    ) -> None:
        super().__init__(learning_rate)
        self.rho = check_in_range(rho, "rho", 0.0, 1.0)
        self.epsilon = check_positive(epsilon, "epsilon")

    def init_state(self, parameter: Parameter) -> dict[str, np.ndarray]:
        state = super().init_state(parameter)
        state.update(v=np.zeros_like(parameter.value), u=np.zeros_like(parameter.value))
        state["delta"] = np.empty_like(parameter.value)
        return state

    def update(
        self, parameter: Parameter, state: dict[str, np.ndarray], learning_rate: float
    ) -> None:
        v, u, delta, scratch = state["v"], state["u"], state["delta"], state["scratch"]
        moving_average(v, np.square(parameter.grad, out=scratch), self.rho, scratch)
        np.sqrt(np.add(u, self.epsilon, out=delta), out=delta)  # sqrt(u + ε)
        np.sqrt(np.add(v, self.epsilon, out=scratch), out=scratch)  # sqrt(v + ε)
        delta /= scratch
        delta *= parameter.grad
        moving_average(u, np.square(delta, out=scratch), self.rho, scratch)
        parameter.value -= np.multiply(delta, learning_rate, out=scratch)


class Adam(Optimizer):
    """Adaptive moment estimation (Kingma & Ba), in the form of Keras and scikit-learn's MLP.

    As coded, with ``t`` the number of this step (1 for the first)::

        m = β₁ * m + (1 - β₁) * grad
        v = β₂ * v + (1 - β₂) * grad²
        lr_t = learning_rate * sqrt(1 - β₂**t) / (1 - β₁**t)
        value -= lr_t * m / (sqrt(v) + ε)

    PyTorch divides by ``sqrt(v / (1 - β₂**t)) + ε`` instead, i.e. its ε is not scaled by
    ``sqrt(1 - β₂**t)``; the two agree except in the size of ε's effect.

    Parameters
    ----------
    learning_rate : float or schedule, default 0.001
    beta_1, beta_2 : float in [0, 1), default 0.9 and 0.999
    epsilon : float > 0, default 1e-8

    Examples
    --------
    >>> opt = Adam(learning_rate=0.1)
    >>> p = Parameter(np.array([1.0])); p.grad[:] = 0.5
    >>> opt.step([p]); p.value.round(6)   # the first step moves by about learning_rate
    array([0.9])
    """

    def __init__(
        self,
        learning_rate: LearningRate = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
    ) -> None:
        super().__init__(learning_rate)
        self.beta_1 = check_in_range(beta_1, "beta_1", 0.0, 1.0)
        self.beta_2 = check_in_range(beta_2, "beta_2", 0.0, 1.0)
        self.epsilon = check_positive(epsilon, "epsilon")

    def init_state(self, parameter: Parameter) -> dict[str, np.ndarray]:
        state = super().init_state(parameter)
        state.update(m=np.zeros_like(parameter.value), v=np.zeros_like(parameter.value))
        return state

    def update(
        self, parameter: Parameter, state: dict[str, np.ndarray], learning_rate: float
    ) -> None:
        m, v, scratch = state["m"], state["v"], state["scratch"]
        t = self.iterations + 1
        moving_average(m, parameter.grad, self.beta_1, scratch)
        moving_average(v, np.square(parameter.grad, out=scratch), self.beta_2, scratch)
        lr_t = learning_rate * np.sqrt(1.0 - self.beta_2**t) / (1.0 - self.beta_1**t)
        scaled_step(parameter, m, v, scratch, lr_t, self.epsilon)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter), as PyTorch and Keras do it.

    Before the :class:`Adam` step, each regularized parameter (weights, not biases) shrinks::

        value -= learning_rate * weight_decay * value

    Parameters
    ----------
    learning_rate, beta_1, beta_2, epsilon : as :class:`Adam`
    weight_decay : float >= 0, default 0.01
    """

    def __init__(
        self,
        learning_rate: LearningRate = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        weight_decay: float = 0.01,
    ) -> None:
        super().__init__(learning_rate, beta_1, beta_2, epsilon)
        self.weight_decay = check_in_range(weight_decay, "weight_decay", 0.0, np.inf)

    def update(
        self, parameter: Parameter, state: dict[str, np.ndarray], learning_rate: float
    ) -> None:
        if parameter.regularized and self.weight_decay:
            parameter.value *= 1.0 - learning_rate * self.weight_decay
        super().update(parameter, state, learning_rate)


OPTIMIZERS: dict[str, Callable[[], Optimizer]] = {
    "sgd": SGD,
    "rmsprop": RMSprop,
    "adagrad": Adagrad,
    "adadelta": Adadelta,
    "adam": Adam,
    "adamw": AdamW,
}


def default_learning_rate(optimizer_class: type[Optimizer]) -> float:
    """The rate ``optimizer_class()`` uses: each default is written once, in its signature
    (the CLI's ``--lr`` help and defaults read it here)."""
    return inspect.signature(optimizer_class).parameters["learning_rate"].default


def as_optimizer(spec: Any) -> Optimizer:
    """Accept an optimizer object (anything with ``step(parameters)``); front ends map names
    through :data:`OPTIMIZERS`."""
    if callable(getattr(spec, "step", None)):
        optimizer: Optimizer = spec
        return optimizer
    raise TypeError(f"optimizer must be an optimizer object such as SGD(0.1), got {describe(spec)}")
