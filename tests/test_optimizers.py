"""Optimizers: one-step formulas by hand, 50-step references, descent on a convex problem."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.optimizers import SGD, Adadelta, Adagrad, Adam, AdamW, RMSprop, as_optimizer
from glassnet.parameters import Parameter
from glassnet.schedules import StepDecay


def one_step(optimizer, value, grad):
    p = Parameter(np.array(value, dtype=float))
    p.grad[:] = grad
    optimizer.step([p])
    return p.value


def test_one_step_sgd_momentum_nesterov():
    assert one_step(SGD(0.5), [1.0], [0.2]) == pytest.approx([0.9])
    # v = 0.9*0 - 0.5*0.2 = -0.1; nesterov: value += 0.9*v - 0.5*0.2 = -0.19
    assert one_step(SGD(0.5, momentum=0.9), [1.0], [0.2]) == pytest.approx([0.9])
    assert one_step(SGD(0.5, momentum=0.9, nesterov=True), [1.0], [0.2]) == pytest.approx([0.81])


def test_one_step_adaptive():
    # RMSprop: v = 0.1 * 0.04 = 0.004; step = 0.01 * 0.2 / (sqrt(0.004) + 1e-8)
    assert one_step(RMSprop(0.01), [1.0], [0.2]) == pytest.approx(
        [1.0 - 0.01 * 0.2 / (np.sqrt(0.004) + 1e-8)], rel=1e-14
    )
    # Adagrad: G = 0.04; step = 0.1 * 0.2 / (0.2 + 1e-10)
    assert one_step(Adagrad(0.1), [1.0], [0.2]) == pytest.approx(
        [1.0 - 0.1 * 0.2 / (0.2 + 1e-10)], rel=1e-14
    )
    # Adadelta: v = 0.004; Δ = sqrt(1e-6) / sqrt(0.004 + 1e-6) * 0.2
    delta = np.sqrt(1e-6) / np.sqrt(0.004 + 1e-6) * 0.2
    assert one_step(Adadelta(1.0), [1.0], [0.2]) == pytest.approx([1.0 - delta], rel=1e-14)
    # Adam t=1: m = 0.02, v = 4e-5, lr_t = 0.1 * sqrt(0.001) / 0.1
    lr_t = 0.1 * np.sqrt(1 - 0.999) / (1 - 0.9)
    expected = 1.0 - lr_t * 0.02 / (np.sqrt(0.001 * 0.04) + 1e-8)
    assert one_step(Adam(0.1), [1.0], [0.2]) == pytest.approx([expected], rel=1e-14)
    # AdamW: decay first, value = 1 - 0.1 * 0.5 * 1, then the same Adam step
    decayed = one_step(AdamW(0.1, weight_decay=0.5), [1.0], [0.2])
    assert decayed == pytest.approx([expected - 0.05], rel=1e-14)


def test_adamw_does_not_decay_biases():
    p = Parameter(np.array([1.0]), "bias", regularized=False)
    p.grad[:] = 0.0
    AdamW(0.1, weight_decay=0.5).step([p])
    assert p.value[0] == 1.0


def quadratic_grad(x, a):
    """Gradient of f(x) = 0.5 * Σ a_i x_i², an ill-conditioned convex bowl."""
    return a * x


def run(optimizer, steps=50):
    a = np.array([1.0, 10.0, 0.1])
    p = Parameter(np.array([1.0, -2.0, 3.0]))
    for _ in range(steps):
        p.grad[:] = quadratic_grad(p.value, a)
        optimizer.step([p])
    return p.value, a


def reference(kind, steps=50):
    """The documented update rules, written out independently of glassnet."""
    a = np.array([1.0, 10.0, 0.1])
    x = np.array([1.0, -2.0, 3.0])
    s1, s2 = np.zeros(3), np.zeros(3)
    for t in range(1, steps + 1):
        g = a * x
        if kind == "momentum":
            s1 = 0.9 * s1 - 0.05 * g
            x = x + s1
        elif kind == "nesterov":
            s1 = 0.9 * s1 - 0.05 * g
            x = x + 0.9 * s1 - 0.05 * g
        elif kind == "rmsprop":
            s1 = 0.9 * s1 + 0.1 * g**2
            x = x - 0.01 * g / (np.sqrt(s1) + 1e-8)
        elif kind == "adagrad":
            s1 = s1 + g**2
            x = x - 0.1 * g / (np.sqrt(s1) + 1e-10)
        elif kind == "adam":
            s1 = 0.9 * s1 + 0.1 * g
            s2 = 0.999 * s2 + 0.001 * g**2
            x = x - 0.05 * np.sqrt(1 - 0.999**t) / (1 - 0.9**t) * s1 / (np.sqrt(s2) + 1e-8)
    return x


@pytest.mark.parametrize(
    ("kind", "optimizer"),
    [
        ("momentum", SGD(0.05, momentum=0.9)),
        ("nesterov", SGD(0.05, momentum=0.9, nesterov=True)),
        ("rmsprop", RMSprop(0.01)),
        ("adagrad", Adagrad(0.1)),
        ("adam", Adam(0.05)),
    ],
)
def test_fifty_steps_follow_reference(kind, optimizer):
    value, _ = run(optimizer)
    np.testing.assert_allclose(value, reference(kind), rtol=0, atol=1e-10)


@pytest.mark.parametrize(
    "optimizer",
    [
        SGD(0.05),
        SGD(0.05, momentum=0.9),
        SGD(0.05, momentum=0.9, nesterov=True),
        RMSprop(0.01),
        Adagrad(0.1),
        Adadelta(1.0),
        Adam(0.05),
        AdamW(0.05),
    ],
    ids=repr,
)
def test_every_optimizer_goes_downhill(optimizer):
    start = 0.5 * np.sum(np.array([1.0, 10.0, 0.1]) * np.array([1.0, -2.0, 3.0]) ** 2)
    value, a = run(optimizer, steps=200)
    assert 0.5 * np.sum(a * value**2) < 0.5 * start


def test_schedule_is_evaluated_per_step():
    optimizer = SGD(StepDecay(1.0, step_size=2, gamma=0.5))
    rates = []
    for _ in range(5):
        rates.append(optimizer.current_learning_rate)
        one_step_p = Parameter(np.zeros(1))
        optimizer.step([one_step_p])
    assert rates == [1.0, 1.0, 0.5, 0.5, 0.25]


def test_state_is_kept_and_no_allocation_of_state_per_step():
    optimizer = Adam(0.1)
    p = Parameter(np.array([1.0, 2.0]))
    p.grad[:] = 1.0
    optimizer.step([p])
    m = optimizer._state[p]["m"]
    optimizer.step([p])
    assert optimizer._state[p]["m"] is m
    assert optimizer.iterations == 2


def test_float32_parameters_stay_float32():
    p = Parameter(np.ones(3, dtype=np.float32))
    p.grad[:] = 0.5
    for optimizer in (RMSprop(), Adagrad(), Adadelta(), Adam(), AdamW()):
        optimizer.step([p])
    assert p.value.dtype == np.float32


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: SGD(0.1, momentum=1.0), "momentum must be in"),
        (lambda: RMSprop(rho=-0.1), "rho must be in"),
        (lambda: Adam(beta_1=1.0), "beta_1 must be in"),
        (lambda: Adam(epsilon=0.0), "epsilon must be > 0"),
        (lambda: AdamW(weight_decay=-1.0), "weight_decay must be in"),
        (lambda: Adagrad(initial_accumulator_value=-1.0), "initial_accumulator_value"),
        (lambda: Adam(learning_rate=-0.1), "learning_rate must be > 0"),
    ],
)
def test_bad_hyperparameters_are_named(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_registry_and_objects_only():
    assert isinstance(gn.optimizers.OPTIMIZERS["adam"](), Adam)
    with pytest.raises(TypeError, match="optimizer must be an optimizer object"):
        as_optimizer("adam")


def test_lbfgs_reaches_the_least_squares_solution():
    from glassnet.lbfgs import LBFGS

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = X @ np.array([[1.0], [-2.0], [0.5]]) + 0.3 + 0.1 * rng.normal(size=(40, 1))
    net = gn.Network([gn.Dense(3, 1, rng=0)], loss="mse")
    optimizer = LBFGS(tol=1e-10)
    history = net.fit(X, y, optimizer=optimizer)
    design = np.hstack([X, np.ones((40, 1))])
    solution = np.linalg.lstsq(design, y, rcond=None)[0]
    np.testing.assert_allclose(net.layers[0].weights.value, solution[:3], atol=1e-6)
    np.testing.assert_allclose(net.layers[0].bias.value, solution[3], atol=1e-6)
    assert optimizer.result.success and history.loss[-1] < history.loss[0]


def test_lbfgs_respects_max_iter_and_validates():
    from glassnet.lbfgs import LBFGS

    X = np.random.default_rng(1).normal(size=(30, 2))
    net = gn.Network([gn.Dense(2, 5, "tanh", rng=0), gn.Dense(5, 1, rng=1)], loss="mse")
    optimizer = LBFGS(max_iter=3)
    history = net.fit(X, X[:, :1] ** 2, optimizer=optimizer)
    assert optimizer.result.nit == 3 and len(history.loss) == 3
    with pytest.raises(ValueError, match="max_iter must be >= 1, got 0"):
        LBFGS(max_iter=0)
    with pytest.raises(ValueError, match="tol must be > 0"):
        LBFGS(tol=0.0)
