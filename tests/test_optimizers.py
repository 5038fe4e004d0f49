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
    with pytest.raises(ValueError, match=r"tol must be in \[0.0, inf\), got -1e-09"):
        LBFGS(tol=-1e-9)


def test_lbfgs_tol_zero_is_allowed_and_turns_the_gradient_test_off():
    """tol >= 0, the estimator's (and scikit-learn's) rule; SciPy's gtol=0 passes only an exact
    zero gradient, so here (about 170 iterations to SciPy's ftol test) it runs to max_iter
    where tol=1e-2 stops early on the gradient."""
    from glassnet.lbfgs import LBFGS

    X = np.random.default_rng(1).normal(size=(30, 2))
    iterations = {}
    for tol in (1e-2, 0):
        net = gn.Network([gn.Dense(2, 5, "tanh", rng=0), gn.Dense(5, 1, rng=1)], loss="mse")
        optimizer = LBFGS(max_iter=60, tol=tol)
        net.fit(X, X[:, :1] ** 2, optimizer=optimizer)
        iterations[tol] = optimizer.result.nit
    assert iterations[1e-2] < 60 and iterations[0] == 60
    assert LBFGS(tol=0).tol == 0.0 and repr(LBFGS(tol=0)).endswith("tol=0.0)")


STATEFUL = {
    "sgd": lambda: SGD(0.05),
    "momentum": lambda: SGD(0.05, momentum=0.9),
    "nesterov": lambda: SGD(0.05, momentum=0.9, nesterov=True),
    "rmsprop": lambda: RMSprop(0.01),
    "adagrad": lambda: Adagrad(0.1, initial_accumulator_value=0.1),
    "adadelta": lambda: Adadelta(1.0),
    "adam": lambda: Adam(0.05),
    "adamw": lambda: AdamW(0.05, weight_decay=0.1),
    "adam-scheduled": lambda: Adam(StepDecay(0.05, step_size=3, gamma=0.5)),
}


def _pair(dtype=np.float64):
    """A weight matrix and a bias, with gradients of the bowl ``0.5 Σ a x²``."""
    w = Parameter(np.arange(6, dtype=dtype).reshape(2, 3) / 5 - 0.4, "weights")
    b = Parameter(np.array([0.3, -0.2, 0.1], dtype=dtype), "bias", regularized=False)
    return [w, b]


def _steps(optimizer, parameters, steps):
    for _ in range(steps):
        for k, p in enumerate(parameters):
            p.grad[...] = (k + 1.5) * p.value + 0.1
        optimizer.step(parameters)


@pytest.mark.parametrize("kind", list(STATEFUL))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_state_dict_continues_bit_for_bit_in_a_fresh_optimizer(kind, dtype):
    original, parameters = STATEFUL[kind](), _pair(dtype)
    _steps(original, parameters, 7)
    state = original.state_dict(parameters)
    copies = [Parameter(p.value.copy(), p.name, regularized=p.regularized) for p in parameters]
    resumed = STATEFUL[kind]()
    resumed.load_state_dict(copies, state)
    assert resumed.iterations == original.iterations == 7
    assert resumed.current_learning_rate == original.current_learning_rate
    _steps(original, parameters, 5)
    _steps(resumed, copies, 5)
    for p, q in zip(parameters, copies, strict=True):
        assert q.value.dtype == dtype and np.array_equal(p.value, q.value)


def test_state_dict_holds_copies_of_the_state_and_no_temporaries():
    optimizer, parameters = Adadelta(1.0), _pair()
    _steps(optimizer, parameters, 2)
    state = optimizer.state_dict(parameters)
    assert [sorted(b) for b in state["buffers"]] == [["u", "v"], ["u", "v"]]  # no scratch, Δ
    assert state["iterations"] == 2 and state["learning_rate"] == 1.0
    state["buffers"][0]["v"][...] = 99.0
    assert not np.any(optimizer._state[parameters[0]]["v"] == 99.0)
    plain = SGD(0.1)
    _steps(plain, parameters, 1)
    assert plain.state_dict(parameters)["buffers"] == [{}, {}]  # SGD without momentum: none
    assert Adam(StepDecay(0.1, 2)).state_dict(parameters)["learning_rate"] is None


