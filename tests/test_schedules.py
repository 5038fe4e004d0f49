"""Learning-rate schedules restate their formulas."""

from __future__ import annotations

import math

import numpy as np
import pytest

import glassnet as gn
from glassnet.parameters import Parameter
from glassnet.schedules import Constant, CosineDecay, ExponentialDecay, InverseScaling, StepDecay


def test_constant_and_inverse_scaling():
    assert Constant(0.1)(57) == 0.1
    assert InverseScaling(0.1, power_t=0.5)(3) == pytest.approx(0.1 / 2.0)
    assert InverseScaling(0.1)(0) == 0.1


def test_step_and_exponential():
    schedule = StepDecay(1.0, step_size=3, gamma=0.1)
    assert [schedule(i) for i in (0, 2, 3, 6)] == pytest.approx([1.0, 1.0, 0.1, 0.01])
    assert ExponentialDecay(1.0, decay_steps=10, decay_rate=0.5)(20) == pytest.approx(0.25)
    assert ExponentialDecay(1.0, decay_steps=10, decay_rate=0.5)(5) == pytest.approx(math.sqrt(0.5))


def test_cosine_ends_at_min_rate_and_stays():
    schedule = CosineDecay(1.0, decay_steps=10, min_rate=0.1)
    assert schedule(0) == 1.0
    assert schedule(5) == pytest.approx(0.55)
    assert schedule(10) == pytest.approx(0.1)
    assert schedule(100) == pytest.approx(0.1)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: StepDecay(0.1, step_size=0), "step_size must be >= 1"),
        (lambda: StepDecay(0.1, step_size=2, gamma=1.5), "gamma must be in"),
        (lambda: ExponentialDecay(0.1, 10, 0.0), r"decay_rate must be in \(0.0, 1.0\], got 0.0"),
        (lambda: InverseScaling(0.1, power_t=-1), "power_t must be in"),
        (lambda: CosineDecay(0.1, 10, min_rate=0.5), "min_rate must be in"),
        (lambda: Constant(0.0), "learning_rate must be > 0"),
    ],
)
def test_bad_arguments_are_named(make, message):
    with pytest.raises(ValueError, match=message):
        make()


FIRST_ORDER = [
    lambda rate: gn.SGD(rate),
    lambda rate: gn.SGD(rate, momentum=0.9, nesterov=True),
    lambda rate: gn.RMSprop(rate),
    lambda rate: gn.Adagrad(rate),
    lambda rate: gn.Adadelta(rate),
    lambda rate: gn.Adam(rate),
    lambda rate: gn.AdamW(rate, weight_decay=0.1),
]


@pytest.mark.parametrize("make", FIRST_ORDER, ids=lambda make: repr(make(0.1)).split("(")[0])
def test_a_schedule_drives_every_first_order_optimizer(make):
    """Each step uses the schedule's rate for that step: the same run as a constant-rate twin
    whose rate is set by hand before every step, and not the run at the starting rate."""
    schedule = StepDecay(0.1, step_size=1, gamma=0.5)
    scheduled, by_hand, constant = make(schedule), make(0.1), make(0.1)
    params = [Parameter(np.array([1.0, -2.0, 0.5])) for _ in range(3)]
    rng = np.random.default_rng(0)
    for step in range(5):
        grad = rng.normal(size=3)
        by_hand.learning_rate = 0.1 * 0.5**step
        for optimizer, p in zip((scheduled, by_hand, constant), params, strict=True):
            p.grad[:] = grad
            optimizer.step([p])
    np.testing.assert_array_equal(params[0].value, params[1].value)
    assert not np.allclose(params[0].value, params[2].value)