def test_load_state_dict_sets_a_changed_learning_rate_and_keeps_a_schedule():
    parameters = _pair()
    adaptive = SGD(0.1, momentum=0.5)
    _steps(adaptive, parameters, 2)
    adaptive.learning_rate = 0.02  # as scikit-learn's 'adaptive' rule does between epochs
    resumed = SGD(0.1, momentum=0.5)
    resumed.load_state_dict(parameters, adaptive.state_dict(parameters))
    assert resumed.learning_rate == 0.02
    schedule = StepDecay(0.1, step_size=2, gamma=0.5)
    scheduled = Adam(schedule)
    scheduled.load_state_dict(parameters, {"iterations": 4, "learning_rate": None,
                                           "buffers": [{}, {}]})  # fmt: skip
    assert scheduled.learning_rate is schedule and scheduled.current_learning_rate == 0.025


def _adam_state():
    optimizer, parameters = Adam(0.1), _pair()
    _steps(optimizer, parameters, 3)
    return parameters, optimizer.state_dict(parameters)


@pytest.mark.parametrize(
    ("edit", "error", "message"),
    [
        (lambda s: s.pop("iterations"), TypeError, "state must be a dict from state_dict"),
        (lambda s: s.__setitem__("iterations", -1), ValueError, "iterations'] must be >= 0"),
        (lambda s: s.__setitem__("iterations", 2.5), TypeError, "iterations'] must be an int"),
        (lambda s: s.__setitem__("learning_rate", 0.0), ValueError, "learning_rate'] must be >"),
        (lambda s: s["buffers"].pop(), ValueError, r"buffers'\] must be a list of 2 dicts"),
        (lambda s: s["buffers"][1].pop("v"), ValueError, r"\[1\] must hold the buffers \['m', 'v'"),
        (lambda s: s["buffers"][0].__setitem__("velocity", np.zeros((2, 3))), ValueError,
         r"\[0\] must hold the buffers"),
        (lambda s: s["buffers"][0].__setitem__("m", np.zeros((3, 2))), ValueError,
         r"\['m'\] must be a float64 array of shape \(2, 3\).*got array of shape \(3, 2\)"),
        (lambda s: s["buffers"][1].__setitem__("v", np.zeros(3, np.float32)), ValueError,
         r"\['v'\] must be a float64 array of shape \(3,\)"),
        (lambda s: s["buffers"][1].__setitem__("v", [0.0, 0.0, 0.0]), ValueError,
         "must be a float64 array"),
        (lambda s: s["buffers"][1]["m"].__setitem__(0, np.nan), ValueError, "NaN or infinite"),
        (lambda s: s["buffers"].__setitem__(0, None), ValueError, r"\[0\] must hold the buffers"),
    ],
)  # fmt: skip
def test_load_state_dict_refuses_a_malformed_state_and_changes_nothing(edit, error, message):
    parameters, state = _adam_state()
    edit(state)
    optimizer = Adam(0.1)
    _steps(optimizer, parameters, 1)
    before = optimizer.state_dict(parameters)
    with pytest.raises(error, match=message):
        optimizer.load_state_dict(parameters, state)
    after = optimizer.state_dict(parameters)
    assert after["iterations"] == before["iterations"] == 1
    for old, new in zip(before["buffers"], after["buffers"], strict=True):
        assert all(np.array_equal(old[k], new[k]) for k in ("m", "v"))


def test_lbfgs_fit_checks_callbacks_and_refuses_any():
    """L-BFGS calls no callbacks: fit checks them at the door, then refuses any at all rather
    than train while silently skipping, say, a checkpoint."""
    from glassnet.callbacks import Callback, EarlyStopping
    from glassnet.lbfgs import LBFGS

    X = np.random.default_rng(2).normal(size=(20, 2))
    net = gn.Network([gn.Dense(2, 1, rng=0)], loss="mse")
    before = net.get_weights()
    with pytest.raises(TypeError, match="callbacks must be None, a Callback or a list"):
        net.fit(X, X[:, :1], optimizer=LBFGS(), callbacks=[print])
    with pytest.raises(ValueError, match="not called by the full-batch optimizer LBFGS.*got "):
        net.fit(X, X[:, :1], optimizer=LBFGS(), callbacks=Callback())
    with pytest.raises(ValueError, match="got Callback, EarlyStopping"):
        net.fit(X, X[:, :1], optimizer=LBFGS(), callbacks=(Callback(), EarlyStopping()))
    for a, b in zip(before, net.get_weights(), strict=True):  # refused before training
        np.testing.assert_array_equal(a, b)
    for none in (None, (), []):
        assert net.fit(X, X[:, :1], optimizer=LBFGS(max_iter=2), callbacks=none).loss
